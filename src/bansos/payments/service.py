"""Payouts, exactly once: queued with a two-phase ledger transfer, then left to the worker.

Each external payout is a two-phase ledger transfer (DESIGN rule 3): *pending* from its source
(the household's program wallet, or settlement clearing for a shop) to the provider's
``payout_clearing`` account when queued, *posted* when the provider confirms, *voided* when it
definitively fails (``outcomes`` says which answer does what). While pending, the money is
reserved: the household cannot also spend it at a shop. A voided payout leaves the aid in her
program wallet, where she can still spend it with her card at a partner shop: a failed payout
never costs a family its aid. The pending transfer deliberately has no ledger timeout:
``ledger.expire_pending`` must never void money that may already be in the provider's hands.

The reference is derived from what is paid, never drawn: ``D<cycle>-<household>`` for a
cycle's payout to a household, ``S<settlement>`` for a shop's settlement instruction. So a
payout is queued once however often a queueing runs, and a resend after any crash carries the
same reference, which a provider that booked it refuses as a duplicate. The reservation's
ledger key is ``payout:<reference>:1`` (the attempt that reserved it; a payout sent again as
a later attempt keeps its one reservation).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from bansos.auth import service as auth
from bansos.auth.service import Actor
from bansos.core.clock import now as clock_now
from bansos.core.crypto import FieldCipher
from bansos.core.errors import Problem
from bansos.ledger import service as ledger
from bansos.merchants import settlement as settlements
from bansos.payments import channels as channel_service
from bansos.payments.models import DESTINATION_CONTEXT, Payout, PayoutChannel, PayoutEvent
from bansos.payments.outcomes import add_event
from bansos.payments.rails import Destination, Kind
from bansos.payments.rails import Payout as RailPayout
from bansos.programs import cycles
from bansos.transparency import service as audit

#: ``D<cycle>-<household>`` / ``S<settlement>``: MT940 keeps 16 characters of a reference.
MAX_REFERENCE = 16
_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,15}")
_PAGE = 1_000
_MAX = ledger.MAX_AMOUNT
_SEPARATORS = re.compile(r"[\s.\-]")


def cycle_reference(cycle_id: int, household_id: int) -> str:
    return _reference(f"D{cycle_id}-{household_id}")


def settlement_reference(settlement_id: int) -> str:
    return _reference(f"S{settlement_id}")


def _reference(text: str) -> str:
    if _REFERENCE.fullmatch(text) is None:
        raise Problem("payments.reference_too_long", reference=text[:40], max=MAX_REFERENCE)
    return text


@dataclass(frozen=True)
class PayoutSpec:
    """One payout to queue; :func:`queue` checks it and reserves the money."""

    purpose: Literal["disbursement", "settlement"]
    reference: str
    program_code: str
    amount: int
    #: The ledger account the money leaves (wallet, or settlement clearing).
    source_account: int
    destination: Destination
    account_name: str
    note: str = ""
    household_id: int | None = None
    cycle_id: int | None = None
    settlement_id: int | None = None
    channel_id: int | None = None


@dataclass
class QueueReport:
    queued: int = 0
    total: int = 0
    #: Why others were not queued: reason -> how many (``skipped_refs`` names a few).
    skipped: Counter[str] = field(default_factory=Counter)
    skipped_refs: dict[str, str] = field(default_factory=dict)

    def skip(self, reason: str, reference: str) -> None:
        self.skipped[reason] += 1
        if len(self.skipped_refs) < 50:
            self.skipped_refs[reference] = reason


def queue(session: Session, cipher: FieldCipher, spec: PayoutSpec, actor: str) -> Payout:
    """Reserve the money and queue the payout, all or nothing (bad input is refused before
    anything is written); the same reference again returns the payout queued before."""
    found = session.scalar(select(Payout).where(Payout.reference == spec.reference))
    if found is not None:
        return found
    _check(spec)
    with session.begin_nested():
        held = _hold(session, spec, _clearing(session, spec), actor)
        payout = Payout(**_row(cipher, spec, held, actor))
        session.add(payout)
        session.flush()
        add_event(session, payout, "queued", detail=spec.note, actor=actor)
    return payout


def _clearing(session: Session, spec: PayoutSpec) -> int:
    owner = f"rail:{spec.destination.provider}"
    return ledger.open_account(session, "payout_clearing", owner, spec.program_code).id


def _check(spec: PayoutSpec) -> None:
    """Everything the rail will check at send time, checked before anything is written."""
    _reference(spec.reference)
    amount = spec.amount
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= _MAX:
        raise Problem("payments.amount_invalid", value=str(amount)[:20])
    RailPayout(spec.reference, amount, spec.destination, spec.note, spec.account_name)
    if spec.destination.kind == "bank" and not spec.account_name.strip():
        raise Problem("payments.account_name_missing")


def _code(spec: PayoutSpec) -> str:
    return "payout" if spec.purpose == "disbursement" else "settlement_payout"


def _hold(session: Session, spec: PayoutSpec, clearing: int, actor: str) -> int:
    """The pending ledger transfer of one payout; its id."""
    try:
        held = ledger.transfer(session, ledger.TransferSpec(
            f"payout:{spec.reference}:1", spec.source_account, clearing, spec.amount,
            _code(spec), ref=f"payout:{spec.reference}", reason=spec.note, pending=True),
            actor)  # fmt: skip
    except ledger.LedgerProblem as exc:
        if exc.code == "ledger.exceeds_credits":
            raise Problem("payments.insufficient_funds", reference=spec.reference) from None
        raise
    return int(held.transfer.id)


def _row(cipher: FieldCipher, spec: PayoutSpec, transfer_id: int, actor: str) -> dict[str, object]:
    """The payout row's values, its destination encrypted."""
    destination = spec.destination
    secret = json.dumps(
        {
            "account": destination.account_number,
            "note": spec.note,
            "bank_code": destination.bank_code,
            "name": spec.account_name,
        }
    )
    return {
        "reference": spec.reference, "purpose": spec.purpose, "program_code": spec.program_code,
        "household_id": spec.household_id, "cycle_id": spec.cycle_id,
        "settlement_id": spec.settlement_id, "channel_id": spec.channel_id,
        "amount": spec.amount, "provider": destination.provider, "kind": destination.kind,
        "destination_enc": cipher.encrypt(secret, DESTINATION_CONTEXT),
        "destination_mask": _mask(destination), "pending_transfer_id": transfer_id,
        "status": "queued", "attempt": 1, "checks": 0, "next_check_at": clock_now(),
        "created_by": actor, "created_at": clock_now(), "last_code": "", "last_message": "",
        "provider_reference": "",
    }  # fmt: skip


