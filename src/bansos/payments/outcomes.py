"""What each answer of a provider does to a payout: the worker's two transactions.

:func:`claim` takes due payouts (a queued one becomes ``sending``, committed before its call
leaves); the calls happen outside any transaction; :func:`record_many` applies the answers.
Only the provider's word moves the money reserved by the pending ledger transfer, and an
unclear word never does:

=========================  ==================================================================
send: SUCCESS               post -> ``confirmed`` (the provider has the money)
send: PENDING               ``pending``; ask the status later
send: FAILED                void -> ``failed`` (the money is back at its source); if retryable
                            (429, no token): the same request again later, nothing voided
send: UNKNOWN / DUPLICATE   ``sent``; ask the status later, never send again as is
status: SUCCESS             post -> ``confirmed``
status: FAILED              void -> ``failed``, unless the provider says it never received the
                            payout: that is believed only once the send can no longer arrive
                            (its timeouts plus a grace period, ``Policy.not_found_wait``); then
                            the same reference goes out again as attempt + 1 (after
                            ``max_attempts``: ``review``); before that, ask again later
status: anything else       ask again later, the pause doubling up to a cap
=========================  ==================================================================

A payout left ``sending`` (the process died between the call and its record) is asked about:
at the next start (:func:`recover`) or by any worker once the claim's lease has run out. An
answer about an attempt that is no longer the payout's own (a late one) only leaves an event.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from bansos.core.clock import now as clock_now
from bansos.core.crypto import FieldCipher
from bansos.core.errors import Problem
from bansos.ledger import service as ledger
from bansos.merchants import settlement as settlements
from bansos.payments.codes import Outcome
from bansos.payments.models import DESTINATION_CONTEXT, OPEN_STATUSES, Payout, PayoutEvent
from bansos.payments.rails import Attempt, Destination, Kind
from bansos.payments.rails import Payout as RailPayout

Clock = Callable[[], datetime]
ACTOR = "system:payments"


@dataclass(frozen=True)
class Policy:
    """When the worker acts again on a payout whose outcome is not known yet."""

    #: Seconds from an unclear answer to the first status inquiry; doubled after each one ...
    first_check: float = 5.0
    #: ... up to this.
    max_check: float = 900.0
    #: Seconds after a send before "the provider never received it" is believed: the send's
    #: connect and read timeouts plus a grace period, per provider (``default`` otherwise).
    not_found_after: Mapping[str, float] = field(default_factory=dict)
    default_not_found_after: float = 300.0
    #: Sendings of one reference (attempts) before a person must look at it (``review``).
    max_attempts: int = 5
    #: A claimed payout is not taken again by another worker for this long (a worker that
    #: died mid-call loses its claim after it); longer than any call can take.
    lease: float = 120.0

    def backoff(self, checks: int) -> timedelta:
        return timedelta(seconds=min(self.first_check * 2 ** min(checks, 30), self.max_check))

    def not_found_wait(self, provider: str) -> timedelta:
        return timedelta(seconds=self.not_found_after.get(provider, self.default_not_found_after))


@dataclass(frozen=True)
class Job:
    """One call for a worker thread to make, with everything it needs decrypted."""

    payout_id: int
    action: Literal["send", "status"]
    payout: RailPayout

    @property
    def provider(self) -> str:
        return self.payout.destination.provider


@dataclass(frozen=True)
class Trouble:
    """A call that raised instead of answering: ``code`` is a Problem's code (our own input,
    refused by the rail) or ``exception``."""

    code: str
    detail: str


Answer = Attempt | Trouble


def recover(session: Session, clock: Clock = clock_now) -> int:
    """Payouts left ``sending`` (a worker died between the call and its record): their outcome
    is unknown, so they are asked about, never sent again as they are."""
    moment = clock()
    stuck = session.scalars(select(Payout).where(Payout.status == "sending")).all()
    for payout in stuck:
        payout.status, payout.next_check_at = "sent", moment
        add_event(session, payout, "recovered", detail="left sending: ask the status")
    return len(stuck)


def claim(
    session: Session,
    cipher: FieldCipher,
    providers: Collection[str],
    limit: int,
    policy: Policy,
    clock: Clock = clock_now,
) -> list[Job]:
    """Take up to ``limit`` due payouts of these providers, each leased for ``policy.lease``.
    A queued one is marked ``sending`` here, for the caller to commit before the call leaves.
    On PostgreSQL other workers skip the locked rows; SQLite's write lock serialises."""
    moment = clock()
    rows = session.scalars(
        select(Payout)
        .where(Payout.status.in_(OPEN_STATUSES), Payout.next_check_at <= moment,
               Payout.provider.in_(list(providers)))
        .order_by(Payout.next_check_at, Payout.id).limit(limit)
        .with_for_update(skip_locked=True)
    ).all()  # fmt: skip
    jobs = []
    lease = moment + timedelta(seconds=policy.lease)
    for payout in rows:
        action: Literal["send", "status"] = "status"
        if payout.status == "queued":
            action, payout.status, payout.sent_at = "send", "sending", moment
            add_event(session, payout, "sending")
        elif payout.status == "sending":  # its worker lost the lease: the outcome is unknown
            payout.status = "sent"
            add_event(session, payout, "recovered", detail="lease expired: ask the status")
        payout.next_check_at = lease
        jobs.append(Job(payout.id, action, rail_payout(cipher, payout)))
    return jobs


