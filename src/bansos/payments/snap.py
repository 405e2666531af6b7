"""SNAP wire primitives: the body bytes, the three signatures, X-TIMESTAMP and amounts.

SNAP (Standar Nasional Open API Pembayaran) is Bank Indonesia's standard for bank and e-wallet
APIs. Every provider signs the same way, so these are pure functions of their inputs; the
per-provider differences (path prefix, time zone, ids) live in ``provider.Provider``.

* Access token (``POST /v1.0/access-token/b2b``): ``X-SIGNATURE`` is SHA256withRSA
  (RSASSA-PKCS1-v1_5 over SHA-256) of ``client_key + "|" + X-TIMESTAMP`` with the partner's
  private key, base64.
* Service calls (symmetric): HMAC-SHA512 with the client secret over
  ``METHOD:path:accessToken:lowerhex(sha256(minify(body))):X-TIMESTAMP``, base64.
* Notifications and "asymmetric without token" calls: SHA256withRSA over
  ``METHOD:path:lowerhex(sha256(minify(body))):X-TIMESTAMP``, base64.

Sources: Midtrans' SNAP signature guide (https://docs.midtrans.com/reference/signature-generation)
and its reference code (github.com/Midtrans/SNAP-BI-Signature-Demo, whose published outputs our
tests reproduce byte for byte); DOKU's and Faspay's SNAP signature pages say the same.

"minify" means: JSON without whitespace outside strings, keys in their original order, values
untouched (PayerMax's SNAP guide warns never to sort keys). No source defines escaping, so we
send non-ASCII as raw UTF-8 (``ensure_ascii=False``, as JavaScript's ``JSON.stringify`` and Go's
``json.Compact`` leave it) and never re-encode what we received: the signature covers the bytes
that travel, and :func:`compact` only strips whitespace, like Go's ``json.Compact``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone, tzinfo

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from bansos.core.clock import WIB as WIB  # the zones SNAP timestamps may be in
from bansos.core.clock import WIT as WIT
from bansos.core.errors import Problem

#: Indonesia's three zones; SNAP timestamps carry the numeric offset, never the name.
WITA = timezone(timedelta(hours=8), "WITA")
_ZONES = {"WIB": WIB, "WITA": WITA, "WIT": WIT}

CURRENCY = "IDR"
#: SNAP amounts are String(16,2): at most 13 digits before the point.
MAX_AMOUNT = 10**13 - 1

_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?[+-][0-9]{2}:[0-9]{2}"
)
_OFFSET = re.compile(r"([+-])([0-9]{2}):([0-9]{2})")
_AMOUNT = re.compile(r"(0|[1-9][0-9]{0,12})\.([0-9]{2})")
# A JSON string (kept verbatim) or a run of JSON whitespace (dropped). UTF-8 continuation bytes
# are never '"' or '\\', so matching on bytes is safe.
_STRING_OR_SPACE = re.compile(rb'("(?:[^"\\]|\\.)*")|[ \t\n\r]+', re.DOTALL)


# --- The body ------------------------------------------------------------------------------------


def minify(payload: Mapping[str, object]) -> bytes:
    """The request body exactly as sent and signed: compact JSON, UTF-8, key order kept."""
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8")


def compact(raw: bytes) -> bytes:
    """Minify a received body without re-encoding it (a verifier must hash what was signed).

    An empty body stays empty (a GET signs the hash of nothing). Anything else must be JSON.
    """
    if not raw.strip():
        return b""
    try:
        json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        raise Problem("snap.body_not_json") from exc
    return _STRING_OR_SPACE.sub(lambda m: m.group(1) or b"", raw)


def _reject_constant(name: str) -> object:
    raise ValueError(name)  # NaN and Infinity are not JSON


def body_hash(body: bytes) -> str:
    """``Lowercase(HexEncode(SHA-256(body)))``: the body's part of every service signature."""
    return hashlib.sha256(body).hexdigest()


# --- Signatures ----------------------------------------------------------------------------------


def token_string_to_sign(client_key: str, timestamp: str) -> bytes:
    return f"{client_key}|{timestamp}".encode()


def service_string_to_sign(
    method: str, path: str, access_token: str, body: bytes, timestamp: str
) -> bytes:
    """``path`` is the relative URL as requested (with any prefix and query string)."""
    return f"{method.upper()}:{path}:{access_token}:{body_hash(body)}:{timestamp}".encode()


def asymmetric_string_to_sign(method: str, path: str, body: bytes, timestamp: str) -> bytes:
    return f"{method.upper()}:{path}:{body_hash(body)}:{timestamp}".encode()


def sign_token_request(private_key: rsa.RSAPrivateKey, client_key: str, timestamp: str) -> str:
    """``X-SIGNATURE`` of the access-token request."""
    return _rsa_sign(private_key, token_string_to_sign(client_key, timestamp))


def verify_token_request(
    public_key: rsa.RSAPublicKey, client_key: str, timestamp: str, signature: str
) -> bool:
    return _rsa_verify(public_key, token_string_to_sign(client_key, timestamp), signature)


def sign_service(
    client_secret: bytes, method: str, path: str, access_token: str, body: bytes, timestamp: str
) -> str:
    """``X-SIGNATURE`` of a service call; ``body`` is the minified body as sent."""
    message = service_string_to_sign(method, path, access_token, body, timestamp)
    digest = hmac.new(client_secret, message, hashlib.sha512).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_service(
    client_secret: bytes,
    method: str,
    path: str,
    access_token: str,
    body: bytes,
    timestamp: str,
    signature: str,
) -> bool:
    """Constant-time check of a service signature (a malformed signature is simply wrong)."""
    given = _b64decode(signature)
    if given is None:
        return False
    message = service_string_to_sign(method, path, access_token, body, timestamp)
    expected = hmac.new(client_secret, message, hashlib.sha512).digest()
    return hmac.compare_digest(expected, given)


