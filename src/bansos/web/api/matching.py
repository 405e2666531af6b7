"""Staff API for match runs: upload a proposals file, read the result, work the review queue."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from bansos.auth.service import Actor, StaffIdentity
from bansos.core.errors import Problem
from bansos.targeting import matches
from bansos.web.deps import DbSession, HTTPProblem, get_runtime, http_problem, require

router = APIRouter(tags=["matching"])
Staff = Annotated[StaffIdentity, Depends(require("registry.read"))]
#: The largest proposals file taken over HTTP; bigger files go through ``bansos targeting match``.
MAX_UPLOAD = 200 * 1024 * 1024


def _folder(request: Request) -> Path:
    folder: Path = get_runtime(request).settings.data_dir / "matches"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _resolved(folder: Path, run_id: int) -> Path:
    return folder / f"run-{run_id}-resolved.csv"


class MatchRunOut(BaseModel):
    id: int
    file_name: str
    file_sha256: str
    rows: int
    counts: dict[str, int]
    pending_review: int
    created_by: str
    created_at: datetime


def _run_out(session: DbSession, run_id: int) -> MatchRunOut:
    try:
        run = matches.get_run(session, run_id)
    except Problem as exc:
        raise http_problem(exc) from None
    pending = matches.pending_count(session, run_id)
    return MatchRunOut(id=run.id, file_name=run.file_name, file_sha256=run.file_sha256,
                       rows=run.rows, counts=json.loads(run.counts), pending_review=pending,
                       created_by=run.created_by, created_at=run.created_at)  # fmt: skip


@router.post("/api/targeting/matches", response_model=MatchRunOut, status_code=201)
def create(file: UploadFile, request: Request, session: DbSession, staff: Staff) -> MatchRunOut:
    """Match an uploaded proposals file (CSV or Parquet) to the civil registry (operator)."""
    if not staff.can("matches.run"):
        raise HTTPProblem(403, "auth.forbidden")
    folder = _folder(request)
    token = uuid.uuid4().hex
    upload = folder / f"upload-{token}{Path(file.filename or 'usulan.csv').suffix[:10]}"
    fd = os.open(upload, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        size = 0
        while chunk := file.file.read(1 << 20):
            size += len(chunk)
            if size > MAX_UPLOAD:
                out.close()
                upload.unlink()
                raise HTTPProblem(413, "file.too_large", max_mb=MAX_UPLOAD // 2**20)
            out.write(chunk)
    pending = folder / f"pending-{token}-resolved.csv"
    try:
        rejects = folder / f"pending-{token}-rejects.csv"
        report = matches.run_match(session, get_runtime(request).cipher, upload,
                                   Actor(staff.username, staff.role), out_path=pending,
                                   rejects_path=rejects)  # fmt: skip
    except Problem as exc:
        pending.unlink(missing_ok=True)
        (folder / f"pending-{token}-rejects.csv").unlink(missing_ok=True)
        raise http_problem(exc) from None
    finally:
        upload.unlink(missing_ok=True)
    run_id = report.run.id
    pending.replace(_resolved(folder, run_id))
    shutil.move(folder / f"pending-{token}-rejects.csv", folder / f"run-{run_id}-rejects.csv")
    return _run_out(session, run_id)


@router.get("/api/targeting/matches/{run_id}", response_model=MatchRunOut)
def show(run_id: int, session: DbSession, staff: Staff) -> MatchRunOut:
    return _run_out(session, run_id)


@router.get("/api/targeting/matches/{run_id}/resolved.csv")
def resolved(run_id: int, request: Request, session: DbSession, staff: Staff) -> FileResponse:
    """The resolved file (NIKs in clear: only for roles that may see them)."""
    if not staff.can("pii.reveal"):
        raise HTTPProblem(403, "auth.forbidden")
    _run_out(session, run_id)
    path = _resolved(_folder(request), run_id)
    if not path.exists():
        raise HTTPProblem(404, "match.file_gone", run_id=run_id)
    return FileResponse(path, media_type="text/csv", filename=path.name)


class CandidateOut(BaseModel):
    person_id: int
    probability: float
    nik_masked: str
    full_name: str
    birth_date: date
    sex: str
    region_code: str
    deceased: bool


class ReviewItemOut(BaseModel):
    row_id: str
    line: int
    probability: float
    reason: str
    candidates: list[CandidateOut]


@router.get("/api/targeting/matches/{run_id}/review", response_model=list[ReviewItemOut])
def queue(run_id: int, session: DbSession, staff: Staff, limit: int = 100) -> list[ReviewItemOut]:
    """Rows waiting for a person to decide, with their candidates (NIKs masked)."""
    try:
        items = matches.review_queue(session, run_id, limit=max(1, min(limit, 1000)))
    except Problem as exc:
        raise http_problem(exc) from None
    out = []
    for item in items:
        cands = [
            CandidateOut(
                person_id=c.person_id,
                probability=c.probability,
                nik_masked=c.person.nik_masked,
                full_name=c.person.full_name,
                birth_date=c.person.birth_date,
                sex=c.person.sex,
                region_code=c.person.region_code,
                deceased=c.person.deceased,
            )
            for c in item.candidates
            if c.person is not None
        ]
        out.append(ReviewItemOut(row_id=item.row_id, line=item.line, probability=item.probability,
                                 reason=item.reason, candidates=cands))  # fmt: skip
    return out


class ReviewIn(BaseModel):
    person_id: int | None = Field(description="One of the row's candidates, or null for none.")
    note: str = Field(min_length=1, max_length=2000)


class ReviewOut(BaseModel):
    row_id: str
    status: str
    person_id: int | None
    review_state: str
    reviewed_by: str | None


@router.post("/api/targeting/matches/{run_id}/review/{row_id}", response_model=ReviewOut)
def decide(run_id: int, row_id: str, body: ReviewIn, session: DbSession, staff: Staff) -> ReviewOut:
    """Decide a row of the review queue (operator or field officer); audited."""
    try:
        r = matches.review(session, run_id, row_id, body.person_id, body.note,
                           Actor(staff.username, staff.role))  # fmt: skip
    except Problem as exc:
        raise http_problem(exc) from None
    return ReviewOut(row_id=r.row_id, status=r.status, person_id=r.person_id,
                     review_state=r.review_state, reviewed_by=r.reviewed_by)  # fmt: skip
