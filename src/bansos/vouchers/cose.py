"""COSE_Sign1 (RFC 9052) with EdDSA/Ed25519 over cbor2: the signed envelope of QR credentials
and receipts, as in the EU Digital COVID Certificate.

Written here rather than taken from pycose because the verification is the hot path of every
redemption and of every offline POS check: pycose 1.1.0 (its last release, 2023) builds a
message object, header objects and a key object per call and cannot decode at all under cbor2
6.x. This is the whole of what we need: one algorithm (EdDSA, -8), the key id in the protected
header, no external AAD. tests/vouchers/test_cose.py checks our messages against pycose in both
directions and against the COSE Working Group's published Ed25519 example.
"""

from __future__ import annotations

from dataclasses import dataclass

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

COSE_SIGN1_TAG = 18
ALG, KID = 1, 4  # header labels
EDDSA = -8


class CoseError(ValueError):
    """Why a message is not a valid COSE_Sign1; ``reason`` is a short machine word."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Sign1:
    protected: bytes  # the serialized protected header, exactly as signed
    kid: bytes
    payload: bytes
    signature: bytes

    def signed_bytes(self) -> bytes:
        return sig_structure(self.protected, self.payload)


def sig_structure(protected: bytes, payload: bytes, external_aad: bytes = b"") -> bytes:
    return cbor2.dumps(["Signature1", protected, external_aad, payload])


def sign(payload: bytes, key: Ed25519PrivateKey, kid: bytes) -> bytes:
    """A tagged COSE_Sign1 message: protected {alg: EdDSA, kid}, empty unprotected header."""
    protected = cbor2.dumps({ALG: EDDSA, KID: kid})
    signature = key.sign(sig_structure(protected, payload))
    return cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]))


def parse(message: bytes) -> Sign1:
    """The parts of a COSE_Sign1 message, checked for shape (not yet for the signature)."""
    try:
        decoded = cbor2.loads(message)
    except Exception as exc:  # cbor2 raises several types on garbage
        raise CoseError("cbor") from exc
    if isinstance(decoded, cbor2.CBORTag):
        if decoded.tag != COSE_SIGN1_TAG:
            raise CoseError("tag")
        decoded = decoded.value
    if not isinstance(decoded, list) or len(decoded) != 4:
        raise CoseError("structure")
    protected, unprotected, payload, signature = decoded
    if not (isinstance(protected, bytes) and isinstance(unprotected, dict)
            and isinstance(payload, bytes) and isinstance(signature, bytes)):  # fmt: skip
        raise CoseError("structure")
    try:
        header = cbor2.loads(protected) if protected else {}
    except Exception as exc:
        raise CoseError("cbor") from exc
    if not isinstance(header, dict) or header.get(ALG) != EDDSA:
        raise CoseError("algorithm")
    kid = header.get(KID, unprotected.get(KID))
    if not isinstance(kid, bytes) or not kid:
        raise CoseError("kid")
    if len(signature) != 64:
        raise CoseError("signature")
    return Sign1(protected, kid, payload, signature)


def verify(message: Sign1, key: Ed25519PublicKey) -> None:
    try:
        key.verify(message.signature, message.signed_bytes())
    except InvalidSignature as exc:
        raise CoseError("signature") from exc
