"""Payout rails: the same cases on every implementation, then what only the SNAP client does.

Why the same cases: the payout machinery is written against ``rails.PayoutRail``; if the SNAP
client against the strict simulator (a real process, real HTTP, real timeouts and dropped
connections) and a plain in-memory fake both pass one set of cases, the machinery's tests can
use the fake and still mean something. Each case checks the outcome AND the provider's books:
a "success" that booked twice, or a "failure" that moved money, is the defect that matters.

The SNAP-only part uses ``httpx.MockTransport`` where the simulator cannot misbehave on demand
(an answer that does not match the request, a token refused twice, a proxy's HTML page).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Protocol

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bansos.core.errors import Problem
from bansos.payments import snap
from bansos.payments.codes import Outcome
from bansos.payments.provider import Credentials, Provider, Secret
from bansos.payments.rails import (
    AccountCheck,
    AccountState,
    Attempt,
    Destination,
    Kind,
    Payout,
    PayoutRail,
)
from bansos.payments.simulator.faults import FAULTS
from bansos.payments.snap_client import RailOptions, SnapRail
from bansos.payments.snap_exchange import fresh_external_id, payout_external_id
from bansos.payments.throttle import TokenBucket
from tests.payments.simulator_proc import RunningSim, free_port, public_pem, running_simulator

SECRET = b"rahasia-rail-bansos-0123456789"
CLIENT_KEY, PARTNER_ID, CHANNEL_ID = "BANSOS-RAIL", "BANSOS", "95221"
SOURCE = "8880001234"
FUNDS = 50_000_000
BANK_CODE = "014"
#: (provider name, path prefix) in the simulator.
PROVIDERS: dict[Kind, tuple[str, str]] = {
    "bank": ("bank", "/bank"),
    "emoney": ("wallet", "/wallet"),
}
Which = Literal["active", "blocked", "unknown"]
ACCOUNTS: dict[Kind, dict[Which, str]] = {
    "bank": {"active": "1234567890", "blocked": "1234567891", "unknown": "1299999999"},
    "emoney": {"active": "081234567890", "blocked": "081234567891", "unknown": "089999999999"},
}
HOLDERS: dict[Kind, str] = {"bank": "SITI AMINAH", "emoney": "DEWI LESTARI"}
#: A read timeout well under the simulator's held-back "timeout" answer (3 s).
IMPATIENT_SECONDS = 1.0


def fresh_reference() -> str:
    return "BSN-" + uuid.uuid4().hex[:24]


def _sim_config() -> dict[str, object]:
    partner = {
        "client_key": CLIENT_KEY,
        "partner_id": PARTNER_ID,
        "channel_id": CHANNEL_ID,
        "public_key_file": "partner.pub.pem",
        "client_secret_file": "partner.secret",
        "source_account": SOURCE,
        "balance": FUNDS,
    }

    def accounts(kind: Kind) -> list[dict[str, str]]:
        numbers = ACCOUNTS[kind]
        return [
            {"number": numbers["active"], "name": HOLDERS[kind]},
            {"number": numbers["blocked"], "name": "DIBLOKIR", "status": "blocked"},
        ]

    return {
        "zone": "WIB",
        "faults": {"timeout_seconds": 3, "in_progress_seconds": 0, "in_progress_queries": 2},
        "providers": [
            {
                "name": "bank",
                "kind": "bank",
                "path_prefix": "/bank",
                "bank_code": BANK_CODE,
                "partners": [partner],
                "accounts": accounts("bank"),
            },
            {
                "name": "wallet",
                "kind": "emoney",
                "path_prefix": "/wallet",
                "max_balance": 10**12,
                "partners": [partner],
                "accounts": accounts("emoney"),
            },
            {
                "name": "throttled",
                "kind": "bank",
                "path_prefix": "/throttled",
                "bank_code": BANK_CODE,
                "requests_per_second": 2,
                "partners": [partner],
                "accounts": accounts("bank"),
            },
        ],
    }


@dataclass
class SimWorld:
    sim: RunningSim
    key: rsa.RSAPrivateKey


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, key: rsa.RSAPrivateKey) -> Iterator[SimWorld]:
    files = {"partner.pub.pem": public_pem(key), "partner.secret": SECRET + b"\n"}
    with running_simulator(tmp_path_factory.mktemp("rails"), _sim_config(), files) as sim:
        yield SimWorld(sim, key)


def snap_provider(
    key: rsa.RSAPrivateKey,
    base_url: str,
    kind: Kind,
    *,
    name: str | None = None,
    secret: bytes = SECRET,
    rate: float = 200.0,
) -> Provider:
    provider_name, prefix = PROVIDERS[kind]
    name = name or provider_name
    return Provider(
        name=name,
        kind=kind,
        base_url=base_url,
        partner_id=PARTNER_ID,
        client_key=CLIENT_KEY,
        channel_id=CHANNEL_ID,
        credentials=Credentials(Secret(secret), key),
        path_prefix="/" + name if name != provider_name else prefix,
        requests_per_second=rate,
    )


def _operation(path: str) -> str:
    if path.endswith("/access-token/b2b"):
        return "token"
    if "inquiry" in path:
        return "inquiry"
    if path.endswith("status"):
        return "status"
    return "send"


def recording_client(requests: list[str], statuses: list[int] | None = None) -> httpx.Client:
    """An httpx client that notes each request's operation (and each answer's HTTP status)."""

    def on_request(request: httpx.Request) -> None:
        requests.append(_operation(request.url.path))

    def on_response(response: httpx.Response) -> None:
        if statuses is not None:
            statuses.append(response.status_code)

    return httpx.Client(event_hooks={"request": [on_request], "response": [on_response]})


# --- The harnesses: one per implementation, the same questions ------------------------------


class Harness(Protocol):
    kind: Kind
    rail: PayoutRail

    def destination(self, which: Which = "active") -> Destination: ...
    def bookings(self, reference: str) -> list[str]: ...
    def funds(self) -> int: ...
    def fault(self, name: str) -> AbstractContextManager[None]: ...
    def impatient(self) -> PayoutRail: ...
    def expiring(
        self,
    ) -> AbstractContextManager[tuple[PayoutRail, Callable[[], None], list[str]]]: ...
    def tampered(self) -> tuple[PayoutRail, list[str]]: ...


def payout_for(harness: Harness, amount: int = 10_000, which: Which = "active") -> Payout:
    return Payout(
        reference=fresh_reference(),
        amount=amount,
        destination=harness.destination(which),
        note="Bansos PKH tahap 1",
        account_name=HOLDERS[harness.kind],
    )


class SnapHarness:
    """SnapRail against the simulator process."""

    def __init__(self, world: SimWorld, kind: Kind) -> None:
        self.kind: Kind = kind
        self.sim = world.sim
        self.name = PROVIDERS[kind][0]
        self.provider = snap_provider(world.key, world.sim.url, kind)
        self.options = RailOptions(source_account=SOURCE if kind == "bank" else "")
        self._clients: list[httpx.Client] = []
        self.requests: list[str] = []
        self.rail: PayoutRail = self._rail(self.provider, self.options, self.requests)

    def _rail(
        self, provider: Provider, options: RailOptions, requests: list[str], **kwargs: object
    ) -> SnapRail:
        client = recording_client(requests)
        self._clients.append(client)
        return SnapRail(provider, options=options, http=client, **kwargs)  # type: ignore[arg-type]

    def close(self) -> None:
        for client in self._clients:
            client.close()

    def destination(self, which: Which = "active") -> Destination:
        bank_code = BANK_CODE if self.kind == "bank" else ""
        return Destination(self.kind, self.name, ACCOUNTS[self.kind][which], bank_code)

    def bookings(self, reference: str) -> list[str]:
        return [str(t["status"]) for t in self.sim.transactions(self.name, reference)]

    def funds(self) -> int:
        return self.sim.funds(self.name)

    @contextmanager
    def fault(self, name: str) -> Iterator[None]:
        self.sim.faults(**{name: 1.0})
        try:
            yield
        finally:
            self.sim.faults(**dict.fromkeys(FAULTS, 0))

    def impatient(self) -> PayoutRail:
        return self._rail(self.provider, replace(self.options, read_timeout=IMPATIENT_SECONDS), [])

    @contextmanager
    def expiring(self) -> Iterator[tuple[PayoutRail, Callable[[], None], list[str]]]:
        """Tokens live 1 s at the provider while the rail's clock stands still.

        The rail therefore believes its token valid and meets 401xx01: the path a provider that
        restarts, or revokes early, takes (refreshing before expiry is tested separately).
        """
        requests: list[str] = []
        self.sim.settings(token_ttl_seconds=1)
        try:
            rail = self._rail(
                self.provider,
                self.options,
                requests,
                monotonic=lambda: 0.0,
                limiter=TokenBucket(1000),
            )
            yield rail, lambda: time.sleep(1.3), requests
        finally:
            self.sim.settings(token_ttl_seconds=900)

    def tampered(self) -> tuple[PayoutRail, list[str]]:
        requests: list[str] = []
        wrong = replace(
            self.provider,
            credentials=Credentials(
                Secret(b"not-the-secret"), self.provider.credentials.private_key
            ),
        )
        return self._rail(wrong, self.options, requests), requests


@dataclass
class FakeBooking:
    amount: int
    status: str
    queries: int = 0


@dataclass
class FakeProvider:
    """The other side of FakeRail: accounts, funds and books in memory, and scripted faults."""

    name: str
    kind: Kind
    accounts: dict[str, tuple[str, bool]]
    funds: int
    books: dict[str, FakeBooking] = field(default_factory=dict)
    faults: list[str] = field(default_factory=list)
    sessions: set[int] = field(default_factory=set)
    settle_after_queries: int = 2
    issued: int = 0

    def login(self) -> int:
        self.issued += 1
        self.sessions.add(self.issued)
        return self.issued


class FakeRail:
    """An in-memory PayoutRail with a provider's behaviour, for the payout machinery's tests.

    It keeps a session like a token (re-established once when found expired), refuses a wrong
    secret, books each reference once, and acts out the simulator's faults.
    """

    def __init__(self, provider: FakeProvider, *, secret_ok: bool = True) -> None:
        self.provider = provider
        self.secret_ok = secret_ok
        self.requests: list[str] = []
        self._session: int | None = None
        self._service = "18" if provider.kind == "bank" else "38"

    def _authorised(self, operation: str) -> bool:
        if self._session is None:
            self._login()
        self.requests.append(operation)
        if not self.secret_ok:
            return False
        if self._session not in self.provider.sessions:
            self._login()
            self.requests.append(operation)
        return True

    def _login(self) -> None:
        self.requests.append("token")
        self._session = self.provider.login()

    def _check(self, destination: Destination) -> None:
        destination.check_rail(self.provider.name, self.provider.kind)

    def inquire(self, destination: Destination) -> AccountCheck:
        self._check(destination)
        if not self._authorised("inquiry"):
            return AccountCheck(destination, AccountState.UNKNOWN, http_status=401)
        found = self.provider.accounts.get(destination.account_number)
        if found is None:
            return AccountCheck(destination, AccountState.NOT_FOUND, http_status=404)
        holder, active = found
        if not active:
            return AccountCheck(destination, AccountState.INACTIVE, http_status=403)
        return AccountCheck(destination, AccountState.ACTIVE, holder_name=holder, http_status=200)

    def send(self, payout: Payout) -> Attempt:
        self._check(payout.destination)
        if self.provider.kind == "bank" and not payout.account_name:
            raise Problem("payments.account_name_missing")

        def answer(
            outcome: Outcome, status: int, case: str = "00", amount: int | None = None
        ) -> Attempt:
            code = f"{status}{self._service}{case}"
            return Attempt(
                payout.reference, outcome, response_code=code, http_status=status, amount=amount
            )

        if not self._authorised("send"):
            return answer(Outcome.FAILED, 401)
        books = self.provider.books
        if payout.reference in books:
            return answer(Outcome.DUPLICATE, 409, "01")
        account = self.provider.accounts.get(payout.destination.account_number)
        if account is None:
            return answer(Outcome.FAILED, 404, "11")
        if not account[1]:
            return answer(Outcome.FAILED, 403, "18")
        if payout.amount > self.provider.funds:
            return answer(Outcome.FAILED, 403, "14")
        fault = self.provider.faults.pop(0) if self.provider.faults else None
        if fault == "error_5xx":
            return answer(Outcome.UNKNOWN, 500)
        self.provider.funds -= payout.amount
        pending = fault == "in_progress"
        books[payout.reference] = FakeBooking(payout.amount, "pending" if pending else "success")
        if fault == "timeout":
            return Attempt(payout.reference, Outcome.UNKNOWN, transport="timeout")
        if fault == "drop_after_booking":
            return Attempt(payout.reference, Outcome.UNKNOWN, transport="dropped")
        if pending:
            return answer(Outcome.PENDING, 202, amount=payout.amount)
        return answer(Outcome.SUCCESS, 200, amount=payout.amount)

    def status(self, payout: Payout) -> Attempt:
        self._check(payout.destination)
        if not self._authorised("status"):
            return Attempt(payout.reference, Outcome.UNKNOWN, http_status=401)
        booking = self.provider.books.get(payout.reference)
        if booking is None:
            return Attempt(payout.reference, Outcome.FAILED, http_status=404, never_received=True)
        booking.queries += 1
        if booking.status == "pending" and booking.queries >= self.provider.settle_after_queries:
            booking.status = "success"
        outcome = Outcome.SUCCESS if booking.status == "success" else Outcome.PENDING
        return Attempt(payout.reference, outcome, http_status=200, amount=booking.amount)


class FakeHarness:
    def __init__(self, kind: Kind) -> None:
        self.kind: Kind = kind
        numbers = ACCOUNTS[kind]
        self.provider = FakeProvider(
            name="fake-" + kind,
            kind=kind,
            accounts={numbers["active"]: (HOLDERS[kind], True), numbers["blocked"]: ("X", False)},
            funds=FUNDS,
        )
        self.rail: PayoutRail = FakeRail(self.provider)

    def destination(self, which: Which = "active") -> Destination:
        bank_code = BANK_CODE if self.kind == "bank" else ""
        return Destination(self.kind, self.provider.name, ACCOUNTS[self.kind][which], bank_code)

    def bookings(self, reference: str) -> list[str]:
        found = self.provider.books.get(reference)
        return [found.status] if found else []

    def funds(self) -> int:
        return self.provider.funds

    @contextmanager
    def fault(self, name: str) -> Iterator[None]:
        self.provider.faults.append(name)
        try:
            yield
        finally:
            self.provider.faults.clear()

    def impatient(self) -> PayoutRail:
        return self.rail

    @contextmanager
    def expiring(self) -> Iterator[tuple[PayoutRail, Callable[[], None], list[str]]]:
        rail = FakeRail(self.provider)
        yield rail, self.provider.sessions.clear, rail.requests

    def tampered(self) -> tuple[PayoutRail, list[str]]:
        rail = FakeRail(self.provider, secret_ok=False)
        return rail, rail.requests


@pytest.fixture(params=["snap-bank", "snap-emoney", "fake-bank", "fake-emoney"])
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    implementation, kind = request.param.split("-")
    assert kind in ("bank", "emoney")
    if implementation == "fake":
        yield FakeHarness(kind)
        return
    snap_harness = SnapHarness(request.getfixturevalue("world"), kind)
    try:
        yield snap_harness
    finally:
        snap_harness.close()


# --- Conformance: the same cases on every rail ----------------------------------------------


def test_inquiry_tells_active_blocked_and_unknown_accounts(harness: Harness) -> None:
    active = harness.rail.inquire(harness.destination("active"))
    assert active.state is AccountState.ACTIVE and active.exists is True and active.active
    assert active.holder_name == HOLDERS[harness.kind]
    blocked = harness.rail.inquire(harness.destination("blocked"))
    assert blocked.state is AccountState.INACTIVE
    assert blocked.exists is True and not blocked.active and blocked.holder_name == ""
    unknown = harness.rail.inquire(harness.destination("unknown"))
    assert unknown.state is AccountState.NOT_FOUND and unknown.exists is False


def test_a_payout_succeeds_and_is_booked_once(harness: Harness) -> None:
    funds, payout = harness.funds(), payout_for(harness, 150_000)
    sent = harness.rail.send(payout)
    assert sent.outcome is Outcome.SUCCESS, sent
    assert sent.reference == payout.reference and sent.transport is None
    assert sent.amount in (None, 150_000)
    assert harness.bookings(payout.reference) == ["success"]
    assert harness.funds() == funds - 150_000
    asked = harness.rail.status(payout)
    assert asked.outcome is Outcome.SUCCESS, asked


def test_the_same_reference_sent_twice_books_once(harness: Harness) -> None:
    funds, payout = harness.funds(), payout_for(harness, 20_000)
    assert harness.rail.send(payout).outcome is Outcome.SUCCESS
    again = harness.rail.send(payout)
    assert again.outcome in (Outcome.DUPLICATE, Outcome.SUCCESS), again
    assert harness.bookings(payout.reference) == ["success"]
    assert harness.funds() == funds - 20_000
    assert harness.rail.status(payout).outcome is Outcome.SUCCESS


@pytest.mark.slow
def test_a_timeout_is_unknown_and_status_finds_the_money(harness: Harness) -> None:
    payout, rail = payout_for(harness, 30_000), harness.impatient()
    with harness.fault("timeout"):
        sent = rail.send(payout)
    assert sent.outcome is Outcome.UNKNOWN and sent.transport == "timeout", sent
    assert harness.bookings(payout.reference) == ["success"]
    assert harness.rail.status(payout).outcome is Outcome.SUCCESS
    # A resend of the same reference (as after a crash) is refused, never booked again.
    assert harness.rail.send(payout).outcome in (Outcome.DUPLICATE, Outcome.SUCCESS)
    assert harness.bookings(payout.reference) == ["success"]


def test_a_5xx_is_unknown_and_status_says_never_received(harness: Harness) -> None:
    funds, payout = harness.funds(), payout_for(harness, 40_000)
    with harness.fault("error_5xx"):
        sent = harness.rail.send(payout)
    assert sent.outcome is Outcome.UNKNOWN and sent.http_status == 500, sent
    assert harness.bookings(payout.reference) == []
    asked = harness.rail.status(payout)
    assert asked.outcome is Outcome.FAILED and asked.never_received, asked
    # After a definitive FAILED the caller may send the same reference again, as attempt 2.
    retried = harness.rail.send(replace(payout, attempt=2))
    assert retried.outcome is Outcome.SUCCESS, retried
    assert harness.bookings(payout.reference) == ["success"]
    assert harness.funds() == funds - 40_000


def test_in_progress_is_pending_until_status_says_success(harness: Harness) -> None:
    payout = payout_for(harness, 50_000)
    with harness.fault("in_progress"):
        sent = harness.rail.send(payout)
    assert sent.outcome is Outcome.PENDING, sent
    assert harness.bookings(payout.reference) == ["pending"]
    outcomes = [harness.rail.status(payout).outcome]
    while outcomes[-1] is Outcome.PENDING and len(outcomes) < 5:
        outcomes.append(harness.rail.status(payout).outcome)
    assert outcomes[0] is Outcome.PENDING and outcomes[-1] is Outcome.SUCCESS, outcomes
    assert harness.bookings(payout.reference) == ["success"]


def test_a_connection_dropped_after_booking_is_unknown_then_found(harness: Harness) -> None:
    funds, payout = harness.funds(), payout_for(harness, 60_000)
    with harness.fault("drop_after_booking"):
        sent = harness.rail.send(payout)
    assert sent.outcome is Outcome.UNKNOWN and sent.transport == "dropped", sent
    assert harness.rail.status(payout).outcome is Outcome.SUCCESS
    assert harness.bookings(payout.reference) == ["success"]
    assert harness.funds() == funds - 60_000


def test_insufficient_partner_funds_fail_and_book_nothing(harness: Harness) -> None:
    funds = harness.funds()
    payout = payout_for(harness, funds + 1)
    sent = harness.rail.send(payout)
    assert sent.outcome is Outcome.FAILED and sent.http_status == 403, sent
    assert not sent.retryable
    assert harness.bookings(payout.reference) == []
    assert harness.funds() == funds
    assert harness.rail.status(payout).outcome is Outcome.FAILED


@pytest.mark.parametrize("which", ["blocked", "unknown"])
def test_a_payout_to_a_blocked_or_unknown_account_fails(harness: Harness, which: Which) -> None:
    payout = payout_for(harness, 10_000, which)
    sent = harness.rail.send(payout)
    assert sent.outcome is Outcome.FAILED and sent.http_status in (403, 404), sent
    assert harness.bookings(payout.reference) == []


def test_the_status_of_a_payout_never_sent_is_failed(harness: Harness) -> None:
    asked = harness.rail.status(payout_for(harness))
    assert asked.outcome is Outcome.FAILED and asked.http_status == 404, asked
    assert asked.never_received


@pytest.mark.slow
def test_an_expired_token_is_replaced_without_the_caller_noticing(harness: Harness) -> None:
    with harness.expiring() as (rail, expire, requests):
        first = payout_for(harness, 11_000)
        assert rail.send(first).outcome is Outcome.SUCCESS
        expire()
        second = payout_for(harness, 12_000)
        sent = rail.send(second)
        assert sent.outcome is Outcome.SUCCESS, sent
    # The refused send was repeated once with a new token, and booked once.
    assert requests == ["token", "send", "send", "token", "send"]
    assert harness.bookings(first.reference) == ["success"]
    assert harness.bookings(second.reference) == ["success"]


def test_a_tampered_secret_is_refused_not_retried_and_moves_nothing(harness: Harness) -> None:
    rail, requests = harness.tampered()
    funds, payout = harness.funds(), payout_for(harness, 13_000)
    sent = rail.send(payout)
    assert sent.outcome is Outcome.FAILED and sent.http_status == 401, sent
    assert not sent.retryable
    assert requests == ["token", "send"]
    assert harness.bookings(payout.reference) == [] and harness.funds() == funds
    # A refused status call says nothing about the payout; the honest status does.
    assert rail.status(payout).outcome is Outcome.UNKNOWN
    assert harness.rail.status(payout).outcome is Outcome.FAILED


def test_input_errors_are_problems_not_attempts(harness: Harness) -> None:
    other: Kind = "emoney" if harness.kind == "bank" else "bank"
    other_kind = Destination(
        other, "elsewhere", ACCOUNTS[other]["active"], BANK_CODE if other == "bank" else ""
    )
    other_provider = replace(harness.destination(), provider="another-" + harness.kind)
    for stranger in (other_kind, other_provider):
        with pytest.raises(Problem) as caught:
            harness.rail.inquire(stranger)
        assert caught.value.code == "payments.wrong_rail"
        with pytest.raises(Problem) as caught:
            harness.rail.send(replace(payout_for(harness), destination=stranger))
        assert caught.value.code == "payments.wrong_rail"
        with pytest.raises(Problem) as caught:
            harness.rail.status(replace(payout_for(harness), destination=stranger))
        assert caught.value.code == "payments.wrong_rail"


# --- Value types -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda: Destination("cash", "bank", "123"), "payments.destination_kind"),  # type: ignore[arg-type]
        (lambda: Destination("bank", " ", "123", "014"), "payments.destination_provider"),
        (lambda: Destination("bank", "bank", "12-34", "014"), "payments.account_number_invalid"),
        (lambda: Destination("emoney", "w", "0" * 21), "payments.account_number_invalid"),
        (lambda: Destination("bank", "bank", "1234"), "payments.bank_code_invalid"),
        (lambda: Destination("bank", "bank", "1234", "14"), "payments.bank_code_invalid"),
        (lambda: Destination("emoney", "w", "0812", "014"), "payments.bank_code_invalid"),
    ],
)
def test_bad_destinations_are_refused(make: Callable[[], object], code: str) -> None:
    with pytest.raises(Problem) as caught:
        make()
    assert caught.value.code == code


GOOD = Destination("bank", "bank", "1234567890", "0140397")


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"reference": ""}, "payments.reference_invalid"),
        ({"reference": "-starts-with-a-dash"}, "payments.reference_invalid"),
        ({"reference": "R" * 65}, "payments.reference_invalid"),
        ({"reference": "spasi di tengah"}, "payments.reference_invalid"),
        ({"amount": 0}, "payments.amount_invalid"),
        ({"amount": -5}, "payments.amount_invalid"),
        ({"amount": True}, "payments.amount_invalid"),
        ({"amount": 10.0}, "payments.amount_invalid"),
        ({"amount": snap.MAX_AMOUNT + 1}, "payments.amount_invalid"),
        ({"note": "x" * 257}, "payments.text_invalid"),
        ({"note": "baris\nbaru"}, "payments.text_invalid"),
        ({"account_name": "N" * 101}, "payments.text_invalid"),
        ({"attempt": 0}, "payments.attempt_invalid"),
        ({"attempt": 100}, "payments.attempt_invalid"),
        ({"destination": "1234567890"}, "payments.destination_kind"),
    ],
)
def test_bad_payouts_are_refused(changes: dict[str, object], code: str) -> None:
    values: dict[str, object] = {"reference": "C1-R1", "amount": 1000, "destination": GOOD}
    values.update(changes)
    with pytest.raises(Problem) as caught:
        Payout(**values)  # type: ignore[arg-type]
    assert caught.value.code == code
    assert caught.value.messages()["id"] != code  # both languages have a text


def test_a_good_payout_and_its_check_properties() -> None:
    payout = Payout("CYCLE-7.KPM_0001", snap.MAX_AMOUNT, GOOD, note="Bansos", attempt=99)
    assert payout.amount == snap.MAX_AMOUNT and payout.attempt == 99
    unknown = AccountCheck(GOOD, AccountState.UNKNOWN)
    assert unknown.exists is None and not unknown.active


# --- SNAP only: against the simulator ----------------------------------------------------------


@pytest.mark.parametrize("kind", ["bank", "emoney"])
def test_a_full_send_logs_neither_the_secret_nor_the_token(
    world: SimWorld, kind: Kind, caplog: pytest.LogCaptureFixture
) -> None:
    tokens: list[str] = []

    def keep_token(response: httpx.Response) -> None:
        if response.request.url.path.endswith("/access-token/b2b"):
            response.read()
            tokens.append(str(response.json()["accessToken"]))

    harness = SnapHarness(world, kind)
    client = httpx.Client(event_hooks={"response": [keep_token]})
    caplog.set_level(logging.DEBUG)
    try:
        rail = SnapRail(harness.provider, options=harness.options, http=client)
        payout = payout_for(harness, 14_000)
        assert rail.inquire(payout.destination).active
        assert rail.send(payout).outcome is Outcome.SUCCESS
        assert rail.status(payout).outcome is Outcome.SUCCESS
    finally:
        client.close()
        harness.close()
    assert len(tokens) == 1 and len(tokens[0]) > 20
    ours = [r for r in caplog.records if r.name == "bansos.payments.snap_client"]
    assert any(
        payout_external_id(harness.provider, payout.reference) in r.getMessage() for r in ours
    )
    text = "\n".join(r.getMessage() for r in caplog.records) + caplog.text
    assert SECRET.decode() not in text
    assert tokens[0] not in text
    assert "Bearer" not in text


@pytest.mark.slow
def test_the_rate_limit_keeps_under_the_providers_own(world: SimWorld) -> None:
    """The "throttled" provider answers 429 above 2 requests a second."""

    waits: list[float] = []

    def sleep(seconds: float) -> None:  # the rail's pauses, recorded (and really taken)
        waits.append(seconds)
        time.sleep(seconds)

    def rail(rate: float) -> SnapRail:
        provider = snap_provider(world.key, world.sim.url, "bank", name="throttled", rate=rate)
        return SnapRail(provider, options=RailOptions(source_account=SOURCE), sleep=sleep)

    target = Destination("bank", "throttled", ACCOUNTS["bank"]["active"], BANK_CODE)
    with rail(1000) as hasty:
        checks = [hasty.inquire(target) for _ in range(3)]
    assert any(c.response_code == "4291600" for c in checks), checks
    assert all(c.state is AccountState.UNKNOWN for c in checks if c.response_code == "4291600")
    time.sleep(1.1)  # let the provider's window empty
    waits.clear()
    with rail(1.8) as polite:
        checks = [polite.inquire(target) for _ in range(3)]
    assert [c.state for c in checks] == [AccountState.ACTIVE] * 3, checks
    # token + 3 inquiries: the limiter held back each call after the first
    assert len([w for w in waits if w > 0]) == 3, waits


def test_a_provider_that_is_down_refuses_and_nothing_is_sent(key: rsa.RSAPrivateKey) -> None:
    provider = snap_provider(key, f"http://127.0.0.1:{free_port()}", "bank")
    payout = Payout(
        "DOWN-1", 1000, Destination("bank", "bank", "1234567890", BANK_CODE), account_name="A"
    )
    with SnapRail(provider, options=RailOptions(source_account=SOURCE, connect_timeout=2)) as rail:
        sent = rail.send(payout)
        asked = rail.status(payout)
        check = rail.inquire(payout.destination)
    # No token could be had, so the payout request provably never left: FAILED, retryable.
    assert sent.outcome is Outcome.FAILED and sent.retryable and sent.transport == "refused"
    assert sent.external_id == ""
    # ... but that says nothing about an earlier sending of the same payout.
    assert asked.outcome is Outcome.UNKNOWN and asked.transport == "refused"
    assert check.state is AccountState.UNKNOWN and check.exists is None


# --- SNAP only: a scripted provider in process (httpx.MockTransport) ---------------------------


def _answer(status: int, code: str, **fields: object) -> httpx.Response:
    body = {"responseCode": code, "responseMessage": "scripted", **fields}
    return httpx.Response(status, content=snap.minify(body))


@dataclass
class Scripted:
    """A provider double: issues tokens, verifies every header and signature, then answers.

    ``answers`` is consumed per service call; when empty a successful echo is given.
    """

    key: rsa.RSAPrivateKey
    answers: list[httpx.Response] = field(default_factory=list)
    seen: list[httpx.Request] = field(default_factory=list)
    tokens_issued: int = 0
    token_seconds: str = "900"
    token_delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.seen.append(request)
        path = request.url.raw_path.decode()
        if path.endswith("/access-token/b2b"):
            assert snap.verify_token_request(
                self.key.public_key(),
                CLIENT_KEY,
                request.headers["X-TIMESTAMP"],
                request.headers["X-SIGNATURE"],
            )
            time.sleep(self.token_delay)
            with self.lock:
                self.tokens_issued += 1
                token = f"token-{self.tokens_issued}-" + "x" * 30
            return _answer(
                200, "2007300", accessToken=token, tokenType="Bearer", expiresIn=self.token_seconds
            )
        headers = request.headers
        assert headers["Content-Type"] == "application/json"
        assert headers["X-PARTNER-ID"] == PARTNER_ID and headers["CHANNEL-ID"] == CHANNEL_ID
        assert headers["X-EXTERNAL-ID"].isdigit() and len(headers["X-EXTERNAL-ID"]) == 32
        token = headers["Authorization"].removeprefix("Bearer ")
        assert snap.verify_service(
            SECRET,
            "POST",
            path,
            token,
            request.content,
            headers["X-TIMESTAMP"],
            headers["X-SIGNATURE"],
        ), "the signature must cover the bytes that travelled"
        body = json.loads(request.content)
        with self.lock:
            if self.answers:
                return self.answers.pop(0)
        if path.endswith("account-inquiry-external"):
            return _answer(
                200,
                "2001600",
                beneficiaryAccountName="SITI AMINAH",
                beneficiaryAccountNo=body["beneficiaryAccountNo"],
            )
        if path.endswith("transfer/status"):
            return _answer(
                200,
                "2003600",
                originalPartnerReferenceNo=body["originalPartnerReferenceNo"],
                serviceCode="18",
                latestTransactionStatus="00",
            )
        return _answer(
            200,
            "2001800",
            referenceNo="P-1",
            partnerReferenceNo=body["partnerReferenceNo"],
            amount=body["amount"],
        )


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def scripted_rail(
    key: rsa.RSAPrivateKey,
    script: Scripted,
    *,
    clock: Callable[[], float] = time.monotonic,
    provider: Provider | None = None,
    **options: object,
) -> SnapRail:
    provider = provider or snap_provider(key, "https://bank.example", "bank", rate=10_000)
    http = httpx.Client(transport=httpx.MockTransport(script))
    return SnapRail(
        provider,
        options=RailOptions(source_account=SOURCE, **options),  # type: ignore[arg-type]
        http=http,
        monotonic=clock,
        limiter=TokenBucket(10_000),
    )


BANK_PAYOUT = Payout(
    "CYCLE-1-KPM-1",
    25_000,
    Destination("bank", "bank", "1234567890", BANK_CODE),
    account_name="SITI AMINAH",
    note="PKH",
)


def test_requests_carry_every_snap_header_and_the_providers_zone(key: rsa.RSAPrivateKey) -> None:
    script = Scripted(key)
    provider = replace(
        snap_provider(key, "https://bank.example", "bank"), zone=snap.WITA, path_prefix="/openapi"
    )
    fixed = datetime(2026, 3, 2, 1, 2, 3, tzinfo=UTC)
    rail = SnapRail(
        provider,
        options=RailOptions(source_account=SOURCE),
        http=httpx.Client(transport=httpx.MockTransport(script)),
        clock=lambda: fixed,
    )
    assert rail.send(BANK_PAYOUT).outcome is Outcome.SUCCESS
    token_call, sent = script.seen
    assert token_call.url.path == "/openapi/v1.0/access-token/b2b"
    assert sent.url.path == "/openapi/v1.0/transfer-interbank"
    assert sent.headers["X-TIMESTAMP"] == "2026-03-02T09:02:03+08:00"
    body = json.loads(sent.content)
    assert sent.content == snap.minify(body)  # minified, as signed
    assert body == {
        "partnerReferenceNo": "CYCLE-1-KPM-1",
        "amount": {"value": "25000.00", "currency": "IDR"},
        "beneficiaryAccountName": "SITI AMINAH",
        "beneficiaryAccountNo": "1234567890",
        "beneficiaryBankCode": BANK_CODE,
        "sourceAccountNo": SOURCE,
        "transactionDate": "2026-03-02T09:02:03+08:00",
        "additionalInfo": {"remark": "PKH"},
    }
    assert sent.headers["X-EXTERNAL-ID"] == payout_external_id(provider, BANK_PAYOUT.reference)


def test_the_token_is_cached_and_refreshed_before_it_expires(key: rsa.RSAPrivateKey) -> None:
    script, clock = Scripted(key), Clock()
    rail = scripted_rail(key, script, clock=clock)
    for moment in (1000.0, 1500.0, 1839.0):
        clock.now = moment
        assert rail.inquire(BANK_PAYOUT.destination).active
    assert script.tokens_issued == 1
    clock.now = 1841.0  # 900 s lifetime minus the 60 s margin has passed
    assert rail.inquire(BANK_PAYOUT.destination).active
    assert script.tokens_issued == 2
    statuses = [r.url.path.rsplit("/", 1)[-1] for r in script.seen]
    assert statuses.count("account-inquiry-external") == 4


def test_a_short_lived_token_is_still_used_for_half_its_life(key: rsa.RSAPrivateKey) -> None:
    script, clock = Scripted(key, token_seconds="30"), Clock()
    rail = scripted_rail(key, script, clock=clock)
    rail.inquire(BANK_PAYOUT.destination)
    clock.now += 14
    rail.inquire(BANK_PAYOUT.destination)
    assert script.tokens_issued == 1
    clock.now += 2
    rail.inquire(BANK_PAYOUT.destination)
    assert script.tokens_issued == 2


def test_threads_share_one_token_fetch(key: rsa.RSAPrivateKey) -> None:
    script = Scripted(key, token_delay=0.2)
    rail = scripted_rail(key, script)
    results: list[AccountCheck] = []
    threads = [
        threading.Thread(target=lambda: results.append(rail.inquire(BANK_PAYOUT.destination)))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8 and all(r.active for r in results)
    assert script.tokens_issued == 1


def test_a_token_refused_twice_fails_retryably_after_one_retry(key: rsa.RSAPrivateKey) -> None:
    refused = [_answer(401, "4011801"), _answer(401, "4011801")]
    script = Scripted(key, answers=refused)
    sent = scripted_rail(key, script).send(BANK_PAYOUT)
    assert sent.outcome is Outcome.FAILED and sent.retryable and sent.response_code == "4011801"
    paths = [r.url.path.rsplit("/", 1)[-1] for r in script.seen]
    assert paths == ["b2b", "transfer-interbank", "b2b", "transfer-interbank"]
    # The same X-EXTERNAL-ID both times: the retry is the same request, not a new payout.
    assert script.seen[1].headers["X-EXTERNAL-ID"] == script.seen[3].headers["X-EXTERNAL-ID"]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (_answer(200, "2001800", partnerReferenceNo="SOMEONE-ELSE"), Outcome.UNKNOWN),
        (
            _answer(
                200,
                "2001800",
                partnerReferenceNo="CYCLE-1-KPM-1",
                amount={"value": "250000.00", "currency": "IDR"},
            ),
            Outcome.UNKNOWN,
        ),
        (_answer(200, "4031814"), Outcome.UNKNOWN),  # HTTP status and code disagree
        (_answer(200, "2003600"), Outcome.UNKNOWN),  # another service's answer
        (httpx.Response(502, content=b"<html>Bad Gateway</html>"), Outcome.UNKNOWN),
        (_answer(500, "5001801"), Outcome.UNKNOWN),
        (_answer(409, "4091801"), Outcome.DUPLICATE),
        (_answer(409, "4091800"), Outcome.DUPLICATE),
        (_answer(404, "4041818"), Outcome.DUPLICATE),
        (_answer(202, "2021800", partnerReferenceNo="CYCLE-1-KPM-1"), Outcome.PENDING),
        (_answer(403, "4031814"), Outcome.FAILED),
        (_answer(429, "4291800"), Outcome.FAILED),
    ],
)
def test_send_answers_map_to_outcomes(
    key: rsa.RSAPrivateKey, answer: httpx.Response, expected: Outcome
) -> None:
    sent = scripted_rail(key, Scripted(key, answers=[answer])).send(BANK_PAYOUT)
    assert sent.outcome is expected, sent
    assert sent.http_status == answer.status_code
    assert sent.retryable is (answer.status_code == 429)


@pytest.mark.parametrize(
    ("failure", "transport"),
    [
        (httpx.ReadTimeout("late"), "timeout"),
        (httpx.ConnectTimeout("late"), "timeout"),
        (httpx.RemoteProtocolError("Server disconnected without sending a response."), "dropped"),
        (httpx.ReadError("reset"), "dropped"),
        (httpx.ConnectError("refused"), "refused"),
    ],
)
def test_transport_failures_on_send_are_unknown(
    key: rsa.RSAPrivateKey, failure: httpx.TransportError, transport: str
) -> None:
    script = Scripted(key)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("transfer-interbank"):
            raise failure
        return script(request)

    rail = SnapRail(
        snap_provider(key, "https://bank.example", "bank"),
        options=RailOptions(source_account=SOURCE),
        http=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    sent = rail.send(BANK_PAYOUT)
    assert sent.outcome is Outcome.UNKNOWN and sent.transport == transport
    assert sent.http_status is None and not sent.retryable
    assert sent.external_id == payout_external_id(rail.provider, BANK_PAYOUT.reference)


def _found(**changes: object) -> httpx.Response:
    """A successful status inquiry about BANK_PAYOUT, with some fields changed."""
    fields: dict[str, object] = {
        "originalReferenceNo": "P-9",
        "originalPartnerReferenceNo": "CYCLE-1-KPM-1",
        "serviceCode": "18",
        "amount": {"value": "25000.00", "currency": "IDR"},
        "latestTransactionStatus": "00",
    }
    fields.update(changes)
    return _answer(200, "2003600", **fields)


@pytest.mark.parametrize(
    ("answer", "expected", "never_received"),
    [
        (_answer(404, "4043601"), Outcome.FAILED, True),
        (_answer(401, "4013600"), Outcome.UNKNOWN, False),  # our status call was refused
        (_answer(400, "4003602"), Outcome.UNKNOWN, False),
        (_answer(403, "4033601"), Outcome.UNKNOWN, False),
        (_answer(500, "5003601"), Outcome.UNKNOWN, False),
        (_answer(404, "4041801"), Outcome.UNKNOWN, False),  # not a status answer
        (_found(latestTransactionStatus="06"), Outcome.FAILED, False),
        (_found(latestTransactionStatus="04"), Outcome.FAILED, False),  # refunded
        (_found(latestTransactionStatus="07"), Outcome.FAILED, True),  # not found
        (_found(latestTransactionStatus="03"), Outcome.PENDING, False),
        (_found(latestTransactionStatus="99"), Outcome.UNKNOWN, False),
        (_found(originalPartnerReferenceNo="ANOTHER"), Outcome.UNKNOWN, False),
        (_found(serviceCode="38"), Outcome.UNKNOWN, False),
        (_found(amount={"value": "1.00", "currency": "IDR"}), Outcome.UNKNOWN, False),
        (_found(), Outcome.SUCCESS, False),
    ],
)
def test_status_answers_map_to_outcomes(
    key: rsa.RSAPrivateKey, answer: httpx.Response, expected: Outcome, never_received: bool
) -> None:
    script = Scripted(key, answers=[answer])
    asked = scripted_rail(key, script).status(BANK_PAYOUT)
    assert asked.outcome is expected, asked
    assert asked.never_received is never_received, asked
    status_call = json.loads(script.seen[-1].content)
    # Only what survives a restart: the reference and the service code, nothing from memory.
    assert status_call == {"originalPartnerReferenceNo": "CYCLE-1-KPM-1", "serviceCode": "18"}
    if expected is Outcome.SUCCESS:
        assert asked.provider_reference == "P-9" and asked.amount == 25_000


def test_inquiry_answers_that_do_not_fit_are_unknown(key: rsa.RSAPrivateKey) -> None:
    answers = [
        _answer(200, "2001600", beneficiaryAccountName="SITI", beneficiaryAccountNo="999"),
        _answer(200, "2001600", beneficiaryAccountName=""),
        _answer(403, "4031609"),
        _answer(500, "5001600"),
    ]
    rail = scripted_rail(key, Scripted(key, answers=answers))
    states = [rail.inquire(BANK_PAYOUT.destination).state for _ in range(4)]
    assert states == [
        AccountState.UNKNOWN,
        AccountState.UNKNOWN,
        AccountState.INACTIVE,  # dormant
        AccountState.UNKNOWN,
    ]


def test_ewallet_inquiry_reports_the_room_left(world: SimWorld) -> None:
    harness = SnapHarness(world, "emoney")
    try:
        check = harness.rail.inquire(harness.destination())
    finally:
        harness.close()
    assert check.active and check.max_amount is not None
    assert 0 < check.max_amount <= 10**12


def test_a_bank_transfer_needs_the_holder_name(key: rsa.RSAPrivateKey) -> None:
    script = Scripted(key)
    with pytest.raises(Problem) as caught:
        scripted_rail(key, script).send(replace(BANK_PAYOUT, account_name="  "))
    assert caught.value.code == "payments.account_name_missing"
    assert script.seen == []


def test_rail_options_come_from_the_provider_mapping(key: rsa.RSAPrivateKey) -> None:
    options = RailOptions.from_mapping(
        {
            "name": "bank",
            "source_account": "8880001234",
            "connect_timeout_seconds": 2,
            "read_timeout_seconds": 12.5,
            "token_margin_seconds": 30,
            "burst": 3,
        }
    )
    assert options == RailOptions("8880001234", 2.0, 12.5, 30.0, 3)
    with pytest.raises(Problem) as caught:
        RailOptions.from_mapping({"name": "bank", "read_timeout_seconds": "lama"})
    assert caught.value.params["field"] == "read_timeout_seconds"
    provider = snap_provider(key, "https://bank.example", "bank")
    for bad in (RailOptions(), RailOptions(SOURCE, read_timeout=0), RailOptions(SOURCE, burst=0)):
        with pytest.raises(Problem) as caught:
            SnapRail(provider, options=bad)
        assert caught.value.code == "snap.provider_invalid"


# --- X-EXTERNAL-ID and the rate limit --------------------------------------------------------


def test_payout_external_ids_are_derived_and_fresh_ones_are_not(key: rsa.RSAPrivateKey) -> None:
    bank = snap_provider(key, "https://bank.example", "bank")
    wallet = snap_provider(key, "https://bank.example", "emoney")
    first = payout_external_id(bank, "C1-R1")
    assert first == payout_external_id(bank, "C1-R1", 1)  # after a restart: the same
    assert len(first) == 32 and first.isdigit() and first.startswith("1")
    others = {
        payout_external_id(bank, "C1-R2"),
        payout_external_id(bank, "C1-R1", 2),
        payout_external_id(wallet, "C1-R1"),
    }
    assert first not in others and len(others) == 3
    fresh = {fresh_external_id() for _ in range(100)}
    assert len(fresh) == 100
    assert all(len(x) == 32 and x.isdigit() and x.startswith("2") for x in fresh)


def test_the_token_bucket_spaces_requests() -> None:
    clock, slept = Clock(), []

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))

    bucket = TokenBucket(10, monotonic=clock, sleep=sleep)
    waits = [bucket.acquire() for _ in range(3)]
    assert [round(w, 6) for w in waits] == [0.0, 0.1, 0.2] and slept == [0.1, 0.2]
    clock.now += 5.0  # idle: the bucket refills to its burst, no further
    assert bucket.acquire() == 0.0
    assert round(bucket.acquire(), 6) == 0.1
    burst = TokenBucket(10, 3, monotonic=Clock(), sleep=sleep)
    assert [round(burst.acquire(), 6) for _ in range(4)] == [0.0, 0.0, 0.0, 0.1]
    with pytest.raises(ValueError):
        TokenBucket(0)


def test_the_token_bucket_holds_across_threads() -> None:
    """With the clock stopped, 20 threads must each reserve their own slot: one at once, then
    one every 20 ms (a lost update would hand two threads the same slot)."""
    waits: list[float] = []
    bucket = TokenBucket(50, monotonic=Clock(), sleep=lambda _seconds: None)

    def take() -> None:
        waits.append(bucket.acquire())

    threads = [threading.Thread(target=take) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(round(w, 6) for w in waits) == [round(i / 50, 6) for i in range(20)]


def test_both_rails_offer_exactly_the_protocols_calls() -> None:
    """The Protocol is structural: both implementations offer exactly its three calls."""
    wanted = {"inquire", "send", "status"}
    for cls in (SnapRail, FakeRail):
        assert wanted <= {name for name in dir(cls) if not name.startswith("_")}
    assert {n for n in vars(PayoutRail) if not n.startswith("_")} == wanted


def test_a_wallet_send_carries_notes_and_name(key: rsa.RSAPrivateKey) -> None:
    script = Scripted(key, answers=[_answer(200, "2003800", partnerReferenceNo="W-1")])
    provider = snap_provider(key, "https://wallet.example", "emoney")
    rail = SnapRail(
        provider,
        http=httpx.Client(transport=httpx.MockTransport(script)),
        limiter=TokenBucket(1000),
    )
    payout = Payout(
        "W-1",
        75_000,
        Destination("emoney", "wallet", "081234567890"),
        note="Bansos",
        account_name="DEWI LESTARI",
    )
    assert rail.send(payout).outcome is Outcome.SUCCESS
    sent = script.seen[-1]
    assert sent.url.path == "/wallet/v1.0/emoney/topup"
    body = json.loads(sent.content)
    assert body["customerNumber"] == "081234567890" and body["customerName"] == "DEWI LESTARI"
    assert body["notes"] == "Bansos" and body["amount"] == {"value": "75000.00", "currency": "IDR"}
    assert "sourceAccountNo" not in body


def test_a_rail_is_built_from_the_provider_configuration(
    key: rsa.RSAPrivateKey, tmp_path: Path
) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    key_file = tmp_path / "partner.pem"
    key_file.write_bytes(pem)
    data = {
        "name": "bank",
        "kind": "bank",
        "base_url": "https://bank.example/",
        "partner_id": PARTNER_ID,
        "client_key": CLIENT_KEY,
        "channel_id": CHANNEL_ID,
        "path_prefix": "/bank",
        "private_key_file": str(key_file),
        "client_secret_env": "BANK_SECRET",
        "source_account": SOURCE,
        "read_timeout_seconds": 20,
    }
    with SnapRail.from_mapping(data, env={"BANK_SECRET": SECRET.decode()}) as rail:
        assert rail.options.read_timeout == 20.0 and rail.options.source_account == SOURCE
        assert rail.provider.base_url == "https://bank.example"
        assert SECRET.decode() not in repr(rail) + repr(rail.provider)