def rail_payout(cipher: FieldCipher, payout: Payout) -> RailPayout:
    """The payout as the rail takes it, its destination decrypted (in memory only)."""
    secret = json.loads(cipher.decrypt(payout.destination_enc, DESTINATION_CONTEXT))
    kind: Kind = "bank" if payout.kind == "bank" else "emoney"
    destination = Destination(kind, payout.provider, secret["account"], secret["bank_code"])
    return RailPayout(payout.reference, payout.amount, destination, secret["note"],
                      secret["name"], payout.attempt)  # fmt: skip


def record(session: Session, job: Job, answer: Answer, policy: Policy,
           clock: Clock = clock_now, actor: str = ACTOR) -> str:  # fmt: skip
    """Apply one answer; returns the payout's new status."""
    return record_many(session, [(job, answer)], policy, clock, actor)[0]


#: What an answer may change in a payout row.
_CHANGING = ("status", "attempt", "checks", "next_check_at", "last_code", "last_message",
             "provider_reference", "resolved_at")  # fmt: skip
_FIXED = ("id", "reference", "provider", "pending_transfer_id", "settlement_id", "sent_at",
          "created_at")  # fmt: skip


@dataclass
class _State:
    """A payout row while a batch of answers is applied to it (plain values, not the ORM's:
    the changes go back in one bulk UPDATE, the events in one bulk INSERT)."""

    id: int
    reference: str
    provider: str
    pending_transfer_id: int | None
    settlement_id: int | None
    sent_at: datetime | None
    created_at: datetime
    status: str
    attempt: int
    checks: int
    next_check_at: datetime | None
    last_code: str
    last_message: str
    provider_reference: str
    resolved_at: datetime | None


@dataclass
class _Batch:
    session: Session
    actor: str
    events: list[dict[str, object]] = field(default_factory=list)

    def event(self, state: _State, event: str, outcome: str = "", code: str = "",
              detail: str = "", actor: str = "") -> None:  # fmt: skip
        self.events.append({"payout_id": state.id, "event": event, "attempt": state.attempt,
                            "outcome": str(outcome), "code": code[:40], "detail": detail[:500],
                            "actor": actor, "at": clock_now()})  # fmt: skip


def record_many(
    session: Session,
    answers: Sequence[tuple[Job, Answer]],
    policy: Policy,
    clock: Clock = clock_now,
    actor: str = ACTOR,
) -> list[str]:
    """Apply answers (see the module docstring's table) in the caller's transaction and
    return each payout's new status. The payouts are locked in id order first, so recorders
    in several processes never deadlock; the ledger posts and voids go one by one, the rows'
    changes and the events back in one statement each."""
    ids = sorted({job.payout_id for job, _ in answers})
    columns = [getattr(Payout, name) for name in (*_FIXED, *_CHANGING)]
    locked = select(*columns).where(Payout.id.in_(ids)).order_by(Payout.id).with_for_update()
    states = {row[0]: _State(*row) for row in session.execute(locked)}
    batch = _Batch(session, actor)
    for job, answer in answers:
        state = states.get(job.payout_id)
        if state is None:
            raise Problem("payments.payout_not_found", payout_id=job.payout_id)
        if isinstance(answer, Trouble):
            _trouble(batch, state, job, answer, policy, clock())
        else:
            _answer(batch, state, job, answer, policy, clock())
    session.execute(update(Payout), [{name: getattr(s, name) for name in ("id", *_CHANGING)}
                                     for s in states.values()])  # fmt: skip
    if batch.events:
        session.execute(insert(PayoutEvent), batch.events)
    return [states[job.payout_id].status for job, _ in answers]


