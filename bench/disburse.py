"""Benchmark: disburse an approved cycle of 1,000,000 recipients, then verify the ledger.

Setup (not timed): a fresh database with 1,000,000 households on an approved Sembako list for
2026-12 (households are inserted directly, with placeholder encrypted fields: the benchmark is
about money, not the registry). Timed, each in its own process so that its peak RSS is its own:

* the cycle computed (entitlements and one wallet per household), approved and funded;
* the disbursement (``cycles.disburse``: chunked, exactly once): transfers/s, seconds, peak RSS;
* ``ledger verify`` over the result;
* the naive baseline: one ORM ``ledger.transfer`` per recipient with a commit each, on a
  10,000-recipient sample, scaled;
* the engine's physical limit: a raw bulk INSERT of as many rows of the same width into a
  scratch table without indexes.

    .venv/bin/python bench/disburse.py [--recipients 1000000] [--url postgresql://...]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from datetime import UTC, datetime

from common import peak_rss_mb, run_phase

PERIOD = "2026-12"
EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples")


def phase_setup(url: str, n: int) -> dict[str, float]:
    from pathlib import Path

    from sqlalchemy import Table, func, select

    from bansos.auth.service import Actor
    from bansos.db import insert_rows, make_engine, session_factory, unit_of_work
    from bansos.migrate import upgrade
    from bansos.programs import service as programs
    from bansos.programs.definition import read_file
    from bansos.registry.models import Household
    from bansos.targeting.models import Candidate, CandidateList

    engine = make_engine(url)
    with engine.begin() as conn:
        upgrade(conn)
    factory = session_factory(engine)
    start = time.perf_counter()
    with unit_of_work(factory) as db:
        programs.load(db, read_file(Path(EXAMPLES) / "sembako.toml"), "bench")
    households: Table = Household.__table__  # type: ignore[assignment]
    candidates: Table = Candidate.__table__  # type: ignore[assignment]
    stamp = datetime.now(UTC)
    for lo in range(0, n, 100_000):
        with unit_of_work(factory) as db:
            ids = range(lo + 1, min(n, lo + 100_000) + 1)
            rows = [(i.to_bytes(8, "big"), i.to_bytes(16, "big"), "3403************", "340301",
                     "{}", 2, b"", stamp, stamp) for i in ids]  # fmt: skip
            insert_rows(db, households, ("kk_enc", "kk_index", "kk_mask", "region_code",
                                         "attributes", "welfare_decile", "social_digest",
                                         "created_at", "updated_at"), rows)  # fmt: skip
    with unit_of_work(factory) as db:
        cl = CandidateList(program_code="SEMBAKO", program_version=1, period=PERIOD,
                           status="approved", created_by="bench", submitted_by="a",
                           decided_by="b")  # fmt: skip
        db.add(cl)
        db.flush()
        list_id = cl.id
        first = db.scalar(select(func.min(Household.id))) or 1
    for lo in range(0, n, 100_000):
        with unit_of_work(factory) as db:
            rows: list[tuple[object, ...]] = [
                (list_id, first + i, "340301", True, "", 200_000, "", 200_000)
                for i in range(lo, min(n, lo + 100_000))
            ]
            insert_rows(db, candidates, ("list_id", "household_id", "region_code", "eligible",
                                         "reason", "benefit", "rule_reason", "rule_benefit"),
                        rows)  # fmt: skip
    del Actor
    engine.dispose()
    return {"seconds": time.perf_counter() - start}


def phase_prepare(url: str) -> dict[str, float]:
    from bansos.auth.service import Actor
    from bansos.db import make_engine, session_factory, unit_of_work
    from bansos.programs import cycles

    engine = make_engine(url)
    factory = session_factory(engine)
    op, ap = Actor("siti", "operator"), Actor("budi", "approver")
    start = time.perf_counter()
    with unit_of_work(factory) as db:
        cycle_id = cycles.create(db, "SEMBAKO", PERIOD, op).id
    with unit_of_work(factory) as db:
        cycles.compute(db, cycle_id, op)
    computed = time.perf_counter() - start
    with unit_of_work(factory) as db:
        cycles.submit(db, cycle_id, op)
    with unit_of_work(factory) as db:
        cycles.decide(db, cycle_id, ap, approve=True, reason="bench")
    with unit_of_work(factory) as db:
        cycles.fund(db, cycle_id, op)
    engine.dispose()
    return {"cycle": cycle_id, "compute_s": computed, "seconds": time.perf_counter() - start,
            "peak_rss_mb": peak_rss_mb()}  # fmt: skip


def phase_disburse(url: str, cycle_id: int) -> dict[str, float]:
    from bansos.auth.service import Actor
    from bansos.db import make_engine, session_factory
    from bansos.programs import cycles

    engine = make_engine(url)
    start = time.perf_counter()
    done = cycles.disburse(session_factory(engine), cycle_id, Actor("siti", "operator"))
    engine.dispose()  # on SQLite: the last checkpoint of the write-ahead log, timed too
    seconds = time.perf_counter() - start
    return {"transfers": done.paid_recipients, "total": done.paid_total, "seconds": seconds,
            "peak_rss_mb": peak_rss_mb()}  # fmt: skip


def phase_verify(url: str) -> dict[str, float]:
    from bansos.db import make_engine, session_factory, unit_of_work
    from bansos.ledger import service as ledger

    engine = make_engine(url)
    start = time.perf_counter()
    with unit_of_work(session_factory(engine)) as db:
        report = ledger.verify(db)
    engine.dispose()
    return {"ok": float(report.ok), "accounts": report.accounts, "transfers": report.transfers,
            "seconds": time.perf_counter() - start, "peak_rss_mb": peak_rss_mb()}  # fmt: skip


def phase_naive(url: str, sample: int) -> dict[str, float]:
    """One ORM transfer per recipient, a commit each (wallets opened on the way)."""
    from bansos.db import make_engine, session_factory
    from bansos.ledger import service as ledger

    engine = make_engine(url)
    factory = session_factory(engine)
    with factory() as db:
        state = ledger.open_account(db, "state_budget", "NAIVE-APBN").id
        pool = ledger.open_account(db, "program_pool", "program:NAIVE", "NAIVE").id
        ledger.transfer(db, ledger.TransferSpec("naive-seed", state, pool, 200_000 * sample,
                                                "allocation"), "bench")  # fmt: skip
        db.commit()
    start = time.perf_counter()
    for i in range(sample):
        with factory() as db:
            wallet = ledger.open_account(db, "recipient_wallet", f"household:n{i}", "NAIVE").id
            spec = ledger.TransferSpec(f"naive:{i}", pool, wallet, 200_000, "disbursement")
            ledger.transfer(db, spec, "bench")
            db.commit()
    seconds = time.perf_counter() - start
    engine.dispose()
    return {"transfers": sample, "seconds": seconds}


def phase_raw(url: str, n: int) -> dict[str, float]:
    """The engine's limit: executemany of ``n`` transfer-wide rows into a table without indexes."""
    from sqlalchemy import text

    from bansos.db import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS raw_insert_limit"))
        conn.execute(text(
            "CREATE TABLE raw_insert_limit (id BIGINT, key VARCHAR(80), debit BIGINT, "
            "credit BIGINT, amount BIGINT, ledger INTEGER, code INTEGER, flags INTEGER, "
            "ref VARCHAR(64), reason TEXT, created_by VARCHAR(80), created_at VARCHAR(32))"
        ))  # fmt: skip
    stamp = datetime.now(UTC).isoformat()
    rows = [(i, f"d:1:{i}", 1, i + 10, 200_000, 360, 3, 0, "cycle:1", "", "bench", stamp)
            for i in range(n)]  # fmt: skip
    start = time.perf_counter()
    with engine.begin() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        cur = raw.cursor()
        mark = "?" if engine.dialect.name == "sqlite" else "%s"
        sql = f"INSERT INTO raw_insert_limit VALUES ({', '.join([mark] * 12)})"
        for lo in range(0, n, 50_000):
            cur.executemany(sql, rows[lo : lo + 50_000])
    seconds = time.perf_counter() - start
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE raw_insert_limit"))
    engine.dispose()
    return {"rows": n, "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=10_000)
    parser.add_argument("--url", default="", help="a database URL (default: fresh SQLite)")
    parser.add_argument("--phase", nargs="*")
    args = parser.parse_args()
    if args.phase:
        kind, url = args.phase[0], args.phase[1]
        fns = {
            "setup": lambda: phase_setup(url, int(args.phase[2])),
            "prepare": lambda: phase_prepare(url),
            "disburse": lambda: phase_disburse(url, int(args.phase[2])),
            "verify": lambda: phase_verify(url),
            "naive": lambda: phase_naive(url, int(args.phase[2])),
            "raw": lambda: phase_raw(url, int(args.phase[2])),
        }
        print(json.dumps(fns[kind]()))
        return

    n = args.recipients
    with tempfile.TemporaryDirectory(prefix="bansos-bench-") as tmp:
        url = args.url or f"sqlite:///{tmp}/bench.db"
        engine_name = url.split(":", 1)[0]
        run_phase(__file__, "setup", url, str(n))
        prep = run_phase(__file__, "prepare", url)
        print(f"[{engine_name}] cycle of {n:,} recipients computed in {prep['compute_s']:.1f} s "
              f"(entitlements and wallets), approved and funded in {prep['seconds']:.1f} s "
              f"in all, peak RSS {prep['peak_rss_mb']:,.0f} MB", flush=True)  # fmt: skip
        d = run_phase(__file__, "disburse", url, str(int(prep["cycle"])))
        rate = d["transfers"] / d["seconds"]
        print(f"[{engine_name}] disbursement: {d['transfers']:,.0f} transfers in "
              f"{d['seconds']:.1f} s = {rate:,.0f} transfers/s, peak RSS "
              f"{d['peak_rss_mb']:,.0f} MB", flush=True)  # fmt: skip
        v = run_phase(__file__, "verify", url)
        print(f"[{engine_name}] ledger verify: {'ok' if v['ok'] else 'FAULTS'} over "
              f"{v['accounts']:,.0f} accounts and {v['transfers']:,.0f} transfers in "
              f"{v['seconds']:.1f} s, peak RSS {v['peak_rss_mb']:,.0f} MB", flush=True)  # fmt: skip
        naive = run_phase(__file__, "naive", url, str(args.sample))
        naive_rate = naive["transfers"] / naive["seconds"]
        print(f"[{engine_name}] naive baseline: {naive['transfers']:,.0f} transfers in "
              f"{naive['seconds']:.1f} s = {naive_rate:,.0f} transfers/s "
              f"(scaled to {n:,}: {n / naive_rate:,.0f} s)", flush=True)  # fmt: skip
        raw = run_phase(__file__, "raw", url, str(n))
        raw_rate = raw["rows"] / raw["seconds"]
        print(f"[{engine_name}] raw bulk INSERT limit: {raw['rows']:,.0f} rows in "
              f"{raw['seconds']:.1f} s = {raw_rate:,.0f} rows/s", flush=True)  # fmt: skip
        print(
            f"ratios: {rate / naive_rate:.1f}x the naive baseline; "
            f"{rate / raw_rate:.2f} of the raw-insert rate"
        )


if __name__ == "__main__":
    main()
