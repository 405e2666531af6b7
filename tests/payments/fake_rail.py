"""A strict in-memory provider behind ``PayoutRail``, with faults scripted per reference.

Strict like a real provider: a reference is booked at most once (a second send of a booked
reference is a DUPLICATE and books nothing), a status inquiry reports what is booked and says
"never received" for what is not, a blocked or unknown account is refused. Unlike the
simulator it books synchronously and lets a test script exactly which call goes wrong, so each
of the payout machinery's paths can be walked one call at a time.

Scripted faults for ``send`` (``script[reference]``, consumed one per send):

* ``timeout``: books, then gives no answer (UNKNOWN, transport timeout)
* ``drop``: books, the connection drops (UNKNOWN, transport dropped)
* ``5xx``: books nothing, answers 500 (UNKNOWN)
* ``lost``: the request never arrives (UNKNOWN, timeout, nothing booked)
* ``pending``: books as in progress (PENDING); settles after two status inquiries
* ``refuse``: a definitive refusal, nothing booked (FAILED)
* ``429``: too many requests, nothing booked (FAILED, retryable)
* ``raise``: the rail raises a Problem (our own input refused)

and for ``status`` (``status_script[reference]``): ``unknown`` (UNKNOWN), ``cancel`` (the
booking is cancelled by the provider: FAILED, received).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bansos.core.errors import Problem
from bansos.payments.codes import Outcome
from bansos.payments.rails import (
    AccountCheck,
    AccountState,
    Attempt,
    Destination,
    Kind,
    Payout,
)


@dataclass
class Booking:
    amount: int
    account: str
    status: str  # "pending" | "success" | "cancelled"
    queries: int = 0


@dataclass
class ScriptedRail:
    name: str
    kind: Kind
    #: account number -> (holder name, active)
    accounts: dict[str, tuple[str, bool]] = field(default_factory=dict)
    script: dict[str, list[str]] = field(default_factory=dict)
    status_script: dict[str, list[str]] = field(default_factory=dict)
    books: dict[str, Booking] = field(default_factory=dict)
    #: (operation, reference, attempt) of every call, in order.
    calls: list[tuple[str, str, int]] = field(default_factory=list)

    def _check(self, destination: Destination) -> None:
        destination.check_rail(self.name, self.kind)

    def inquire(self, destination: Destination) -> AccountCheck:
        self._check(destination)
        self.calls.append(("inquire", destination.account_number, 0))
        found = self.accounts.get(destination.account_number)
        if found is None:
            return AccountCheck(destination, AccountState.NOT_FOUND, http_status=404)
        if not found[1]:
            return AccountCheck(destination, AccountState.INACTIVE, http_status=403)
        return AccountCheck(destination, AccountState.ACTIVE, holder_name=found[0],
                            http_status=200)  # fmt: skip

    def send(self, payout: Payout) -> Attempt:
        self._check(payout.destination)
        ref = payout.reference
        self.calls.append(("send", ref, payout.attempt))
        fault = self.script[ref].pop(0) if self.script.get(ref) else None
        if fault == "raise":
            raise Problem("payments.account_name_missing")
        if fault == "lost":
            return Attempt(ref, Outcome.UNKNOWN, transport="timeout")
        if ref in self.books:
            return Attempt(ref, Outcome.DUPLICATE, response_code="4091801", http_status=409)
        account = self.accounts.get(payout.destination.account_number)
        if account is None or not account[1] or fault == "refuse":
            return Attempt(ref, Outcome.FAILED, response_code="4031818", http_status=403)
        if fault == "429":
            return Attempt(ref, Outcome.FAILED, response_code="4291800", http_status=429,
                           retryable=True)  # fmt: skip
        if fault == "5xx":
            return Attempt(ref, Outcome.UNKNOWN, response_code="5001800", http_status=500)
        number = payout.destination.account_number
        pending = fault == "pending"
        self.books[ref] = Booking(payout.amount, number, "pending" if pending else "success")
        if fault in ("timeout", "drop"):
            return Attempt(ref, Outcome.UNKNOWN, transport="timeout" if fault == "timeout"
                           else "dropped")  # fmt: skip
        if pending:
            return Attempt(ref, Outcome.PENDING, response_code="2021800", http_status=202)
        return Attempt(ref, Outcome.SUCCESS, provider_reference=f"P-{ref}",
                       response_code="2001800", http_status=200,
                       amount=payout.amount)  # fmt: skip

    def status(self, payout: Payout) -> Attempt:
        self._check(payout.destination)
        ref = payout.reference
        self.calls.append(("status", ref, payout.attempt))
        fault = self.status_script[ref].pop(0) if self.status_script.get(ref) else None
        if fault == "unknown":
            return Attempt(ref, Outcome.UNKNOWN, response_code="5003600", http_status=500)
        booking = self.books.get(ref)
        if booking is None:
            return Attempt(ref, Outcome.FAILED, response_code="4043601", http_status=404,
                           never_received=True)  # fmt: skip
        if fault == "cancel":
            booking.status = "cancelled"
        booking.queries += 1
        if booking.status == "pending" and booking.queries >= 2:
            booking.status = "success"
        outcome = {"success": Outcome.SUCCESS, "pending": Outcome.PENDING,
                   "cancelled": Outcome.FAILED}[booking.status]  # fmt: skip
        return Attempt(ref, outcome, provider_reference=f"P-{ref}", response_code="2003600",
                       http_status=200, amount=booking.amount)  # fmt: skip

    def sends(self, reference: str) -> list[int]:
        """The attempt numbers of every send of ``reference``."""
        return [a for op, ref, a in self.calls if op == "send" and ref == reference]

    def paid(self) -> dict[str, int]:
        """reference -> amount, of what is booked as paid."""
        return {r: b.amount for r, b in self.books.items() if b.status == "success"}
