"""``reserve_batch`` on both engines: many pending transfers into one account in a few
statements, each debit account charged only if it can cover its rows, and afterwards the same
books as one ``transfer`` each would have left."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bansos.ledger import service as ledger
from bansos.ledger.models import Transfer
from bansos.ledger.service import LedgerProblem, Reservation, TransferSpec


def _wallets(db: Session, amounts: list[int]) -> tuple[list[int], int]:
    """Wallets holding ``amounts`` (through the ledger) and a payout clearing account."""
    state = ledger.open_account(db, "state_budget", "APBN").id
    pool = ledger.open_account(db, "program_pool", "program:P", "P").id
    ledger.transfer(db, TransferSpec("fund", state, pool, sum(amounts), "funding"), "t")
    wallets = []
    for n, amount in enumerate(amounts):
        wallet = ledger.open_account(db, "recipient_wallet", f"household:{n}", "P").id
        ledger.transfer(db, TransferSpec(f"pay-{n}", pool, wallet, amount, "disbursement"), "t")
        wallets.append(wallet)
    return wallets, ledger.open_account(db, "payout_clearing", "rail:bank", "P").id


def test_a_batch_reserves_what_each_wallet_can_cover_and_nothing_else(db: Session) -> None:
    wallets, clearing = _wallets(db, [100, 200, 300])
    rows = [
        Reservation("r-0", wallets[0], 100, ref="payout:r-0"),
        Reservation("r-1", wallets[1], 250),  # more than the wallet holds
        Reservation("r-2a", wallets[2], 200),  # two rows of one wallet: 350 > 300 ...
        Reservation("r-2b", wallets[2], 150),  # ... so neither is made
    ]
    made = ledger.reserve_batch(db, credit=clearing, code="payout", rows=rows, actor="siti")
    assert set(made) == {"r-0"}
    assert [ledger.balance(db, w).available for w in wallets] == [0, 200, 300]
    held = ledger.balance(db, clearing)
    assert (held.credits_pending, held.posted) == (100, 0)
    transfers = db.scalars(select(Transfer).where(Transfer.credit_account_id == clearing)).all()
    assert [(t.id, t.key, t.ref, t.flags, t.created_by) for t in transfers] == [
        (made["r-0"], "r-0", "payout:r-0", 1, "siti")]  # fmt: skip
    # The reservation behaves like any pending transfer.
    ledger.post_pending(db, made["r-0"], "r-0:post", "siti")
    assert ledger.balance(db, clearing).posted == 100
    report = ledger.verify(db)
    assert report.ok, report.faults


def test_keys_used_before_are_skipped(db: Session) -> None:
    wallets, clearing = _wallets(db, [100, 100])
    first = ledger.reserve_batch(db, credit=clearing, code="payout", actor="t",
                                 rows=[Reservation("k-0", wallets[0], 60)])  # fmt: skip
    again = ledger.reserve_batch(db, credit=clearing, code="payout", actor="t", rows=[
        Reservation("k-0", wallets[0], 60), Reservation("k-1", wallets[1], 70)])  # fmt: skip
    assert set(first) == {"k-0"} and set(again) == {"k-1"}
    assert [ledger.balance(db, w).available for w in wallets] == [40, 30]
    assert ledger.balance(db, clearing).credits_pending == 130
    assert ledger.reserve_batch(db, credit=clearing, code="payout", rows=[], actor="t") == {}
    assert ledger.verify(db).ok


@pytest.mark.parametrize(
    ("row", "code"),
    [
        (Reservation("x", 0, 0), "ledger.amount_positive"),
        (Reservation("x", 0, 10**16), "ledger.amount_absurd"),
        (Reservation("", 0, 10), "ledger.key_invalid"),
        (Reservation("x" * 81, 0, 10), "ledger.key_invalid"),
    ],
)
def test_bad_rows_refuse_the_whole_batch(db: Session, row: Reservation, code: str) -> None:
    wallets, clearing = _wallets(db, [100])
    bad = Reservation(row.key, row.debit or wallets[0], row.amount)
    before = db.scalar(select(func.count()).select_from(Transfer))
    with pytest.raises(LedgerProblem) as caught:
        ledger.reserve_batch(db, credit=clearing, code="payout", actor="t",
                             rows=[Reservation("ok", wallets[0], 10), bad])  # fmt: skip
    assert caught.value.code == code
    assert db.scalar(select(func.count()).select_from(Transfer)) == before
    with pytest.raises(LedgerProblem) as caught:
        ledger.reserve_batch(db, credit=clearing, code="nope", actor="t",
                             rows=[Reservation("ok", wallets[0], 10)])  # fmt: skip
    assert caught.value.code == "ledger.transfer_code"
    with pytest.raises(LedgerProblem) as caught:
        ledger.reserve_batch(db, credit=wallets[0], code="payout", actor="t",
                             rows=[Reservation("ok", wallets[0], 10)])  # fmt: skip
    assert caught.value.code == "ledger.same_account"
    assert ledger.balance(db, wallets[0]).available == 100
