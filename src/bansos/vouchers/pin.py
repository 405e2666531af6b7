"""The recipient PIN: how it rests (a keyed verifier) and how it travels (a sealed PIN block).

At rest. A 6-digit PIN has 10^6 values: any hash an attacker can compute, however slow, falls
to an offline search (argon2id tuned to 50 ms takes 14 CPU-hours per PIN, and a leaked table
of 20 million households is an embarrassingly parallel job), and a slow hash would cost the
redemption path 50 ms of CPU each, against a target of 1,000 redemptions/s. So we do what bank
HSM PIN verification does: the verifier is HMAC-SHA256 under a key that does not live in the
database (derived from the master key, which comes from the environment or a key file, like
the keys of the NIK encryption). A stolen database without that key gives nothing to search
with; online guessing is stopped by the wrong-try counter and lock. The household id is in the
MAC, so equal PINs do not give equal verifiers.

In transit. The POS never sees a PIN it could keep: the recipient types it on the POS, which
seals it at once into a PIN block for the server: X25519 with an ephemeral key against the
server's published PIN key, HKDF-SHA256, AES-256-GCM, with the device id and the request's
idempotency key as associated data, so a captured block is useless in any other request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bansos.vouchers.qr import VoucherProblem

PIN_LENGTH = 6
MAX_WRONG = 5
HKDF_INFO = b"bansos:pin-block:v1"
_WEAK = {"123456", "654321", "012345", "543210", "123123", "112233"}


def check_new_pin(pin: str) -> str:
    """A PIN a recipient may choose: six digits, not one digit repeated, not a run."""
    if len(pin) != PIN_LENGTH or not pin.isascii() or not pin.isdigit():
        raise VoucherProblem("pin.format", length=PIN_LENGTH)
    if len(set(pin)) == 1 or pin in _WEAK:
        raise VoucherProblem("pin.weak")
    return pin


def verifier(key: bytes, household_id: int, pin: str) -> bytes:
    return hmac.digest(key, f"{household_id}:{pin}".encode(), hashlib.sha256)


def matches(key: bytes, household_id: int, pin: str, stored: bytes) -> bool:
    return hmac.compare_digest(verifier(key, household_id, pin), stored)


def _aead_key(shared: bytes) -> AESGCM:
    return AESGCM(HKDF(hashes.SHA256(), 32, salt=None, info=HKDF_INFO).derive(shared))


def associated_data(device_id: int, idempotency_key: str) -> bytes:
    return f"{device_id}|{idempotency_key}".encode()


def seal(pin: str, server_key: X25519PublicKey, aad: bytes) -> str:
    """What a POS does (and the tests, and the browser POS with WebCrypto): base64url of
    ephemeral public key (32) | nonce (12) | AES-GCM ciphertext of the PIN."""
    ephemeral = X25519PrivateKey.generate()
    nonce = os.urandom(12)
    sealed = _aead_key(ephemeral.exchange(server_key)).encrypt(nonce, pin.encode(), aad)
    raw = ephemeral.public_key().public_bytes_raw() + nonce + sealed
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def open_block(block: str, server_key: X25519PrivateKey, aad: bytes) -> str:
    try:
        raw = base64.urlsafe_b64decode(block + "=" * (-len(block) % 4))
    except (ValueError, TypeError):
        raise VoucherProblem("pin.block") from None
    if len(raw) != 32 + 12 + PIN_LENGTH + 16:
        raise VoucherProblem("pin.block")
    try:
        shared = server_key.exchange(X25519PublicKey.from_public_bytes(raw[:32]))
        pin = _aead_key(shared).decrypt(raw[32:44], raw[44:], aad).decode()
    except (InvalidTag, ValueError):
        raise VoucherProblem("pin.block") from None
    if not pin.isdigit():
        raise VoucherProblem("pin.block")
    return pin
