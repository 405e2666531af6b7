"""Field encryption (AES-GCM) and blind indexes (HMAC-SHA256) for personal data at rest.

One 32-byte master key is split with HKDF into an encryption key and an index key, so that the
blind index (used for exact lookup by NIK or KK) never reveals anything the ciphertext key
would, and rotating one purpose does not silently reuse the other. A key check value lets the
service refuse to start with the wrong key instead of writing garbage next to good data.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import threading

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bansos.core.errors import Problem

KEY_BYTES = 32
NONCE_BYTES = 12
#: Version byte in front of every ciphertext so that a future scheme can coexist.
_VERSION = b"\x01"


class MasterKeyError(Problem):
    """The master key is missing, malformed, or not the key this database was written with."""


@functools.lru_cache(maxsize=32)
def _derive(master: bytes, purpose: bytes) -> bytes:
    """Cached: the PIN verifier key is derived on every payment (an HKDF each time was a
    noticeable part of a redemption); the cache holds no more than the master key itself."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"bansos:" + purpose).derive(
        master
    )


def decode_key(text: str) -> bytes:
    """Parse a base64url master key; 32 bytes exactly."""
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (ValueError, TypeError) as exc:
        raise MasterKeyError("key.malformed") from exc
    if len(raw) != KEY_BYTES:
        raise MasterKeyError("key.length", expected=KEY_BYTES, got=len(raw))
    return raw


def new_key_text() -> str:
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode().rstrip("=")


class FieldCipher:
    """Encrypts and indexes personal identifiers with keys derived from one master key."""

    __slots__ = ("_aead", "_digest_key", "_index_key", "_inner", "_lock", "_master", "_outer",
                 "_pool", "_pos")  # fmt: skip

    def __init__(self, master: bytes) -> None:
        if len(master) != KEY_BYTES:
            raise MasterKeyError("key.length", expected=KEY_BYTES, got=len(master))
        self._master = master
        self._aead = AESGCM(_derive(master, b"field-encryption"))
        self._index_key = _derive(master, b"blind-index")
        # HMAC-SHA256 (RFC 2104) with the two padded-key states computed once: hmac.digest()
        # re-derives them on every call, which doubled the cost of a blind index in a bulk
        # import. Tested equal to hmac.digest() in tests/core/test_crypto.py.
        block = self._index_key.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))
        self._digest_key = _derive(master, b"row-digest")
        self._lock = threading.Lock()
        self._pool = b""
        self._pos = 0

    def derive(self, purpose: bytes) -> bytes:
        """A 32-byte key for ``purpose`` (e.g. b"pin-verifier") from the master key: keys that
        must not live in the database."""
        return _derive(self._master, purpose)

    def _nonce(self) -> bytes:
        """96 random bits from the OS, drawn a few kilobytes at a time: one system call per
        encryption was half the cost of encrypting. Random nonces keep AES-GCM safe for about
        2^32 encryptions under one key, far beyond a national registry's re-encryptions."""
        with self._lock:
            if self._pos + NONCE_BYTES > len(self._pool):
                self._pool, self._pos = os.urandom(NONCE_BYTES * 1024), 0
            nonce = self._pool[self._pos : self._pos + NONCE_BYTES]
            self._pos += NONCE_BYTES
            return nonce

    def encrypt(self, plaintext: str, context: bytes) -> bytes:
        """AES-GCM with a random nonce; ``context`` (e.g. b"nik") is bound as associated data
        so that a NIK ciphertext cannot be swapped into a KK column unnoticed."""
        nonce = self._nonce()
        return _VERSION + nonce + self._aead.encrypt(nonce, plaintext.encode(), context)

    def decrypt(self, blob: bytes, context: bytes) -> str:
        if not blob or blob[:1] != _VERSION:
            raise MasterKeyError("key.ciphertext_version")
        try:
            return self._aead.decrypt(
                blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :], context
            ).decode()
        except InvalidTag as exc:
            raise MasterKeyError("key.decrypt") from exc

    def blind_index(self, value: str, context: bytes) -> bytes:
        """Deterministic keyed digest for equality lookup, 16 bytes.

        For a 16-digit NIK or KK number the first two bytes are its first four digits (province
        and regency, the digits the mask ``3204********0001`` shows anyway), followed by 14
        bytes of HMAC-SHA256. Registry extracts come sorted by region, so the index B-tree
        then takes its inserts in a few regions of the tree instead of all over it: a chunk
        dirties far fewer pages, and a million-row SQLite import writes a fraction of the
        write-ahead log (bench/import_civil.py). 112 bits of HMAC within a regency leave
        collisions out of reach; anything else gets the full 16 bytes of HMAC.
        """
        inner = self._inner.copy()
        inner.update(context + b":" + value.encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        mac = outer.digest()
        if len(value) == 16 and value.isascii() and value.isdigit():
            return int(value[:4]).to_bytes(2, "big") + mac[:14]
        return mac[:16]

    def row_digest(self, payload: bytes) -> bytes:
        """Keyed digest of a whole record, to skip unchanged rows on re-import without
        leaving an unkeyed (guessable) hash of personal data in the database."""
        return hashlib.blake2b(payload, digest_size=16, key=self._digest_key).digest()

    def check_value(self) -> str:
        """A short value stored in the database to recognise the right key at start-up."""
        return hmac.digest(self._index_key, b"bansos key check v1", "sha256")[:8].hex()
