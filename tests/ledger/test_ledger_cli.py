"""``bansos ledger`` through the real command (both engines): verify, balance and history."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import update

from bansos.db import make_engine, session_factory, unit_of_work
from bansos.ledger.models import Account
from tests.commands import BANSOS, cli_env
from tests.conftest import ENGINES, FreshDatabases
from tests.ledger.books import seed_books


@pytest.mark.slow
@pytest.mark.parametrize("kind", ENGINES)
def test_verify_balance_and_history(
    kind: str, tmp_path: Path, fresh_databases: FreshDatabases
) -> None:
    url = fresh_databases.url(kind)
    env = cli_env(tmp_path / "var", url)

    def bansos(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*BANSOS, *args], env=env, capture_output=True, text=True,
                              timeout=120, check=False)  # fmt: skip

    done = bansos("db", "upgrade")
    assert done.returncode == 0, done.stderr
    engine = make_engine(url)
    try:
        with unit_of_work(session_factory(engine)) as db:
            books = seed_books(db, payout_reason="[bold]e-wallet[/]")
        state, pool, wallet, ids = books.state, books.pool, books.wallet, books.transfers

        ok = bansos("ledger", "verify")
        assert ok.returncode == 0, ok.stderr
        assert "5 rekening / accounts, 4 transfer / transfers" in ok.stdout
        assert "sum of balances Rp0" in ok.stdout and "consistent" in ok.stdout

        shown = bansos("ledger", "balance", str(wallet))
        assert shown.returncode == 0, shown.stderr
        for text in ("recipient_wallet", "household:1", "SEMBAKO", "Rp200.000", "Rp150.000",
                     "Rp50.000"):  # fmt: skip
            assert text in shown.stdout, shown.stdout
        negative = bansos("ledger", "balance", str(state))
        assert negative.returncode == 0 and "-Rp1.000.000" in negative.stdout

        lines = bansos("ledger", "history", str(wallet))
        assert lines.returncode == 0, lines.stderr
        assert "-Rp50.000" in lines.stdout and "pending" in lines.stdout
        assert "[bold]e-wallet[/]" in lines.stdout  # data is printed as it is, not as markup
        assert "Rp200.000" in lines.stdout and "2 baris / lines" in lines.stdout
        newest = bansos("ledger", "history", str(pool), "--limit", "1")
        assert newest.returncode == 0 and "1 baris / lines" in newest.stdout
        assert "disbursement" in newest.stdout and "funding" not in newest.stdout
        older = bansos("ledger", "history", str(pool), "--before", str(ids[2]))
        assert "funding" in older.stdout and "disbursement" not in older.stdout

        for args in (("balance", "999999"), ("history", "999999")):
            missing = bansos("ledger", *args)
            assert missing.returncode == 1
            assert "Rekening 999999 tidak ditemukan" in missing.stderr
            assert "Account 999999 not found" in missing.stderr

        # One account's stored totals no longer match its transfers.
        with engine.begin() as conn:
            changed = conn.execute(
                update(Account)
                .where(Account.id == wallet)
                .values(credits_posted=Account.credits_posted + 1)
            )
            assert changed.rowcount == 1
        bad = bansos("ledger", "verify")
        assert bad.returncode == 1, bad.stdout
        assert "5 rekening / accounts" in bad.stdout  # what was checked is still shown
        assert "Buku besar tidak konsisten" in bad.stderr
        assert "The ledger is inconsistent" in bad.stderr
        assert f"account {wallet}: stored debits/credits posted" in bad.stderr
        assert "add up to 1, not 0" in bad.stderr
    finally:
        engine.dispose()
