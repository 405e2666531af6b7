"""Match runs and their review queue: ``targeting match`` as a use case, kept in the database.

A run reads a proposals file, matches it (``matching``) and stores one result per row together
with the trained model, in one transaction; the resolved CSV and the rejects are written beside
it. Ambiguous rows wait in the review queue until an operator or field officer picks one of the
candidates or none; the decision is recorded with who, when and why, and the row's status
follows it. A later list (``service.build_list``) takes its households from a run.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from bansos.auth.service import Actor, role_can
from bansos.core.clock import now
from bansos.core.crypto import FieldCipher
from bansos.core.errors import Problem
from bansos.db import insert_rows
from bansos.registry import service as registry
from bansos.registry.importer import ProblemWriter, file_sha256
from bansos.targeting import matching
from bansos.targeting.models import MatchResult, MatchRun
from bansos.transparency import service as audit

RESULTS = cast(Table, MatchResult.__table__)
_COLUMNS = ("run_id", "row_id", "line", "person_id", "status", "probability", "reason",
            "candidates", "review_state", "review_note")  # fmt: skip
#: Statuses whose person is taken into a list.
ACCEPTED = ("exact", "fuzzy")


class MatchProblem(Problem):
    pass


@dataclass(frozen=True)
class RunReport:
    run: MatchRun
    counts: dict[str, int]
    rejected: int
    warnings: int
    pairs: int


def run_match(
    session: Session,
    cipher: FieldCipher,
    path: Path,
    actor: Actor,
    *,
    out_path: Path,
    rejects_path: Path,
    model: dict[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
) -> RunReport:
    """Match ``path`` against the civil registry and store the run. A file that cannot be read
    raises before anything is written; rows are rejected or warned about in ``rejects_path``."""
    if not role_can(actor.role, "matches.run"):
        raise MatchProblem("auth.forbidden")
    file = matching.read_proposals(path)
    outcome = matching.match(
        file.rows, registry.people_for_matching(session, cipher), model=model, progress=progress
    )
    counts = matching.counts(outcome.resolutions)
    run = MatchRun(file_name=path.name[:255], file_sha256=file_sha256(path),
                   rows=len(file.rows) + len(file.rejected), counts=json.dumps(counts),
                   model=json.dumps(outcome.model), created_by=actor.username)  # fmt: skip
    session.add(run)
    session.flush()
    batch: list[tuple[object, ...]] = []
    for p, r in zip(file.rows, outcome.resolutions, strict=True):
        pending = "pending" if r.status == "ambiguous" else ""
        batch.append((run.id, r.row_id, p.line, r.person_id, r.status, round(r.probability, 6),
                      r.reason[:200], json.dumps(r.candidates), pending, ""))  # fmt: skip
        if len(batch) >= 5000:
            insert_rows(session, RESULTS, _COLUMNS, batch)
            batch = []
    insert_rows(session, RESULTS, _COLUMNS, batch)
    rejected = len(file.rejected)
    audit.record(session, actor.username, "targeting.match_run", "match_run", str(run.id),
                 file=run.file_name, sha256=run.file_sha256, rejected=rejected,
                 **counts)  # fmt: skip
    session.flush()
    # The files last: if the database refuses the run, no file claims it happened.
    writer = ProblemWriter(rejects_path)
    try:
        writer.write(sorted(file.problems, key=lambda p: p.row))
    finally:
        writer.close()
    matching.write_resolved(out_path, file, outcome.resolutions, outcome.niks)
    return RunReport(run, counts, rejected, len(file.problems) - rejected, outcome.pairs)


def get_run(session: Session, run_id: int) -> MatchRun:
    run = session.get(MatchRun, run_id)
    if run is None:
        raise MatchProblem("match.run_not_found", run_id=run_id)
    return run


@dataclass(frozen=True)
class Candidate:
    person_id: int
    probability: float
    person: registry.PersonSummary | None


@dataclass(frozen=True)
class ReviewItem:
    row_id: str
    line: int
    probability: float
    reason: str
    candidates: tuple[Candidate, ...]


def review_queue(session: Session, run_id: int, *, limit: int = 100) -> list[ReviewItem]:
    """Rows still waiting for a decision, with their candidates (NIKs masked)."""
    get_run(session, run_id)
    rows = session.scalars(
        select(MatchResult)
        .where(MatchResult.run_id == run_id, MatchResult.review_state == "pending")
        .order_by(MatchResult.line)
        .limit(limit)
    ).all()
    cands = {r.row_id: [(int(p), float(x)) for p, x in json.loads(r.candidates)] for r in rows}
    people = registry.summaries(session, {p for c in cands.values() for p, _ in c})
    items = []
    for r in rows:
        shortlist = tuple(Candidate(p, x, people.get(p)) for p, x in cands[r.row_id])
        items.append(ReviewItem(r.row_id, r.line, r.probability, r.reason, shortlist))
    return items


def pending_count(session: Session, run_id: int) -> int:
    query = (
        select(func.count())
        .select_from(MatchResult)
        .where(MatchResult.run_id == run_id, MatchResult.review_state == "pending")
    )
    return session.scalar(query) or 0


def review(
    session: Session, run_id: int, row_id: str, person_id: int | None, note: str, actor: Actor
) -> MatchResult:
    """Decide an ambiguous row: one of its candidates (``person_id``) or none of them."""
    if not role_can(actor.role, "matches.review"):
        raise MatchProblem("auth.forbidden")
    if not note.strip():
        raise MatchProblem("targeting.reason_required")
    result = session.scalar(
        select(MatchResult).where(MatchResult.run_id == run_id, MatchResult.row_id == row_id)
    )
    if result is None:
        raise MatchProblem("match.row_not_found", run_id=run_id, row_id=row_id)
    if result.review_state != "pending":
        raise MatchProblem("match.not_pending", row_id=row_id)
    allowed = {int(p) for p, _ in json.loads(result.candidates)}
    if person_id is not None and person_id not in allowed:
        raise MatchProblem("match.not_a_candidate", person_id=person_id)
    if person_id is None:
        result.status, result.review_state = "not_found", "rejected"
    else:
        dead = registry.summaries(session, {person_id})[person_id].deceased
        result.status = "deceased" if dead else "fuzzy"
        result.review_state = "accepted"
    result.person_id = person_id
    result.reviewed_by, result.reviewed_at, result.review_note = actor.username, now(), note.strip()
    audit.record(session, actor.username, "targeting.match_reviewed", "match_run", str(run_id),
                 row_id=row_id, person_id=person_id, status=result.status,
                 note=note.strip())  # fmt: skip
    session.flush()
    return result


def matched_people(session: Session, run_id: int) -> dict[int, list[str]]:
    """Person id -> the row ids that resolved to them (exact, fuzzy or accepted in review)."""
    get_run(session, run_id)
    out: dict[int, list[str]] = {}
    for pid, row_id in session.execute(
        select(MatchResult.person_id, MatchResult.row_id).where(
            MatchResult.run_id == run_id,
            MatchResult.status.in_(ACCEPTED),
            MatchResult.person_id.is_not(None),
        )
    ):
        if pid is not None:
            out.setdefault(pid, []).append(row_id)
    return out


def deceased_people(session: Session, run_id: int) -> set[int]:
    """People a run identified who have died (status ``deceased``)."""
    return {
        pid
        for pid in session.scalars(
            select(MatchResult.person_id).where(
                MatchResult.run_id == run_id,
                MatchResult.status == "deceased",
                MatchResult.person_id.is_not(None),
            )
        )
        if pid is not None
    }
