"""Payouts exactly once, on both engines, one scripted provider answer at a time.

Each path of the state machine (``payments.service`` docstring) is walked with the strict
in-memory provider of ``fake_rail``: the ledger's pending transfer is posted or voided exactly
once, a second run changes nothing, an unclear outcome is resolved by asking, never by sending
again, and "never received" is believed only after the grace period, when the same reference
goes out again as the next attempt. ``ledger.verify`` passes after each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bansos.auth.service import Actor
from bansos.core.crypto import FieldCipher
from bansos.core.errors import Problem
from bansos.ledger import service as ledger
from bansos.ledger.models import Transfer
from bansos.payments import outcomes, service, worker
from bansos.payments.models import Payout, PayoutEvent
from bansos.payments.outcomes import Policy
from bansos.payments.rails import Destination
from bansos.payments.service import PayoutSpec
from tests.payments.fake_rail import ScriptedRail
from tests.payments.payout_world import PROGRAM, funded_wallet, household

POLICY = Policy(first_check=1.0, max_check=8.0, default_not_found_after=30.0, max_attempts=3,
                lease=60.0)  # fmt: skip
AMOUNT = 150_000


class Clock:
    """A clock the test moves by hand (the worker's backoff and grace are read from it)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC) + timedelta(seconds=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class World:
    db: Session
    factory: sessionmaker[Session]
    cipher: FieldCipher
    rail: ScriptedRail
    clock: Clock

    def payout(self, *, amount: int = AMOUNT, active: bool = True) -> tuple[int, int]:
        """A household with a funded wallet and a payout of ``amount`` queued: (payout, wallet)."""
        hh = household(self.db, self.cipher, [("Siti Aminah", "head")])
        wallet = funded_wallet(self.db, hh, 200_000)
        number = f"{hh:010d}"
        self.rail.accounts[number] = ("SITI AMINAH", active)
        spec = PayoutSpec("disbursement", f"D9-{hh}", PROGRAM, amount, wallet,
                          Destination("emoney", self.rail.name, number), "SITI AMINAH",
                          household_id=hh)  # fmt: skip
        return service.queue(self.db, self.cipher, spec, "siti").id, wallet

    def run(self) -> worker.RunReport:
        """One worker pass over what is due now, calls in this thread."""
        return worker.run(self.factory, {self.rail.name: self.rail}, cipher=self.cipher,
                          threads=0, clock=self.clock, policy=POLICY, until="idle")  # fmt: skip

    def state(self, payout_id: int) -> Payout:
        self.db.expire_all()
        return self.db.get_one(Payout, payout_id)

    def moves(self, payout_id: int) -> list[str]:
        """The ledger transfers of the payout: pending, then post or void."""
        ref = self.state(payout_id).reference
        rows = self.db.scalars(select(Transfer.flags).where(Transfer.ref == f"payout:{ref}")
                               .order_by(Transfer.id))  # fmt: skip
        return [{1: "pending", 2: "post", 4: "void"}[f] for f in rows]

    def verify(self) -> None:
        report = ledger.verify(self.db)
        assert report.ok, report.faults


@pytest.fixture
def world(db: Session, factory: sessionmaker[Session], cipher: FieldCipher) -> World:
    from tests.payments.payout_world import load_program

    load_program(db)
    return World(db, factory, cipher, ScriptedRail("dompet", "emoney"), Clock())


def test_success_posts_once_and_a_second_run_changes_nothing(world: World) -> None:
    payout_id, wallet = world.payout()
    assert ledger.balance(world.db, wallet).available == 200_000 - AMOUNT  # reserved
    assert world.run().results == {"confirmed": 1}
    p = world.state(payout_id)
    assert (p.status, p.attempt, p.resolved_at is not None) == ("confirmed", 1, True)
    assert world.moves(payout_id) == ["pending", "post"]
    assert ledger.balance(world.db, wallet).posted == 200_000 - AMOUNT
    assert world.rail.paid() == {p.reference: AMOUNT}
    again = world.run()
    assert (again.calls, world.moves(payout_id)) == (0, ["pending", "post"])
    assert world.rail.sends(p.reference) == [1]
    world.verify()


def test_a_definitive_refusal_voids_and_leaves_the_aid_in_the_wallet(world: World) -> None:
    payout_id, wallet = world.payout(active=False)  # the provider blocked the account since
    world.run()
    p = world.state(payout_id)
    assert (p.status, p.last_code) == ("failed", "4031818")
    assert world.moves(payout_id) == ["pending", "void"]
    # Back in her program wallet, spendable at a partner shop.
    assert ledger.balance(world.db, wallet).available == 200_000
    world.clock.advance(3600)
    assert world.run().calls == 0
    assert world.rail.paid() == {}
    world.verify()


@pytest.mark.parametrize("fault", ["timeout", "drop"])
def test_an_unknown_outcome_is_asked_about_never_sent_again(world: World, fault: str) -> None:
    payout_id, _ = world.payout()
    ref = world.state(payout_id).reference
    world.rail.script[ref] = [fault]
    world.run()
    p = world.state(payout_id)
    assert (p.status, world.moves(payout_id)) == ("sent", ["pending"])
    assert world.run().calls == 0  # not due yet: the backoff
    world.clock.advance(POLICY.first_check)
    world.run()
    assert world.state(payout_id).status == "confirmed"
    assert world.rail.sends(ref) == [1]  # the status said it, no second send
    assert world.moves(payout_id) == ["pending", "post"]
    world.verify()


def test_never_received_is_believed_only_after_the_grace_then_resent(world: World) -> None:
    payout_id, _ = world.payout()
    ref = world.state(payout_id).reference
    world.rail.script[ref] = ["5xx"]
    world.run()
    world.clock.advance(POLICY.first_check)
    world.run()  # status: never received, but the grace has not passed
    p = world.state(payout_id)
    assert (p.status, p.attempt) == ("sent", 1)
    assert world.rail.sends(ref) == [1]
    world.clock.advance(POLICY.default_not_found_after)
    world.run()  # now believed: the same reference again, as attempt 2
    p = world.state(payout_id)
    assert (p.status, p.attempt, p.reference) == ("confirmed", 2, ref)
    assert world.rail.sends(ref) == [1, 2]
    assert world.moves(payout_id) == ["pending", "post"]  # one reservation for both attempts
    events = [
        e.event
        for e in world.db.scalars(
            select(PayoutEvent).where(PayoutEvent.payout_id == payout_id).order_by(PayoutEvent.id)
        )
    ]
    assert events == ["queued", "sending", "send", "status", "status", "resend", "sending",
                      "send", "confirmed"]  # fmt: skip
    world.verify()


def test_in_progress_is_polled_with_growing_pauses_until_settled(world: World) -> None:
    payout_id, _ = world.payout()
    ref = world.state(payout_id).reference
    world.rail.script[ref] = ["pending"]
    world.run()
    first = world.state(payout_id)
    assert first.status == "pending" and first.next_check_at is not None
    pauses = [(first.next_check_at - world.clock()).total_seconds()]
    world.clock.advance(pauses[-1])
    world.run()  # still in progress (the fake settles on the second inquiry)
    second = world.state(payout_id)
    assert second.status == "pending" and second.next_check_at is not None
    pauses.append((second.next_check_at - world.clock()).total_seconds())
    assert pauses == [1.0, 2.0]
    world.clock.advance(pauses[-1])
    world.run()
    assert world.state(payout_id).status == "confirmed"
    assert world.rail.sends(ref) == [1]
    world.verify()


def test_the_backoff_is_capped(world: World) -> None:
    payout_id, _ = world.payout()
    ref = world.state(payout_id).reference
    world.rail.script[ref] = ["timeout"]
    world.rail.status_script[ref] = ["unknown"] * 6
    world.run()
    pauses = []
    for _ in range(7):  # six unclear answers, then the booking is found
        p = world.state(payout_id)
        assert p.next_check_at is not None
        pause = (p.next_check_at - world.clock()).total_seconds()
        pauses.append(pause)
        world.clock.advance(pause)
        world.run()
    assert pauses == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0]
    assert world.state(payout_id).status == "confirmed"
    assert world.rail.sends(ref) == [1]
    world.verify()


