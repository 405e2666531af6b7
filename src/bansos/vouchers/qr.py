"""The recipient's QR credential: CWT claims in a COSE_Sign1 signed with Ed25519, base45 text
behind a short prefix, the pattern of the EU Digital COVID Certificate.

``BS1:`` + base45(COSE_Sign1(claims)). The claims use CWT labels (RFC 8392) and carry no NIK and
no name: iss, sub (a pseudonym of the household, the same on every card it is issued), exp,
nbf, iat, cti (this card's id, for revocation) and the program codes (private label -1). About
155 bytes, ~235 characters: QR version 9 at error correction M, alphanumeric mode, which
cheap phone cameras read (bench/verify_qr.py prints both). ``read`` is all that an offline
POS does: it needs only the published public keys and the revocation list. Nothing here
touches the database.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass
from typing import Any

import cbor2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from bansos.core.base45 import Base45Error, b45decode, b45encode
from bansos.core.errors import Problem
from bansos.vouchers import cose

PREFIX = "BS1:"
MAX_CHARS = 300
ISSUER = "ID-KEMENSOS"
ISS, SUB, EXP, NBF, IAT, CTI, PROGRAMS = 1, 2, 4, 5, 6, 7, -1


class VoucherProblem(Problem):
    """A credential, code, PIN or redemption that cannot be accepted."""


@dataclass(frozen=True, slots=True)
class Claims:
    credential_id: bytes  # cti: revocation is by this id
    subject: bytes  # the household's pseudonym
    programs: tuple[str, ...]
    issued_at: int  # epoch seconds
    not_before: int
    expires_at: int
    issuer: str = ISSUER


@dataclass(frozen=True, slots=True)
class Verified:
    claims: Claims
    kid: bytes


@dataclass(frozen=True, slots=True)
class TrustedKey:
    public: Ed25519PublicKey
    #: "active" signs new credentials; "verify_only" was rotated out but still vouches for the
    #: cards it signed; "retired" vouches for nothing any more (compromised or withdrawn).
    status: str


def encode(claims: Claims, key: Ed25519PrivateKey, kid: bytes) -> str:
    payload = cbor2.dumps({
        ISS: claims.issuer, SUB: claims.subject, EXP: claims.expires_at,
        NBF: claims.not_before, IAT: claims.issued_at, CTI: claims.credential_id,
        PROGRAMS: list(claims.programs),
    })  # fmt: skip
    text = PREFIX + b45encode(cose.sign(payload, key, kid))
    if len(text) > MAX_CHARS:
        raise VoucherProblem("qr.too_long", length=len(text), limit=MAX_CHARS)
    return text


def read(
    text: str,
    keys: Mapping[bytes, TrustedKey],
    revoked: Container[bytes],
    now: int,
    *,
    issuer: str = ISSUER,
) -> Verified:
    """Decode, check the signature under a trusted key, then validity and revocation; raises a
    ``VoucherProblem`` whose code says exactly what is wrong."""
    if not text:
        raise VoucherProblem("qr.empty")
    if len(text) > MAX_CHARS:
        raise VoucherProblem("qr.too_long", length=len(text), limit=MAX_CHARS)
    if not text.startswith(PREFIX):
        raise VoucherProblem("qr.prefix", expected=PREFIX)
    try:
        raw = b45decode(text[len(PREFIX) :])
    except Base45Error:
        raise VoucherProblem("qr.base45") from None
    try:
        message = cose.parse(raw)
    except cose.CoseError as exc:
        raise VoucherProblem(
            "qr.algorithm" if exc.reason == "algorithm" else "qr.structure"
        ) from None
    trusted = keys.get(message.kid)
    if trusted is None:
        raise VoucherProblem("qr.unknown_key", kid=message.kid.hex())
    if trusted.status == "retired":
        raise VoucherProblem("qr.retired_key", kid=message.kid.hex())
    try:
        cose.verify(message, trusted.public)
    except cose.CoseError:
        raise VoucherProblem("qr.signature") from None
    claims = _claims(message.payload)
    if claims.issuer != issuer:
        raise VoucherProblem("qr.issuer", issuer=claims.issuer[:40])
    if now < claims.not_before:
        raise VoucherProblem("qr.not_yet_valid")
    if now >= claims.expires_at:
        raise VoucherProblem("qr.expired")
    if claims.credential_id in revoked:
        raise VoucherProblem("qr.revoked")
    return Verified(claims, message.kid)


def _claims(payload: bytes) -> Claims:
    """A signed payload of the wrong shape is still refused (a key used for something else)."""
    try:
        data: Any = cbor2.loads(payload)
        programs = data[PROGRAMS]
        claims = Claims(
            credential_id=data[CTI], subject=data[SUB], programs=tuple(programs),
            issued_at=data[IAT], not_before=data[NBF], expires_at=data[EXP], issuer=data[ISS],
        )  # fmt: skip
    except Exception:  # any decoding or shape error is the same refusal
        raise VoucherProblem("qr.claims") from None
    if not (isinstance(claims.credential_id, bytes) and isinstance(claims.subject, bytes)
            and isinstance(claims.issuer, str) and isinstance(programs, list)
            and all(isinstance(p, str) for p in programs)
            and all(type(t) is int for t in (claims.issued_at, claims.not_before,
                                              claims.expires_at))):  # fmt: skip
        raise VoucherProblem("qr.claims")
    return claims
