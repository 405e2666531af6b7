"""Staff API for programs and candidate lists (maker-checker)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from bansos.auth.service import StaffIdentity
from bansos.core.errors import Problem
from bansos.programs import service as programs
from bansos.registry import service as registry
from bansos.targeting import service as targeting
from bansos.web.deps import DbSession, HTTPProblem, get_runtime, http_problem, require

router = APIRouter(tags=["targeting"])
#: Reading needs registry access; each action's own permission is checked by the service,
#: so that the CLI and the API enforce the same maker-checker rules.
Staff = Annotated[StaffIdentity, Depends(require("registry.read"))]


class ProgramOut(BaseModel):
    code: str
    name: str
    unit: str
    period: str
    version: int
    budget_cap: int
    definition: dict[str, Any]


@router.get("/api/programs", response_model=list[ProgramOut])
def list_programs(session: DbSession, staff: Staff) -> list[ProgramOut]:
    return [ProgramOut.model_validate(r, from_attributes=True)
            for r in programs.list_programs(session)]  # fmt: skip


class ListIn(BaseModel):
    program: str = Field(min_length=2, max_length=32)
    period: str = Field(min_length=7, max_length=7, description="YYYY-MM")
    region_prefix: str = Field(default="", max_length=6, pattern=r"^\d*$")
    match_run: int | None = Field(
        default=None, description="Only the households of the people this match run found."
    )


class DecisionIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class SummaryRow(BaseModel):
    regency_code: str
    reason: str
    households: int
    benefit: int


class ProvinceRow(BaseModel):
    province_code: str
    reason: str
    households: int
    benefit: int


class ListOut(BaseModel):
    id: int
    program_code: str
    program_version: int
    period: str
    status: str
    eligible_count: int
    excluded_count: int
    total_benefit: int
    content_hash: str
    created_by: str
    submitted_by: str | None
    submitted_at: datetime | None
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None
    match_run_id: int | None
    summary: list[SummaryRow]
    summary_by_province: list[ProvinceRow]


def _list_out(session: DbSession, list_id: int) -> ListOut:
    cl = session.get(targeting.CandidateList, list_id)
    if cl is None:
        raise HTTPProblem(404, "targeting.list_not_found", list_id=list_id)
    rows = [SummaryRow(regency_code=r, reason=reason, households=n, benefit=b)
            for r, reason, n, b in targeting.summary(session, list_id)]  # fmt: skip
    provinces = [
        ProvinceRow(province_code=p, reason=reason, households=n, benefit=b)
        for p, reason, n, b in targeting.summary(session, list_id, level="province")
    ]
    data = {c: getattr(cl, c) for c in ListOut.model_fields if not c.startswith("summary")}
    return ListOut(**data, summary=rows, summary_by_province=provinces)


@router.post("/api/targeting/lists", response_model=ListOut, status_code=201)
def build(body: ListIn, session: DbSession, staff: Staff) -> ListOut:
    """Build a draft candidate list for a program and period (operator)."""
    try:
        cl = targeting.build_list(session, body.program, body.period, staff.actor,
                                  region_prefix=body.region_prefix,
                                  match_run=body.match_run)  # fmt: skip
    except Problem as exc:
        raise http_problem(exc) from None
    return _list_out(session, cl.id)


@router.get("/api/targeting/lists/{list_id}", response_model=ListOut)
def show(list_id: int, session: DbSession, staff: Staff) -> ListOut:
    return _list_out(session, list_id)


@router.post("/api/targeting/lists/{list_id}/submit", response_model=ListOut)
def submit(list_id: int, session: DbSession, staff: Staff) -> ListOut:
    """Submit a draft list for approval (operator); its content hash is recorded."""
    try:
        targeting.submit(session, list_id, staff.actor)
    except Problem as exc:
        raise http_problem(exc) from None
    return _list_out(session, list_id)


def _decide(list_id: int, body: DecisionIn, session: DbSession, staff: StaffIdentity,
            approve: bool) -> ListOut:  # fmt: skip
    try:
        targeting.decide(session, list_id, staff.actor, approve=approve, reason=body.reason)
    except Problem as exc:
        raise http_problem(exc) from None
    return _list_out(session, list_id)


@router.post("/api/targeting/lists/{list_id}/approve", response_model=ListOut)
def approve(list_id: int, body: DecisionIn, session: DbSession, staff: Staff) -> ListOut:
    """Approve a submitted list (approver, never the submitter); the list is then frozen."""
    return _decide(list_id, body, session, staff, True)


@router.post("/api/targeting/lists/{list_id}/reject", response_model=ListOut)
def reject(list_id: int, body: DecisionIn, session: DbSession, staff: Staff) -> ListOut:
    """Reject a submitted list (approver), with the reason."""
    return _decide(list_id, body, session, staff, False)


class VerdictIn(BaseModel):
    kk_number: str = Field(min_length=1, max_length=40)
    verdict: str = Field(description="verified, moved, deceased, not_found or wrong_data")
    note: str = Field(default="", max_length=2000)


@router.post("/api/targeting/lists/{list_id}/verdicts", response_model=ListOut)
def verdict(
    list_id: int, body: VerdictIn, request: Request, session: DbSession, staff: Staff
) -> ListOut:
    """Record a field-verification verdict for a household on a draft list."""
    try:
        household = registry.household_by_kk(session, get_runtime(request).cipher, body.kk_number)
    except Problem as exc:
        raise http_problem(exc) from None
    if household is None:
        raise HTTPProblem(404, "targeting.not_on_list")
    try:
        targeting.record_verdict(session, list_id, household, body.verdict, body.note,
                                 staff.actor)  # fmt: skip
    except Problem as exc:
        raise http_problem(exc) from None
    return _list_out(session, list_id)