def test_a_payout_left_sending_by_a_crash_is_asked_about_not_resent(world: World) -> None:
    payout_id, _ = world.payout()
    ref = world.state(payout_id).reference
    # A worker claims it (committed: "sending"), sends it, and dies before recording.
    with world.factory() as s:
        jobs = outcomes.claim(s, world.cipher, [world.rail.name], 10, POLICY, world.clock)
        s.commit()
    assert [j.action for j in jobs] == ["send"]
    world.rail.send(jobs[0].payout)
    assert world.state(payout_id).status == "sending"
    report = world.run()  # the next start
    assert report.recovered == 1
    assert world.state(payout_id).status == "confirmed"
    assert world.rail.sends(ref) == [1]
    assert [c[0] for c in world.rail.calls if c[1] == ref] == ["send", "status"]
    world.verify()


def test_a_crash_before_the_call_left_is_resent_after_the_grace(world: World) -> None:
    payout_id, _ = world.payout()
    ref = world.state(payout_id).reference
    with world.factory() as s:  # claimed and committed, then the process died: never sent
        outcomes.claim(s, world.cipher, [world.rail.name], 10, POLICY, world.clock)
        s.commit()
    world.run()
    assert (world.state(payout_id).status, world.rail.sends(ref)) == ("sent", [])
    world.clock.advance(POLICY.default_not_found_after)
    world.run()
    p = world.state(payout_id)
    assert (p.status, p.attempt, world.rail.sends(ref)) == ("confirmed", 2, [2])
    world.verify()


