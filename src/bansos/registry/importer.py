"""The streaming import job: read a registry file in chunks, commit each chunk whole, report.

Each chunk is one unit of work (its rows and the run's counters commit together or not at all),
so a crash loses at most the chunk in flight, and running the same file again is safe: rows
already applied are recognised as unchanged. Bad rows go to a rejects file with their line
number, column and reason, and never stop the rest. Memory is bounded by the chunk size.
"""

from __future__ import annotations

import csv
import dataclasses
import gc
import hashlib
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from bansos.core.clock import now
from bansos.core.errors import Problem
from bansos.core.messages import message
from bansos.core.nik import mask_nik
from bansos.db import unit_of_work
from bansos.registry.models import ImportRun
from bansos.registry.reader import (
    FileProblem,
    RawRow,
    ReadStats,
    RowProblem,
    escape_for_spreadsheet,
)
from bansos.registry.seen import SeenKeys
from bansos.transparency import service as audit

R = TypeVar("R")


@dataclass(slots=True)
class ChunkCounts:
    """What applying one chunk did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    newly_deceased: int = 0


COUNTERS = ("rows_read", "added", "updated", "unchanged", "newly_deceased", "rejected",
            "warnings")  # fmt: skip


@dataclass
class ImportReport:
    run_id: int
    kind: str
    rows_read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    newly_deceased: int = 0
    rejected: int = 0
    warnings: int = 0
    rejects_path: Path | None = None
    warnings_path: Path | None = None

    def counters(self) -> dict[str, int]:
        """The counters, named as the ``import_runs`` columns and the audit details."""
        return {name: getattr(self, name) for name in COUNTERS}

    @property
    def accepted(self) -> int:
        return self.added + self.updated + self.unchanged


@dataclass
class Job(Generic[R]):
    """What differs between the civil and the social import."""

    kind: str
    rows: Iterable[RawRow | RowProblem]
    #: Check one row: the record (or None), problems that reject it, warnings.
    check: Callable[[RawRow], tuple[R | None, list[RowProblem], list[RowProblem]]]
    #: The identity a row must not repeat within one file (a NIK's or KK's blind index).
    key: Callable[[R], bytes]
    row_of: Callable[[R], int]
    #: Apply checked records in the caller's transaction; may reject more (e.g. unknown KK).
    apply: Callable[[Session, Sequence[R]], tuple[ChunkCounts, list[RowProblem]]]
    duplicate_code: str
    duplicate_column: str
    #: Called once, in its own transaction, with the first chunk of raw rows before any check.
    prepare: Callable[[Session, Sequence[RawRow]], None] | None = None
    #: Fast path for re-imports: raw rows byte-identical to what was stored last time, as
    #: {row number: key}; they skip checking and writing entirely.
    unchanged: Callable[[Session, Sequence[RawRow]], dict[int, bytes]] | None = None
    #: The reader's counters, for the file-level warning about mixed encodings.
    stats: ReadStats | None = None


#: Columns whose values are identifiers: masked in every problems file, whoever wrote the
#: problem (the row number finds the source row).
IDENTIFIER_COLUMNS = frozenset(("nik", "kk_number"))


class ProblemWriter:
    """A CSV of row problems, safe to open in a spreadsheet, readable only by its owner, with
    NIK and KK values masked."""

    HEADER = ("row", "column", "code", "reason_id", "reason_en", "value")

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self.path = path
        self._fh = os.fdopen(fd, "w", encoding="utf-8", newline="")
        self._csv = csv.writer(self._fh)
        self._csv.writerow(self.HEADER)

    def write(self, problems: Iterable[RowProblem]) -> None:
        for p in problems:
            value = mask_nik(p.value.strip()) if p.column in IDENTIFIER_COLUMNS else p.value
            self._csv.writerow(
                (
                    p.row,
                    p.column,
                    p.code,
                    message(p.code, "id", **p.params),
                    message(p.code, "en", **p.params),
                    escape_for_spreadsheet(value[:200]),
                )
            )
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _chunks(rows: Iterable[RawRow | RowProblem], size: int) -> Iterator[list[RawRow | RowProblem]]:
    chunk: list[RawRow | RowProblem] = []
    for item in rows:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@contextmanager
def _batch_gc() -> Iterator[None]:
    """Garbage-collection settings for a long batch loop.

    An import allocates millions of short-lived containers (row dicts, records, tuples); with
    the default thresholds the cyclic collector ran so often, rescanning every long-lived
    object (SQLAlchemy's registries, the region table), that it took a quarter of a million-row
    import (bench/import_civil.py). Freezing what exists before the loop and collecting the
    young generation less often keeps the collector for what it is for.
    """
    before = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def start_run(factory: sessionmaker[Session], kind: str, path: Path, actor: str) -> int:
    """Record that an import began (who, which file), in its own transaction."""
    digest = file_sha256(path) if path.is_file() else ""
    with unit_of_work(factory) as session:
        run = ImportRun(kind=kind, filename=path.name[:400], file_sha256=digest, actor=actor)
        session.add(run)
        session.flush()
        return run.id


def record_unreadable(
    factory: sessionmaker[Session], kind: str, path: Path, actor: str, problem: Problem
) -> None:
    """A file that could not be read at all still leaves a failed run in the audit trail."""
    report = ImportReport(run_id=start_run(factory, kind, path, actor), kind=kind)
    _finish(factory, report, "failed", _describe(problem))


def run_import(
    factory: sessionmaker[Session],
    job: Job[R],
    *,
    path: Path,
    actor: str,
    rejects_path: Path,
    warnings_path: Path,
    chunk_rows: int,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Run ``job`` over ``path``; raises ``FileProblem`` when nothing at all could be read."""
    run_id = start_run(factory, job.kind, path, actor)
    report = ImportReport(
        run_id=run_id, kind=job.kind, rejects_path=rejects_path, warnings_path=warnings_path
    )
    rejects = ProblemWriter(rejects_path)
    warnings = ProblemWriter(warnings_path)
    try:
        with SeenKeys() as seen, _batch_gc():
            prepared = job.prepare is None
            for chunk in _chunks(job.rows, chunk_rows):
                if not prepared and job.prepare is not None:
                    with unit_of_work(factory) as session:
                        job.prepare(session, [r for r in chunk if isinstance(r, RawRow)])
                    prepared = True
                _one_chunk(factory, job, chunk, seen, report, rejects, warnings)
                if progress is not None:
                    progress(report.rows_read)
        if job.stats is not None and job.stats.encoding_fallback_lines:
            lines = job.stats.encoding_fallback_lines
            warnings.write(
                [RowProblem(0, "", "quality.encoding_fallback", params={"lines": lines})]
            )
            report.warnings += 1
    except BaseException as exc:
        _finish(factory, report, "failed", _describe(exc))
        raise
    finally:
        rejects.close()
        warnings.close()
    _finish(factory, report, "done" if report.accepted or not report.rejected else "rejected", None)
    return report


def _one_chunk(
    factory: sessionmaker[Session],
    job: Job[R],
    chunk: Sequence[RawRow | RowProblem],
    seen: SeenKeys,
    report: ImportReport,
    rejects: ProblemWriter,
    warnings: ProblemWriter,
) -> None:
    bad: list[RowProblem] = []
    notes: list[RowProblem] = []
    #: key -> (row number, record); None for a row identical to what is stored.
    entries: dict[bytes, tuple[int, R | None]] = {}
    with unit_of_work(factory) as session:
        raws = [item for item in chunk if isinstance(item, RawRow)]
        same = job.unchanged(session, raws) if job.unchanged is not None else {}
        for item in chunk:
            if isinstance(item, RowProblem):
                bad.append(item)
                continue
            record: R | None = None
            if item.row in same:
                key = same[item.row]
            else:
                record, problems, row_warnings = job.check(item)
                if record is None:
                    bad.extend(problems)
                    continue
                key = job.key(record)
                notes.extend(row_warnings)
            if key in entries:
                bad.append(RowProblem(item.row, job.duplicate_column, job.duplicate_code,
                                      params={"first": entries[key][0]}))  # fmt: skip
                continue
            entries[key] = (item.row, record)
        for key in seen.claim(entries):
            row, _ = entries.pop(key)
            bad.append(RowProblem(row, job.duplicate_column, job.duplicate_code))
        records = [r for _, r in entries.values() if r is not None]
        counts, late = job.apply(session, records)
        bad.extend(late)
        rejected_rows = {p.row for p in bad}
        notes = [n for n in notes if n.row not in rejected_rows]
        after = dataclasses.replace(
            report,
            rows_read=report.rows_read + len(chunk),
            added=report.added + counts.added,
            updated=report.updated + counts.updated,
            unchanged=report.unchanged + counts.unchanged + len(entries) - len(records),
            newly_deceased=report.newly_deceased + counts.newly_deceased,
            rejected=report.rejected + len(rejected_rows),
            warnings=report.warnings + len(notes),
        )
        _copy_counts(after, session.get_one(ImportRun, report.run_id))
    # Committed: only now do the counters and the report files move on. (The seen keys were
    # claimed before the commit; a failed chunk ends the whole run, and its store with it.)
    for name, value in after.counters().items():
        setattr(report, name, value)
    rejects.write(sorted(bad, key=lambda p: p.row))
    warnings.write(notes)


def _copy_counts(report: ImportReport, run: ImportRun) -> None:
    for name, value in report.counters().items():
        setattr(run, name, value)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, Problem):
        return f"{exc.code}: {exc}"
    return type(exc).__name__


def _finish(
    factory: sessionmaker[Session], report: ImportReport, status: str, error: str | None
) -> None:
    with unit_of_work(factory) as session:
        run = session.get_one(ImportRun, report.run_id)
        run.status = status
        run.error = error
        run.finished_at = now()
        _copy_counts(report, run)
        audit.record(
            session,
            run.actor,
            f"registry.import_{report.kind}",
            "import_run",
            str(report.run_id),
            status=status,
            file_sha256=run.file_sha256,
            error=error,
            **report.counters(),
        )


__all__ = ["FileProblem", "ImportReport", "Job", "run_import"]
