"""Benchmark: how well proposals are matched to the civil registry, against the ground truth.

Generates a synthetic population with ``bansos synth`` (120,000 households, about 52,000
proposal rows with the errors real lists have), imports the civil registry into a fresh SQLite
database, runs the matcher exactly as ``bansos targeting match`` does, and compares each row's
resolved NIK with ``truth.csv``. The baseline, computed in the same run, is what most G2P
platforms ship: accept a row when its NIK, as written, exists in the registry.

Prints precision, recall and F1 of both, the share of rows sent to review, the rows per status,
and, last, the F1 of the matcher and of the baseline.

    .venv/bin/python bench/targeting_quality.py [--households 120000] [--seed 3] [--messy]

With ``--messy`` the proposals carry the error rates of the worst real lists (a fifth without a
NIK, one in ten with a mistyped one, most without a KK; ``synth.MESSY``).
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from common import KEY

ROOT = Path(__file__).resolve().parent
DATA = ROOT / ".data"
BANSOS = Path(sys.executable).with_name("bansos")


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, got: str, truth: str) -> None:
        if got:
            if got == truth:
                self.tp += 1
            else:
                self.fp += 1
        if truth and got != truth:
            self.fn += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def line(self, label: str) -> str:
        counts = f"right {self.tp:,}, wrong {self.fp:,}, missed {self.fn:,}"
        return (f"{label}: precision {self.precision:.4f}, recall {self.recall:.4f}, "
                f"F1 {self.f1:.4f} ({counts})")  # fmt: skip


def ensure_data(households: int, seed: int, messy: bool) -> Path:
    folder = DATA / f"targeting-{households}-{seed}{'-messy' if messy else ''}"
    if not (folder / "truth.csv").exists():
        flags = ["--messy"] if messy else []
        print(f"bansos synth --households {households:,} --seed {seed} {' '.join(flags)}...",
              flush=True)  # fmt: skip
        subprocess.run([str(BANSOS), "synth", "--households", str(households), "--seed",
                        str(seed), "--out", str(folder), *flags], check=True)  # fmt: skip
    return folder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=120_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--messy", action="store_true", help="synth --messy: far worse lists")
    args = parser.parse_args()
    data = ensure_data(args.households, args.seed, args.messy)

    from sqlalchemy import select

    from bansos.auth.service import Actor
    from bansos.core.crypto import FieldCipher, decode_key
    from bansos.db import make_engine, session_factory, unit_of_work
    from bansos.migrate import upgrade
    from bansos.registry import service as registry
    from bansos.registry.models import Person
    from bansos.targeting import matches

    cipher = FieldCipher(decode_key(KEY))
    with tempfile.TemporaryDirectory(prefix="bansos-bench-") as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        with engine.begin() as conn:
            upgrade(conn)
        factory = session_factory(engine)
        start = time.perf_counter()
        opts = registry.ImportOptions("bench", Path(tmp) / "r.csv", Path(tmp) / "w.csv")
        report = registry.import_civil(factory, data / "civil.csv", cipher, opts)
        print(f"civil registry: {report.added:,} people imported in "
              f"{time.perf_counter() - start:.1f} s", flush=True)  # fmt: skip

        start = time.perf_counter()
        with unit_of_work(factory) as session:
            run = matches.run_match(session, cipher, data / "proposals.csv",
                                    Actor("bench", "operator"),
                                    out_path=Path(tmp) / "resolved.csv",
                                    rejects_path=Path(tmp) / "rejects.csv")  # fmt: skip
            known = set(session.scalars(select(Person.nik_index)))
        seconds = time.perf_counter() - start
        with (Path(tmp) / "resolved.csv").open(encoding="utf-8") as fh:
            resolved = {r["row_id"]: r for r in csv.DictReader(fh)}
        engine.dispose()

    with (data / "truth.csv").open(encoding="utf-8") as fh:
        truth = {r["row_id"]: r["true_nik"] for r in csv.DictReader(fh)}
    with (data / "proposals.csv").open(encoding="utf-8") as fh:
        written = {r["row_id"]: r["nik"].strip() for r in csv.DictReader(fh)}
    matcher, baseline = Score(), Score()
    review = 0
    for row_id, true_nik in truth.items():
        got = resolved[row_id]
        matcher.add(got["nik"], true_nik)
        review += got["status"] == "ambiguous"
        nik = written[row_id]
        exists = len(nik) == 16 and cipher.blind_index(nik, b"nik") in known
        baseline.add(nik if exists else "", true_nik)
    rows = len(truth)
    print(f"proposals: {rows:,} rows matched in {seconds:.1f} s ({rows / seconds:,.0f} rows/s), "
          f"{run.pairs:,} candidate pairs scored")  # fmt: skip
    print("status: " + ", ".join(f"{k} {v:,}" for k, v in run.counts.items()))
    print(f"review queue: {review:,} rows = {review / rows:.2%} (target < 3%)")
    print(matcher.line("matcher (Splink + rules)"))
    print(baseline.line("baseline (exact NIK)     "))
    print(f"F1 matcher {matcher.f1:.4f} vs exact-NIK baseline {baseline.f1:.4f}")


if __name__ == "__main__":
    main()