def test_a_retryable_refusal_sends_the_same_attempt_again_later(world: World) -> None:
    payout_id, wallet = world.payout()
    ref = world.state(payout_id).reference
    world.rail.script[ref] = ["429"]
    world.run()
    p = world.state(payout_id)
    assert (p.status, world.moves(payout_id)) == ("queued", ["pending"])  # nothing voided
    assert ledger.balance(world.db, wallet).available == 200_000 - AMOUNT
    world.clock.advance(POLICY.first_check)
    world.run()
    assert world.state(payout_id).status == "confirmed"
    assert world.rail.sends(ref) == [1, 1]
    world.verify()


def test_a_cancelled_booking_is_voided(world: World) -> None:
    payout_id, wallet = world.payout()
    ref = world.state(payout_id).reference
    world.rail.script[ref] = ["drop"]
    world.rail.status_script[ref] = ["cancel"]
    world.run()
    world.clock.advance(POLICY.first_check)
    world.run()
    assert world.state(payout_id).status == "failed"
    assert world.moves(payout_id) == ["pending", "void"]
    assert ledger.balance(world.db, wallet).available == 200_000
    world.verify()


def test_after_the_last_attempt_a_person_must_look(world: World) -> None:
    payout_id, wallet = world.payout()
    ref = world.state(payout_id).reference
    world.rail.script[ref] = ["lost"] * POLICY.max_attempts
    for _ in range(POLICY.max_attempts):
        world.run()
        world.clock.advance(POLICY.default_not_found_after)
        world.run()
    p = world.state(payout_id)
    assert (p.status, p.attempt, p.next_check_at) == ("review", POLICY.max_attempts, None)
    assert world.rail.sends(ref) == [1, 2, 3]
    # Still reserved: nobody knows yet whether it arrived somewhere.
    assert world.moves(payout_id) == ["pending"]
    assert ledger.balance(world.db, wallet).available == 200_000 - AMOUNT
    world.clock.advance(3600)
    assert world.run().calls == 0
    world.verify()


def test_our_own_input_refused_by_the_rail_goes_to_review(world: World) -> None:
    payout_id, _ = world.payout()
    world.rail.script[world.state(payout_id).reference] = ["raise"]
    assert world.run().troubles == 1
    p = world.state(payout_id)
    assert (p.status, p.last_code) == ("review", "payments.account_name_missing")
    assert world.moves(payout_id) == ["pending"]
    world.verify()


def test_a_person_decides_a_payout_in_review(world: World) -> None:
    """Retry: the same reference goes out as the next attempt. Void: the money is back in her
    wallet. Only the approver role decides, with a reason, and only a payout in review."""
    operator, approver = Actor("siti", "operator"), Actor("budi", "approver")
    retried, _ = world.payout()
    voided, wallet = world.payout()
    for payout_id in (retried, voided):
        world.rail.script[world.state(payout_id).reference] = ["raise"]
    world.run()
    ref = world.state(retried).reference
    with pytest.raises(Problem) as exc:
        service.decide_review(world.db, ref, "retry", "dicek", operator)
    assert exc.value.code == "auth.forbidden"
    with pytest.raises(Problem) as exc:
        service.decide_review(world.db, ref, "retry", "  ", approver)
    assert exc.value.code == "targeting.reason_required"
    with pytest.raises(Problem) as exc:
        service.decide_review(world.db, "D9-404", "void", "dicek", approver)
    assert exc.value.code == "payments.reference_not_found"
    service.decide_review(world.db, ref, "retry", "nama penerima dilengkapi", approver)
    assert (world.state(retried).status, world.state(retried).attempt) == ("queued", 2)
    assert world.run().results == {"confirmed": 1}
    assert world.rail.sends(ref) == [1, 2] and world.moves(retried) == ["pending", "post"]
    with pytest.raises(Problem) as exc:  # decided already: not in review any more
        service.decide_review(world.db, ref, "void", "dicek", approver)
    assert exc.value.code == "payments.payout_not_in_review"
    gone = world.state(voided).reference
    service.decide_review(world.db, gone, "void", "rekonsiliasi: tidak pernah dibukukan",
                          approver)  # fmt: skip
    assert world.state(voided).status == "failed" and world.moves(voided) == ["pending", "void"]
    assert ledger.balance(world.db, wallet).available == 200_000
    events = [e.event for e in service.events(world.db, voided)]
    assert events[-1] == "review.void"
    world.verify()


