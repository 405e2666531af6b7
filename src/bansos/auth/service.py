"""Staff accounts: create, authenticate (argon2), sessions as bearer tokens, and role checks.

Roles are few and fixed, and each permission names what it is for, so that a reviewer can read
in one table who may do what. Revealing a clear NIK is its own permission and is audited.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bansos.auth.models import ROLES, StaffSession, User
from bansos.core.clock import now
from bansos.core.errors import Problem
from bansos.db import Raw

PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(
        {
            "users.manage",
            "registry.read",
            "registry.import",
            "audit.read",
            "ledger.read",
            "keys.manage",
        }
    ),
    "operator": frozenset(
        {
            "registry.read",
            "registry.import",
            "pii.reveal",
            "lists.build",
            "lists.submit",
            "lists.verify",
            "matches.run",
            "matches.review",
            "ledger.read",
            "cycles.manage",
            "merchants.manage",
            "credentials.manage",
            "settlement.run",
            # payouts: choose a household's channel, queue and run the payouts
            "payments.channel",
            "payments.run",
        }
    ),
    # Field officers (pendamping, TKSK) check households on the ground and settle ambiguous
    # matches they can see for themselves; they do not build, submit or approve lists.
    "field_officer": frozenset({"registry.read", "lists.verify", "matches.review"}),
    "approver": frozenset(
        {
            "registry.read",
            "lists.decide",
            "ledger.read",
            "cycles.decide",
            "merchants.decide",
            # a payout channel whose holder name did not match (maker-checker)
            "payments.review",
        }
    ),
    "auditor": frozenset({"registry.read", "audit.read", "ledger.read"}),
    # Shop staff redeem at their own shop's registered devices and read its statements; every
    # service call also checks that the shop is theirs.
    "merchant": frozenset({"redeem", "merchant.self"}),
}


@dataclass(frozen=True)
class Actor:
    """Who does something, as services check it: a username and the role that applies."""

    username: str
    role: str


def role_can(role: str, permission: str) -> bool:
    return permission in PERMISSIONS.get(role, frozenset())


def need(actor: Actor, permission: str) -> None:
    """Raise ``auth.forbidden`` unless the actor's role has ``permission``."""
    if not role_can(actor.role, permission):
        raise AuthProblem("auth.forbidden")


MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 12

_hasher = PasswordHasher()
#: Verified against when the username is unknown, so that timing does not reveal which
#: usernames exist.
_DUMMY_HASH = _hasher.hash("not a real password, only for constant-time failures")


class AuthProblem(Problem):
    pass


@dataclass(frozen=True)
class StaffIdentity:
    user_id: int
    username: str
    role: str
    merchant_id: int | None = None

    def can(self, permission: str) -> bool:
        return role_can(self.role, permission)

    @property
    def actor(self) -> Actor:
        return Actor(self.username, self.role)


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    full_name: str = "",
    *,
    merchant_id: int | None = None,
) -> User:
    if role not in ROLES:
        raise AuthProblem("user.role", role=role)
    if (role == "merchant") != (merchant_id is not None):
        raise AuthProblem("user.merchant", role=role)
    if len(password) < MIN_PASSWORD:
        raise AuthProblem("user.password_weak")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AuthProblem("user.exists", username=username)
    user = User(username=username, full_name=full_name, role=role, merchant_id=merchant_id,
                password_hash=_hasher.hash(password))  # fmt: skip
    session.add(user)
    session.flush()
    return user


def _token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def login(
    session: Session, username: str, password: str, *, hours: int = 8
) -> tuple[str, User, datetime]:
    """A new bearer token, or ``auth.invalid``/``auth.locked``. Five failures lock the account
    for 15 minutes; the failure is recorded even though the caller sees an error."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        raise AuthProblem("auth.invalid")
    if user.locked_until is not None and user.locked_until > now():
        raise AuthProblem("auth.locked")
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now() + timedelta(minutes=LOCK_MINUTES)
            user.failed_logins = 0
        raise AuthProblem("auth.invalid") from None
    user.failed_logins = 0
    user.locked_until = None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    token = secrets.token_urlsafe(32)
    expires_at = now() + timedelta(hours=hours)
    session.add(StaffSession(token_hash=_token_hash(token), user_id=user.id, expires_at=expires_at))
    session.flush()
    return token, user, expires_at


def identify(session: Session, token: str) -> StaffIdentity | None:
    """Who holds ``token`` (None if nobody, or no longer). On every API request, so on the
    driver (``db.Raw``)."""
    raw = Raw(session)
    row = raw.one(
        "SELECT u.id, u.username, u.role, u.active, s.expires_at, s.revoked_at, u.merchant_id "
        "FROM staff_sessions s JOIN users u ON s.user_id = u.id WHERE s.token_hash = ?",
        (_token_hash(token),),
    )
    if row is None:
        return None
    uid, username, role, active, expires_at, revoked_at, merchant_id = row
    expires = raw.when(expires_at)
    if not active or revoked_at is not None or expires is None or expires <= now():
        return None
    return StaffIdentity(uid, username, role, merchant_id)


def logout(session: Session, token: str) -> None:
    found = session.scalar(
        select(StaffSession).where(StaffSession.token_hash == _token_hash(token))
    )
    if found is not None and found.revoked_at is None:
        found.revoked_at = now()


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))
