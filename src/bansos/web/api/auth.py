"""Staff login and logout (bearer tokens)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from bansos.auth import service as auth
from bansos.transparency import service as audit
from bansos.web.deps import DbSession, HTTPProblem, Staff, bearer_token, get_runtime

router = APIRouter(prefix="/api/auth", tags=["auth"])


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=60)
    password: str = Field(min_length=1, max_length=200)


class StaffOut(BaseModel):
    username: str
    role: str
    permissions: list[str]


class LoginOut(BaseModel):
    token: str
    expires_at: datetime
    user: StaffOut


def _staff_out(identity: auth.StaffIdentity) -> StaffOut:
    return StaffOut(
        username=identity.username,
        role=identity.role,
        permissions=sorted(auth.PERMISSIONS.get(identity.role, ())),
    )


@router.post("/login", response_model=LoginOut)
def login(body: LoginIn, request: Request, session: DbSession) -> LoginOut:
    hours = get_runtime(request).settings.session_hours
    try:
        token, user, expires_at = auth.login(session, body.username, body.password, hours=hours)
    except auth.AuthProblem as exc:
        # The failed-attempt counter and the audit row persist although the request fails.
        audit.record(session, body.username[:80], "auth.login_failed", "user", body.username[:80],
                     reason=exc.code)  # fmt: skip
        session.commit()
        raise HTTPProblem(429 if exc.code == "auth.locked" else 401, exc.code) from None
    audit.record(session, user.username, "auth.login", "user", user.username)
    identity = auth.StaffIdentity(user.id, user.username, user.role)
    return LoginOut(token=token, expires_at=expires_at, user=_staff_out(identity))


@router.post("/logout", status_code=204)
def logout(request: Request, staff: Staff, session: DbSession) -> None:
    token = bearer_token(request)
    if token:
        auth.logout(session, token)
    audit.record(session, staff.username, "auth.logout", "user", staff.username)


@router.get("/me", response_model=StaffOut)
def me(staff: Staff) -> StaffOut:
    return _staff_out(staff)
