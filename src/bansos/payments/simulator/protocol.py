"""What a real SNAP provider checks before it moves money, re-implemented strictly.

Why re-implement it instead of trusting our client: a lenient simulator would accept exactly the
mistakes a real bank refuses (a body re-serialised after signing, a timestamp in the wrong zone,
a token from another provider, an X-EXTERNAL-ID reused on the same day), and we would only learn
in production. Every check here answers with the responseCode a provider sends, so the payout
client's handling of each refusal is exercised too. Verification uses ``snap`` (the same
primitives as the client) but only where the maths is shared; the published test vectors in
``tests/payments/test_snap.py`` pin those primitives to other implementations.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from starlette.datastructures import Headers

from bansos.core.errors import Problem
from bansos.payments import snap
from bansos.payments.codes import CASES
from bansos.payments.simulator.config import SimPartner, SimProvider

SERVICE_HEADERS = (
    "Authorization",
    "X-TIMESTAMP",
    "X-SIGNATURE",
    "X-PARTNER-ID",
    "X-EXTERNAL-ID",
    "CHANNEL-ID",
)
TOKEN_HEADERS = ("X-TIMESTAMP", "X-CLIENT-KEY", "X-SIGNATURE")
_EXTERNAL_ID = re.compile(r"[0-9]{1,36}")


class Refusal(Exception):
    """A SNAP refusal: HTTP status and case code; the service code comes from the endpoint."""

    def __init__(self, http_status: int, case: str, detail: str = "") -> None:
        super().__init__(f"{http_status}xx{case} {detail}")
        self.http_status = http_status
        self.case = case
        self.detail = detail

    @property
    def message(self) -> str:
        base = CASES[(self.http_status, self.case)].message
        return f"{base} {self.detail}".strip()


def unauthorized(reason: str) -> Refusal:
    return Refusal(401, "00", f"[{reason}]")


def invalid_format(name: str) -> Refusal:
    return Refusal(400, "01", name)


def missing(name: str) -> Refusal:
    return Refusal(400, "02", name)


@dataclass(frozen=True)
class Token:
    value: str
    provider: str
    partner: SimPartner
    expires_at: float


class TokenStore:
    """B2B access tokens in memory: a restarted provider forgets them, as real ones may."""

    def __init__(self) -> None:
        self._tokens: dict[str, Token] = {}

    def issue(self, provider: str, partner: SimPartner, ttl: float, now: float) -> Token:
        self._tokens = {k: t for k, t in self._tokens.items() if t.expires_at > now}
        token = Token(secrets.token_urlsafe(32), provider, partner, now + ttl)
        self._tokens[token.value] = token
        return token

    def valid(self, authorization: str, provider: str, now: float) -> Token:
        """The token of ``Authorization: Bearer <token>``; unknown, foreign or expired: 401xx01."""
        scheme, _, value = authorization.partition(" ")
        token = self._tokens.get(value.strip()) if scheme.lower() == "bearer" else None
        if token is None or token.provider != provider or token.expires_at <= now:
            raise Refusal(401, "01")
        return token


def require(headers: Headers, names: tuple[str, ...]) -> dict[str, str]:
    """The mandatory headers, Content-Type first; a missing one is 400xx02."""
    media = headers.get("content-type", "").split(";")[0].strip().lower()
    if not media:
        raise missing("Content-Type")
    if media != "application/json":
        raise invalid_format("Content-Type")
    found = {}
    for name in names:
        value = headers.get(name, "").strip()
        if not value:
            raise missing(name)
        found[name] = value
    return found


def check_timestamp(text: str, now: datetime, max_skew: float) -> datetime:
    """Format (400xx01) then freshness (401xx00): a replayed or mis-zoned request is refused."""
    try:
        moment = snap.parse_timestamp(text)
    except Problem as exc:
        raise invalid_format("X-TIMESTAMP") from exc
    if abs((moment - now).total_seconds()) > max_skew:
        raise unauthorized("X-TIMESTAMP out of range")
    return moment


def read_body(raw: bytes) -> tuple[bytes, dict[str, object]]:
    """The minified body (for the signature, over the bytes received) and its parsed form."""
    try:
        compacted = snap.compact(raw)
    except Problem as exc:
        raise Refusal(400, "00", "[body is not JSON]") from exc
    parsed = json.loads(compacted) if compacted else {}
    if not isinstance(parsed, dict):
        raise Refusal(400, "00", "[body must be a JSON object]")
    return compacted, parsed


def authenticate_service(
    headers: Headers,
    method: str,
    path: str,
    raw_body: bytes,
    provider: SimProvider,
    tokens: TokenStore,
    now: datetime,
    max_skew: float,
) -> tuple[SimPartner, str, dict[str, object]]:
    """Everything a provider checks before it looks at the body's fields, in its order.

    Returns the partner, the X-EXTERNAL-ID (not yet claimed) and the parsed body.
    """
    found = require(headers, SERVICE_HEADERS)
    token = tokens.valid(found["Authorization"], provider.name, now.timestamp())
    partner = token.partner
    if found["X-PARTNER-ID"] != partner.partner_id:
        raise unauthorized("Unknown partner")
    if found["CHANNEL-ID"] != partner.channel_id:
        raise unauthorized("Unknown channel")
    if _EXTERNAL_ID.fullmatch(found["X-EXTERNAL-ID"]) is None:
        raise invalid_format("X-EXTERNAL-ID")
    check_timestamp(found["X-TIMESTAMP"], now, max_skew)
    compacted, body = read_body(raw_body)
    if not snap.verify_service(
        partner.client_secret.reveal(),
        method,
        path,
        token.value,
        compacted,
        found["X-TIMESTAMP"],
        found["X-SIGNATURE"],
    ):
        raise unauthorized("Signature")
    return partner, found["X-EXTERNAL-ID"], body


def authenticate_token_request(
    headers: Headers, raw_body: bytes, provider: SimProvider, now: datetime, max_skew: float
) -> SimPartner:
    found = require(headers, TOKEN_HEADERS)
    try:
        snap.parse_timestamp(found["X-TIMESTAMP"])
    except Problem as exc:
        raise invalid_format("X-TIMESTAMP") from exc
    partner = provider.partner_by_key(found["X-CLIENT-KEY"])
    if partner is None:
        raise unauthorized("Unknown client")
    if not snap.verify_token_request(
        partner.public_key, partner.client_key, found["X-TIMESTAMP"], found["X-SIGNATURE"]
    ):
        raise unauthorized("Signature")
    check_timestamp(found["X-TIMESTAMP"], now, max_skew)
    _, body = read_body(raw_body)
    grant = Fields(body).text("grantType", max_len=32)
    if grant != "client_credentials":
        raise invalid_format("grantType")
    return partner


class Fields:
    """Typed reads of a request body: missing is 400xx02, malformed is 400xx01."""

    def __init__(self, body: Mapping[str, object]) -> None:
        self.body = body

    def text(
        self, name: str, *, max_len: int, required: bool = True, pattern: str | None = None
    ) -> str:
        """The field's text, or "" when it is optional and absent."""
        value = self.body.get(name)
        if value is None or value == "":
            if required:
                raise missing(name)
            return ""
        if not isinstance(value, str) or len(value) > max_len:
            raise invalid_format(name)
        if pattern is not None and re.fullmatch(pattern, value) is None:
            raise invalid_format(name)
        return value

    def digits(self, name: str, *, max_len: int, required: bool = True) -> str:
        return self.text(name, max_len=max_len, required=required, pattern=r"[0-9]+")

    def amount(self, name: str, *, required: bool = True) -> int | None:
        value = self.body.get(name)
        if value is None:
            if required:
                raise missing(f"{name}.value")
            return None
        try:
            return snap.parse_amount(value)
        except Problem as exc:
            part = "currency" if exc.code == "snap.amount_currency" else "value"
            raise invalid_format(f"{name}.{part}") from exc

    def timestamp(self, name: str, *, required: bool = True) -> str:
        text = self.text(name, max_len=35, required=required)
        if text:
            try:
                snap.parse_timestamp(text)
            except Problem as exc:
                raise invalid_format(name) from exc
        return text

    def mapping(self, name: str) -> Mapping[str, object]:
        value = self.body.get(name, {})
        if not isinstance(value, Mapping):
            raise invalid_format(name)
        return value