def _mask(destination: Destination) -> str:
    parts = [destination.kind, destination.provider, destination.bank_code,
             channel_service.mask_account(destination.account_number)]  # fmt: skip
    return " ".join(p for p in parts if p)


def queue_cycle(session: Session, cipher: FieldCipher, cycle_id: int, actor: Actor) -> QueueReport:
    """One payout per household of the cycle whose wallet was credited and whose channel for
    the program is a verified e-wallet or bank account, for what the cycle credited (or what
    is left of it, if she spent some at a shop first). Safe to run again: a household's
    payout of a cycle has one reference, queued once.

    A page of households at a time, set-based: one query each for their channels, payouts and
    wallets, one ``ledger.reserve_batch`` per provider, one insert of the payout rows and one
    of their events (a payout row per household cost 4 ms on PostgreSQL, most of it round
    trips; a page of a thousand now costs about what ten of them did)."""
    auth.need(actor, "payments.run")
    cycle = cycles.get(session, cycle_id)
    if cycle.status not in ("disbursing", "disbursed"):
        raise Problem("payments.cycle_not_disbursed", cycle_id=cycle_id, status=cycle.status)
    program, note = cycle.program_code, f"Bansos {cycle.program_code} {cycle.period}"
    report, after = QueueReport(), 0
    while page := cycles.credited(session, cycle_id, after_household=after, limit=_PAGE):
        after = page[-1][0]
        found = channel_service.channels_for(session, [h for h, _ in page], program)
        refs = {h: cycle_reference(cycle_id, h) for h, _ in page}
        done = set(session.scalars(select(Payout.reference).where(
            Payout.reference.in_(list(refs.values())))))  # fmt: skip
        wallets = ledger.find_accounts(session, "recipient_wallet",
                                       [f"household:{h}" for h, _ in page], program)  # fmt: skip
        specs: list[PayoutSpec] = []
        for household, entitled in page:
            ref, channel = refs[household], found.get(household)
            if channel is None or channel.kind == "wallet":
                report.skip("wallet", ref)
            elif channel.status != "verified":
                report.skip(f"channel_{channel.status}", ref)
            elif ref in done:
                report.skip("queued_before", ref)
            else:
                wallet = wallets.get(f"household:{household}", 0)
                spec = _household_spec(cipher, cycle_id, channel, wallet, entitled, note)
                try:
                    _check(spec)
                except Problem as exc:
                    report.skip(exc.code, ref)
                    continue
                specs.append(spec)
        _queue_page(session, cipher, specs, report, actor.username)
    audit.record(session, actor.username, "payouts.queued", "cycle", str(cycle_id),
                 queued=report.queued, total=report.total,
                 skipped=dict(report.skipped))  # fmt: skip
    return report


