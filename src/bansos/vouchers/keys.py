"""Issuer keys: the Ed25519 keys that sign cards and receipts and the X25519 key PIN blocks
are sealed to. Private halves are stored encrypted under the master key; the table is read
at most every few seconds on the redemption path."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from bansos.auth import service as auth
from bansos.auth.service import Actor
from bansos.core.cache import Expiring
from bansos.core.clock import now
from bansos.core.crypto import FieldCipher
from bansos.db import database_of
from bansos.transparency import service as audit
from bansos.vouchers import qr
from bansos.vouchers.models import IssuerKey
from bansos.vouchers.qr import VoucherProblem

_SIGN_CONTEXT = b"issuer_keys.private_key"
#: Decrypted keys by kid (a kid is a digest of the public key, so it names one key for good).
_private_cache: dict[bytes, Ed25519PrivateKey | X25519PrivateKey] = {}
_public_cache: dict[bytes, Ed25519PublicKey] = {}


def _new_key(session: Session, cipher: FieldCipher, purpose: str, actor: str) -> IssuerKey:
    private: Ed25519PrivateKey | X25519PrivateKey = (
        Ed25519PrivateKey.generate() if purpose == "sign" else X25519PrivateKey.generate()
    )
    public = private.public_key().public_bytes_raw()
    raw = private.private_bytes_raw()
    key = IssuerKey(kid=hashlib.sha256(public).digest()[:8], purpose=purpose, public_key=public,
                    private_key_enc=cipher.encrypt(raw.hex(), _SIGN_CONTEXT),
                    created_by=actor)  # fmt: skip
    session.add(key)
    session.flush()
    _forget_keys()
    audit.record(session, actor, "issuer_key.created", "issuer_key", key.kid.hex(),
                 purpose=purpose)  # fmt: skip
    return key


def ensure_keys(session: Session, cipher: FieldCipher, actor: str = "system") -> None:
    """An active signing key and an active PIN key, created on first use."""
    for purpose in ("sign", "pin"):
        active = session.scalar(select(IssuerKey.id).where(
            IssuerKey.purpose == purpose, IssuerKey.status == "active"))  # fmt: skip
        if active is None:
            _new_key(session, cipher, purpose, actor)


def rotate_keys(session: Session, cipher: FieldCipher, actor: Actor, purpose: str) -> IssuerKey:
    """A new active key; the old one is kept for verifying what it signed (``verify_only``)."""
    auth.need(actor, "keys.manage")
    if purpose not in ("sign", "pin"):
        raise VoucherProblem("issuer_key.purpose", purpose=purpose)
    for old in session.scalars(select(IssuerKey).where(
            IssuerKey.purpose == purpose, IssuerKey.status == "active")):  # fmt: skip
        old.status, old.rotated_at = "verify_only", now()
    return _new_key(session, cipher, purpose, actor.username)


def retire_key(session: Session, kid_hex: str, actor: Actor, reason: str) -> IssuerKey:
    """Trust a key for nothing any more (e.g. it leaked): its cards must be reissued."""
    auth.need(actor, "keys.manage")
    try:
        kid = bytes.fromhex(kid_hex)
    except ValueError:
        raise VoucherProblem("issuer_key.not_found", kid=kid_hex[:40]) from None
    key = session.scalar(select(IssuerKey).where(IssuerKey.kid == kid))
    if key is None:
        raise VoucherProblem("issuer_key.not_found", kid=kid_hex)
    key.status, key.retired_at = "retired", now()
    session.flush()
    _forget_keys()
    audit.record(session, actor.username, "issuer_key.retired", "issuer_key", kid_hex,
                 reason=reason)  # fmt: skip
    return key


#: How long this process trusts its copy of the issuer key table. A key created, rotated or
#: retired here takes effect at once; one changed by another process (the CLI) within this.
KEY_CACHE_SECONDS = 5.0
_key_rows: Expiring[str, list[Any]] = Expiring(KEY_CACHE_SECONDS)


def _keys(session: Session) -> list[Any]:
    """The issuer key table (a handful of rows), read at most every few seconds: three
    look-ups of every redemption."""
    where = database_of(session)
    rows = _key_rows.get(where)
    if rows is None:
        rows = _key_rows.put(where, list(session.execute(
            select(IssuerKey.kid, IssuerKey.purpose, IssuerKey.status, IssuerKey.public_key,
                   IssuerKey.private_key_enc).order_by(IssuerKey.id))))  # fmt: skip
    return rows


def _forget_keys() -> None:
    _key_rows.clear()


def _private(session: Session, cipher: FieldCipher, purpose: str) -> tuple[bytes, object]:
    active = [r for r in _keys(session) if r.purpose == purpose and r.status == "active"]
    if not active:
        raise VoucherProblem("issuer_key.none_active", purpose=purpose)
    kid, blob = active[-1].kid, active[-1].private_key_enc
    found = _private_cache.get(kid)
    if found is None:
        raw = bytes.fromhex(cipher.decrypt(blob, _SIGN_CONTEXT))
        found = (Ed25519PrivateKey.from_private_bytes(raw) if purpose == "sign"
                 else X25519PrivateKey.from_private_bytes(raw))  # fmt: skip
        _private_cache[kid] = found
    return kid, found


def signing_key(session: Session, cipher: FieldCipher) -> tuple[bytes, Ed25519PrivateKey]:
    kid, key = _private(session, cipher, "sign")
    assert isinstance(key, Ed25519PrivateKey)
    return kid, key


def pin_key(session: Session, cipher: FieldCipher) -> X25519PrivateKey:
    key = _private(session, cipher, "pin")[1]
    assert isinstance(key, X25519PrivateKey)
    return key


def trusted_keys(session: Session) -> dict[bytes, qr.TrustedKey]:
    """The signing keys a verifier should know: what an offline POS caches."""
    keys = {}
    for row in _keys(session):
        if row.purpose != "sign":
            continue
        obj = _public_cache.get(row.kid)
        if obj is None:
            obj = _public_cache[row.kid] = Ed25519PublicKey.from_public_bytes(row.public_key)
        keys[row.kid] = qr.TrustedKey(obj, row.status)
    return keys


def published_keys(session: Session) -> list[dict[str, str]]:
    """The public keys, for the public endpoint: kid, purpose, status, raw key in base64url."""
    return [{"kid": k.kid.hex(), "purpose": k.purpose, "status": k.status,
             "alg": "EdDSA" if k.purpose == "sign" else "X25519",
             "public_key": base64.urlsafe_b64encode(k.public_key).decode().rstrip("=")}
            for k in session.scalars(select(IssuerKey).where(IssuerKey.status != "retired")
                                     .order_by(IssuerKey.id))]  # fmt: skip
