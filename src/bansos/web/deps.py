"""Request-scoped wiring: one unit of work per request, the staff identity, permissions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from bansos.auth import service as auth
from bansos.core.errors import Problem
from bansos.db import unit_of_work
from bansos.runtime import Runtime
from bansos.web.jobs import Jobs

SESSION_COOKIE = "bansos_session"


class HTTPProblem(Problem):
    """A ``Problem`` with the HTTP status it maps to."""

    def __init__(self, http_status: int, code: str, **params: object) -> None:
        super().__init__(code, **params)
        self.status = http_status


#: The HTTP status of each service problem code that is not a plain 422 (bad request data):
#: one table for every router and for problems that reach the app's handler.
PROBLEM_STATUS = {
    "auth.forbidden": 403,
    "targeting.own_submission": 403,
    "program.not_found": 404,
    "targeting.list_not_found": 404,
    "targeting.not_on_list": 404,
    "match.run_not_found": 404,
    "match.row_not_found": 404,
    "cycle.not_found": 404,
    "ledger.account_not_found": 404,
    "targeting.wrong_status": 409,
    "targeting.changed_after_submission": 409,
    "targeting.over_budget": 409,
    "targeting.no_approved_list": 409,
    "match.not_pending": 409,
    "cycle.exists": 409,
    "cycle.wrong_status": 409,
    "cycle.over_budget": 409,
    "http.not_found": 404,
    "merchant.not_found": 404,
    "merchant.qris_unknown": 404,
    "device.not_found": 404,
    "credential.not_found": 404,
    "credential.household_not_found": 404,
    "issuer_key.not_found": 404,
    "merchant.wrong_status": 409,
    "merchant.own_onboarding": 403,
    "merchant.nmid_taken": 409,
    "device.key_taken": 409,
    "merchant.not_active": 403,
    "device.signature_missing": 401,
    "device.unknown": 401,
    "device.timestamp": 401,
    "device.signature": 401,
    "device.other_merchant": 403,
    "pin.wrong": 403,
    "pin.locked": 423,
    "qr.revoked": 403,
    "claim_code.used": 409,
    "redemption.key_reused": 409,
    "redemption.insufficient": 409,
    "offline.not_flagged": 404,
}


def http_problem(exc: Problem) -> HTTPProblem:
    """A service's problem as the HTTP error it is (422 unless ``PROBLEM_STATUS`` says)."""
    return HTTPProblem(PROBLEM_STATUS.get(exc.code, 422), exc.code, **exc.params)


def get_jobs(request: Request) -> Jobs:
    jobs: Jobs = request.app.state.jobs
    return jobs


def get_runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def get_session(request: Request) -> Iterator[Session]:
    """The request's unit of work: committed once after the handler, rolled back on error."""
    with unit_of_work(get_runtime(request).factory) as session:
        yield session


#: ``scope="function"``: the unit of work commits before the response is sent, so a client
#: that got a 2xx can rely on what it was told (FastAPI's default would commit afterwards).
DbSession = Annotated[Session, Depends(get_session, scope="function")]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token:
        return token.strip()
    return request.cookies.get(SESSION_COOKIE)


def current_staff(request: Request) -> auth.StaffIdentity:
    """Who is calling, looked up in a read-only transaction of its own: the request's unit of
    work (and, on SQLite, the write lock) starts only when the handler needs it."""
    with get_runtime(request).reads() as reader:
        return identify(request, reader)


def identify(request: Request, reader: Session) -> auth.StaffIdentity:
    """Who is calling (``reader``: a read-only session); 401 when nobody valid."""
    token = bearer_token(request)
    identity = auth.identify(reader, token) if token else None
    if identity is None:
        raise HTTPProblem(401, "auth.required")
    return identity


Staff = Annotated[auth.StaffIdentity, Depends(current_staff)]


def require(permission: str) -> Callable[[auth.StaffIdentity], auth.StaffIdentity]:
    def check(staff: Staff) -> auth.StaffIdentity:
        if not staff.can(permission):
            raise HTTPProblem(403, "auth.forbidden")
        return staff

    return check
