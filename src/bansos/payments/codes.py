"""SNAP response codes and what each means for money: the payout machinery's five outcomes.

A ``responseCode`` is 7 digits: the HTTP status (3), the service code (2) and the case code (2),
e.g. ``4031814`` = 403 Forbidden, service 18 (interbank transfer), case 14 (insufficient funds).

The case table is Bank Indonesia's general list (SNAP "Standar Teknis dan Keamanan"). Checked
against providers that publish it: Durianpay
(https://docs.durianpay.id/docs/api/snap/response/response-code/) for 200/202/400/401/403/404/
409/500/504 and Midtrans' payouts error mapping (https://docs.midtrans.com/reference/error-mapping)
for 403xx09, 403xx14, 403xx18, 404xx01, 404xx11, 409xx01, 500xx01 and 500xx02. The remaining
403/404/405 cases are BI's numbering as most providers copy it; an unlisted case is UNKNOWN.

Service codes: 73, 16, 18, 36 and 38 from Durianpay's table
(https://docs.durianpay.id/docs/api/snap/response/service-code/) and Midtrans' API pages; 37 from
Midtrans' and Finpay's e-money account inquiry; 39 from Paydia's and Finpay's top-up status.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bansos.core.errors import Problem


class Service(StrEnum):
    ACCESS_TOKEN_B2B = "73"  # noqa: S105 - a service code, not a password
    ACCOUNT_INQUIRY_EXTERNAL = "16"
    TRANSFER_INTERBANK = "18"
    TRANSFER_STATUS = "36"
    EMONEY_ACCOUNT_INQUIRY = "37"
    EMONEY_TOPUP = "38"
    EMONEY_TOPUP_STATUS = "39"


class Outcome(StrEnum):
    """What the payout machinery may do next; only FAILED lets it give the money back."""

    SUCCESS = "success"
    #: Accepted and still in progress: ask the status later.
    PENDING = "pending"
    #: Definitive refusal: the money did not move, the pending transfer may be voided.
    FAILED = "failed"
    #: The reference (or X-EXTERNAL-ID) was used before: ask the status, never resend.
    DUPLICATE = "duplicate"
    #: Timeout, 5xx, garbage, a code we do not know: ask the status, never resend.
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Case:
    message: str
    outcome: Outcome
    #: FAILED, but the very same request may be sent again (after a pause or a fresh token).
    retryable: bool = False


_S, _P, _F, _D, _U = (
    Outcome.SUCCESS,
    Outcome.PENDING,
    Outcome.FAILED,
    Outcome.DUPLICATE,
    Outcome.UNKNOWN,
)

#: (HTTP status, case code) -> meaning, for any service code.
CASES: dict[tuple[int, str], Case] = {
    (200, "00"): Case("Successful", _S),
    (202, "00"): Case("Request In Progress", _P),
    (400, "00"): Case("Bad Request", _F),
    (400, "01"): Case("Invalid Field Format", _F),
    (400, "02"): Case("Invalid Mandatory Field", _F),
    (401, "00"): Case("Unauthorized", _F),
    (401, "01"): Case("Invalid Token (B2B)", _F, retryable=True),
    (401, "02"): Case("Invalid Customer Token", _F),
    (401, "03"): Case("Token Not Found (B2B)", _F, retryable=True),
    (401, "04"): Case("Customer Token Not Found", _F),
    (403, "00"): Case("Transaction Expired", _F),
    (403, "01"): Case("Feature Not Allowed", _F),
    (403, "02"): Case("Exceeds Transaction Amount Limit", _F),
    (403, "03"): Case("Suspected Fraud", _F),
    (403, "04"): Case("Activity Count Limit Exceeded", _F),
    (403, "05"): Case("Do Not Honor", _F),
    (403, "06"): Case("Feature Not Allowed At This Time", _F),
    (403, "07"): Case("Card Blocked", _F),
    (403, "08"): Case("Card Expired", _F),
    (403, "09"): Case("Dormant Account", _F),
    (403, "10"): Case("Need To Set Token Limit", _F),
    (403, "11"): Case("OTP Blocked", _F),
    (403, "12"): Case("OTP Lifetime Expired", _F),
    (403, "13"): Case("OTP Sent To Cardholder", _F),
    (403, "14"): Case("Insufficient Funds", _F),
    (403, "15"): Case("Transaction Not Permitted", _F),
    (403, "16"): Case("Suspend Transaction", _F),
    (403, "17"): Case("Token Limit Exceeded", _F),
    (403, "18"): Case("Inactive Card/Account/Customer", _F),
    (403, "19"): Case("Merchant Blacklisted", _F),
    (403, "20"): Case("Merchant Limit Exceed", _F),
    (403, "21"): Case("Set Limit Not Allowed", _F),
    (403, "22"): Case("Token Limit Invalid", _F),
    (403, "23"): Case("Account Limit Exceed", _F),
    (404, "00"): Case("Invalid Transaction Status", _F),
    # Only meaningful from a status inquiry. The payout machinery must wait until the original
    # call can no longer arrive (its timeout plus a grace period) before trusting it.
    (404, "01"): Case("Transaction Not Found", _F),
    (404, "02"): Case("Invalid Routing", _F),
    (404, "03"): Case("Bank Not Supported By Switch", _F),
    (404, "04"): Case("Transaction Cancelled", _F),
    (404, "05"): Case("Merchant Is Not Registered For Card Registration Services", _F),
    (404, "06"): Case("Need To Request OTP", _F),
    (404, "07"): Case("Journey Not Found", _F),
    (404, "08"): Case("Invalid Merchant", _F),
    (404, "09"): Case("No Issuer", _F),
    (404, "10"): Case("Invalid API Transition", _F),
    (404, "11"): Case("Invalid Card/Account/Customer", _F),
    (404, "12"): Case("Invalid Bill/Virtual Account", _F),
    (404, "13"): Case("Invalid Amount", _F),
    (404, "14"): Case("Paid Bill", _F),
    (404, "15"): Case("Invalid OTP", _F),
    (404, "16"): Case("Partner Not Found", _F),
    (404, "17"): Case("Invalid Terminal", _F),
    # The same reference came with different content: for a credit transfer BI says the
    # original may have succeeded, so it is a duplicate, not a refusal.
    (404, "18"): Case("Inconsistent Request", _D),
    (404, "19"): Case("Invalid Bill/Virtual Account", _F),
    (405, "00"): Case("Requested Function Is Not Supported", _F),
    (405, "01"): Case("Requested Operation Is Not Allowed", _F),
    (409, "00"): Case("Conflict", _D),
    (409, "01"): Case("Duplicate partnerReferenceNo", _D),
    (429, "00"): Case("Too Many Requests", _F, retryable=True),
    (500, "00"): Case("General Error", _U),
    (500, "01"): Case("Internal Server Error", _U),
    (500, "02"): Case("External Server Error", _U),
    (504, "00"): Case("Timeout", _U),
}

_CODE = re.compile(r"([1-5][0-9]{2})([0-9]{2})([0-9]{2})")


@dataclass(frozen=True)
class ResponseCode:
    http_status: int
    service: str
    case: str

    @classmethod
    def parse(cls, text: object) -> ResponseCode:
        if not isinstance(text, str) or (match := _CODE.fullmatch(text)) is None:
            raise Problem("snap.response_code_format", value=str(text)[:20])
        return cls(int(match[1]), match[2], match[3])

    @classmethod
    def of(cls, http_status: int, service: str, case: str) -> ResponseCode:
        return cls.parse(f"{http_status:03d}{service}{case}")

    def __str__(self) -> str:
        return f"{self.http_status:03d}{self.service}{self.case}"

    @property
    def known(self) -> bool:
        return (self.http_status, self.case) in CASES

    @property
    def message(self) -> str:
        found = CASES.get((self.http_status, self.case))
        return found.message if found else "Unknown"

    @property
    def outcome(self) -> Outcome:
        found = CASES.get((self.http_status, self.case))
        return found.outcome if found else Outcome.UNKNOWN

    @property
    def retryable(self) -> bool:
        found = CASES.get((self.http_status, self.case))
        return found is not None and found.retryable


def classify(response_code: object, http_status: int | None = None) -> Outcome:
    """The outcome of a call from what came back; anything unclear is UNKNOWN.

    ``response_code`` is the body's ``responseCode`` (None when there was no usable body). If
    the HTTP status disagrees with the code's own HTTP part, a proxy or a broken provider is in
    between and nothing can be concluded.
    """
    try:
        code = ResponseCode.parse(response_code)
    except Problem:
        return Outcome.UNKNOWN
    if http_status is not None and http_status != code.http_status:
        return Outcome.UNKNOWN
    return code.outcome


class TransactionStatus(StrEnum):
    """``latestTransactionStatus`` of a status inquiry (SNAP's constants)."""

    SUCCESS = "00"
    INITIATED = "01"
    PAYING = "02"
    PENDING = "03"
    REFUNDED = "04"
    CANCELLED = "05"
    FAILED = "06"
    NOT_FOUND = "07"


_STATUS_OUTCOMES = {
    TransactionStatus.SUCCESS: Outcome.SUCCESS,
    TransactionStatus.INITIATED: Outcome.PENDING,
    TransactionStatus.PAYING: Outcome.PENDING,
    TransactionStatus.PENDING: Outcome.PENDING,
    # Refunded: the money came back to the source account, so the payout did not happen.
    TransactionStatus.REFUNDED: Outcome.FAILED,
    TransactionStatus.CANCELLED: Outcome.FAILED,
    TransactionStatus.FAILED: Outcome.FAILED,
    # Same caveat as 404xx01 (see CASES).
    TransactionStatus.NOT_FOUND: Outcome.FAILED,
}


def status_outcome(latest_transaction_status: object) -> Outcome:
    """The original transaction's outcome from a successful status inquiry."""
    try:
        status = TransactionStatus(str(latest_transaction_status))
    except ValueError:
        return Outcome.UNKNOWN
    return _STATUS_OUTCOMES[status]
