"""A real disbursement process killed with SIGKILL mid-way, then run again: everybody is paid
exactly once (both engines)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Table, create_engine, func, select
from sqlalchemy.orm import Session

from bansos.auth import service as auth
from bansos.auth.service import Actor
from bansos.db import insert_rows, make_engine, session_factory, unit_of_work
from bansos.ledger import service as ledger
from bansos.ledger.models import Transfer
from bansos.notify.models import Notification
from bansos.programs import cycles
from bansos.programs import service as programs
from bansos.programs.definition import read_file
from bansos.programs.models import Cycle
from bansos.registry.models import Household
from bansos.targeting.models import Candidate, CandidateList
from tests.commands import BANSOS, upgraded
from tests.conftest import ENGINES, FreshDatabases

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
N = 12_000


def _approved_list(db: Session, n: int) -> None:
    """``n`` households on an approved Sembako list (registry fields are placeholders: this
    test is about money)."""
    programs.load(db, read_file(EXAMPLES / "sembako.toml"), "test")
    stamp = datetime.now(UTC)
    households: Table = Household.__table__  # type: ignore[assignment]
    rows: list[tuple[object, ...]] = [
        (i.to_bytes(8, "big"), i.to_bytes(16, "big"), "3403************", "340301", "{}", 2,
         stamp, stamp)
        for i in range(1, n + 1)
    ]  # fmt: skip
    insert_rows(db, households, ("kk_enc", "kk_index", "kk_mask", "region_code", "attributes",
                                 "welfare_decile", "created_at", "updated_at"), rows)  # fmt: skip
    cl = CandidateList(program_code="SEMBAKO", program_version=1, period="2026-12",
                       status="approved", created_by="t", submitted_by="a",
                       decided_by="b")  # fmt: skip
    db.add(cl)
    db.flush()
    ids = db.scalars(select(Household.id).order_by(Household.id)).all()
    candidates: Table = Candidate.__table__  # type: ignore[assignment]
    insert_rows(db, candidates, ("list_id", "household_id", "region_code", "eligible", "reason",
                                 "benefit", "rule_reason", "rule_benefit"),
                [(cl.id, h, "340301", True, "", 200_000, "", 200_000) for h in ids])  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("kind", ENGINES)
def test_kill_9_mid_disbursement_then_rerun_pays_everybody_once(
    kind: str, tmp_path: Path, fresh_databases: FreshDatabases
) -> None:
    url = fresh_databases.url(kind)
    env = upgraded(tmp_path / "var", url)
    engine = make_engine(url)
    factory = session_factory(engine)
    op, ap = Actor("siti", "operator"), Actor("budi", "approver")
    with unit_of_work(factory) as db:
        auth.create_user(db, "siti", "kata-sandi-yang-panjang", "operator")
        _approved_list(db, N)
        cycle_id = cycles.create(db, "SEMBAKO", "2026-12", op).id
        cycles.compute(db, cycle_id, op)
        cycles.submit(db, cycle_id, op)
        cycles.decide(db, cycle_id, ap, approve=True, reason="ok")
        cycles.fund(db, cycle_id, op)

    # A plain engine to watch progress: ours begins every SQLite transaction IMMEDIATE, which
    # would queue this reader behind the writer it is watching.
    watcher = create_engine(url)

    def paid() -> int:
        with watcher.connect() as conn:
            query = select(Cycle.paid_recipients).where(Cycle.id == cycle_id)
            return int(conn.execute(query).scalar() or 0)

    job = subprocess.Popen([*BANSOS, "cycles", "disburse", str(cycle_id), "--user", "siti",
                            "--chunk", "40"], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 120
    while paid() < N // 10 and time.monotonic() < deadline and job.poll() is None:
        time.sleep(0.02)
    os.kill(job.pid, signal.SIGKILL)
    job.wait(timeout=30)
    at_kill = paid()
    assert 0 < at_kill < N, f"the job was not killed mid-way ({at_kill} of {N} paid)"
    rerun = [*BANSOS, "cycles", "disburse", str(cycle_id), "--user", "siti"]
    again = subprocess.run(rerun, env=env, capture_output=True, text=True, timeout=300,
                           check=False)  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "status disbursed" in again.stdout
    with factory() as db:
        mine = (Transfer.ref == f"cycle:{cycle_id}", Transfer.code == 3)
        count, distinct, total = db.execute(
            select(func.count(), func.count(func.distinct(Transfer.credit_account_id)),
                   func.sum(Transfer.amount)).where(*mine)
        ).one()  # fmt: skip
        assert (count, distinct, total) == (N, N, N * 200_000)
        cycle = cycles.get(db, cycle_id)
        assert (cycle.paid_recipients, cycle.paid_total) == (N, N * 200_000)
        assert db.scalar(select(func.count()).select_from(Notification)) == N
        report = ledger.verify(db)
        assert report.ok, report.faults
    watcher.dispose()
    engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("kind", ENGINES)
def test_two_jobs_on_one_cycle_pay_everybody_once(
    kind: str, fresh_databases: FreshDatabases
) -> None:
    """Two disbursement jobs started together on one cycle (an operator clicking twice): they
    take the chunks in turn, and everybody is paid once."""
    import threading

    url = fresh_databases.url(kind)
    engine = make_engine(url)
    with engine.begin() as conn:
        from bansos.migrate import upgrade

        upgrade(conn)
    factory = session_factory(engine)
    op, ap = Actor("siti", "operator"), Actor("budi", "approver")
    n = 3_000
    with unit_of_work(factory) as db:
        _approved_list(db, n)
        cycle_id = cycles.create(db, "SEMBAKO", "2026-12", op).id
        cycles.compute(db, cycle_id, op)
        cycles.submit(db, cycle_id, op)
        cycles.decide(db, cycle_id, ap, approve=True, reason="ok")
        cycles.fund(db, cycle_id, op)
    outcomes: list[str] = []

    def job() -> None:
        try:
            cycles.disburse(factory, cycle_id, op, chunk=100)
            outcomes.append("done")
        except cycles.CycleProblem as exc:  # started after the other had finished
            outcomes.append(exc.code)

    threads = [threading.Thread(target=job) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert "done" in outcomes and set(outcomes) <= {"done", "cycle.wrong_status"}
    with factory() as db:
        mine = (Transfer.ref == f"cycle:{cycle_id}", Transfer.code == 3)
        count = db.scalar(select(func.count()).select_from(Transfer).where(*mine))
        assert count == n
        cycle = cycles.get(db, cycle_id)
        assert (cycle.status, cycle.paid_recipients, cycle.paid_total) == (
            "disbursed", n, n * 200_000)  # fmt: skip
        report = ledger.verify(db)
        assert report.ok, report.faults
    engine.dispose()
