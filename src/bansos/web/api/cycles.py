"""Staff API for disbursement cycles: the same steps and rules as ``bansos cycles``."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from bansos.auth.service import StaffIdentity
from bansos.core.errors import Problem
from bansos.programs import cycles
from bansos.web.deps import DbSession, get_jobs, get_runtime, http_problem, require

router = APIRouter(tags=["cycles"])
#: Reading needs registry access; each step's own permission is checked by the service.
Staff = Annotated[StaffIdentity, Depends(require("registry.read"))]


class CycleIn(BaseModel):
    program: str = Field(min_length=2, max_length=32)
    period: str = Field(min_length=7, max_length=7, description="YYYY-MM")


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class CycleOut(BaseModel):
    id: int
    program_code: str
    period: str
    list_id: int
    status: str
    recipients: int
    total: int
    paid_recipients: int
    paid_total: int
    content_hash: str
    created_by: str
    submitted_by: str | None
    decided_by: str | None
    decision_reason: str | None
    funded_at: datetime | None
    disbursed_at: datetime | None
    closed_at: datetime | None


def _out(session: DbSession, cycle_id: int) -> CycleOut:
    try:
        cycle = cycles.get(session, cycle_id)
    except Problem as exc:
        raise http_problem(exc) from None
    return CycleOut.model_validate(cycle, from_attributes=True)


@router.post("/api/cycles", response_model=CycleOut, status_code=201)
def create(body: CycleIn, session: DbSession, staff: Staff) -> CycleOut:
    """A draft cycle paying the approved list of a program for a period (operator)."""
    try:
        cycle = cycles.create(session, body.program, body.period, staff.actor)
    except Problem as exc:
        raise http_problem(exc) from None
    return _out(session, cycle.id)


@router.get("/api/cycles/{cycle_id}", response_model=CycleOut)
def show(cycle_id: int, session: DbSession, staff: Staff) -> CycleOut:
    return _out(session, cycle_id)


def _step(session: DbSession, cycle_id: int, staff: StaffIdentity, step: str,
          reason: str = "") -> CycleOut:  # fmt: skip
    actor = staff.actor
    try:
        if step == "compute":
            cycles.compute(session, cycle_id, actor)
        elif step == "submit":
            cycles.submit(session, cycle_id, actor)
        elif step in ("approve", "reject"):
            cycles.decide(session, cycle_id, actor, approve=step == "approve", reason=reason)
        elif step == "fund":
            cycles.fund(session, cycle_id, actor)
        else:
            cycles.close(session, cycle_id, actor)
    except Problem as exc:
        raise http_problem(exc) from None
    return _out(session, cycle_id)


@router.post("/api/cycles/{cycle_id}/compute", response_model=CycleOut)
def compute(cycle_id: int, session: DbSession, staff: Staff) -> CycleOut:
    """Entitlements and wallets from the approved list (operator)."""
    return _step(session, cycle_id, staff, "compute")


@router.post("/api/cycles/{cycle_id}/submit", response_model=CycleOut)
def submit(cycle_id: int, session: DbSession, staff: Staff) -> CycleOut:
    """Submit for approval (operator); records the content hash."""
    return _step(session, cycle_id, staff, "submit")


@router.post("/api/cycles/{cycle_id}/approve", response_model=CycleOut)
def approve(cycle_id: int, body: ReasonIn, session: DbSession, staff: Staff) -> CycleOut:
    """Approve (approver, never the submitter)."""
    return _step(session, cycle_id, staff, "approve", body.reason)


@router.post("/api/cycles/{cycle_id}/reject", response_model=CycleOut)
def reject(cycle_id: int, body: ReasonIn, session: DbSession, staff: Staff) -> CycleOut:
    """Reject with the reason (approver)."""
    return _step(session, cycle_id, staff, "reject", body.reason)


@router.post("/api/cycles/{cycle_id}/fund", response_model=CycleOut)
def fund(cycle_id: int, session: DbSession, staff: Staff) -> CycleOut:
    """Program budget -> pool for the cycle's total, within the budget cap (operator)."""
    return _step(session, cycle_id, staff, "fund")


@router.post("/api/cycles/{cycle_id}/close", response_model=CycleOut)
def close(cycle_id: int, session: DbSession, staff: Staff) -> CycleOut:
    return _step(session, cycle_id, staff, "close")


class JobOut(BaseModel):
    running: bool
    code: str | None = Field(None, description="what stopped the last run, if anything")
    messages: dict[str, str] | None = None


class DisbursementOut(BaseModel):
    cycle: CycleOut
    job: JobOut


def _disbursement(request: Request, session: DbSession, cycle_id: int) -> DisbursementOut:
    job = get_jobs(request).get(f"disburse:{cycle_id}")
    state = JobOut(running=False)
    if job is not None:
        state.running = job.running
        stopped = job.problem or (Problem("job.failed", error=job.failed) if job.failed else None)
        if stopped is not None:
            state.code, state.messages = stopped.code, stopped.messages()
    return DisbursementOut(cycle=_out(session, cycle_id), job=state)


@router.post("/api/cycles/{cycle_id}/disburse", response_model=DisbursementOut, status_code=202)
def disburse(cycle_id: int, request: Request, session: DbSession, staff: Staff) -> DisbursementOut:
    """Start paying every unpaid entitlement (operator) as a background job and answer at once;
    follow it with ``GET .../disbursement``. The job pays a chunk per transaction: if the server
    stops half-way, the same request made again finishes it, and nobody is paid twice."""
    actor = staff.actor
    try:
        cycles.begin_disbursement(session, cycle_id, actor)
    except Problem as exc:
        raise http_problem(exc) from None
    # The job commits chunk by chunk in its own transactions: end the request's first (on
    # SQLite it holds the write lock since the staff lookup).
    session.commit()
    factory = get_runtime(request).factory

    def work(stop: threading.Event) -> None:
        cycles.disburse(factory, cycle_id, actor, stop=stop.is_set)

    get_jobs(request).start(f"disburse:{cycle_id}", work)
    return _disbursement(request, session, cycle_id)


@router.get("/api/cycles/{cycle_id}/disbursement", response_model=DisbursementOut)
def disbursement(
    cycle_id: int, request: Request, session: DbSession, staff: Staff
) -> DisbursementOut:
    """Progress of the disbursement: ``cycle.paid_recipients`` of ``cycle.recipients``, whether
    the job is running, and the problem that stopped it, if any."""
    return _disbursement(request, session, cycle_id)
