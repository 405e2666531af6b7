"""One SNAP exchange without the network: where it goes, which request id, what the answer means.

``snap_client.SnapRail`` does the input and output (tokens, HTTP, the rate limit); this module
holds the rules it applies, as plain functions of values, so that they can be read and tested on
their own and shared by every client:

* **X-EXTERNAL-ID of a payout is derived, not drawn.** SNAP wants it numeric and unique per
  partner per day, and providers refuse a repeat (409xx00). For ``send`` it is a hash of
  (provider, partner, reference, attempt) -- see :func:`payout_external_id` -- so a resend of
  the same attempt after a crash is refused as a duplicate on the same day (and the repeated
  ``partnerReferenceNo`` is refused on any later day) instead of being paid twice. Only a
  deliberate new attempt (after a definitive FAILED) gets a new id. Inquiries and status calls
  move no money and take a fresh random id each time. The two kinds of id start with different
  digits, so they can never collide, and are 32 digits (the strictest provider limit seen).
* **Only a coherent answer counts**: the HTTP status must agree with the responseCode's own,
  and the service code must be the one called; a success must echo our reference and amount.
  Anything else is UNKNOWN, which sends the payout machinery to ask the status.

Mapping of what comes back (``codes.classify`` does the responseCode table):

======================================  =========================================
``send``: 200xx00 / 202xx00             SUCCESS / PENDING (if the echo matches)
``send``: 409xx00, 409xx01, 404xx18     DUPLICATE
``send``: 4xx refusals                  FAILED (429, 401xx01/03 retryable)
``send``: 5xx, unknown code, garbage    UNKNOWN
``send``: timeout / dropped / refused   UNKNOWN with ``transport`` set
``send``: no access token               FAILED (never sent)
``status``: 200xx00                     ``status_outcome(latestTransactionStatus)``
``status``: 404xx01                     FAILED (the provider never received it)
``status``: anything else               UNKNOWN
======================================  =========================================
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from bansos.core.errors import Problem
from bansos.payments import snap
from bansos.payments.codes import (
    Outcome,
    ResponseCode,
    Service,
    TransactionStatus,
    classify,
    status_outcome,
)
from bansos.payments.provider import Kind, Provider
from bansos.payments.rails import (
    AccountCheck,
    AccountState,
    Attempt,
    Destination,
    Payout,
    Transport,
)

_EXTERNAL_ID_DIGITS = 32
_INACTIVE_CASES = {"07", "09", "18"}  # 403xx: card blocked, dormant, inactive account


@dataclass(frozen=True)
class Route:
    """Where and under which service codes one kind of provider is called."""

    kind: Kind
    inquiry: str
    inquiry_service: Service
    payout: str
    payout_service: Service
    status: str
    status_service: Service
    name_field: str
    number_field: str


ROUTES = {
    "bank": Route(
        "bank",
        "/v1.0/account-inquiry-external",
        Service.ACCOUNT_INQUIRY_EXTERNAL,
        "/v1.0/transfer-interbank",
        Service.TRANSFER_INTERBANK,
        "/v1.0/transfer/status",
        Service.TRANSFER_STATUS,
        "beneficiaryAccountName",
        "beneficiaryAccountNo",
    ),
    "emoney": Route(
        "emoney",
        "/v1.0/emoney/account-inquiry",
        Service.EMONEY_ACCOUNT_INQUIRY,
        "/v1.0/emoney/topup",
        Service.EMONEY_TOPUP,
        "/v1.0/emoney/topup-status",
        Service.EMONEY_TOPUP_STATUS,
        "customerName",
        "customerNumber",
    ),
}


# --- X-EXTERNAL-ID ---------------------------------------------------------------------------


def payout_external_id(provider: Provider, reference: str, attempt: int = 1) -> str:
    """The X-EXTERNAL-ID of a payout request: the same for the same attempt, on any machine.

    "1" then 31 digits of SHA-256 over a versioned tag, the provider, the partner id, the
    reference and the attempt number. Unique per day in practice (10**31 values) and never equal
    to a :func:`fresh_external_id`, which starts with "2".
    """
    material = f"bansos/snap-x-external-id/v1\x00{provider.name}\x00{provider.partner_id}"
    material += f"\x00{reference}\x00{attempt}"
    digest = hashlib.sha256(material.encode("utf-8")).digest()
    number = int.from_bytes(digest[:16], "big") % 10 ** (_EXTERNAL_ID_DIGITS - 1)
    return "1" + str(number).zfill(_EXTERNAL_ID_DIGITS - 1)


def fresh_external_id() -> str:
    """A random X-EXTERNAL-ID for calls that move no money (inquiries, status)."""
    number = secrets.randbelow(10 ** (_EXTERNAL_ID_DIGITS - 1))
    return "2" + str(number).zfill(_EXTERNAL_ID_DIGITS - 1)


# --- One exchange ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """What one HTTP exchange gave: either a transport failure or a status and a body."""

    stage: Literal["token", "service"]
    external_id: str = ""
    http_status: int | None = None
    transport: Transport | None = None
    body: Mapping[str, object] = field(default_factory=dict)
    code: ResponseCode | None = None

    @property
    def raw_code(self) -> str:
        value = self.body.get("responseCode")
        return str(value)[:20] if value is not None else ""

    @property
    def message(self) -> str:
        value = self.body.get("responseMessage")
        if isinstance(value, str):
            return value[:200]
        if self.transport is not None:
            return f"no answer: {self.transport}"
        if self.http_status is not None and self.code is None:
            return f"HTTP {self.http_status} without a SNAP responseCode"
        return ""

    def is_token_refusal(self) -> bool:
        """401xx01 Invalid Token / 401xx03 Token Not Found: fetch a token and try once more."""
        code = self.code
        return (
            self.stage == "service"
            and code is not None
            and self.http_status == 401
            and code.http_status == 401
            and code.case in ("01", "03")
        )

    def answered(self, service: Service) -> ResponseCode | None:
        """The responseCode if this is a coherent answer of ``service``, else None."""
        code = self.code
        if self.stage != "service" or self.transport is not None or code is None:
            return None
        if code.http_status != self.http_status or code.service != str(service):
            return None
        return code


# --- Answers -----------------------------------------------------------------------------


def account_check(route: Route, destination: Destination, reply: Reply) -> AccountCheck:
    """What an account inquiry's answer says about the account."""
    code = reply.answered(route.inquiry_service)
    state, name, room = AccountState.UNKNOWN, "", None
    if code is not None and (code.http_status, code.case) == (200, "00"):
        given = reply.body.get(route.name_field)
        number = reply.body.get(route.number_field, destination.account_number)
        if isinstance(given, str) and given.strip() and number == destination.account_number:
            state, name = AccountState.ACTIVE, given.strip()
            if route.kind == "emoney":
                room = _amount_or_none(reply.body.get("maxAmount"))
    elif code is not None and (code.http_status, code.case) == (404, "11"):
        state = AccountState.NOT_FOUND
    elif code is not None and code.http_status == 403 and code.case in _INACTIVE_CASES:
        state = AccountState.INACTIVE
    return AccountCheck(
        destination=destination,
        state=state,
        holder_name=name,
        max_amount=room,
        response_code=reply.raw_code,
        response_message=reply.message,
        http_status=reply.http_status,
        transport=reply.transport,
    )


