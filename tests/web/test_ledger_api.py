"""Reading the ledger over the real HTTP API (both engines): balance, history, verify."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from bansos.db import unit_of_work
from bansos.ledger.models import Account, Transfer
from tests.ledger.books import Books, seed_books
from tests.web.test_api import ROLES, Site, _assert_problem, site  # noqa: F401  (live server)

ACCOUNTS = "/api/ledger/accounts"
VERIFY = "/api/ledger/verify"
READERS = ["admin", "operator", "approver", "auditor"]


def _books(site: Site) -> Books:  # noqa: F811
    with unit_of_work(site.rt.factory) as db:
        return seed_books(db, prefix="api-")


@pytest.mark.parametrize("role", READERS)
def test_balance_for_every_reading_role(site: Site, role: str) -> None:  # noqa: F811
    books = _books(site)
    response = site.client.get(f"{ACCOUNTS}/{books.wallet}", headers=site.bearer(role))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {
        "account_id": books.wallet,
        "kind": "recipient_wallet",
        "owner": "household:1",
        "program_code": "SEMBAKO",
        "posted": 200_000,
        "available": 150_000,
        "debits_pending": 50_000,
        "credits_pending": 0,
    }
    state = site.client.get(f"{ACCOUNTS}/{books.state}", headers=site.bearer(role)).json()
    assert (state["kind"], state["posted"]) == ("state_budget", -1_000_000)


def test_history_newest_first_with_paging(site: Site) -> None:  # noqa: F811
    books = _books(site)
    url = f"{ACCOUNTS}/{books.wallet}/history"
    response = site.client.get(url, headers=site.bearer("auditor"))
    assert response.status_code == 200, response.text
    entries = response.json()
    assert [(e["transfer_id"], e["code"], e["amount"], e["state"]) for e in entries] == [
        (books.transfers[3], "payout", -50_000, "pending"),
        (books.transfers[2], "disbursement", 200_000, "posted"),
    ]
    assert entries[0]["reason"] == "e-wallet" and entries[1]["ref"] == "cycle:1"
    assert entries[0]["at"].endswith(("Z", "+00:00"))
    pool = f"{ACCOUNTS}/{books.pool}/history"
    first = site.client.get(pool, params={"limit": 1}, headers=site.bearer("operator")).json()
    assert [e["code"] for e in first] == ["disbursement"]
    rest = site.client.get(pool, params={"limit": 1, "before_id": first[-1]["transfer_id"]},
                           headers=site.bearer("operator")).json()  # fmt: skip
    assert [(e["code"], e["amount"]) for e in rest] == [("funding", 600_000)]
    for bad in ({"limit": 0}, {"limit": 501}, {"before_id": 0}):
        refused = site.client.get(pool, params=bad, headers=site.bearer("operator"))
        _assert_problem(refused, 422, "request.invalid")


def test_verify_reports_counts_and_faults(site: Site) -> None:  # noqa: F811
    books = _books(site)
    with site.rt.factory() as session:
        accounts = session.scalar(select(func.count()).select_from(Account))
        transfers = session.scalar(select(func.count()).select_from(Transfer))
    response = site.client.get(VERIFY, headers=site.bearer("auditor"))
    assert response.status_code == 200, response.text
    assert response.json() == {"ok": True, "accounts": accounts, "transfers": transfers,
                               "total_posted": 0, "faults": []}  # fmt: skip

    def corrupt(delta: int) -> None:
        with unit_of_work(site.rt.factory) as session:
            session.execute(
                update(Account)
                .where(Account.id == books.wallet)
                .values(credits_posted=Account.credits_posted + delta)
            )

    corrupt(1)
    try:
        report = site.client.get(VERIFY, headers=site.bearer("approver")).json()
    finally:
        corrupt(-1)
    assert report["ok"] is False and report["total_posted"] == 1
    assert any(f.startswith(f"account {books.wallet}:") for f in report["faults"])
    assert "the balances add up to 1, not 0" in report["faults"]
    assert site.client.get(VERIFY, headers=site.bearer("auditor")).json()["ok"] is True


@pytest.mark.parametrize("lang", ["id", "en"])
def test_unknown_account_is_404(site: Site, lang: str) -> None:  # noqa: F811
    for path in (f"{ACCOUNTS}/999999", f"{ACCOUNTS}/999999/history"):
        response = site.client.get(path, params={"lang": lang}, headers=site.bearer("auditor"))
        body = _assert_problem(response, 404, "ledger.account_not_found")
        assert "999999" in body["messages"]["id"] and "999999" in body["messages"]["en"]
    huge = site.client.get(f"{ACCOUNTS}/{2**63}", headers=site.bearer("auditor"))
    _assert_problem(huge, 422, "request.invalid")


def test_ledger_routes_need_ledger_read(site: Site) -> None:  # noqa: F811
    books = _books(site)
    paths = [f"{ACCOUNTS}/{books.wallet}", f"{ACCOUNTS}/{books.wallet}/history", VERIFY]
    without = [r for r in ROLES if r not in READERS]
    assert without == ["field_officer"]
    for path in paths:
        for role in without:
            _assert_problem(site.client.get(path, headers=site.bearer(role)), 403, "auth.forbidden")
        _assert_problem(site.client.get(path), 401, "auth.required")
