"""Benchmark: import a 1,000,000-person civil registry into a fresh SQLite database.

Prints rows/second and peak RSS for the first import and for a re-import of the unchanged file,
then, on its last line, the ratio of the first import's speed to a naive baseline measured in
the same run (one ORM ``session.add`` and one commit per row, on a 20,000-row sample).
Each phase runs in its own process so that its peak RSS is its own.

    .venv/bin/python bench/import_civil.py [--people 1000000] [--sample 20000]
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import tempfile
import time
from datetime import date
from pathlib import Path

from common import KEY, peak_rss_mb, run_phase

ROOT = Path(__file__).resolve().parent
DATA = ROOT / ".data"


def make_db(url: str) -> None:
    from bansos.db import make_engine
    from bansos.migrate import upgrade

    engine = make_engine(url)
    with engine.begin() as conn:
        upgrade(conn)
    engine.dispose()


def phase_import(url: str, path: Path, out: Path) -> dict[str, float]:
    from bansos.core.crypto import FieldCipher, decode_key
    from bansos.db import make_engine, session_factory
    from bansos.registry import service as registry

    engine = make_engine(url)
    cipher = FieldCipher(decode_key(KEY))
    opts = registry.ImportOptions(
        actor="bench", rejects_path=out / "rejects.csv", warnings_path=out / "warnings.csv"
    )
    start = time.perf_counter()
    report = registry.import_civil(session_factory(engine), path, cipher, opts)
    seconds = time.perf_counter() - start
    engine.dispose()
    return {
        "rows": report.rows_read,
        "added": report.added,
        "unchanged": report.unchanged,
        "rejected": report.rejected,
        "seconds": seconds,
        "rows_per_s": report.rows_read / seconds,
        "peak_rss_mb": peak_rss_mb(),
    }


def phase_naive(url: str, path: Path, sample: int) -> dict[str, float]:
    """The obvious way: check a row, then get-or-create its household, add it, commit."""
    from sqlalchemy import select

    from bansos.core.crypto import FieldCipher, decode_key
    from bansos.core.nik import known_district_codes, mask_nik
    from bansos.db import make_engine, session_factory
    from bansos.registry import civil
    from bansos.registry.models import Household, Person

    engine = make_engine(url)
    cipher = FieldCipher(decode_key(KEY))
    known = known_district_codes()
    factory = session_factory(engine)
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(itertools.islice(csv.DictReader(fh), sample))
    start = time.perf_counter()
    for n, values in enumerate(rows, start=2):
        record, _, _ = civil.check_row(n, values, known=known, today=date(2026, 11, 28))
        if record is None:
            continue
        with factory() as session:
            kk_index = cipher.blind_index(record.kk, b"kk")
            household = session.scalars(
                select(Household).where(Household.kk_index == kk_index)
            ).first()
            if household is None:
                household = Household(kk_enc=cipher.encrypt(record.kk, b"kk"), kk_index=kk_index,
                                      kk_mask=mask_nik(record.kk), region_code=record.region_code,
                                      attributes={})  # fmt: skip
                session.add(household)
                session.flush()
            session.add(
                Person(
                    nik_enc=cipher.encrypt(record.nik, b"nik"),
                    nik_index=cipher.blind_index(record.nik, b"nik"),
                    nik_mask=mask_nik(record.nik),
                    household_id=household.id,
                    full_name=record.full_name,
                    birth_place=record.birth_place,
                    birth_date=record.birth_date,
                    sex=record.sex,
                    relationship=record.relationship,
                    region_code=record.region_code,
                    address=record.address,
                    occupation=record.occupation,
                    death_date=record.death_date,
                    quality_flags=",".join(record.flags),
                    row_digest=cipher.row_digest(record.payload()),
                    source_digest=cipher.row_digest(civil.source_payload(values)),
                )
            )
            session.commit()
    seconds = time.perf_counter() - start
    engine.dispose()
    return {"rows": len(rows), "seconds": seconds, "rows_per_s": len(rows) / seconds}


def ensure_data(people: int) -> Path:
    from bansos.registry.synth import generate

    folder = DATA / f"civil-{people}"
    path = folder / "civil.csv"
    if not path.exists():
        print(f"generating {people:,} people into {folder} ...", flush=True)
        start = time.perf_counter()
        summary = generate(folder, households=people, seed=1, max_people=people)
        print(f"  {summary.people:,} people, {summary.households:,} households "
              f"in {time.perf_counter() - start:.1f} s", flush=True)  # fmt: skip
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--phase", nargs="*")
    args = parser.parse_args()
    if args.phase:
        kind, url, path = args.phase[0], args.phase[1], Path(args.phase[2])
        if kind == "import":
            result = phase_import(url, path, Path(args.phase[3]))
        else:
            result = phase_naive(url, path, int(args.phase[3]))
        print(json.dumps(result))
        return

    path = ensure_data(args.people)
    size_mb = path.stat().st_size / 1e6
    with tempfile.TemporaryDirectory(prefix="bansos-bench-") as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        make_db(url)
        first = run_phase(__file__, "import", url, str(path), tmp)
        print(f"first import:  {first['rows']:,.0f} rows ({size_mb:.0f} MB) in "
              f"{first['seconds']:.1f} s = {first['rows_per_s']:,.0f} rows/s, "
              f"peak RSS {first['peak_rss_mb']:.0f} MB", flush=True)  # fmt: skip
        again = run_phase(__file__, "import", url, str(path), tmp)
        print(f"re-import:     {again['unchanged']:,.0f} unchanged in {again['seconds']:.1f} s = "
              f"{again['rows_per_s']:,.0f} rows/s, peak RSS {again['peak_rss_mb']:.0f} MB "
              f"({first['seconds'] / again['seconds']:.2f}x faster than the first import)",
              flush=True)  # fmt: skip
        naive_url = f"sqlite:///{tmp}/naive.db"
        make_db(naive_url)
        naive = run_phase(__file__, "naive", naive_url, str(path), str(args.sample))
        print(f"naive baseline: {naive['rows']:,.0f} rows in {naive['seconds']:.1f} s = "
              f"{naive['rows_per_s']:,.0f} rows/s (ORM add + commit per row)")  # fmt: skip
        ratio = first["rows_per_s"] / naive["rows_per_s"]
        print(f"ratio import/naive baseline: {ratio:.1f}x")


if __name__ == "__main__":
    main()