def send_attempt(route: Route, payout: Payout, reply: Reply) -> Attempt:
    """What a payout request's answer says: the table in the module docstring."""
    if reply.stage == "token":
        # The payout request never left: nothing can have been booked.
        code = reply.code
        retryable = (
            reply.transport is not None
            or code is None
            or code.outcome is Outcome.UNKNOWN
            or code.retryable
        )
        return Attempt(
            reference=payout.reference,
            outcome=Outcome.FAILED,
            response_code=reply.raw_code,
            response_message=f"access token: {reply.message}".strip(),
            http_status=reply.http_status,
            transport=reply.transport,
            retryable=retryable,
        )
    service = route.payout_service
    outcome, message, amount = Outcome.UNKNOWN, reply.message, None
    code = reply.answered(service)
    if code is not None:
        outcome = classify(str(code), reply.http_status)
    elif reply.code is not None:
        message = f"{message} (not a coherent answer of service {service})".strip()
    if outcome in (Outcome.SUCCESS, Outcome.PENDING):
        echoed = reply.body.get("partnerReferenceNo")
        amount, amount_ok = _echoed_amount(reply.body, payout.amount)
        if echoed not in (None, "", payout.reference) or not amount_ok:
            outcome = Outcome.UNKNOWN
            message = f"{message} (the answer does not match the request)".strip()
    return Attempt(
        reference=payout.reference,
        outcome=outcome,
        provider_reference=_text(reply.body.get("referenceNo")),
        response_code=reply.raw_code,
        response_message=message,
        http_status=reply.http_status,
        transport=reply.transport,
        retryable=outcome is Outcome.FAILED and code is not None and code.retryable,
        external_id=reply.external_id,
        amount=amount,
    )


def status_attempt(route: Route, payout: Payout, reply: Reply) -> Attempt:
    """What a status inquiry's answer says about the payout it names."""
    code = reply.answered(route.status_service)
    outcome, message, amount, unseen = Outcome.UNKNOWN, reply.message, None, False
    if code is not None and (code.http_status, code.case) == (404, "01"):
        # never received (see codes.CASES on when to trust it)
        outcome, unseen = Outcome.FAILED, True
    elif code is not None and (code.http_status, code.case) == (200, "00"):
        body = reply.body
        service = body.get("serviceCode", str(route.payout_service))
        amount, amount_ok = _echoed_amount(body, payout.amount)
        if (
            body.get("originalPartnerReferenceNo") == payout.reference
            and service == str(route.payout_service)
            and amount_ok
        ):
            latest = body.get("latestTransactionStatus")
            outcome = status_outcome(latest)
            unseen = latest == TransactionStatus.NOT_FOUND
            described = _text(body.get("transactionStatusDesc"))
            message = f"{message}: {described}" if described else message
        else:
            message = f"{message} (the answer does not match the payout)"
    if reply.stage == "token":
        message = f"access token: {message}".strip()
    return Attempt(
        reference=payout.reference,
        outcome=outcome,
        provider_reference=_text(reply.body.get("originalReferenceNo")),
        response_code=reply.raw_code,
        response_message=message,
        http_status=reply.http_status,
        transport=reply.transport,
        external_id=reply.external_id,
        amount=amount,
        never_received=unseen,
    )


def json_object(raw: bytes) -> dict[str, object]:
    try:
        parsed = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _amount_or_none(value: object) -> int | None:
    try:
        return snap.parse_amount(value)
    except Problem:
        return None


def _echoed_amount(body: Mapping[str, object], expected: int) -> tuple[int | None, bool]:
    """The amount the provider reports (if any) and whether it is the one we asked for."""
    if "amount" not in body:
        return None, True
    amount = _amount_or_none(body["amount"])
    return amount, amount == expected


def _text(value: object) -> str:
    return value[:64] if isinstance(value, str) else ""
