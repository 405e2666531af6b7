"""Reconciliation: every disagreement between our payouts and a provider's report is found,
classified and reported, worst first; agreement gives a clean report."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bansos.payments import camt053, mt940
from bansos.payments.iso20022 import StatementEntry
from bansos.payments.reconcile import (
    KINDS,
    Ours,
    Theirs,
    from_file,
    from_statement,
    reconcile,
    to_csv,
    to_json,
)

DAY = date(2026, 12, 1)


def ours(ref: str, amount: int, status: str, provider: str = "BANKSIM") -> Ours:
    return Ours(ref, provider, DAY, amount, status)  # type: ignore[arg-type]


def theirs(ref: str, amount: int, status: str = "booked", provider: str = "BANKSIM") -> Theirs:
    return Theirs(ref, provider, DAY, amount, status, "status-api")  # type: ignore[arg-type]


def test_agreement_is_a_clean_report() -> None:
    report = reconcile(
        [ours("D1-1", 200_000, "confirmed"), ours("D1-2", 150_000, "failed")],
        [theirs("D1-1", 200_000)],
    )
    assert report.ok and report.problems == []
    assert [(i.reference, i.kind) for i in report.items] == [("D1-1", "confirmed"),
                                                              ("D1-2", "failed")]  # fmt: skip
    (line,) = report.lines
    assert (line.sent, line.sent_amount) == (2, 350_000)
    assert line.counts["confirmed"] == 1 and line.amounts["confirmed"] == 200_000
    assert line.counts["failed"] == 1 and line.amounts["failed"] == 150_000


def test_every_disagreement_is_found_and_the_worst_comes_first() -> None:
    report = reconcile(
        [
            ours("D1-1", 200_000, "failed"),  # they booked it: we could pay her twice
            ours("D1-2", 200_000, "confirmed"),  # they booked less
            ours("D1-3", 200_000, "confirmed"),  # they never booked it
            ours("D1-5", 200_000, "confirmed"),  # booked, then sent back
            ours("D1-6", 200_000, "open"),  # we are still asking
        ],
        [
            theirs("D1-1", 200_000),
            theirs("D1-2", 199_000),
            theirs("D1-4", 75_000),  # a reference we never sent
            theirs("D1-5", 200_000),
            theirs("D1-5", 200_000, "returned"),
        ],
    )
    kinds = {i.reference: i.kind for i in report.items}
    assert kinds == {
        "D1-1": "booked_but_failed_here",
        "D1-2": "amount_differs",
        "D1-3": "missing_there",
        "D1-4": "unknown_here",
        "D1-5": "returned",
        "D1-6": "open",
    }
    assert [i.reference for i in report.problems] == ["D1-1", "D1-2", "D1-3", "D1-4"]
    assert report.items[0].kind == "booked_but_failed_here" and not report.ok
    differs = next(i for i in report.items if i.kind == "amount_differs")
    assert (differs.ours_amount, differs.theirs_amount) == (200_000, 199_000)


def test_a_reference_booked_twice_there_is_an_amount_difference() -> None:
    report = reconcile([ours("D1-1", 200_000, "confirmed")],
                       [theirs("D1-1", 200_000), theirs("D1-1", 200_000)])  # fmt: skip
    (item,) = report.items
    assert item.kind == "amount_differs" and item.theirs_amount == 400_000 and item.problem


def test_rails_are_kept_apart() -> None:
    report = reconcile([ours("S7", 90_000, "confirmed", "BANKSIM")],
                       [theirs("S7", 90_000, provider="WALLETSIM")])  # fmt: skip
    found = {(i.provider, i.kind) for i in report.items}
    assert found == {("BANKSIM", "missing_there"), ("WALLETSIM", "unknown_here")}
    assert [line.provider for line in report.lines] == ["BANKSIM", "WALLETSIM"]


def test_statement_entries_become_the_providers_side() -> None:
    entries = [
        StatementEntry(200_000, "DBIT", "BOOK", DAY, DAY, "D1-1", "BNK001"),
        StatementEntry(150_000, "DBIT", "PDNG", DAY, DAY, "D1-2", "BNK002"),
        StatementEntry(200_000, "CRDT", "BOOK", DAY, DAY, "D1-3", "BNK003", reversal=True),
        StatementEntry(5_000_000, "CRDT", "BOOK", DAY, DAY, None, "TOPUP"),  # funding: not a payout
        StatementEntry(6_500, "DBIT", "BOOK", DAY, DAY, None, "FEE"),  # a fee: not a payout
    ]
    found = from_statement(entries, "BANKSIM", "camt.053")
    assert [(t.reference, t.status, t.amount, t.provider_reference) for t in found] == [
        ("D1-1", "booked", 200_000, "BNK001"),
        ("D1-2", "pending", 150_000, "BNK002"),
        ("D1-3", "returned", 200_000, "BNK003"),
    ]
    assert all(t.source == "camt.053" and t.day == DAY for t in found)


def test_csv_and_json_carry_every_item() -> None:
    report = reconcile([ours("D1-1", 200_000, "failed"), ours("D1-2", 10_000, "confirmed")],
                       [theirs("D1-1", 200_000), theirs("D1-2", 10_000)])  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(to_csv(report))))
    assert [(r["reference"], r["kind"], r["problem"]) for r in rows] == [
        ("D1-1", "booked_but_failed_here", "yes"), ("D1-2", "confirmed", "no")]  # fmt: skip
    data = json.loads(to_json(report))
    assert data["ok"] is False and data["problems"] == 1
    assert data["lines"][0]["counts"]["booked_but_failed_here"] == 1
    assert data["items"][1] == {**data["items"][1], "reference": "D1-2", "day": "2026-12-01"}


payouts = st.lists(
    st.tuples(st.integers(1, 10**9), st.sampled_from(["confirmed", "failed", "open"])),
    max_size=40,
)


@given(payouts)
def test_consistent_sides_always_agree_and_every_rupiah_is_counted(rows: list) -> None:  # type: ignore[type-arg]
    mine = [ours(f"D9-{n}", amount, status) for n, (amount, status) in enumerate(rows)]
    there = [theirs(o.reference, o.amount) for o in mine if o.status == "confirmed"]
    report = reconcile(mine, there)
    assert report.ok
    assert len(report.items) == len(mine)
    for line in report.lines:
        assert sum(line.counts.values()) == line.sent
        assert sum(line.amounts.values()) == line.sent_amount
        assert set(line.counts) == set(KINDS)


@given(payouts, st.integers(0, 39))
def test_one_booking_on_a_failed_payout_is_always_caught(rows: list, pick: int) -> None:  # type: ignore[type-arg]
    mine = [ours(f"D9-{n}", amount, "failed") for n, (amount, _) in enumerate(rows)]
    if not mine:
        return
    victim = mine[pick % len(mine)]
    report = reconcile(mine, [theirs(victim.reference, victim.amount)])
    assert [(i.reference, i.kind) for i in report.problems] == [
        (victim.reference, "booked_but_failed_here")]  # fmt: skip


def test_a_camt053_statement_file_is_the_providers_side(tmp_path: Path) -> None:
    booked = [StatementEntry(200_000, "DBIT", "BOOK", DAY, DAY, "D1-1", "BNK001"),
              StatementEntry(90_000, "DBIT", "BOOK", DAY, DAY, "S7", "BNK002")]  # fmt: skip
    xml = camt053.write_camt053(
        statement_id="STMT-1", account="1234567890", opening_balance=1_000_000, entries=booked,
        period_start=DAY, period_end=DAY, created_at=datetime(2026, 12, 2, tzinfo=UTC),
    )  # fmt: skip
    path = tmp_path / "statement.xml"
    path.write_bytes(xml)
    found = from_file(path, "BANKSIM")
    assert [(t.reference, t.amount, t.status, t.source) for t in found] == [
        ("D1-1", 200_000, "booked", "camt.053"), ("S7", 90_000, "booked", "camt.053")]  # fmt: skip
    report = reconcile([ours("D1-1", 200_000, "confirmed"), ours("S7", 90_000, "failed")], found)
    assert [(i.reference, i.kind) for i in report.problems] == [("S7", "booked_but_failed_here")]


def test_an_mt940_statement_file_is_read_the_same_way() -> None:
    path = Path(__file__).parent / "data" / "statement_idr.sta"
    found = from_file(path, "BANKSIM")
    entries = [e for s in mt940.read_mt940(path) for e in s.entries if e.end_to_end_id]
    assert found and len(found) == len(entries)
    assert {t.source for t in found} == {"mt940"}
    assert sum(t.amount for t in found) == sum(e.amount for e in entries)
