"""Reconciliation: our payouts against what a provider reports, to the rupiah.

Money that leaves our ledger for a bank or an e-wallet is where double payments and lost
payments hide, so every day and every rail is compared item by item: what we sent and believe
(confirmed, failed, returned, still open) against what the provider says it booked (its status
API, a camt.053 statement, an MT940 statement). Items are matched on our partner reference (the
end-to-end id of the files), which is derived from (cycle, recipient) or the settlement, so one
reference is one payout wherever it appears.

Nothing here changes anything: an unmatched item is reported, never fixed silently. The worst
kind is listed first: money the provider booked for a payout we recorded as failed (the
recipient may be paid twice if it is sent again).
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bansos.core.clock import WIB
from bansos.core.crypto import FieldCipher
from bansos.payments import camt053, mt940
from bansos.payments.codes import Outcome
from bansos.payments.iso20022 import StatementEntry
from bansos.payments.models import Payout
from bansos.payments.outcomes import rail_payout
from bansos.payments.rails import PayoutRail

#: Our side of a payout, as the payouts table says.
OurStatus = Literal["confirmed", "failed", "returned", "open"]
#: The provider's side: booked (money moved out), pending, or returned to us afterwards.
TheirStatus = Literal["booked", "pending", "returned"]

#: What an item turned out to be, worst first.
KINDS = (
    "booked_but_failed_here",  # they booked it, we recorded a failure: risk of paying twice
    "amount_differs",  # both sides know it, with different amounts
    "missing_there",  # we recorded it confirmed, they have no booking
    "unknown_here",  # they booked a reference we never sent
    "returned",  # booked and then returned (money back to us)
    "open",  # not yet resolved on our side (pending, unknown outcome)
    "pending_there",  # they list it as pending
    "confirmed",  # both agree: paid
    "failed",  # both agree: not paid
)
_PROBLEMS = frozenset(KINDS[:4])


@dataclass(frozen=True, slots=True)
class Ours:
    reference: str
    provider: str
    day: date
    amount: int
    status: OurStatus


@dataclass(frozen=True, slots=True)
class Theirs:
    reference: str
    provider: str
    day: date
    amount: int
    status: TheirStatus
    source: str  # "status-api", "camt.053", "mt940"
    provider_reference: str = ""


@dataclass(frozen=True, slots=True)
class Item:
    kind: str
    reference: str
    provider: str
    day: date
    ours_amount: int | None
    theirs_amount: int | None
    ours_status: str
    theirs_status: str
    source: str

    @property
    def problem(self) -> bool:
        return self.kind in _PROBLEMS


@dataclass(frozen=True, slots=True)
class Line:
    """One day and rail: counts and sums by kind."""

    day: date
    provider: str
    counts: dict[str, int]
    amounts: dict[str, int]
    sent: int
    sent_amount: int


@dataclass(frozen=True)
class Report:
    lines: list[Line]
    items: list[Item] = field(default_factory=list)

    @property
    def problems(self) -> list[Item]:
        return [i for i in self.items if i.problem]

    @property
    def ok(self) -> bool:
        return not self.problems


def from_statement(entries: Iterable[StatementEntry], provider: str, source: str) -> list[Theirs]:
    """A bank statement's entries as the provider's side: a debit of our funding account with
    an end-to-end id is a payout booked; a credit with one (a reversal, or money sent back) is
    a return. Entries without an end-to-end id (fees, funding top-ups) are not payouts."""
    found: list[Theirs] = []
    for e in entries:
        if not e.end_to_end_id:
            continue
        if e.status == "PDNG":
            status: TheirStatus = "pending"
        elif e.direction == "CRDT" or e.reversal:
            status = "returned"
        else:
            status = "booked"
        day = e.booking_date or e.value_date or date.min
        found.append(Theirs(e.end_to_end_id, provider, day, e.amount, status, source,
                            e.account_servicer_reference or ""))  # fmt: skip
    return found


def reconcile(ours: Iterable[Ours], theirs: Iterable[Theirs]) -> Report:
    """Match both sides on (provider, reference) and classify every item."""
    mine: dict[tuple[str, str], Ours] = {(o.provider, o.reference): o for o in ours}
    there: dict[tuple[str, str], list[Theirs]] = defaultdict(list)
    for t in theirs:
        there[t.provider, t.reference].append(t)
    items: list[Item] = []
    for key in sorted(set(mine) | set(there)):
        items.append(_classify(mine.get(key), there.get(key, [])))
    items.sort(key=lambda i: (KINDS.index(i.kind), i.day, i.provider, i.reference))
    return Report(_lines(items, mine.values()), items)


def _classify(o: Ours | None, ts: Sequence[Theirs]) -> Item:
    booked = [t for t in ts if t.status == "booked"]
    returned = [t for t in ts if t.status == "returned"]
    pending = [t for t in ts if t.status == "pending"]
    theirs_amount = sum(t.amount for t in booked) if booked else None
    theirs_status = ("returned" if returned else "booked" if booked
                     else "pending" if pending else "absent")  # fmt: skip
    source = ",".join(sorted({t.source for t in ts}))
    ref = o.reference if o is not None else ts[0].reference
    provider = o.provider if o is not None else ts[0].provider
    day = o.day if o is not None else ts[0].day

    def item(kind: str) -> Item:
        return Item(kind, ref, provider, day, o.amount if o else None, theirs_amount,
                    o.status if o else "absent", theirs_status, source)  # fmt: skip

    if o is None:
        return item("unknown_here" if booked else "returned" if returned else "pending_there")
    if returned or o.status == "returned":
        return item("returned")
    if booked:
        if len(booked) > 1 or theirs_amount != o.amount:
            return item("amount_differs")
        if o.status == "failed":
            return item("booked_but_failed_here")
        if o.status == "open":
            return item("open")
        return item("confirmed")
    if pending:
        return item("pending_there" if o.status != "open" else "open")
    if o.status == "confirmed":
        return item("missing_there")
    return item("open" if o.status == "open" else "failed")


def _lines(items: Sequence[Item], ours: Iterable[Ours]) -> list[Line]:
    sent: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0])
    for o in ours:
        s = sent[o.day, o.provider]
        s[0] += 1
        s[1] += o.amount
    counts: dict[tuple[date, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(KINDS, 0))
    amounts: dict[tuple[date, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(KINDS, 0))
    for i in items:
        counts[i.day, i.provider][i.kind] += 1
        amounts[i.day, i.provider][i.kind] += (i.ours_amount if i.ours_amount is not None
                                               else i.theirs_amount or 0)  # fmt: skip
    keys = sorted(set(counts) | set(sent))
    return [Line(d, p, counts[d, p], amounts[d, p], sent[d, p][0], sent[d, p][1])
            for d, p in keys]  # fmt: skip


def to_csv(report: Report) -> str:
    """One row per item, worst first: what an auditor opens in a spreadsheet."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["kind", "problem", "day", "provider", "reference", "ours_status",
                "ours_amount", "theirs_status", "theirs_amount", "source"])  # fmt: skip
    for i in report.items:
        w.writerow([i.kind, "yes" if i.problem else "no", i.day.isoformat(), i.provider,
                    i.reference, i.ours_status, "" if i.ours_amount is None else i.ours_amount,
                    i.theirs_status, "" if i.theirs_amount is None else i.theirs_amount,
                    i.source])  # fmt: skip
    return out.getvalue()