def _answer(batch: _Batch, state: _State, job: Job, answer: Attempt, policy: Policy,
            moment: datetime) -> None:  # fmt: skip
    outcome, code = answer.outcome, answer.response_code
    detail = answer.response_message or (answer.transport or "")
    if state.status not in OPEN_STATUSES or state.attempt != job.payout.attempt:
        batch.event(state, f"late_{job.action}", outcome, code, detail)
        return
    state.last_code, state.last_message = code, detail[:200]
    state.provider_reference = answer.provider_reference or state.provider_reference
    batch.event(state, job.action, outcome, code, detail, batch.actor)
    if outcome is Outcome.SUCCESS:
        _settle(batch, state, moment, post=True)
    elif outcome is Outcome.FAILED and job.action == "send" and answer.retryable:
        _later(state, "queued", moment, policy)  # the very same request, later
    elif outcome is Outcome.FAILED and job.action == "status" and answer.never_received:
        _never_received(batch, state, moment, policy)
    elif outcome is Outcome.FAILED:
        _settle(batch, state, moment, post=False)
    else:  # PENDING, UNKNOWN, DUPLICATE: ask the status later, never send again as is
        if job.action == "send":
            state.checks = 0
        _later(state, "pending" if outcome is Outcome.PENDING else "sent", moment, policy)


def _later(state: _State, status: str, moment: datetime, policy: Policy) -> None:
    state.status, state.next_check_at = status, moment + policy.backoff(state.checks)
    state.checks += 1


def _never_received(batch: _Batch, state: _State, moment: datetime, policy: Policy) -> None:
    sent = state.sent_at or state.created_at
    if moment < sent + policy.not_found_wait(state.provider):
        _later(state, "sent", moment, policy)  # the send may still be on its way
    elif state.attempt >= policy.max_attempts:
        state.status, state.next_check_at = "review", None
        batch.event(state, "review", detail=f"{state.attempt} attempts never received")
    else:
        state.attempt += 1
        state.status, state.next_check_at, state.checks = "queued", moment, 0
        batch.event(state, "resend", detail="never received after the grace period")


def _settle(batch: _Batch, state: _State, moment: datetime, *, post: bool) -> None:
    """Post (the provider has the money) or void (it is back at its source) the reservation."""
    assert state.pending_transfer_id is not None
    session, actor = batch.session, batch.actor
    word = "post" if post else "void"
    key = f"payout:{state.reference}:{state.pending_transfer_id}:{word}"
    if post:
        ledger.post_pending(session, state.pending_transfer_id, key, actor)
    else:
        ledger.void_pending(session, state.pending_transfer_id, key, actor)
    state.status = "confirmed" if post else "failed"
    state.next_check_at, state.resolved_at = None, moment
    batch.event(state, state.status, actor=actor)
    if state.settlement_id is not None:
        settlements.mark(session, state.settlement_id, "paid" if post else "failed", actor,
                         payout=state.reference, code=state.last_code)  # fmt: skip


def _trouble(batch: _Batch, state: _State, job: Job, trouble: Trouble, policy: Policy,
             moment: datetime) -> None:  # fmt: skip
    """Our own input refused by the rail (a Problem) needs a person: ``review``, the money
    still reserved. Any other exception is an unknown outcome: ask the status later."""
    batch.event(state, "trouble", code=trouble.code, detail=trouble.detail)
    if state.status not in OPEN_STATUSES or state.attempt != job.payout.attempt:
        return
    state.last_code, state.last_message = trouble.code[:40], trouble.detail[:200]
    if trouble.code.startswith("payments."):
        state.status, state.next_check_at = "review", None
    else:
        _later(state, "sent" if state.status == "sending" else state.status, moment, policy)


def add_event(session: Session, payout: Payout, event: str, outcome: str = "", code: str = "",
              detail: str = "", *, actor: str = "") -> None:  # fmt: skip
    session.add(PayoutEvent(payout_id=payout.id, event=event, attempt=payout.attempt,
                            outcome=str(outcome), code=code[:40], detail=detail[:500],
                            actor=actor))  # fmt: skip


def work_left(session: Session, providers: Collection[str]) -> tuple[int, datetime | None]:
    """How many payouts of these providers are still open, and when the next one is due."""
    count, due = session.execute(
        select(func.count(), func.min(Payout.next_check_at)).where(
            Payout.status.in_(OPEN_STATUSES), Payout.provider.in_(list(providers)))
    ).one()  # fmt: skip
    return int(count), due