def _household_spec(cipher: FieldCipher, cycle_id: int, channel: PayoutChannel, wallet: int,
                    entitled: int, note: str) -> PayoutSpec:  # fmt: skip
    household, program = channel.household_id, channel.program_code
    kind: Kind = "bank" if channel.kind == "bank" else "emoney"
    destination = Destination(
        kind, channel.provider, channel_service.account_number(cipher, channel), channel.bank_code
    )
    return PayoutSpec(
        purpose="disbursement", reference=cycle_reference(cycle_id, household),
        program_code=program, amount=entitled, source_account=wallet,
        destination=destination, account_name=channel_service.holder_name(cipher, channel),
        note=note, household_id=household, cycle_id=cycle_id, channel_id=channel.id,
    )  # fmt: skip


def _queue_page(session: Session, cipher: FieldCipher, specs: list[PayoutSpec],
                report: QueueReport, actor: str) -> None:  # fmt: skip
    """Reserve a page's money per provider in one batch, then insert the rows and events."""
    rows: list[dict[str, object]] = []
    notes: list[str] = []
    by_provider: dict[str, list[PayoutSpec]] = {}
    for spec in specs:
        by_provider.setdefault(spec.destination.provider, []).append(spec)
    for group in by_provider.values():
        clearing = _clearing(session, group[0])
        made = ledger.reserve_batch(session, credit=clearing, code="payout", actor=actor, rows=[
            ledger.Reservation(f"payout:{s.reference}:1", s.source_account, s.amount,
                               ref=f"payout:{s.reference}", reason=s.note)
            for s in group if s.source_account])  # fmt: skip
        for spec in group:
            held = made.get(f"payout:{spec.reference}:1")
            if held is None:  # no wallet, or she spent some of it first: what is left, if any
                spec, held = _what_is_left(session, spec, clearing, actor)
            if held is None:
                report.skip("nothing_left", spec.reference)
                continue
            rows.append(_row(cipher, spec, held, actor))
            notes.append(spec.note)
            report.queued += 1
            report.total += spec.amount
    if not rows:
        return
    made_rows = session.execute(
        insert(Payout).returning(Payout.id, Payout.attempt, sort_by_parameter_order=True), rows
    ).all()
    session.execute(insert(PayoutEvent), [
        {"payout_id": pid, "event": "queued", "attempt": attempt, "outcome": "", "code": "",
         "detail": note, "actor": actor, "at": clock_now()}
        for (pid, attempt), note in zip(made_rows, notes, strict=True)])  # fmt: skip


def _what_is_left(session: Session, spec: PayoutSpec, clearing: int,
                  actor: str) -> tuple[PayoutSpec, int | None]:  # fmt: skip
    if not spec.source_account:
        return spec, None
    left = ledger.balance(session, spec.source_account).available
    if left <= 0:
        return spec, None
    spec = replace(spec, amount=min(left, spec.amount))
    try:
        return spec, _hold(session, spec, clearing, actor)
    except Problem:  # spent meanwhile
        return spec, None


