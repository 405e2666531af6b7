"""The ledger's rules, on SQLite and PostgreSQL: balances follow transfers, restricted accounts
never go negative, a key gives one transfer, two-phase transfers, and ``verify``."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from bansos.db import session_factory, unit_of_work
from bansos.ledger import service as ledger
from bansos.ledger.models import Account, Transfer
from bansos.ledger.service import LedgerProblem, TransferSpec


def accounts(db: Session) -> tuple[int, int, int, int]:
    """State budget, a program budget, its pool and one wallet."""
    state = ledger.open_account(db, "state_budget", "APBN").id
    budget = ledger.open_account(db, "program_budget", "program:SEMBAKO", "SEMBAKO").id
    pool = ledger.open_account(db, "program_pool", "program:SEMBAKO", "SEMBAKO").id
    wallet = ledger.open_account(db, "recipient_wallet", "household:1", "SEMBAKO").id
    return state, budget, pool, wallet


def move(db: Session, key: str, debit: int, credit: int, amount: int, code: str = "funding",
         **kw: object) -> ledger.Result:  # fmt: skip
    return ledger.transfer(db, TransferSpec(key, debit, credit, amount, code, **kw), "siti")  # type: ignore[arg-type]


def test_balances_follow_transfers_and_add_up_to_zero(db: Session) -> None:
    state, budget, pool, wallet = accounts(db)
    move(db, "alloc", state, budget, 1_000_000, "allocation")
    move(db, "fund", budget, pool, 600_000)
    move(db, "pay", pool, wallet, 200_000, "disbursement", ref="cycle:1")
    assert ledger.balance(db, budget).posted == 400_000
    assert ledger.balance(db, pool).posted == 400_000
    assert ledger.balance(db, wallet).posted == 200_000
    assert ledger.balance(db, state).posted == -1_000_000
    report = ledger.verify(db)
    assert report.ok, report.faults
    assert (report.accounts, report.transfers, report.total_posted) == (4, 3, 0)
    lines = ledger.history(db, wallet)
    assert [(e.code, e.amount, e.state, e.ref) for e in lines] == [
        ("disbursement", 200_000, "posted", "cycle:1")
    ]
    assert [e.amount for e in ledger.history(db, pool)] == [-200_000, 600_000]


def test_a_restricted_account_is_never_overdrawn_and_a_refusal_leaves_no_trace(
    db: Session,
) -> None:
    state, budget, pool, _ = accounts(db)
    move(db, "alloc", state, budget, 100, "allocation")
    with pytest.raises(LedgerProblem) as exc:
        move(db, "too-much", budget, pool, 101)
    assert exc.value.code == "ledger.exceeds_credits" and exc.value.params["account_id"] == budget
    assert ledger.balance(db, budget).posted == 100 and ledger.balance(db, pool).posted == 0
    # the key was not taken by the refused transfer
    assert move(db, "too-much", budget, pool, 100).replayed is False
    assert ledger.verify(db).ok


def test_the_same_key_gives_the_same_transfer_once(db: Session) -> None:
    state, budget, _, _ = accounts(db)
    first = move(db, "alloc-2026-12", state, budget, 500, "allocation")
    again = move(db, "alloc-2026-12", state, budget, 500, "allocation")
    assert again.replayed and again.transfer.id == first.transfer.id
    assert ledger.balance(db, budget).posted == 500
    with pytest.raises(LedgerProblem) as exc:
        move(db, "alloc-2026-12", state, budget, 501, "allocation")
    assert exc.value.code == "ledger.key_reused"


@pytest.mark.parametrize(
    ("amount", "code"),
    [(0, "ledger.amount_positive"), (-5, "ledger.amount_positive"),
     (1.5, "ledger.amount_integer"), (True, "ledger.amount_integer"),
     ("100", "ledger.amount_integer"), (10**16, "ledger.amount_absurd")],
)  # fmt: skip
def test_bad_amounts_are_refused_and_change_nothing(db: Session, amount: object, code: str) -> None:
    state, budget, _, _ = accounts(db)
    with pytest.raises(LedgerProblem) as exc:
        move(db, "x", state, budget, amount, "allocation")  # type: ignore[arg-type]
    assert exc.value.code == code
    assert ledger.balance(db, budget).posted == 0 and ledger.verify(db).transfers == 0


def test_unknown_accounts_other_ledgers_and_bad_specs_are_refused(db: Session) -> None:
    state, budget, _, _ = accounts(db)
    usd = ledger.open_account(db, "program_budget", "program:X", "X", ledger=840).id
    cases = [
        (lambda: move(db, "a", state, 999_999, 1, "allocation"), "ledger.account_not_found"),
        (lambda: move(db, "b", state, usd, 1, "allocation"), "ledger.different_ledgers"),
        (lambda: move(db, "c", state, state, 1, "allocation"), "ledger.same_account"),
        (lambda: move(db, "d", state, budget, 1, "gift"), "ledger.transfer_code"),
        (lambda: move(db, "", state, budget, 1, "allocation"), "ledger.key_invalid"),
        (lambda: ledger.open_account(db, "piggy_bank", "x"), "ledger.account_kind"),
    ]
    for call, code in cases:
        with pytest.raises(LedgerProblem) as exc:
            call()
        assert exc.value.code == code
    assert ledger.verify(db).transfers == 0 and ledger.verify(db).ok


def test_two_phase_transfers_reserve_then_post_or_void(db: Session) -> None:
    state, budget, pool, wallet = accounts(db)
    move(db, "alloc", state, budget, 1000, "allocation")
    move(db, "fund", budget, pool, 1000)
    move(db, "pay", pool, wallet, 1000, "disbursement")
    clearing = ledger.open_account(db, "settlement_clearing", "bank:BRI").id
    held = move(db, "payout-1", wallet, clearing, 700, "payout", pending=True,
                timeout=timedelta(minutes=30)).transfer  # fmt: skip
    bal = ledger.balance(db, wallet)
    assert (bal.posted, bal.available, bal.debits_pending) == (1000, 300, 700)
    with pytest.raises(LedgerProblem) as exc:  # the reservation counts
        move(db, "payout-2", wallet, clearing, 301, "payout", pending=True)
    assert exc.value.code == "ledger.exceeds_credits"
    assert ledger.verify(db).ok
    posted = ledger.post_pending(db, held.id, "payout-1-post", "bank", amount=650)
    assert ledger.post_pending(db, held.id, "payout-1-post", "bank", amount=650).replayed
    bal = ledger.balance(db, wallet)
    assert (bal.posted, bal.available, bal.debits_pending) == (350, 350, 0)
    with pytest.raises(LedgerProblem) as exc:
        ledger.void_pending(db, held.id, "payout-1-void", "bank")
    assert exc.value.code == "ledger.pending_already_resolved"
    second = move(db, "payout-3", wallet, clearing, 350, "payout", pending=True).transfer
    ledger.void_pending(db, second.id, "payout-3-void", "bank")
    assert ledger.balance(db, wallet).available == 350
    with pytest.raises(LedgerProblem) as exc:
        ledger.post_pending(db, posted.transfer.id, "nope", "bank")
    assert exc.value.code == "ledger.pending_not_found"
    report = ledger.verify(db)
    assert report.ok, report.faults


def test_lapsed_reservations_are_voided(db: Session) -> None:
    state, budget, _, _ = accounts(db)
    held = move(db, "hold", state, budget, 10, "allocation", pending=True,
                timeout=timedelta(seconds=-1)).transfer  # fmt: skip
    with pytest.raises(LedgerProblem) as exc:
        ledger.post_pending(db, held.id, "late", "bank")
    assert exc.value.code == "ledger.pending_expired"
    assert ledger.expire_pending(db) == 1 and ledger.expire_pending(db) == 0
    assert ledger.balance(db, budget).credits_pending == 0 and ledger.verify(db).ok


def test_verify_names_the_accounts_and_transfers_at_fault(db: Session) -> None:
    state, budget, pool, _ = accounts(db)
    move(db, "alloc", state, budget, 1000, "allocation")
    move(db, "fund", budget, pool, 400)
    db.execute(update(Account).where(Account.id == pool).values(credits_posted=999))
    db.execute(update(Account).where(Account.id == budget).values(debits_posted=1400))
    db.execute(text("UPDATE ledger_accounts SET ledger = 978 WHERE id = :i"), {"i": state})
    report = ledger.verify(db)
    assert not report.ok
    text_ = "\n".join(report.faults)
    assert f"account {pool}:" in text_ and f"account {budget}:" in text_
    assert "add up to" in text_
    assert f"restricted account {budget} is negative" in text_
    assert "crosses ledgers" in text_


# Each example runs in its own savepoint, rolled back at the end: the fixture's state is reset.
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2), st.integers(1, 400)), max_size=30))
def test_any_sequence_keeps_the_invariants(
    factory: sessionmaker[Session], moves: list[tuple[int, int, int]]
) -> None:
    """Whatever is attempted, refused transfers change nothing and verify holds."""
    with factory() as db, db.begin_nested() as outer:
        state, budget, pool, wallet = accounts(db)
        move(db, "seed", state, budget, 500, "allocation")
        ids = (budget, pool, wallet)
        for i, (a, b, amount) in enumerate(moves):
            try:
                move(db, f"m{i}", ids[a], ids[b], amount, "adjustment")
            except LedgerProblem as exc:
                assert exc.code in ("ledger.exceeds_credits", "ledger.same_account")
        report = ledger.verify(db)
        assert report.ok, report.faults
        assert all(ledger.balance(db, x).posted >= 0 for x in ids)
        outer.rollback()


@pytest.mark.slow
def test_concurrent_transfers_lose_and_create_nothing(engine: Engine) -> None:
    """Eight threads move money between the same four wallets, with retries of the same keys,
    on a real (committed) database; then verify."""
    factory = session_factory(engine)
    program = f"CONC{engine.dialect.name[:4].upper()}"
    with unit_of_work(factory) as db:
        state = ledger.open_account(db, "state_budget", f"APBN-{program}").id
        wallets = [ledger.open_account(db, "recipient_wallet", f"household:{i}", program).id
                   for i in range(4)]  # fmt: skip
        for i, w in enumerate(wallets):
            move(db, f"{program}-seed-{i}", state, w, 1000, "allocation")
    errors: list[BaseException] = []
    refused = [0]
    replayed: list[int] = []

    def worker(n: int) -> None:
        try:
            for i in range(40):
                # threads n and n + 4 make the same transfers under the same keys: retries
                a, b = wallets[(n + i) % 4], wallets[(n + i + 1 + n % 4 % 3) % 4]
                if a == b:
                    continue
                key = f"{program}-{(n % 4)}-{i}"
                try:
                    with unit_of_work(factory) as db:
                        result = move(db, key, a, b, 150 + (n % 4) * 10, "adjustment")
                        if result.replayed:
                            replayed.append(result.transfer.id)
                except LedgerProblem as exc:
                    assert exc.code == "ledger.exceeds_credits", exc.code
                    refused[0] += 1
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    with unit_of_work(factory) as db:
        report = ledger.verify(db)
        assert report.ok, report.faults
        total = sum(ledger.balance(db, w).posted for w in wallets)
        assert total == 4000  # nothing lost, nothing created
        # every retry got the first transfer back, and each key moved money once
        keys = db.scalars(select(Transfer.key).where(Transfer.key.like(f"{program}-%-%"))).all()
        assert len(keys) == len(set(keys))
        assert replayed and all(db.get(Transfer, t) is not None for t in replayed)
        assert all(ledger.balance(db, w).posted >= 0 for w in wallets)
