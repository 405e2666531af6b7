"""Staff API for reading the ledger: an account's balance and history, and the ledger check.

Read-only: money moves only through the capabilities that own a reason to move it (cycles,
vouchers, settlement), never through a generic transfer route.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel

from bansos.auth.service import StaffIdentity
from bansos.ledger import service as ledger
from bansos.web.deps import DbSession, http_problem, require

router = APIRouter(tags=["ledger"])
Reader = Annotated[StaffIdentity, Depends(require("ledger.read"))]
#: Ids are BIGINT: anything larger cannot name an account (and SQLite would overflow on it).
AccountId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class BalanceOut(BaseModel):
    account_id: int
    kind: str
    owner: str
    program_code: str
    posted: int
    available: int
    debits_pending: int
    credits_pending: int


class EntryOut(BaseModel):
    transfer_id: int
    at: datetime
    code: str
    amount: int
    state: str
    ref: str
    reason: str


class VerifyOut(BaseModel):
    ok: bool
    accounts: int
    transfers: int
    total_posted: int
    faults: list[str]


def _balance(session: DbSession, account_id: int) -> ledger.Balance:
    try:
        return ledger.balance(session, account_id)
    except ledger.LedgerProblem as exc:
        raise http_problem(exc) from None


@router.get("/api/ledger/accounts/{account_id}", response_model=BalanceOut)
def account(account_id: AccountId, session: DbSession, staff: Reader) -> BalanceOut:
    """An account's balance (rupiah): posted, available, and what pending transfers hold."""
    return BalanceOut(**asdict(_balance(session, account_id)))


@router.get("/api/ledger/accounts/{account_id}/history", response_model=list[EntryOut])
def history(
    account_id: AccountId,
    session: DbSession,
    staff: Reader,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
) -> list[EntryOut]:
    """The account's transfers, newest first (+ credit to it, - debit); page with
    ``before_id`` = the last ``transfer_id`` received."""
    _balance(session, account_id)  # an unknown account is a 404, not an empty history
    entries = ledger.history(session, account_id, limit=limit, before_id=before_id)
    return [EntryOut(**asdict(e)) for e in entries]


@router.get("/api/ledger/verify", response_model=VerifyOut)
def verify(session: DbSession, staff: Reader) -> VerifyOut:
    """Recompute every account's totals from the transfers and check the invariants.

    It reads the whole ledger: on a large one, prefer ``bansos ledger verify``."""
    report = ledger.verify(session)
    return VerifyOut(ok=report.ok, accounts=report.accounts, transfers=report.transfers,
                     total_posted=report.total_posted, faults=report.faults)  # fmt: skip