def queue_settlements(
    session: Session, cipher: FieldCipher, business_date: date | None, actor: Actor, *,
    provider: str,
) -> QueueReport:  # fmt: skip
    """A bank payout (through ``provider``) for each settlement instruction not yet paid (of
    ``business_date``, or of every day). An instruction whose bank details the rail cannot
    carry is skipped with the reason and stays ``instructed``: nothing half-done, nothing lost."""
    auth.need(actor, "payments.run")
    clearing = ledger.find_account(session, "settlement_clearing", settlements.CLEARING_OWNER)
    report = QueueReport()
    for row in settlements.instructed(session, business_date):
        ref = settlement_reference(row.id)
        if session.scalar(select(Payout.id).where(Payout.reference == ref)) is not None:
            report.skip("queued_before", ref)
            continue
        try:
            destination = Destination("bank", provider, _SEPARATORS.sub("", row.bank_account),
                                      row.bank_code.strip())  # fmt: skip
            assert clearing is not None  # an instruction implies its clearing account
            queue(session, cipher, PayoutSpec(
                purpose="settlement", reference=ref, program_code=row.program_code,
                amount=row.amount, source_account=clearing, destination=destination,
                account_name=row.bank_account_name,
                note=f"Bansos {row.program_code} {row.business_date.isoformat()}",
                settlement_id=row.id), actor.username)  # fmt: skip
        except Problem as exc:
            report.skip(exc.code, ref)
            continue
        report.queued += 1
        report.total += row.amount
    audit.record(session, actor.username, "payouts.queued", "settlement_day",
                 business_date.isoformat() if business_date else "*", queued=report.queued,
                 total=report.total, skipped=dict(report.skipped), provider=provider)  # fmt: skip
    return report


# --- Looking at payouts ------------------------------------------------------------------


def listing(session: Session, status: str | None = None, *, limit: int = 100) -> list[Payout]:
    """Newest first; everything personal in a Payout row is encrypted or masked."""
    query = select(Payout).order_by(Payout.id.desc()).limit(limit)
    if status is not None:
        query = query.where(Payout.status == status)
    return list(session.scalars(query))


def counts(session: Session) -> dict[str, tuple[int, int]]:
    """Status -> (payouts, rupiah)."""
    rows = session.execute(
        select(Payout.status, func.count(), func.coalesce(func.sum(Payout.amount), 0))
        .group_by(Payout.status)
    ).all()  # fmt: skip
    return {status: (int(n), int(total)) for status, n, total in rows}


def events(session: Session, payout_id: int) -> list[PayoutEvent]:
    query = select(PayoutEvent).where(PayoutEvent.payout_id == payout_id)
    return list(session.scalars(query.order_by(PayoutEvent.id)))


#: What a person may decide for a payout in ``review``.
ReviewDecision = Literal["retry", "void"]


def decide_review(session: Session, reference: str, decision: ReviewDecision, reason: str,
                  actor: Actor) -> Payout:  # fmt: skip
    """A person's decision on a payout the machinery would not decide alone (our data refused by
    the rail, or never received after every attempt). ``retry``: the same reference goes out
    again as the next attempt. ``void``: the reservation is released and the money is back at
    its source (her wallet, or settlement clearing) -- to be chosen only once reconciliation
    shows the provider never booked it. Either way with a reason, an event and the audit
    trail; the approver role decides (not the operator who runs the payouts)."""
    auth.need(actor, "payments.review")
    if not reason.strip():
        raise Problem("targeting.reason_required")
    payout = session.scalar(select(Payout).where(Payout.reference == reference))
    if payout is None:
        raise Problem("payments.reference_not_found", reference=reference)
    if payout.status != "review":
        raise Problem("payments.payout_not_in_review", reference=reference,
                      status=payout.status)  # fmt: skip
    moment = clock_now()
    if decision == "retry":
        payout.attempt += 1
        payout.status, payout.next_check_at, payout.checks = "queued", moment, 0
    else:
        assert payout.pending_transfer_id is not None
        ledger.void_pending(session, payout.pending_transfer_id,
                            f"payout:{payout.reference}:{payout.pending_transfer_id}:void",
                            actor.username)  # fmt: skip
        payout.status, payout.next_check_at, payout.resolved_at = "failed", None, moment
        if payout.settlement_id is not None:
            settlements.mark(session, payout.settlement_id, "failed", actor.username,
                             payout=payout.reference, code="review.void")  # fmt: skip
    add_event(
        session, payout, f"review.{decision}", detail=reason.strip()[:500], actor=actor.username
    )
    audit.record(session, actor.username, f"payout.review_{decision}", "payout",
                 payout.reference, reason=reason.strip())  # fmt: skip
    session.flush()
    return payout
