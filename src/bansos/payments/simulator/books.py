"""The simulated providers' own books, in their own SQLite file.

Deliberately not our database and not our models: the simulator stands for somebody else's
system, and reconciliation is only a real test if the two sets of books can disagree. It uses
the standard library's sqlite3 and nothing of ``bansos.db``.

Money is whole rupiah (``int``). A booking is one SQLite transaction: the row keyed by
(provider, partner, partnerReferenceNo) is inserted first, so a repeated reference fails on the
unique key and moves nothing twice; the partner's funding balance is debited by a conditional
UPDATE (``balance >= amount``), so it can never go below zero. A pending booking debits the
partner at once and credits the customer when it settles, as a bank's "in progress" does.
"""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bansos.payments.simulator.config import SimAccount, SimConfig

_SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    provider TEXT NOT NULL,
    number TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'blocked')),
    bank_code TEXT NOT NULL DEFAULT '',
    balance INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (provider, number)
);
CREATE TABLE IF NOT EXISTS partners (
    provider TEXT NOT NULL,
    partner_id TEXT NOT NULL,
    source_account TEXT NOT NULL,
    balance INTEGER NOT NULL CHECK (balance >= 0),
    PRIMARY KEY (provider, partner_id)
);
CREATE TABLE IF NOT EXISTS transactions (
    id INTEGER PRIMARY KEY,
    provider TEXT NOT NULL,
    partner_id TEXT NOT NULL,
    partner_reference_no TEXT NOT NULL,
    reference_no TEXT NOT NULL UNIQUE,
    external_id TEXT NOT NULL,
    service_code TEXT NOT NULL,
    account_number TEXT NOT NULL,
    bank_code TEXT NOT NULL DEFAULT '',
    amount INTEGER NOT NULL CHECK (amount > 0),
    status TEXT NOT NULL CHECK (status IN ('pending', 'success')),
    booked_at TEXT NOT NULL,
    booked_epoch REAL NOT NULL,
    settled_at TEXT,
    status_queries INTEGER NOT NULL DEFAULT 0,
    UNIQUE (provider, partner_id, partner_reference_no)
);
CREATE TABLE IF NOT EXISTS external_ids (
    provider TEXT NOT NULL,
    partner_id TEXT NOT NULL,
    day TEXT NOT NULL,
    external_id TEXT NOT NULL,
    PRIMARY KEY (provider, partner_id, day, external_id)
);
"""


class DuplicateReference(Exception):
    """This partnerReferenceNo was booked before."""


class InsufficientFunds(Exception):
    """The partner's funding balance cannot cover the amount."""


@dataclass(frozen=True)
class Transaction:
    provider: str
    partner_id: str
    partner_reference_no: str
    reference_no: str
    external_id: str
    service_code: str
    account_number: str
    bank_code: str
    amount: int
    status: str
    booked_at: str
    settled_at: str | None

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


_TX_COLUMNS = (
    "provider, partner_id, partner_reference_no, reference_no, external_id, service_code, "
    "account_number, bank_code, amount, status, booked_at, settled_at"
)


