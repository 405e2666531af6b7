"""A small ledger for tests that read it (CLI and API): five accounts, four transfers, one of
them pending. The same keys every time, so calling it again replays instead of adding."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from bansos.ledger import service as ledger
from bansos.ledger.service import TransferSpec


@dataclass(frozen=True)
class Books:
    state: int
    pool: int
    wallet: int
    #: allocation, funding, disbursement, pending payout
    transfers: list[int]


def seed_books(db: Session, *, prefix: str = "", payout_reason: str = "e-wallet") -> Books:
    state = ledger.open_account(db, "state_budget", "APBN").id
    budget = ledger.open_account(db, "program_budget", "program:SEMBAKO", "SEMBAKO").id
    pool = ledger.open_account(db, "program_pool", "program:SEMBAKO", "SEMBAKO").id
    wallet = ledger.open_account(db, "recipient_wallet", "household:1", "SEMBAKO").id
    clearing = ledger.open_account(db, "settlement_clearing", "bank:BRI").id
    specs = [
        TransferSpec(f"{prefix}alloc", state, budget, 1_000_000, "allocation"),
        TransferSpec(f"{prefix}fund", budget, pool, 600_000, "funding", ref="cycle:1"),
        TransferSpec(f"{prefix}pay", pool, wallet, 200_000, "disbursement", ref="cycle:1"),
        TransferSpec(
            f"{prefix}payout",
            wallet,
            clearing,
            50_000,
            "payout",
            pending=True,
            timeout=timedelta(hours=1),
            reason=payout_reason,
        ),
    ]
    ids = [ledger.transfer(db, spec, "siti").transfer.id for spec in specs]
    return Books(state, pool, wallet, ids)
