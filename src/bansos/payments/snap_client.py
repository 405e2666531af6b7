"""The SNAP payout rail: interbank transfers for a bank, top-ups for an e-wallet provider.

Why it is built this way:

* **Nothing the other side does raises.** Every answer, refusal, timeout or broken connection
  becomes an ``Attempt``/``AccountCheck`` (see ``rails``), so the payout machinery decides from
  an outcome. A read timeout or a dropped connection on ``send`` is UNKNOWN: the money may have
  moved, so the caller asks ``status`` and never resends under a new reference.
* **Status needs only the payout.** The status inquiry sends ``originalPartnerReferenceNo`` and
  ``serviceCode``, the only mandatory fields (Midtrans' transfer-status-inquiry page). The
  original X-EXTERNAL-ID and date are optional and deliberately left out: a wrong one would make
  a provider answer "not found" for a transfer it booked. Nothing from memory is needed, so a
  status can be asked after a restart. Only 404xx01 (not found) and a successful inquiry say
  anything about the payout; any other refusal of the status call itself is UNKNOWN.
* **The signature covers the bytes that travel**: the body is minified once, signed, and those
  bytes are sent (``content=``), never re-serialised by the HTTP library.
* **One access token per rail**, fetched on demand under a lock, refreshed ``token_margin``
  seconds before it expires (at most half its life early), and fetched again once when a call
  answers 401xx01/401xx03 (the provider forgot or expired it early). If no token can be had, a
  payout request was provably never sent, so ``send`` answers FAILED (retryable when the token
  endpoint was unreachable or busy).
* **A courtesy rate limit**: a token bucket (``throttle``) at the provider's
  ``requests_per_second`` (burst 1 by default, so requests are spaced evenly: providers count
  a sliding second).
* **Secrets stay secret**: logs carry the provider, path, X-EXTERNAL-ID, HTTP status and
  responseCode, never headers, bodies, the client secret or the access token.

What each answer means (the X-EXTERNAL-ID rule and the table of outcomes) is
``snap_exchange``'s; the rate limit is ``throttle.TokenBucket``.

Configuration beyond ``Provider`` (timeouts, the bank source account) is :class:`RailOptions`,
read from the same provider mapping by :meth:`RailOptions.from_mapping`.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Literal

import httpx

from bansos.core import clock as core_clock
from bansos.core.errors import Problem
from bansos.payments import snap
from bansos.payments.codes import ResponseCode, Service
from bansos.payments.provider import Provider
from bansos.payments.rails import AccountCheck, Attempt, Destination, Payout, Transport
from bansos.payments.snap_exchange import (
    ROUTES,
    Reply,
    account_check,
    fresh_external_id,
    json_object,
    payout_external_id,
    send_attempt,
    status_attempt,
)
from bansos.payments.throttle import TokenBucket

if TYPE_CHECKING:
    from bansos.payments.rails import PayoutRail

log = logging.getLogger(__name__)

TOKEN_PATH = "/v1.0/access-token/b2b"  # noqa: S105 - a path, not a password
#: The top-up amount an e-wallet account inquiry asks about: the smallest one. SNAP makes the
#: field mandatory; we ask "can this wallet receive money at all", and read maxAmount for room.
INQUIRY_AMOUNT = 1
#: Token lifetime assumed when the provider does not say (SNAP's usual 900 s).
DEFAULT_TOKEN_SECONDS = 900.0
_SOURCE_ACCOUNT = re.compile(r"[0-9]{1,19}")


@dataclass(frozen=True)
class RailOptions:
    """Per-provider settings of the client that ``Provider`` does not hold."""

    #: Bank rails: our funding account at the bank (SNAP ``sourceAccountNo``).
    source_account: str = ""
    connect_timeout: float = 5.0
    #: How long to wait for an answer; past it a payout is UNKNOWN (ask status).
    read_timeout: float = 30.0
    #: Refresh the access token this many seconds before it expires.
    token_margin: float = 60.0
    #: Requests that may go at once before the rate limit spaces them.
    burst: int = 1

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> RailOptions:
        """From the provider's YAML/JSON mapping (the keys ``Provider.from_mapping`` ignores):
        ``source_account``, ``connect_timeout_seconds``, ``read_timeout_seconds``,
        ``token_margin_seconds``, ``burst``. Values are checked when a rail is built."""
        name = str(data.get("name", "?"))

        def number(key: str, default: float) -> float:
            value = data.get(key, default)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise Problem("snap.provider_invalid", provider=name, field=key)
            return float(value)

        burst = data.get("burst", 1)
        if isinstance(burst, bool) or not isinstance(burst, int):
            raise Problem("snap.provider_invalid", provider=name, field="burst")
        return cls(
            source_account=str(data.get("source_account", "") or "").strip(),
            connect_timeout=number("connect_timeout_seconds", cls.connect_timeout),
            read_timeout=number("read_timeout_seconds", cls.read_timeout),
            token_margin=number("token_margin_seconds", cls.token_margin),
            burst=burst,
        )


def _check_options(provider: Provider, options: RailOptions) -> None:
    def bad(name: str) -> Problem:
        return Problem("snap.provider_invalid", provider=provider.name, field=name)

    if not options.connect_timeout > 0:
        raise bad("connect_timeout_seconds")
    if not options.read_timeout > 0:
        raise bad("read_timeout_seconds")
    if not options.token_margin >= 0:
        raise bad("token_margin_seconds")
    if options.burst < 1:
        raise bad("burst")
    if provider.kind == "bank" and _SOURCE_ACCOUNT.fullmatch(options.source_account) is None:
        raise bad("source_account")


class SnapRail:
    """``PayoutRail`` for one SNAP provider (``provider.kind``: bank or emoney). Thread-safe."""

    def __init__(
        self,
        provider: Provider,
        *,
        options: RailOptions | None = None,
        http: httpx.Client | None = None,
        clock: Callable[[], datetime] = core_clock.now,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        limiter: TokenBucket | None = None,
    ) -> None:
        self.provider = provider
        self.options = options if options is not None else RailOptions()
        _check_options(provider, self.options)
        self._route = ROUTES[provider.kind]
        self._timeout = httpx.Timeout(
            self.options.read_timeout, connect=self.options.connect_timeout
        )
        self._owns_http = http is None
        self._http = http if http is not None else httpx.Client(timeout=self._timeout)
        self._clock = clock
        self._monotonic = monotonic
        self._limiter = limiter or TokenBucket(
            provider.requests_per_second, self.options.burst, monotonic=monotonic, sleep=sleep
        )
        self._token_lock = threading.Lock()
        self._token: str | None = None
        self._token_refresh_at = 0.0

    @classmethod
    def from_mapping(
        cls,
        data: Mapping[str, object],
        *,
        env: Mapping[str, str] | None = None,
        http: httpx.Client | None = None,
    ) -> SnapRail:
        """A rail from one provider's configuration mapping (``Provider`` + ``RailOptions``)."""
        return cls(
            Provider.from_mapping(data, env), options=RailOptions.from_mapping(data), http=http
        )

    def __repr__(self) -> str:
        return f"SnapRail({self.provider.name!r}, kind={self.provider.kind!r})"

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> SnapRail:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- PayoutRail --------------------------------------------------------------------------

    def inquire(self, destination: Destination) -> AccountCheck:
        self._check_destination(destination)
        route = self._route
        payload: dict[str, object]
        if self.provider.kind == "bank":
            payload = {
                "beneficiaryBankCode": destination.bank_code,
                "beneficiaryAccountNo": destination.account_number,
            }
        else:
            payload = {
                "customerNumber": destination.account_number,
                "amount": snap.format_amount(INQUIRY_AMOUNT),
            }
        reply = self._call(route.inquiry, payload, None)
        return account_check(route, destination, reply)

    def send(self, payout: Payout) -> Attempt:
        self._check_destination(payout.destination)
        if self.provider.kind == "bank" and not payout.account_name.strip():
            raise Problem("payments.account_name_missing")
        external_id = payout_external_id(self.provider, payout.reference, payout.attempt)
        reply = self._call(self._route.payout, self._payout_body(payout), external_id)
        return send_attempt(self._route, payout, reply)

    def status(self, payout: Payout) -> Attempt:
        self._check_destination(payout.destination)
        route = self._route
        payload: dict[str, object] = {
            "originalPartnerReferenceNo": payout.reference,
            "serviceCode": str(route.payout_service),
        }
        reply = self._call(route.status, payload, None)
        return status_attempt(route, payout, reply)

    # --- Requests ----------------------------------------------------------------------------

    def _check_destination(self, destination: Destination) -> None:
        destination.check_rail(self.provider.name, self.provider.kind)

    def _payout_body(self, payout: Payout) -> dict[str, object]:
        destination = payout.destination
        when = self.provider.timestamp(self._clock())
        if self.provider.kind == "bank":
            body: dict[str, object] = {
                "partnerReferenceNo": payout.reference,
                "amount": snap.format_amount(payout.amount),
                "beneficiaryAccountName": payout.account_name.strip(),
                "beneficiaryAccountNo": destination.account_number,
                "beneficiaryBankCode": destination.bank_code,
                "sourceAccountNo": self.options.source_account,
                "transactionDate": when,
            }
            if payout.note:
                body["additionalInfo"] = {"remark": payout.note}
            return body
        body = {
            "partnerReferenceNo": payout.reference,
            "customerNumber": destination.account_number,
        }
        if payout.account_name.strip():
            body["customerName"] = payout.account_name.strip()
        body["amount"] = snap.format_amount(payout.amount)
        body["transactionDate"] = when
        if payout.note:
            body["notes"] = payout.note
        return body

    def _call(self, path: str, payload: Mapping[str, object], external_id: str | None) -> Reply:
        """One signed service call; once more with a new token if the token was refused.

        ``external_id`` None means a fresh one per request (calls that move no money).
        """
        body = snap.minify(payload)
        first = self._signed_post(path, body, external_id)
        if not first.is_token_refusal():
            return first
        log.info(
            "%s: access token refused (%s), fetching a new one", self.provider.name, first.code
        )
        return self._signed_post(path, body, external_id)

    def _signed_post(self, path: str, body: bytes, external_id: str | None) -> Reply:
        token = self._access_token()
        if isinstance(token, Reply):
            return token
        request_id = external_id or fresh_external_id()
        headers = self.provider.service_headers(
            "POST", path, token, body, self._clock(), request_id
        )
        reply = self._post(path, body, headers, "service", request_id)
        if reply.is_token_refusal():
            self._forget_token(token)
        return reply

    def _access_token(self) -> str | Reply:
        """The cached B2B token, or a fresh one; the failed token exchange when none is had."""
        with self._token_lock:
            if self._token is not None and self._monotonic() < self._token_refresh_at:
                return self._token
            self._token = None
            started = self._monotonic()
            body = snap.minify({"grantType": "client_credentials"})
            reply = self._post(
                TOKEN_PATH, body, self.provider.token_headers(self._clock()), "token"
            )
            token = reply.body.get("accessToken")
            code = reply.code
            if (
                reply.http_status != 200
                or code is None
                or str(code) != f"200{Service.ACCESS_TOKEN_B2B}00"
                or not isinstance(token, str)
                or not token
            ):
                log.warning(
                    "%s: no access token (HTTP %s, %s)",
                    self.provider.name,
                    reply.http_status,
                    reply.raw_code or reply.transport,
                )
                return reply
            lifetime = _seconds(reply.body.get("expiresIn"))
            margin = min(self.options.token_margin, lifetime / 2)
            self._token, self._token_refresh_at = token, started + lifetime - margin
            log.debug("%s: access token valid for %.0f s", self.provider.name, lifetime)
            return token

    def _forget_token(self, token: str) -> None:
        with self._token_lock:
            if self._token == token:  # another thread may have fetched a new one already
                self._token = None

    def _post(
        self,
        path: str,
        body: bytes,
        headers: Mapping[str, str],
        stage: Literal["token", "service"],
        external_id: str = "",
    ) -> Reply:
        self._limiter.acquire()
        started = time.perf_counter()
        transport: Transport
        error: httpx.TransportError
        try:
            response = self._http.post(
                self.provider.url(path), content=body, headers=headers, timeout=self._timeout
            )
        except httpx.TimeoutException as exc:
            transport, error = "timeout", exc
        except httpx.ConnectError as exc:
            transport, error = "refused", exc
        except httpx.TransportError as exc:  # closed without an answer, reset, protocol error
            transport, error = "dropped", exc
        else:
            parsed = json_object(response.content)
            try:
                code: ResponseCode | None = ResponseCode.parse(parsed.get("responseCode"))
            except Problem:
                code = None
            log.debug(
                "%s POST %s external_id=%s -> HTTP %s %s (%.0f ms)",
                self.provider.name,
                path,
                external_id or "-",
                response.status_code,
                code or "no responseCode",
                (time.perf_counter() - started) * 1000,
            )
            return Reply(stage, external_id, response.status_code, None, parsed, code)
        log.warning(
            "%s POST %s external_id=%s -> no answer: %s (%s)",
            self.provider.name,
            path,
            external_id or "-",
            transport,
            type(error).__name__,
        )
        return Reply(stage, external_id, transport=transport)


def _seconds(value: object) -> float:
    """SNAP's ``expiresIn`` ("900", a string by the spec; some send a number)."""
    if isinstance(value, bool):
        return DEFAULT_TOKEN_SECONDS
    try:
        seconds = float(str(value))
    except ValueError:
        return DEFAULT_TOKEN_SECONDS
    return seconds if 0 < seconds < 10**7 else DEFAULT_TOKEN_SECONDS


if TYPE_CHECKING:  # pragma: no cover - mypy proves the structural match, nothing runs

    def _is_a_payout_rail(rail: SnapRail) -> PayoutRail:
        return rail
