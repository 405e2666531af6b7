"""Disbursement cycles: one program period, from the approved list to money in wallets.

draft -> computed (entitlements and wallets, from the approved list and the benefit formula)
-> submitted (operator; content hash) -> approved (a *different* user, approver) -> funded
(program budget -> pool, all or nothing, within the budget cap) -> disbursing -> disbursed
(pool -> each wallet) -> closed. Every step is audited.

Disbursement streams in chunks of entitlements, each chunk one transaction: the ledger moves its
money with one set-based batch under one idempotency key per (cycle, household), the outbox gets
one message per credited household, and the entitlements are marked paid. A job killed at any
point (``kill -9`` included) and started again skips what was committed and pays the rest:
everybody exactly once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, cast, func, insert, literal, select, update
from sqlalchemy import String as SAString
from sqlalchemy.orm import Session, sessionmaker

from bansos.auth.service import Actor, role_can
from bansos.core.clock import now
from bansos.core.clock import today as clock_today
from bansos.core.errors import Problem
from bansos.db import unit_of_work, zero_pad
from bansos.ledger import service as ledger
from bansos.notify import service as outbox
from bansos.programs import service as programs
from bansos.programs.models import Cycle, Entitlement
from bansos.targeting import service as targeting
from bansos.transparency import service as audit

#: Entitlements per disbursement transaction: big enough that per-transaction costs vanish,
#: small enough that a crash redoes little and memory stays flat.
CHUNK = 50_000
STATE_BUDGET_OWNER = "APBN"


class CycleProblem(Problem):
    pass


def _get(session: Session, cycle_id: int, *, lock: bool = False) -> Cycle:
    cycle = session.get(Cycle, cycle_id, with_for_update=lock)
    if cycle is None:
        raise CycleProblem("cycle.not_found", cycle_id=cycle_id)
    return cycle


def _need(actor: Actor, permission: str) -> None:
    if not role_can(actor.role, permission):
        raise CycleProblem("auth.forbidden")


def _status(cycle: Cycle, *expected: str) -> None:
    if cycle.status not in expected:
        raise CycleProblem("cycle.wrong_status", status=cycle.status, expected="/".join(expected))


def create(session: Session, program_code: str, period: str, actor: Actor) -> Cycle:
    """A draft cycle paying the approved list of ``program_code`` for ``period``."""
    _need(actor, "cycles.manage")
    targeting.period_start(period)
    programs.get(session, program_code)
    approved = targeting.approved_list(session, program_code, period)
    existing = session.scalar(
        select(Cycle).where(
            Cycle.program_code == program_code, Cycle.period == period, Cycle.list_id == approved.id
        )
    )
    if existing is not None:
        raise CycleProblem("cycle.exists", cycle_id=existing.id)
    cycle = Cycle(program_code=program_code, period=period, list_id=approved.id,
                  created_by=actor.username)  # fmt: skip
    session.add(cycle)
    session.flush()
    audit.record(session, actor.username, "cycle.created", "cycle", str(cycle.id),
                 program=program_code, period=period, list_id=approved.id)  # fmt: skip
    return cycle


def _owner(household_id: Any) -> ColumnElement[str]:
    return literal("household:") + cast(household_id, SAString)


def compute(session: Session, cycle_id: int, actor: Actor) -> Cycle:
    """Entitlements from the approved list (each eligible household's benefit) and a wallet
    per household for this program, set-based: a million households in a few statements."""
    _need(actor, "cycles.manage")
    cycle = _get(session, cycle_id)
    _status(cycle, "draft")
    eligible = targeting.eligible_of(cycle.list_id).subquery()
    session.execute(
        insert(Entitlement).from_select(
            ["cycle_id", "household_id", "amount"],
            select(literal(cycle.id), eligible.c.household_id, eligible.c.benefit)
            .where(eligible.c.benefit > 0),
        )
    )  # fmt: skip
    owners = select(_owner(Entitlement.household_id)).where(Entitlement.cycle_id == cycle.id)
    ledger.open_accounts_for(session, "recipient_wallet", cycle.program_code, owners)
    wallet = ledger.account_id_column("recipient_wallet", cycle.program_code,
                                      _owner(Entitlement.household_id))  # fmt: skip
    session.execute(
        update(Entitlement)
        .where(Entitlement.cycle_id == cycle.id)
        .values(wallet_account_id=wallet)
        .execution_options(synchronize_session=False)  # no ids fetched back for the ORM
    )
    count, total = session.execute(
        select(func.count(), func.coalesce(func.sum(Entitlement.amount), 0)).where(
            Entitlement.cycle_id == cycle.id
        )
    ).one()
    cycle.recipients, cycle.total, cycle.status = int(count), int(total), "computed"
    audit.record(session, actor.username, "cycle.computed", "cycle", str(cycle.id),
                 recipients=cycle.recipients, total=cycle.total)  # fmt: skip
    return cycle


def content_hash(session: Session, cycle_id: int) -> str:
    h = hashlib.sha256()
    rows = session.execute(
        select(Entitlement.household_id, Entitlement.amount)
        .where(Entitlement.cycle_id == cycle_id)
        .order_by(Entitlement.household_id)
        .execution_options(yield_per=50_000)
    )
    for hid, amount in rows:
        h.update(f"{hid}|{amount}\n".encode())
    return h.hexdigest()


def submit(session: Session, cycle_id: int, actor: Actor) -> Cycle:
    _need(actor, "cycles.manage")
    cycle = _get(session, cycle_id)
    _status(cycle, "computed")
    cycle.content_hash = content_hash(session, cycle.id)
    cycle.status, cycle.submitted_by, cycle.submitted_at = "submitted", actor.username, now()
    audit.record(session, actor.username, "cycle.submitted", "cycle", str(cycle.id),
                 content_hash=cycle.content_hash, total=cycle.total)  # fmt: skip
    return cycle


def decide(session: Session, cycle_id: int, actor: Actor, *, approve: bool, reason: str) -> Cycle:
    """Approve or reject a submitted cycle; never by the user who submitted it."""
    _need(actor, "cycles.decide")
    cycle = _get(session, cycle_id)
    _status(cycle, "submitted")
    if actor.username == cycle.submitted_by:
        raise CycleProblem("targeting.own_submission")
    if not reason.strip():
        raise CycleProblem("targeting.reason_required")
    if content_hash(session, cycle.id) != cycle.content_hash:
        raise CycleProblem("targeting.changed_after_submission")
    cycle.status = "approved" if approve else "rejected"
    cycle.decided_by, cycle.decided_at, cycle.decision_reason = actor.username, now(), reason
    audit.record(session, actor.username, f"cycle.{cycle.status}", "cycle", str(cycle.id),
                 reason=reason.strip(), content_hash=cycle.content_hash)  # fmt: skip
    return cycle


def _accounts(session: Session, program_code: str) -> tuple[int, int, int]:
    state = ledger.open_account(session, "state_budget", STATE_BUDGET_OWNER).id
    budget = ledger.open_account(session, "program_budget", f"program:{program_code}",
                                 program_code).id  # fmt: skip
    pool = ledger.open_account(session, "program_pool", f"program:{program_code}",
                               program_code).id  # fmt: skip
    return state, budget, pool


def fund(session: Session, cycle_id: int, actor: Actor) -> Cycle:
    """The period's budget allocation (once per program and period, up to the budget cap), then
    budget -> pool for the cycle's total: all or nothing, refused beyond the cap."""
    _need(actor, "cycles.manage")
    cycle = _get(session, cycle_id)
    _status(cycle, "approved")
    cap = programs.get(session, cycle.program_code).definition.budget_cap
    state, budget, pool = _accounts(session, cycle.program_code)
    allocation = ledger.TransferSpec(
        f"alloc:{cycle.program_code}:{cycle.period}", state, budget, cap, "allocation",
        ref=f"program:{cycle.program_code}", reason=f"Pagu {cycle.period}")  # fmt: skip
    ledger.transfer(session, allocation, actor.username)
    try:
        ledger.transfer(session, ledger.TransferSpec(
            f"fund:cycle:{cycle.id}", budget, pool, cycle.total, "funding",
            ref=f"cycle:{cycle.id}"), actor.username)  # fmt: skip
    except ledger.LedgerProblem as exc:
        if exc.code == "ledger.exceeds_credits":
            raise CycleProblem("cycle.over_budget", total=cycle.total, cap=cap) from None
        raise
    cycle.status, cycle.funded_at = "funded", now()
    audit.record(session, actor.username, "cycle.funded", "cycle", str(cycle.id),
                 total=cycle.total)  # fmt: skip
    return cycle


def begin_disbursement(session: Session, cycle_id: int, actor: Actor) -> Cycle:
    """Check that ``actor`` may disburse the cycle and that it is funded (or part-paid), and
    mark it ``disbursing``; the payments themselves are ``disburse``."""
    _need(actor, "cycles.manage")
    cycle = _get(session, cycle_id)
    _status(cycle, "funded", "disbursing")
    if cycle.status == "funded":
        cycle.status = "disbursing"
        audit.record(session, actor.username, "cycle.disbursing", "cycle", str(cycle.id))
    return cycle


def disburse(
    factory: sessionmaker[Session],
    cycle_id: int,
    actor: Actor,
    *,
    chunk: int = CHUNK,
    progress: Callable[[int, int], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> Cycle:
    """Pay every unpaid entitlement of a funded cycle, a chunk per transaction; safe to run
    again after any crash. ``progress(paid, total)`` after each chunk; when ``stop()`` turns
    true the job ends after the chunk in hand and the cycle stays ``disbursing`` (run again to
    finish)."""
    with unit_of_work(factory) as session:
        cycle = begin_disbursement(session, cycle_id, actor)
        program, recipients = cycle.program_code, cycle.recipients
    pool = 0
    with unit_of_work(factory) as session:
        pool = _accounts(session, program)[2]
    while True:
        with unit_of_work(factory) as session:
            # Lock the cycle's row for the chunk: two jobs started on one cycle take turns
            # chunk by chunk (each sees where the other got to) instead of paying one chunk
            # side by side. SQLite's write lock already does this.
            cycle = _get(session, cycle_id, lock=True)
            after = cycle.paid_through
            # The chunk's last id: the chunk-th id after the cursor, or, near the end, the
            # last one (an OFFSET walks the index; an IN (... LIMIT) list would be sorted).
            rest = select(Entitlement.id).where(
                Entitlement.cycle_id == cycle_id, Entitlement.id > after
            )
            hi = session.scalar(rest.order_by(Entitlement.id).offset(chunk - 1).limit(1))
            if hi is None:
                hi = session.scalar(select(func.max(rest.subquery().c.id)))
            if hi is None:
                break
            in_chunk = (Entitlement.cycle_id == cycle_id, Entitlement.id > after,
                        Entitlement.id <= hi)  # fmt: skip
            # zero-padded: the keys ascend like the ids, so the unique index is appended to
            key = literal(f"d:{cycle_id}:") + zero_pad(Entitlement.household_id, literal(12))
            batch = ledger.transfer_batch(
                session, debit=pool, code="disbursement", ref=f"cycle:{cycle_id}",
                actor=actor.username,
                source=select(key, Entitlement.wallet_account_id, Entitlement.amount)
                .where(*in_chunk),
            )  # fmt: skip
            payload = (
                literal('{"program": "') + literal(program) + literal('", "amount": ')
                + cast(Entitlement.amount, SAString) + literal(', "cycle": ')
                + literal(str(cycle_id)) + literal("}")
            )  # fmt: skip
            outbox.enqueue_from(session, "credited", select(
                _owner(Entitlement.household_id), payload,
                literal(f"credited:{cycle_id}:") + zero_pad(Entitlement.household_id, literal(12)),
            ).where(*in_chunk))  # fmt: skip
            cycle.paid_through = hi
            cycle.paid_recipients += batch.count
            cycle.paid_total += batch.total
            done, total = cycle.paid_recipients, recipients
        if progress is not None:
            progress(done, total)
        if stop is not None and stop():
            with unit_of_work(factory) as session:
                return _get(session, cycle_id)
    with unit_of_work(factory) as session:
        cycle = _get(session, cycle_id)
        if cycle.status == "disbursing":
            cycle.status, cycle.disbursed_at = "disbursed", now()
            audit.record(session, actor.username, "cycle.disbursed", "cycle", str(cycle.id),
                         recipients=cycle.paid_recipients, total=cycle.paid_total)  # fmt: skip
    with unit_of_work(factory) as session:
        return _get(session, cycle_id)


def close(session: Session, cycle_id: int, actor: Actor) -> Cycle:
    _need(actor, "cycles.manage")
    cycle = _get(session, cycle_id)
    _status(cycle, "disbursed")
    cycle.status, cycle.closed_at = "closed", now()
    audit.record(session, actor.username, "cycle.closed", "cycle", str(cycle.id))
    return cycle


def adjust(
    session: Session, cycle_id: int, household_id: int, amount: int, reason: str, actor: Actor,
    *, approved_by: Actor, key: str,
) -> ledger.Result:  # fmt: skip
    """A late addition or correction: its own transfers (budget -> pool -> wallet, within the
    cap), with the reason and an approver other than the maker; never an edit of an earlier
    transfer. ``key`` makes a retry safe (the same key, the same transfers)."""
    _need(actor, "cycles.manage")
    _need(approved_by, "cycles.decide")
    if approved_by.username == actor.username:
        raise CycleProblem("targeting.own_submission")
    if not reason.strip():
        raise CycleProblem("targeting.reason_required")
    cycle = _get(session, cycle_id)
    _status(cycle, "disbursing", "disbursed")
    _, budget, pool = _accounts(session, cycle.program_code)
    wallet = ledger.open_account(session, "recipient_wallet", f"household:{household_id}",
                                 cycle.program_code).id  # fmt: skip
    ref = f"cycle:{cycle.id}"
    try:  # funded from what is left of the period's budget, like the cycle itself
        ledger.transfer(session, ledger.TransferSpec(
            f"adjfund:{cycle.id}:{key}", budget, pool, amount, "funding", ref=ref,
            reason=reason.strip()), actor.username)  # fmt: skip
    except ledger.LedgerProblem as exc:
        if exc.code == "ledger.exceeds_credits":
            cap = programs.get(session, cycle.program_code).definition.budget_cap
            raise CycleProblem("cycle.over_budget", total=amount, cap=cap) from None
        raise
    result = ledger.transfer(session, ledger.TransferSpec(
        f"adj:{cycle.id}:{key}", pool, wallet, amount, "adjustment",
        ref=ref, reason=reason.strip()), actor.username)  # fmt: skip
    if not result.replayed:
        audit.record(session, actor.username, "cycle.adjusted", "cycle", str(cycle.id),
                     household_id=household_id, amount=amount, reason=reason.strip(),
                     approved_by=approved_by.username, transfer_id=result.transfer.id)  # fmt: skip
    return result


def get(session: Session, cycle_id: int) -> Cycle:
    return _get(session, cycle_id)


def credited(
    session: Session, cycle_id: int, *, after_household: int = 0, limit: int = 1_000
) -> list[tuple[int, int]]:
    """``(household id, amount)`` of the cycle's entitlements already credited to wallets,
    by ascending household id after ``after_household`` (a keyset page: what a payout run
    walks, however large the cycle)."""
    cycle = _get(session, cycle_id)
    rows = session.execute(
        select(Entitlement.household_id, Entitlement.amount)
        .where(Entitlement.cycle_id == cycle_id, Entitlement.id <= cycle.paid_through,
               Entitlement.household_id > after_household)
        .order_by(Entitlement.household_id).limit(limit)
    ).all()  # fmt: skip
    return [(int(h), int(a)) for h, a in rows]


def expires_on(session: Session, cycle: Cycle) -> date | None:
    """The first day on which a cycle's unspent money goes back to the pool, from the
    program's ``expiry_months``; None if the program's money does not expire."""
    months = programs.get(session, cycle.program_code).definition.restrictions.expiry_months
    if months is None:
        return None
    start = targeting.period_start(cycle.period)
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def expire(
    factory: sessionmaker[Session],
    cycle_id: int,
    actor: Actor,
    *,
    on: date | None = None,
    chunk: int = 5_000,
) -> int:
    """Return to the pool what households left unspent of a cycle's money once the program's
    expiry rule has passed: one visible ``expiry_return`` transfer per household (wallet ->
    pool, key ``expire:<cycle>:<household>``), never a deletion; safe to run again. Money is
    taken as spent oldest first, so what a wallet received from later cycles stays. Returns the
    rupiah returned by this run."""
    today = on or clock_today()
    with unit_of_work(factory) as session:
        _need(actor, "cycles.manage")
        cycle = _get(session, cycle_id)
        _status(cycle, "disbursed", "closed")
        due = expires_on(session, cycle)
        if due is None or today < due:
            raise CycleProblem("cycle.not_expired", due=str(due) if due else "-")
        program, period = cycle.program_code, cycle.period
        newer = select(Cycle.id).where(Cycle.program_code == program, Cycle.period > period)
        later = [f"cycle:{c}" for c in session.scalars(newer)]
        pool = _accounts(session, program)[2]
    returned, after = 0, 0
    while True:
        with unit_of_work(factory) as session:
            rows = session.execute(
                select(Entitlement.id, Entitlement.household_id, Entitlement.wallet_account_id,
                       Entitlement.amount)
                .where(Entitlement.cycle_id == cycle_id, Entitlement.id > after)
                .order_by(Entitlement.id).limit(chunk)
            ).all()  # fmt: skip
            if not rows:
                break
            for _, household, wallet, amount in rows:
                if wallet is None:
                    continue
                left = ledger.balance(session, wallet).available
                keep = ledger.credited_by(session, wallet, later)
                back = min(amount, left - keep)
                if back <= 0:
                    continue
                spec = ledger.TransferSpec(
                    f"expire:{cycle_id}:{household}", wallet, pool, back, "expiry_return",
                    ref=f"cycle:{cycle_id}", reason=f"Kedaluwarsa {due}")  # fmt: skip
                result = ledger.transfer(session, spec, actor.username)
                if not result.replayed:
                    returned += back
            after = rows[-1][0]
    with unit_of_work(factory) as session:
        audit.record(session, actor.username, "cycle.expired", "cycle", str(cycle_id),
                     returned=returned, due=str(due))  # fmt: skip
    return returned
