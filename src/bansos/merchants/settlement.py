"""Daily settlement: each shop's payable for a business day moves to settlement clearing, with
one payout instruction per shop and program for the bank rail, and a statement of every
redemption it pays.

The business day is the Western Indonesian day (WIB, UTC+7). Idempotent per shop, program and
day: running it again finds the instruction made and moves nothing. The instruction's amount is
the sum of the redemptions it ties, checked against what the ledger moved; the payout itself
(pending -> posted when the bank confirms) is ``payments.service.queue_settlements``, which
marks the instruction ``paid`` or ``failed`` here when the bank has answered for good.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bansos.auth import service as auth
from bansos.auth.service import Actor
from bansos.core.clock import WIB, now
from bansos.ledger import service as ledger
from bansos.merchants.models import Merchant, Settlement
from bansos.merchants.service import MerchantProblem
from bansos.transparency import service as audit
from bansos.vouchers import service as vouchers

CLEARING_OWNER = "settlement:bank-rail"


def cutoff(business_date: date) -> datetime:
    """The end of the business day (midnight WIB), in UTC."""
    return datetime.combine(business_date + timedelta(days=1), time(), WIB).astimezone(UTC)


def business_day(at: datetime | None = None) -> date:
    return (at or now()).astimezone(WIB).date()


def run(session: Session, business_date: date, actor: Actor,
        *, today: date | None = None) -> list[Settlement]:  # fmt: skip
    """Settle every shop for ``business_date`` (a day that has ended: before ``today``, by
    default the current WIB day); returns the instructions of that day, made now or before."""
    auth.need(actor, "settlement.run")
    today = today or business_day()
    if business_date >= today:
        raise MerchantProblem("settlement.day_not_over", day=business_date.isoformat())
    before = cutoff(business_date)
    clearing = ledger.open_account(session, "settlement_clearing", CLEARING_OWNER).id
    for merchant_id, program, count, total in vouchers.unsettled(session, before):
        key = f"settle:{merchant_id}:{program}:{business_date.isoformat()}"
        if session.scalar(select(Settlement.id).where(
                Settlement.merchant_id == merchant_id, Settlement.program_code == program,
                Settlement.business_date == business_date)) is not None:  # fmt: skip
            continue  # settled already; what came later (a late offline sync) goes next day
        merchant = session.get(Merchant, merchant_id)
        assert merchant is not None
        payable = ledger.find_account(session, "merchant_payable", f"merchant:{merchant_id}",
                                      program)  # fmt: skip
        assert payable is not None
        moved = ledger.transfer(session, ledger.TransferSpec(
            key, payable, clearing, total, "settlement", ref=f"merchant:{merchant_id}",
            reason=f"settlement {business_date.isoformat()}"), actor.username)  # fmt: skip
        row = Settlement(
            merchant_id=merchant_id, program_code=program, business_date=business_date,
            amount=total, redemptions=count, bank_code=merchant.bank_code,
            bank_account=merchant.bank_account, bank_account_name=merchant.bank_account_name,
            reference=f"BNS{business_date:%Y%m%d}M{merchant_id:07d}{program[:8]}",
            transfer_id=moved.transfer.id, created_by=actor.username,
        )  # fmt: skip
        session.add(row)
        session.flush()
        tied = vouchers.mark_settled(session, merchant_id, program, before, row.id)
        if tied != (count, total):  # a redemption came or went meanwhile: start again
            raise MerchantProblem("settlement.changed", merchant_id=merchant_id)
        audit.record(session, actor.username, "settlement.instructed", "settlement",
                     str(row.id), merchant=merchant_id, program=program, amount=total,
                     redemptions=count, reference=row.reference)  # fmt: skip
    return list(session.scalars(select(Settlement).where(
        Settlement.business_date == business_date).order_by(Settlement.id)))  # fmt: skip


def of_merchant(session: Session, merchant_id: int, business_date: date) -> list[Settlement]:
    return list(session.scalars(select(Settlement).where(
        Settlement.merchant_id == merchant_id, Settlement.business_date == business_date)
        .order_by(Settlement.id)))  # fmt: skip


def instructed(session: Session, business_date: date | None = None) -> list[Settlement]:
    """Payout instructions not yet paid (of one business day, or of all days), oldest first."""
    query = select(Settlement).where(Settlement.status == "instructed")
    if business_date is not None:
        query = query.where(Settlement.business_date == business_date)
    return list(session.scalars(query.order_by(Settlement.id)))


def get(session: Session, settlement_id: int) -> Settlement:
    found = session.get(Settlement, settlement_id)
    if found is None:
        raise MerchantProblem("settlement.not_found", settlement_id=settlement_id)
    return found


def mark(session: Session, settlement_id: int, status: str, actor: str, **details: object) -> None:
    """The bank's final word on an instruction: ``paid`` (the payout was confirmed) or
    ``failed`` (refused for good: the money is back in settlement clearing and a person must
    look at the shop's bank details). Audited; an instruction already marked is left alone."""
    if status not in ("paid", "failed"):
        raise ValueError(f"settlement status {status!r}")
    row = get(session, settlement_id)
    if row.status != "instructed":
        return
    row.status = status
    audit.record(session, actor, f"settlement.{status}", "settlement", str(row.id),
                 reference=row.reference, amount=row.amount, **details)  # fmt: skip


STATEMENT_COLUMNS = ("redemption_id", "settlement_id", "at", "device_time", "program", "amount",
                     "categories", "channel", "mode", "device_id")  # fmt: skip


def statement(session: Session, merchant_id: int, business_date: date) -> dict[str, object]:
    """A shop's statement for a day: its payout instructions and every redemption they pay."""
    settled = of_merchant(session, merchant_id, business_date)
    return {
        "merchant_id": merchant_id, "business_date": business_date.isoformat(),
        "total": sum(s.amount for s in settled),
        "settlements": [{"id": s.id, "program": s.program_code, "amount": s.amount,
                         "redemptions": s.redemptions, "reference": s.reference,
                         "status": s.status} for s in settled],
        "redemptions": vouchers.statement(session, [s.id for s in settled]),
    }  # fmt: skip


def statement_csv(data: dict[str, object]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, STATEMENT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    rows = data["redemptions"]
    assert isinstance(rows, list)
    writer.writerows(rows)
    return out.getvalue()
