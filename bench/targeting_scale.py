"""Benchmark: 100,000 proposals matched against a 1,000,000-person civil registry.

Target: under 10 minutes on a 2-core machine, peak RSS under 4 GB. The registry is imported
into a fresh SQLite database first (not part of the target; bench/import_civil.py measures it);
the match then runs in its own process, exactly as ``bansos targeting match`` does: read and
decrypt the registry, train the model (EM), score the candidate pairs, decide, write the
resolved file and store the run. The baseline, measured in the same run, is the exact-NIK
lookup most platforms do (one blind-index lookup per row, in batches). Last line: the ratio.

    .venv/bin/python bench/targeting_scale.py [--people 1000000] [--proposals 100000]
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import tempfile
import time
from pathlib import Path

from common import KEY, peak_rss_mb, run_phase

ROOT = Path(__file__).resolve().parent
DATA = ROOT / ".data"


def ensure_data(people: int, proposals: int) -> tuple[Path, Path]:
    from bansos.registry.synth import generate

    folder = DATA / f"civil-{people}"  # shared with bench/import_civil.py
    if not (folder / "proposals.csv").exists():
        print(f"generating {people:,} people into {folder} ...", flush=True)
        generate(folder, households=people, seed=1, max_people=people)
    subset = folder / f"proposals-{proposals}.csv"
    if not subset.exists():
        with (
            (folder / "proposals.csv").open(encoding="utf-8") as src,
            subset.open("w", encoding="utf-8") as dst,
        ):
            dst.writelines(itertools.islice(src, proposals + 1))
    return folder / "civil.csv", subset


def phase_import(url: str, civil: Path, tmp: Path) -> dict[str, float]:
    from bansos.core.crypto import FieldCipher, decode_key
    from bansos.db import make_engine, session_factory
    from bansos.migrate import upgrade
    from bansos.registry import service as registry

    engine = make_engine(url)
    with engine.begin() as conn:
        upgrade(conn)
    start = time.perf_counter()
    opts = registry.ImportOptions("bench", tmp / "r.csv", tmp / "w.csv")
    report = registry.import_civil(session_factory(engine), civil,
                                   FieldCipher(decode_key(KEY)), opts)  # fmt: skip
    engine.dispose()
    return {"people": report.added, "seconds": time.perf_counter() - start}


def phase_match(url: str, proposals: Path, tmp: Path) -> dict[str, float]:
    from bansos.auth.service import Actor
    from bansos.core.crypto import FieldCipher, decode_key
    from bansos.db import make_engine, session_factory, unit_of_work
    from bansos.targeting import matches

    engine = make_engine(url)
    steps: dict[str, float] = {}
    start = time.perf_counter()

    def progress(step: str) -> None:
        steps[step] = time.perf_counter() - start
        steps[f"rss_{step}"] = peak_rss_mb()

    with unit_of_work(session_factory(engine)) as session:
        report = matches.run_match(session, FieldCipher(decode_key(KEY)), proposals,
                                   Actor("bench", "operator"), out_path=tmp / "resolved.csv",
                                   rejects_path=tmp / "rejects.csv", progress=progress)  # fmt: skip
    seconds = time.perf_counter() - start
    engine.dispose()
    rows = sum(report.counts.values()) + report.rejected
    return {"rows": rows, "seconds": seconds, "pairs": report.pairs, "peak_rss_mb": peak_rss_mb(),
            **{f"at_{k}": v for k, v in steps.items()}}  # fmt: skip


def phase_baseline(url: str, proposals: Path) -> dict[str, float]:
    """Exact NIK: the row's NIK, as written, looked up through the blind index."""
    from bansos.core.crypto import FieldCipher, decode_key
    from bansos.db import make_engine, select_in, session_factory
    from bansos.registry.models import Person

    engine = make_engine(url)
    cipher = FieldCipher(decode_key(KEY))
    start = time.perf_counter()
    with proposals.open(encoding="utf-8") as fh:
        niks = [r["nik"].strip() for r in csv.DictReader(fh)]
    found = 0
    with session_factory(engine)() as session:
        table = Person.__table__
        for i in range(0, len(niks), 5000):
            keys = [cipher.blind_index(n, b"nik") for n in niks[i : i + 5000] if len(n) == 16]
            found += len(select_in(session, table, ("id",), "nik_index", keys))  # type: ignore[arg-type]
    seconds = time.perf_counter() - start
    engine.dispose()
    return {"rows": len(niks), "found": found, "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--proposals", type=int, default=100_000)
    parser.add_argument("--phase", nargs="*")
    args = parser.parse_args()
    if args.phase:
        kind, url, path = args.phase[0], args.phase[1], Path(args.phase[2])
        if kind == "import":
            result = phase_import(url, path, Path(args.phase[3]))
        elif kind == "match":
            result = phase_match(url, path, Path(args.phase[3]))
        else:
            result = phase_baseline(url, path)
        print(json.dumps(result))
        return

    civil, proposals = ensure_data(args.people, args.proposals)
    with tempfile.TemporaryDirectory(prefix="bansos-bench-") as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        imported = run_phase(__file__, "import", url, str(civil), tmp)
        print(f"civil registry: {imported['people']:,.0f} people imported in "
              f"{imported['seconds']:.1f} s", flush=True)  # fmt: skip
        m = run_phase(__file__, "match", url, str(proposals), tmp)
        steps = ", ".join(
            f"{k[3:]} from {v:.0f} s (peak RSS so far {m['at_rss_' + k[3:]]:,.0f} MB)"
            for k, v in m.items()
            if k.startswith("at_") and not k.startswith("at_rss_")
        )
        print(f"match: {m['rows']:,.0f} proposals in {m['seconds']:.1f} s = "
              f"{m['rows'] / m['seconds']:,.0f} rows/s, {m['pairs']:,.0f} pairs scored, "
              f"peak RSS {m['peak_rss_mb']:,.0f} MB ({steps})")  # fmt: skip
        with (civil.parent / "truth.csv").open(encoding="utf-8") as fh:
            truth = {r["row_id"]: r["true_nik"] for r in csv.DictReader(fh)}
        right = wrong = missed = 0
        with (Path(tmp) / "resolved.csv").open(encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                true_nik = truth[r["row_id"]]
                right += bool(r["nik"]) and r["nik"] == true_nik
                wrong += bool(r["nik"]) and r["nik"] != true_nik
                missed += bool(true_nik) and r["nik"] != true_nik
        precision, recall = right / (right + wrong), right / (right + missed)
        print(f"quality against truth.csv: precision {precision:.4f}, recall {recall:.4f}, "
              f"F1 {2 * precision * recall / (precision + recall):.4f}")  # fmt: skip
        print(
            f"targets: under 600 s: {'yes' if m['seconds'] < 600 else 'NO'}; "
            f"peak RSS under 4,096 MB: {'yes' if m['peak_rss_mb'] < 4096 else 'NO'}"
        )
        b = run_phase(__file__, "baseline", url, str(proposals))
        print(f"baseline (exact-NIK lookup): {b['rows']:,.0f} rows in {b['seconds']:.1f} s = "
              f"{b['rows'] / b['seconds']:,.0f} rows/s ({b['found']:,.0f} NIKs found)")  # fmt: skip
        print(
            f"ratio matcher/baseline time: {m['seconds'] / b['seconds']:.1f}x "
            f"(the matcher's price for probabilistic matching)"
        )


if __name__ == "__main__":
    main()