class Books:
    def __init__(self, path: Path) -> None:
        # One connection, used from the event loop's thread only; autocommit with explicit
        # BEGIN IMMEDIATE so each booking is one transaction.
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    def seed(self, config: SimConfig) -> None:
        """Accounts and partners from the configuration; rows already there keep their balance."""
        with self._tx():
            for provider in config.providers:
                for partner in provider.partners:
                    self.db.execute(
                        "INSERT OR IGNORE INTO partners VALUES (?, ?, ?, ?)",
                        (
                            provider.name,
                            partner.partner_id,
                            partner.source_account,
                            partner.balance,
                        ),
                    )
                for account in provider.accounts:
                    self._insert_account(provider.name, account)

    def add_account(self, provider: str, account: SimAccount) -> bool:
        """False when the number exists already at this provider."""
        with self._tx():
            return self._insert_account(provider, account)

    def _insert_account(self, provider: str, account: SimAccount) -> bool:
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO accounts (provider, number, name, status, bank_code) "
            "VALUES (?, ?, ?, ?, ?)",
            (provider, account.number, account.name, account.status, account.bank_code),
        )
        return cursor.rowcount == 1

    def account(self, provider: str, number: str) -> SimAccount | None:
        row = self.db.execute(
            "SELECT number, name, status, bank_code FROM accounts "
            "WHERE provider = ? AND number = ?",
            (provider, number),
        ).fetchone()
        return SimAccount(*row) if row else None

    def balance(self, provider: str, number: str) -> int:
        row = self.db.execute(
            "SELECT balance FROM accounts WHERE provider = ? AND number = ?", (provider, number)
        ).fetchone()
        return int(row[0]) if row else 0

    def partner_balance(self, provider: str, partner_id: str) -> int:
        row = self.db.execute(
            "SELECT balance FROM partners WHERE provider = ? AND partner_id = ?",
            (provider, partner_id),
        ).fetchone()
        return int(row[0]) if row else 0

    def claim_external_id(self, provider: str, partner_id: str, day: str, external_id: str) -> bool:
        """False when this X-EXTERNAL-ID was already used by this partner on this day."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO external_ids VALUES (?, ?, ?, ?)",
            (provider, partner_id, day, external_id),
        )
        return cursor.rowcount == 1

    def book(
        self,
        *,
        provider: str,
        partner_id: str,
        partner_reference_no: str,
        external_id: str,
        service_code: str,
        account_number: str,
        bank_code: str,
        amount: int,
        pending: bool,
        now: datetime,
    ) -> Transaction:
        """Move ``amount`` from the partner's funding balance to the customer's account."""
        status = "pending" if pending else "success"
        stamp = now.isoformat(timespec="seconds")
        with self._tx():
            try:
                self.db.execute(
                    f"INSERT INTO transactions ({_TX_COLUMNS}, booked_epoch) "  # noqa: S608
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        provider,
                        partner_id,
                        partner_reference_no,
                        _reference(now),
                        external_id,
                        service_code,
                        account_number,
                        bank_code,
                        amount,
                        status,
                        stamp,
                        None if pending else stamp,
                        now.timestamp(),
                    ),
                )
            except sqlite3.IntegrityError as exc:
                raise DuplicateReference(partner_reference_no) from exc
            debited = self.db.execute(
                "UPDATE partners SET balance = balance - ? "
                "WHERE provider = ? AND partner_id = ? AND balance >= ?",
                (amount, provider, partner_id, amount),
            )
            if debited.rowcount != 1:
                raise InsufficientFunds(partner_id)
            if not pending:
                self._credit(provider, account_number, amount)
        found = self.transaction(provider, partner_id, partner_reference_no)
        assert found is not None
        return found

    def transaction(
        self, provider: str, partner_id: str, partner_reference_no: str
    ) -> Transaction | None:
        row = self.db.execute(
            f"SELECT {_TX_COLUMNS} FROM transactions "  # noqa: S608
            "WHERE provider = ? AND partner_id = ? AND partner_reference_no = ?",
            (provider, partner_id, partner_reference_no),
        ).fetchone()
        return Transaction(*row) if row else None

    def note_status_query(self, provider: str, partner_id: str, partner_reference_no: str) -> None:
        self.db.execute(
            "UPDATE transactions SET status_queries = status_queries + 1 "
            "WHERE provider = ? AND partner_id = ? AND partner_reference_no = ?",
            (provider, partner_id, partner_reference_no),
        )

    def settle_due(self, now: datetime, after_seconds: float, after_queries: int) -> int:
        """Pending bookings become successful after a delay or enough status queries."""
        if after_seconds <= 0 and after_queries <= 0:
            return 0
        stamp = now.isoformat(timespec="seconds")
        with self._tx():
            due = self.db.execute(
                "SELECT id, provider, account_number, amount FROM transactions "
                "WHERE status = 'pending' AND ((? > 0 AND booked_epoch + ? <= ?) "
                "OR (? > 0 AND status_queries >= ?))",
                (after_seconds, after_seconds, now.timestamp(), after_queries, after_queries),
            ).fetchall()
            for row_id, provider, number, amount in due:
                self.db.execute(
                    "UPDATE transactions SET status = 'success', settled_at = ? WHERE id = ?",
                    (stamp, row_id),
                )
                self._credit(provider, number, amount)
        return len(due)

    def _credit(self, provider: str, number: str, amount: int) -> None:
        self.db.execute(
            "UPDATE accounts SET balance = balance + ? WHERE provider = ? AND number = ?",
            (amount, provider, number),
        )

    def snapshot(self) -> dict[str, list[dict[str, object]]]:
        """Everything, for tests and reconciliation: accounts, partners and transactions."""
        accounts = self.db.execute(
            "SELECT provider, number, name, status, bank_code, balance FROM accounts "
            "ORDER BY provider, number"
        ).fetchall()
        partners = self.db.execute(
            "SELECT provider, partner_id, source_account, balance FROM partners "
            "ORDER BY provider, partner_id"
        ).fetchall()
        account_keys = ("provider", "number", "name", "status", "bank_code", "balance")
        partner_keys = ("provider", "partner_id", "source_account", "balance")
        return {
            "accounts": [dict(zip(account_keys, row, strict=True)) for row in accounts],
            "partners": [dict(zip(partner_keys, row, strict=True)) for row in partners],
            "transactions": [t.as_dict() for t in self._transactions("1 = 1", [])],
        }

    def statement(self, day: str, provider: str | None = None) -> list[dict[str, object]]:
        """The day's bookings (by booking date in the providers' zone), oldest first.

        The seam for a camt.053 bank statement: a renderer takes these rows as they are.
        """
        where, params = "substr(booked_at, 1, 10) = ?", [day]
        if provider is not None:
            where, params = where + " AND provider = ?", [day, provider]
        return [t.as_dict() for t in self._transactions(where, params)]

    def booked_since(self, day: str, provider: str, partner_id: str) -> int:
        """What the partner's funding account paid out from ``day`` on (to work its opening
        balance of that day back from today's)."""
        row = self.db.execute(
            "SELECT coalesce(sum(amount), 0) FROM transactions WHERE provider = ? "
            "AND partner_id = ? AND substr(booked_at, 1, 10) >= ?",
            (provider, partner_id, day),
        ).fetchone()
        return int(row[0])

    def _transactions(self, where: str, params: list[str]) -> list[Transaction]:
        rows = self.db.execute(
            f"SELECT {_TX_COLUMNS} FROM transactions WHERE {where} ORDER BY id",  # noqa: S608
            params,
        ).fetchall()
        return [Transaction(*row) for row in rows]

    def _tx(self) -> _Transaction:
        return _Transaction(self.db)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")


def _reference(now: datetime) -> str:
    """The provider's own reference for a booking (``referenceNo``)."""
    return now.strftime("%Y%m%d%H%M%S") + uuid.uuid4().hex[:10].upper()