def test_an_answer_about_an_old_attempt_changes_nothing(world: World) -> None:
    payout_id, _ = world.payout()
    with world.factory() as s:
        job = outcomes.claim(s, world.cipher, [world.rail.name], 10, POLICY, world.clock)[0]
        s.commit()
    answer = world.rail.send(job.payout)
    with world.factory() as s:
        s.get_one(Payout, payout_id).attempt = 2  # meanwhile resent as attempt 2
        s.commit()
    with world.factory() as s:
        assert outcomes.record(s, job, answer, POLICY, world.clock) == "sending"
        s.commit()
    assert world.moves(payout_id) == ["pending"]
    world.verify()


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"amount": 0}, "payments.amount_invalid"),
        ({"amount": -5_000}, "payments.amount_invalid"),
        ({"amount": 1.5}, "payments.amount_invalid"),
        ({"amount": True}, "payments.amount_invalid"),
        ({"amount": 250_000}, "payments.insufficient_funds"),  # the wallet holds 200,000
        ({"reference": "D123456789-123456789"}, "payments.reference_too_long"),
        ({"reference": "D1/2"}, "payments.reference_too_long"),
        ({"note": "x" * 300}, "payments.text_invalid"),
        ({"account_name": ""}, "payments.account_name_missing"),
    ],
)
def test_a_bad_payout_is_refused_and_changes_nothing(
    world: World, changes: dict[str, object], code: str
) -> None:
    hh = household(world.db, world.cipher, [("Siti Aminah", "head")])
    wallet = funded_wallet(world.db, hh, 200_000)
    fields: dict[str, object] = {
        "purpose": "disbursement", "reference": f"D9-{hh}", "program_code": PROGRAM,
        "amount": AMOUNT, "source_account": wallet, "account_name": "SITI AMINAH",
        "destination": Destination("bank", "bank", "1234567890", "014"),
    }  # fmt: skip
    fields.update(changes)
    before = world.db.scalar(select(func.count()).select_from(Transfer))
    with pytest.raises(Problem) as caught:
        service.queue(world.db, world.cipher, PayoutSpec(**fields), "siti")  # type: ignore[arg-type]
    assert caught.value.code == code
    assert world.db.scalar(select(func.count()).select_from(Payout)) == 0
    assert world.db.scalar(select(func.count()).select_from(Transfer)) == before
    assert ledger.balance(world.db, wallet).available == 200_000
    world.verify()


def test_the_same_reference_is_queued_once(world: World) -> None:
    payout_id, wallet = world.payout()
    p = world.state(payout_id)
    elsewhere = Destination("emoney", world.rail.name, "0812345678")
    spec = PayoutSpec("disbursement", p.reference, PROGRAM, AMOUNT, wallet, elsewhere, "SITI")
    assert service.queue(world.db, world.cipher, spec, "siti").id == payout_id
    assert world.moves(payout_id) == ["pending"]
    assert ledger.balance(world.db, wallet).available == 200_000 - AMOUNT


def test_references_are_derived_and_fit_mt940() -> None:
    assert service.cycle_reference(12, 3456) == "D12-3456"
    assert service.settlement_reference(77) == "S77"
    assert len(service.cycle_reference(99_999, 99_999_999)) <= 16
    with pytest.raises(Problem) as caught:
        service.cycle_reference(999_999, 999_999_999)
    assert caught.value.code == "payments.reference_too_long"


def test_a_stopped_worker_still_records_the_calls_in_flight(world: World) -> None:
    """The pool threads only call the rail (the main thread does all database work), so a
    stop (SIGTERM) waits for the calls in flight and records their answers before leaving."""
    ids = [world.payout()[0] for _ in range(5)]
    report = worker.run(world.factory, {world.rail.name: world.rail}, cipher=world.cipher,
                        threads=3, clock=world.clock, policy=POLICY,
                        stop=lambda: bool(world.rail.calls))  # fmt: skip
    assert report.calls == len(world.rail.calls) > 0
    statuses = [world.state(i).status for i in ids]
    assert statuses.count("confirmed") == report.calls and "sending" not in statuses
    world.verify()