def sign_asymmetric(
    private_key: rsa.RSAPrivateKey, method: str, path: str, body: bytes, timestamp: str
) -> str:
    """``X-SIGNATURE`` of a notification or an asymmetric (token-less) service call."""
    return _rsa_sign(private_key, asymmetric_string_to_sign(method, path, body, timestamp))


def verify_asymmetric(
    public_key: rsa.RSAPublicKey,
    method: str,
    path: str,
    body: bytes,
    timestamp: str,
    signature: str,
) -> bool:
    message = asymmetric_string_to_sign(method, path, body, timestamp)
    return _rsa_verify(public_key, message, signature)


def _rsa_sign(private_key: rsa.RSAPrivateKey, message: bytes) -> str:
    signature = private_key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def _rsa_verify(public_key: rsa.RSAPublicKey, message: bytes, signature: str) -> bool:
    given = _b64decode(signature)
    if given is None:
        return False
    try:
        public_key.verify(given, message, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def _b64decode(text: str) -> bytes | None:
    """Strict base64: only the canonical spelling (padding bits zero) of a signature counts."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        return None
    return raw if base64.b64encode(raw).decode("ascii") == text else None


def load_private_key(pem: bytes, what: str = "private") -> rsa.RSAPrivateKey:
    """An RSA private key from PEM (PKCS#8 ``BEGIN PRIVATE KEY`` or PKCS#1 ``BEGIN RSA``)."""
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise Problem("snap.key_invalid", what=what) from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise Problem("snap.key_invalid", what=what)
    return key


def load_public_key(pem: bytes, what: str = "public") -> rsa.RSAPublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as exc:
        raise Problem("snap.key_invalid", what=what) from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise Problem("snap.key_invalid", what=what)
    return key


# --- X-TIMESTAMP ---------------------------------------------------------------------------------


def parse_zone(text: str) -> timezone:
    """``WIB``/``WITA``/``WIT`` or a numeric offset such as ``+07:00``."""
    named = _ZONES.get(text.strip().upper())
    if named is not None:
        return named
    match = _OFFSET.fullmatch(text.strip())
    if match is None or int(match[2]) > 14 or int(match[3]) > 59:
        raise Problem("snap.zone_unknown", zone=text)
    minutes = int(match[2]) * 60 + int(match[3])
    return timezone(timedelta(minutes=-minutes if match[1] == "-" else minutes))


def format_timestamp(moment: datetime, zone: tzinfo = WIB) -> str:
    """``2026-12-02T21:43:44+07:00``: whole seconds, the numeric offset of ``zone``."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise Problem("snap.timestamp_naive")
    return moment.astimezone(zone).replace(microsecond=0).isoformat()


def parse_timestamp(text: str) -> datetime:
    """An aware datetime from a SNAP timestamp; the offset is mandatory (no ``Z``, no names).

    Fractions of a second are accepted because several providers send milliseconds.
    """
    if not isinstance(text, str) or _TIMESTAMP.fullmatch(text) is None:
        raise Problem("snap.timestamp_format", value=str(text)[:40])
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:  # e.g. month 13, or an offset of 24 hours
        raise Problem("snap.timestamp_format", value=text) from exc


# --- Amounts -------------------------------------------------------------------------------------


def format_amount(rupiah: int) -> dict[str, str]:
    """SNAP's amount object: ``{"value": "10000.00", "currency": "IDR"}``."""
    if isinstance(rupiah, bool) or not isinstance(rupiah, int) or not 0 <= rupiah <= MAX_AMOUNT:
        raise Problem("snap.amount_range", value=str(rupiah))
    return {"value": f"{rupiah}.00", "currency": CURRENCY}


def parse_amount(amount: object) -> int:
    """Whole rupiah from a SNAP amount object; refuses cents, other currencies and extra keys.

    Rupiah have no cents in this system (money is an ``int`` of rupiah), so ``"10.50"`` is
    refused rather than rounded.
    """
    if not isinstance(amount, Mapping) or set(amount) != {"value", "currency"}:
        raise Problem("snap.amount_format", value=str(amount)[:40])
    value, currency = amount["value"], amount["currency"]
    if not isinstance(value, str) or (match := _AMOUNT.fullmatch(value)) is None:
        raise Problem("snap.amount_format", value=str(value)[:40])
    if match[2] != "00":
        raise Problem("snap.amount_cents", value=value)
    if currency != CURRENCY:
        raise Problem("snap.amount_currency", currency=str(currency)[:10])
    return int(match[1])


# --- Headers -------------------------------------------------------------------------------------


def token_headers(client_key: str, timestamp: str, signature: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-TIMESTAMP": timestamp,
        "X-CLIENT-KEY": client_key,
        "X-SIGNATURE": signature,
    }


def service_headers(
    *,
    access_token: str,
    timestamp: str,
    signature: str,
    partner_id: str,
    external_id: str,
    channel_id: str,
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {access_token}",
        "X-TIMESTAMP": timestamp,
        "X-SIGNATURE": signature,
        "X-PARTNER-ID": partner_id,
        "X-EXTERNAL-ID": external_id,
        "CHANNEL-ID": channel_id,
    }
