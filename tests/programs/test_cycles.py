"""Disbursement cycles end to end on both engines: lifecycle, maker-checker, funding within
the cap, disbursement exactly once (also when re-run), adjustments, bad requests."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bansos.auth.service import Actor
from bansos.core.crypto import FieldCipher
from bansos.ledger import service as ledger
from bansos.ledger.models import Transfer
from bansos.ledger.service import TransferSpec
from bansos.notify.models import Notification
from bansos.programs import cycles
from bansos.programs import service as programs
from bansos.programs.cycles import CycleProblem
from bansos.programs.definition import read_file
from bansos.programs.models import Entitlement
from bansos.registry import service as registry
from bansos.targeting import service as targeting
from tests.registry.factories import kk, person, write_csv

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
OPERATOR = Actor("siti", "operator")
APPROVER = Actor("budi", "approver")
HOUSEHOLDS = 7  # poor households of the registry below: each gets Rp200.000


@pytest.fixture
def approved(tmp_path: Path, factory: sessionmaker[Session], cipher: FieldCipher) -> None:
    """Seven poor households and one rich one, a Sembako list for 2026-12, approved."""
    civil = [person(n, kk_serial=n) for n in range(1, 9)]
    opts = registry.ImportOptions("t", tmp_path / "r.csv", tmp_path / "w.csv",
                                  today=date(2026, 11, 28))  # fmt: skip
    registry.import_civil(factory, write_csv(tmp_path / "civil.csv", civil), cipher, opts)
    social = [{"kk_number": kk(n), "welfare_decile": "9" if n == 8 else "2"} for n in range(1, 9)]
    path = write_csv(tmp_path / "social.csv", social, ["kk_number", "welfare_decile"])
    registry.import_social(factory, path, cipher, opts)
    with factory() as db:
        load(db)
        cl = targeting.build_list(db, "SEMBAKO", "2026-12", OPERATOR)
        targeting.submit(db, cl.id, OPERATOR)
        targeting.decide(db, cl.id, APPROVER, approve=True, reason="ok")
        db.commit()


def load(db: Session, **changes: Any) -> None:
    data = read_file(EXAMPLES / "sembako.toml")
    data.update(changes)
    programs.load(db, data, "siti")


def ready(factory: sessionmaker[Session]) -> int:
    """A cycle computed, submitted, approved and funded."""
    with factory() as db:
        cycle = cycles.create(db, "SEMBAKO", "2026-12", OPERATOR)
        cycles.compute(db, cycle.id, OPERATOR)
        cycles.submit(db, cycle.id, OPERATOR)
        cycles.decide(db, cycle.id, APPROVER, approve=True, reason="Sesuai daftar")
        cycles.fund(db, cycle.id, OPERATOR)
        db.commit()
        return cycle.id


@pytest.mark.usefixtures("approved")
def test_a_stopped_job_ends_after_its_chunk_and_a_rerun_finishes(
    factory: sessionmaker[Session],
) -> None:
    cycle_id = ready(factory)
    stopped = cycles.disburse(factory, cycle_id, OPERATOR, chunk=3, stop=lambda: True)
    assert (stopped.status, stopped.paid_recipients) == ("disbursing", 3)
    done = cycles.disburse(factory, cycle_id, OPERATOR, chunk=3, stop=lambda: False)
    assert (done.status, done.paid_recipients) == ("disbursed", 7)
    with factory() as db:
        assert ledger.verify(db).ok


@pytest.mark.usefixtures("approved")
def test_a_cycle_pays_every_entitled_household_exactly_once(
    factory: sessionmaker[Session],
) -> None:
    cycle_id = ready(factory)
    with factory() as db:
        cycle = cycles.get(db, cycle_id)
        assert (cycle.status, cycle.recipients, cycle.total) == ("funded", 7, 7 * 200_000)
    seen: list[tuple[int, int]] = []
    done = cycles.disburse(factory, cycle_id, OPERATOR, chunk=3,
                           progress=lambda a, b: seen.append((a, b)))  # fmt: skip
    assert (done.status, done.paid_recipients, done.paid_total) == ("disbursed", 7, 1_400_000)
    assert seen == [(3, 7), (6, 7), (7, 7)]
    with factory() as db:
        with pytest.raises(CycleProblem) as exc:
            cycles.disburse(factory, cycle_id, OPERATOR)
        assert exc.value.code == "cycle.wrong_status"
        paid = db.scalars(select(Transfer).where(Transfer.ref == f"cycle:{cycle_id}",
                                                 Transfer.code == 3)).all()  # fmt: skip
        assert len(paid) == 7 and {t.amount for t in paid} == {200_000}
        assert len({t.credit_account_id for t in paid}) == 7
        wallet = ledger.balance(db, paid[0].credit_account_id)
        assert (wallet.kind, wallet.posted) == ("recipient_wallet", 200_000)
        messages = db.scalars(select(Notification)).all()
        assert len(messages) == 7 and messages[0].kind == "credited"
        assert '"amount": 200000' in messages[0].payload
        report = ledger.verify(db)
        assert report.ok, report.faults
        closed = cycles.close(db, cycle_id, OPERATOR)
        assert closed.status == "closed"


@pytest.mark.usefixtures("approved")
def test_a_rerun_after_a_crash_pays_only_the_rest(factory: sessionmaker[Session]) -> None:
    """Half the entitlements paid, then the job dies: the next run pays the other half."""
    cycle_id = ready(factory)

    class Crash(Exception):
        pass

    def crash(paid: int, total: int) -> None:
        raise Crash

    with pytest.raises(Crash):
        cycles.disburse(factory, cycle_id, OPERATOR, chunk=4, progress=crash)
    with factory() as db:
        assert cycles.get(db, cycle_id).paid_recipients == 4
        assert cycles.get(db, cycle_id).status == "disbursing"
    done = cycles.disburse(factory, cycle_id, OPERATOR, chunk=4)
    assert (done.status, done.paid_recipients) == ("disbursed", 7)
    with factory() as db:
        count = db.scalar(select(func.count()).select_from(Transfer).where(
            Transfer.ref == f"cycle:{cycle_id}", Transfer.code == 3))  # fmt: skip
        assert count == 7
        assert ledger.verify(db).ok


@pytest.mark.usefixtures("approved")
def test_maker_checker_and_the_order_of_steps(factory: sessionmaker[Session]) -> None:
    with factory() as db:
        cycle = cycles.create(db, "SEMBAKO", "2026-12", OPERATOR)
        for call, code in [
            (lambda: cycles.create(db, "SEMBAKO", "2026-12", OPERATOR), "cycle.exists"),
            (lambda: cycles.submit(db, cycle.id, OPERATOR), "cycle.wrong_status"),
            (lambda: cycles.fund(db, cycle.id, OPERATOR), "cycle.wrong_status"),
            (lambda: cycles.compute(db, cycle.id, APPROVER), "auth.forbidden"),
        ]:
            with pytest.raises(CycleProblem) as exc:
                call()
            assert exc.value.code == code
        cycles.compute(db, cycle.id, OPERATOR)
        cycles.submit(db, cycle.id, OPERATOR)
        own = Actor("siti", "approver")  # the submitter, even with the approver role
        for actor, reason, code in [
            (own, "ok", "targeting.own_submission"),
            (APPROVER, " ", "targeting.reason_required"),
            (OPERATOR, "ok", "auth.forbidden"),
        ]:
            with pytest.raises(CycleProblem) as exc:
                cycles.decide(db, cycle.id, actor, approve=True, reason=reason)
            assert exc.value.code == code
        with pytest.raises(CycleProblem) as exc:
            cycles.disburse(factory, cycle.id, OPERATOR)
        assert exc.value.code == "cycle.wrong_status"  # not approved, not funded
        rejected = cycles.decide(db, cycle.id, APPROVER, approve=False, reason="Salah periode")
        assert rejected.status == "rejected"


@pytest.mark.usefixtures("approved")
def test_funding_beyond_the_budget_cap_is_refused_whole(factory: sessionmaker[Session]) -> None:
    with factory() as db:
        load(db, budget_cap=1_000_000)  # less than 7 x Rp200.000
        cycle = cycles.create(db, "SEMBAKO", "2026-12", OPERATOR)
        cycles.compute(db, cycle.id, OPERATOR)
        cycles.submit(db, cycle.id, OPERATOR)
        cycles.decide(db, cycle.id, APPROVER, approve=True, reason="ok")
        with pytest.raises(CycleProblem) as exc:
            cycles.fund(db, cycle.id, OPERATOR)
        assert exc.value.code == "cycle.over_budget"
        assert cycles.get(db, cycle.id).status == "approved"


@pytest.mark.usefixtures("approved")
def test_an_adjustment_is_its_own_approved_transfer(factory: sessionmaker[Session]) -> None:
    cycle_id = ready(factory)
    cycles.disburse(factory, cycle_id, OPERATOR)
    with factory() as db:
        household = db.scalars(select(Entitlement.household_id)).first()
        assert household is not None
        with pytest.raises(CycleProblem) as exc:
            cycles.adjust(db, cycle_id, household, 50_000, "Kurang bayar", OPERATOR,
                          approved_by=Actor("siti", "approver"), key="k1")  # fmt: skip
        assert exc.value.code == "targeting.own_submission"
        cap = programs.get(db, "SEMBAKO").definition.budget_cap
        with pytest.raises(CycleProblem) as exc:
            cycles.adjust(db, cycle_id, household, cap - 1_400_000 + 1, "Terlalu besar",
                          OPERATOR, approved_by=APPROVER, key="k2")  # fmt: skip
        assert exc.value.code == "cycle.over_budget"
        first = cycles.adjust(db, cycle_id, household, 25_000, "Koreksi", OPERATOR,
                              approved_by=APPROVER, key="k3")  # fmt: skip
        retry = cycles.adjust(db, cycle_id, household, 25_000, "Koreksi", OPERATOR,
                              approved_by=APPROVER, key="k3")  # fmt: skip
        assert retry.replayed and retry.transfer.id == first.transfer.id
        assert first.transfer.reason == "Koreksi"
        assert ledger.balance(db, first.transfer.credit_account_id).posted == 225_000
        assert ledger.verify(db).ok


def test_a_cycle_needs_an_approved_list(db: Session) -> None:
    load(db)
    with pytest.raises(targeting.TargetingProblem) as exc:
        cycles.create(db, "SEMBAKO", "2026-12", OPERATOR)
    assert exc.value.code == "targeting.no_approved_list"


@pytest.mark.usefixtures("approved")
def test_unspent_money_goes_back_to_the_pool_when_it_expires(
    factory: sessionmaker[Session],
) -> None:
    """Sembako money expires three months after the period: what a household did not spend
    returns to the pool by a visible transfer; what it spent stays spent."""
    cycle_id = ready(factory)
    cycles.disburse(factory, cycle_id, OPERATOR)
    with factory() as db:
        wallets = db.scalars(select(Entitlement.wallet_account_id).order_by(Entitlement.id)).all()
        shop = ledger.open_account(db, "merchant_payable", "merchant:1", "SEMBAKO").id
        spent = ledger.transfer(db, TransferSpec("buy-1", wallets[0], shop, 50_000, "redemption"),
                                "pos")  # fmt: skip
        assert not spent.replayed
        db.commit()
        assert str(cycles.expires_on(db, cycles.get(db, cycle_id))) == "2027-03-01"
    with pytest.raises(CycleProblem) as exc:
        cycles.expire(factory, cycle_id, OPERATOR, on=date(2027, 2, 28))
    assert exc.value.code == "cycle.not_expired"
    returned = cycles.expire(factory, cycle_id, OPERATOR, on=date(2027, 3, 1), chunk=3)
    assert returned == 7 * 200_000 - 50_000
    assert cycles.expire(factory, cycle_id, OPERATOR, on=date(2027, 3, 1)) == 0  # idempotent
    with factory() as db:
        assert ledger.balance(db, wallets[0]).posted == 0
        assert ledger.balance(db, shop).posted == 50_000
        back = db.scalars(select(Transfer).where(Transfer.code == 5)).all()
        assert len(back) == 7 and back[0].reason == "Kedaluwarsa 2027-03-01"
        pool = ledger.open_account(db, "program_pool", "program:SEMBAKO", "SEMBAKO").id
        assert ledger.balance(db, pool).posted == 7 * 200_000 - 50_000
        assert ledger.verify(db).ok