def to_json(report: Report) -> str:
    def line(x: Line) -> dict[str, object]:
        return {"day": x.day.isoformat(), "provider": x.provider, "sent": x.sent,
                "sent_amount": x.sent_amount, "counts": x.counts, "amounts": x.amounts}  # fmt: skip

    def item(i: Item) -> dict[str, object]:
        return {**asdict(i), "day": i.day.isoformat(), "problem": i.problem}

    whole = {
        "ok": report.ok,
        "problems": len(report.problems),
        "lines": [line(x) for x in report.lines],
        "items": [item(i) for i in report.items],
    }
    return json.dumps(whole, ensure_ascii=False, indent=1)  # fmt: skip


# -- the two sides, from where they live ---------------------------------------------------------

_OUR_STATUS: dict[str, OurStatus] = {"confirmed": "confirmed", "failed": "failed",
                                     "returned": "returned"}  # fmt: skip


def ours_of_day(session: Session, day: date, provider: str) -> list[Payout]:
    """Our payouts on ``provider`` sent (or, never sent, queued) on the WIB day ``day``."""
    start = datetime.combine(day, time(), WIB).astimezone(UTC)
    end = start + timedelta(days=1)
    when = func.coalesce(Payout.sent_at, Payout.created_at)
    return list(session.scalars(
        select(Payout).where(Payout.provider == provider, when >= start, when < end)
        .order_by(Payout.id)
    ))  # fmt: skip


def as_ours(rows: Iterable[Payout], day: date) -> list[Ours]:
    """Anything not settled either way (queued, sending, sent, pending, review) is open."""
    return [Ours(p.reference, p.provider, day, p.amount, _OUR_STATUS.get(p.status, "open"))
            for p in rows]  # fmt: skip


def from_status_api(rail: PayoutRail, cipher: FieldCipher, rows: Iterable[Payout],
                    day: date) -> list[Theirs]:  # fmt: skip
    """Ask the provider about each payout (its status API): booked, pending, or nothing (it
    has no booking, or refused it)."""
    found: list[Theirs] = []
    for p in rows:
        answer = rail.status(rail_payout(cipher, p))
        if answer.outcome is Outcome.SUCCESS:
            status: TheirStatus = "booked"
        elif answer.outcome is Outcome.PENDING:
            status = "pending"
        else:
            continue
        amount = answer.amount if answer.amount is not None else p.amount
        found.append(Theirs(p.reference, p.provider, day, amount, status, "status-api",
                            answer.provider_reference or ""))  # fmt: skip
    return found


def from_file(path: Path, provider: str) -> list[Theirs]:
    """A camt.053 (XML) or MT940 statement file, told apart by its first bytes."""
    head = path.read_bytes()[:200].lstrip()
    if head.startswith(b"<"):
        entries = [e for s in camt053.read_camt053(path) for e in s.entries]
        return from_statement(entries, provider, "camt.053")
    entries = [e for s in mt940.read_mt940(path) for e in s.entries]
    return from_statement(entries, provider, "mt940")
