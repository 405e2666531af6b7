"""A payout rail: how the payout machinery talks to one bank or e-wallet, whatever it speaks.

Why a Protocol and plain values: the code that moves money (ledger pending transfers, retries,
reconciliation) must decide from an *outcome*, never from an exception or a transport detail.
So a rail raises only for mistakes in our own input (:class:`~bansos.core.errors.Problem`, a bad
account number, a reference a bank cannot carry); whatever the other side or the network does
comes back as a value: an :class:`Attempt` whose ``outcome`` (``codes.Outcome``) says what the
caller may do next, or an :class:`AccountCheck` whose ``state`` may be UNKNOWN.

The rules the values encode:

* A payout has ONE reference for its whole life (SNAP's ``partnerReferenceNo``, derived by the
  caller from the cycle and the recipient). A resend uses the same reference, so a provider that
  booked the first try refuses the second as a duplicate instead of paying twice.
* UNKNOWN (a timeout, a dropped connection, a 5xx, an answer we cannot read) and DUPLICATE mean
  "ask :meth:`PayoutRail.status`", never "send again under a new reference".
* :meth:`PayoutRail.status` needs nothing but the :class:`Payout` itself, so it can be asked
  after a restart, from another process, days later.
* ``Payout.attempt`` numbers deliberate re-sendings of the same reference, which the caller may
  make only after a definitive FAILED (the money did not move). A rail may derive request ids
  from it (SNAP's X-EXTERNAL-ID): the same attempt number again, as after a crash, is then
  refused by the provider instead of being booked.

Implementations: ``snap_client.SnapRail`` (SNAP banks and e-wallets) and the in-memory fake of
the conformance tests (``tests/payments/test_rails.py``), which run the same cases on each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, Protocol

from bansos.core.errors import Problem
from bansos.payments.codes import Outcome
from bansos.payments.snap import MAX_AMOUNT

Kind = Literal["bank", "emoney"]
#: What went wrong on the wire when no answer could be read:
#: ``timeout`` (no answer in time: connect or read), ``dropped`` (the connection broke, e.g.
#: closed by the provider without a response), ``refused`` (no connection could be made).
Transport = Literal["timeout", "dropped", "refused"]

#: SNAP ``partnerReferenceNo`` is String(64); we keep to characters every provider accepts.
_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_BANK_CODE = re.compile(r"[0-9]{3,8}")  # 3-digit BI bank code, optionally + 4-digit branch
_ACCOUNT_DIGITS = {"bank": 34, "emoney": 20}  # beneficiaryAccountNo / customerNumber sizes
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_NOTE = 256
MAX_ACCOUNT_NAME = 100
MAX_ATTEMPT = 99


class AccountState(StrEnum):
    ACTIVE = "active"
    #: The account exists but may not receive money (blocked, dormant, closed).
    INACTIVE = "inactive"
    NOT_FOUND = "not_found"
    #: We could not tell: network trouble, a 5xx, or the provider refused the inquiry itself.
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Destination:
    """Where a payout goes: which rail, and the account there. Nothing personal beyond that."""

    kind: Kind
    #: The provider's configured name (``Provider.name``): which rail carries the payout.
    provider: str
    #: Digits only: a bank account number, or an e-wallet's customer number (a phone number).
    account_number: str
    #: Interbank transfers: the beneficiary bank's BI code (3 digits, or 7 with the branch).
    #: Empty for e-wallets.
    bank_code: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ("bank", "emoney"):
            raise Problem("payments.destination_kind", kind=str(self.kind)[:20])
        if not isinstance(self.provider, str) or not self.provider.strip():
            raise Problem("payments.destination_provider")
        longest = _ACCOUNT_DIGITS[self.kind]
        number = self.account_number
        if not isinstance(number, str) or re.fullmatch(rf"[0-9]{{1,{longest}}}", number) is None:
            raise Problem("payments.account_number_invalid", kind=self.kind, max=longest)
        if self.kind == "bank":
            if not isinstance(self.bank_code, str) or _BANK_CODE.fullmatch(self.bank_code) is None:
                raise Problem("payments.bank_code_invalid", value=str(self.bank_code)[:12])
        elif self.bank_code != "":
            raise Problem("payments.bank_code_invalid", value=str(self.bank_code)[:12])

    def check_rail(self, name: str, kind: Kind) -> None:
        """Refuse a destination of another rail (every rail checks before it calls out)."""
        if self.provider != name or self.kind != kind:
            raise Problem("payments.wrong_rail", kind=self.kind, destination=self.provider,
                          rail=name, rail_kind=kind)  # fmt: skip


@dataclass(frozen=True)
class Payout:
    """One payment to one destination; the same value is given to ``send`` and ``status``."""

    #: Ours, stable for the payout's life (SNAP ``partnerReferenceNo``).
    reference: str
    #: Whole rupiah, above zero.
    amount: int
    destination: Destination
    #: Shown to the recipient where the rail allows (e-wallet ``notes``, bank remark).
    note: str = ""
    #: The holder name the account inquiry returned. Bank transfers must carry it (SNAP's
    #: mandatory ``beneficiaryAccountName``); e-wallets send it as ``customerName`` if given.
    account_name: str = ""
    #: 1 for the first sending; raised by the caller only after a definitive FAILED.
    attempt: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.reference, str) or _REFERENCE.fullmatch(self.reference) is None:
            raise Problem("payments.reference_invalid", value=str(self.reference)[:70])
        amount = self.amount
        if isinstance(amount, bool) or not isinstance(amount, int) or not 1 <= amount <= MAX_AMOUNT:
            raise Problem("payments.amount_invalid", value=str(amount)[:20])
        if not isinstance(self.destination, Destination):
            raise Problem("payments.destination_kind", kind=type(self.destination).__name__)
        _check_text("note", self.note, MAX_NOTE)
        _check_text("account_name", self.account_name, MAX_ACCOUNT_NAME)
        attempt = self.attempt
        if isinstance(attempt, bool) or not isinstance(attempt, int):
            raise Problem("payments.attempt_invalid", value=str(attempt)[:10], max=MAX_ATTEMPT)
        if not 1 <= attempt <= MAX_ATTEMPT:
            raise Problem("payments.attempt_invalid", value=str(attempt), max=MAX_ATTEMPT)


@dataclass(frozen=True)
class AccountCheck:
    """What an account inquiry learnt; the name comparison with the registry happens elsewhere."""

    destination: Destination
    state: AccountState
    #: The holder name as the provider returns it (only when ACTIVE).
    holder_name: str = ""
    #: E-wallets: the most the wallet can still receive, when the provider says.
    max_amount: int | None = None
    response_code: str = ""
    response_message: str = ""
    http_status: int | None = None
    transport: Transport | None = None

    @property
    def exists(self) -> bool | None:
        """True or False when the provider said so; None when we could not tell."""
        if self.state is AccountState.UNKNOWN:
            return None
        return self.state is not AccountState.NOT_FOUND

    @property
    def active(self) -> bool:
        return self.state is AccountState.ACTIVE


@dataclass(frozen=True)
class Attempt:
    """The answer to one ``send`` or ``status`` call, as the payout machinery records it."""

    reference: str
    outcome: Outcome
    #: The provider's own reference (SNAP ``referenceNo`` / ``originalReferenceNo``).
    provider_reference: str = ""
    #: The 7-character SNAP responseCode (or the rail's equivalent); empty without an answer.
    response_code: str = ""
    response_message: str = ""
    http_status: int | None = None
    #: Set when no answer could be read at all; the outcome is then UNKNOWN (or FAILED when the
    #: payout request itself was provably never sent, e.g. no access token could be had).
    transport: Transport | None = None
    #: FAILED only: the very same request may be made again later (429, an expired token, a
    #: token endpoint that was down). A FAILED that is not retryable needs a person.
    retryable: bool = False
    #: The request id sent with the call (SNAP X-EXTERNAL-ID), for the audit trail.
    external_id: str = ""
    #: The amount the provider reports having moved, when it says.
    amount: int | None = None
    #: ``status`` only, with outcome FAILED: the provider says it has no such payout at all
    #: (404xx01, or latestTransactionStatus 07), rather than that it received it and refused.
    #: Trust it only once the original ``send`` can no longer arrive (its timeout plus a grace
    #: period, ``codes.CASES``); then the same reference may be sent again as a new attempt.
    never_received: bool = False


class PayoutRail(Protocol):
    """One provider's payout service. Never raises for the other side's or the network's faults."""

    def inquire(self, destination: Destination) -> AccountCheck:
        """Does the account exist, may it receive money, and whose is it."""
        ...

    def send(self, payout: Payout) -> Attempt:
        """Send one payout under its reference; UNKNOWN and DUPLICATE mean: ask ``status``."""
        ...

    def status(self, payout: Payout) -> Attempt:
        """What became of the payout with this reference (FAILED also for "never received")."""
        ...


def _check_text(field: str, value: object, longest: int) -> None:
    if not isinstance(value, str) or len(value) > longest or _CONTROL.search(value):
        raise Problem("payments.text_invalid", field=field, max=longest)
