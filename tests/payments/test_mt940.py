"""MT940 statements from Indonesian banks, read into the same entries as camt.053."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bansos.core.errors import Problem
from bansos.payments.iso20022 import Statement, StatementEntry
from bansos.payments.mt940 import read_mt940


def worded(problem: Problem) -> str:
    """The problem's code, once both its texts are filled in (no ``{name}`` left over)."""
    for text in problem.messages().values():
        assert "{" not in text, text
    return problem.code


SAMPLE = Path(__file__).parent / "data" / "statement_idr.sta"
MAR15, MAR18 = date(2024, 3, 15), date(2024, 3, 18)


def test_reads_an_indonesian_bank_mt940() -> None:
    first, second = read_mt940(SAMPLE)
    assert first == Statement(
        statement_id="0315BNS00001/75/1",
        account="1230004567890",
        period_start=date(2024, 3, 14),
        period_end=MAR15,
        opening_balance=2_500_000_000,
        closing_balance=3_499_250_000,
        entries=(
            # /EREF/ cut by the bank's 65-character wrap in the middle of the code word
            StatementEntry(
                300_000, "DBIT", "BOOK", MAR15, MAR15, "BNS-24-C1-000001", "FT2407512345",
                "PEMBAYARAN BANSOS PKH TAHAP I 2024 KE 0987654321 SITI AMINAH "
                "/EREF/BNS-24-C1-000001",
            ),
            # a three-line :86:, the reference cut between its slash and its value
            StatementEntry(
                300_000, "DBIT", "BOOK", MAR15, MAR15, "BNS-24-C1-000002", "FT2407512346",
                "TRF BANSOS PKH TAHAP I 2024 KE 1122334455 I WAYAN SUDARSANA "
                "/EREF/BNS-24-C1-000002 PENERIMA BANTUAN SOSIAL",
            ),
            # no /EREF/: the :61: reference for the account owner (16 characters at most)
            StatementEntry(
                450_000, "DBIT", "BOOK", MAR15, MAR15, "BNS24C1000003", "FT2407512347",
                "TRF BANSOS BPNT KE 5566778899 NI LUH PUTU AYU",
            ),
            # RD: the bank reversed a debit (the payout came back), money in
            StatementEntry(
                300_000, "CRDT", "BOOK", MAR15, MAR15, "BNS-24-C1-000002", "RT2407500001",
                "RETUR DANA: REKENING TUTUP /EREF/BNS-24-C1-000002", reversal=True,
            ),
            # NONREF: no reference at all
            StatementEntry(
                1_000_000_000, "CRDT", "BOOK", MAR15, MAR15, None, "FT2407599999",
                "PEMINDAHBUKUAN DANA PROGRAM DARI REKENING KAS UMUM NEGARA",
            ),
        ),
        source_format="mt940",
    )  # fmt: skip
    assert second.statement_id == "0318BNS00002/76/1"
    assert (second.period_start, second.period_end) == (MAR15, MAR18)
    assert (second.opening_balance, second.closing_balance) == (3_499_250_000, 3_499_000_000)
    assert second.entries == (
        StatementEntry(
            250_000, "DBIT", "BOOK", MAR18, MAR18, "BNS-24-C1-000004", "FT2407800001",
            "PEMBAYARAN BANSOS PKH SUSULAN KE 6677889900 MUHAMMAD RIDWAN /EREF/BNS-24-C1-000004",
        ),
    )  # fmt: skip


def test_bytes_text_and_line_ends_give_the_same_statements() -> None:
    expected = read_mt940(SAMPLE)
    raw = SAMPLE.read_bytes()
    assert b"\r\n" in raw
    assert read_mt940(raw) == expected
    assert read_mt940(raw.decode()) == expected
    assert read_mt940(raw.replace(b"\r\n", b"\n")) == expected


def test_a_bare_statement_without_swift_blocks() -> None:
    text = (
        ":20:REK0001\n:25:0011223344\n:28C:1/1\n:60F:D240301IDR500000,00\n"
        ":61:2403010301C500000,\n"  # no decimals after the comma, no type code
        "NTRFNONREF\n:86:SETORAN TUNAI\n:62F:C240301IDR0,00\n"
    )
    [statement] = read_mt940(text)
    assert (statement.opening_balance, statement.closing_balance) == (-500_000, 0)
    assert statement.entries[0].amount == 500_000
    assert statement.entries[0].direction == "CRDT"


def test_a_structured_86_gives_its_eref() -> None:
    text = (
        ":20:STRUCT1\n:25:1230004567890\n:28C:1\n:60F:C240315IDR1000000,00\n"
        ":61:2403150315D200000,00NTRFNONREF//B1\n"
        ":86:166?00TRANSFER BANSOS?20EREF+BNS-24-C1-000009?21SVWZ+BANSOS PKH?32SITI AMINAH\n"
        ":62F:C240315IDR800000,00\n"
    )
    [statement] = read_mt940(text)
    assert statement.entries[0].end_to_end_id == "BNS-24-C1-000009"
    assert statement.entries[0].remittance_info == "BANSOS PKH"


SAMPLE_TEXT = SAMPLE.read_bytes().decode()  # CRLF kept, as the bank sent it


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        # Indonesian thousands dots in an amount: the library would merge two :61: lines
        ("D300000,00NTRFBNS24C1000001", "D300.000,00NTRFBNS24C1000001", "mt940.garbled"),
        (":60F:C240314IDR2500000000,00", ":60F:C2403IDR25", "mt940.garbled"),
        (":61:2403150315D450000", ":61:2413450315D450000", "mt940.garbled"),
        ("D450000,00NTRF", "D450000,50NTRF", "statement.amount_fractional"),
        (":60F:C240314IDR", ":60F:C240314USD", "statement.currency_unsupported"),
        (":62F:C240315IDR3499250000,00", ":62F:C240315IDR3499250001,00",
         "statement.balance_mismatch"),
        (":62F:C240315IDR3499250000,00\r\n", "", "statement.balance_missing"),
        (":60F:C240314IDR2500000000,00\r\n", "", "statement.balance_missing"),
        (":25:1230004567890\r\n:28C:75/1", ":28C:75/1", "mt940.field_missing"),
    ],
)  # fmt: skip
def test_garbled_statements_are_refused(old: str, new: str, code: str) -> None:
    assert old in SAMPLE_TEXT
    with pytest.raises(Problem) as caught:
        read_mt940(SAMPLE_TEXT.replace(old, new, 1))
    assert worded(caught.value) == code
    assert caught.value.messages()["id"] != caught.value.messages()["en"]


def test_garbled_detail_names_the_tag_and_not_python_objects() -> None:
    with pytest.raises(Problem) as caught:
        read_mt940(SAMPLE_TEXT.replace(":60F:C240314IDR2500000000,00", ":60F:C2403IDR25"))
    assert caught.value.params["detail"] == ":60F: 'C2403IDR25'"


def test_merged_lines_are_counted() -> None:
    with pytest.raises(Problem) as caught:
        read_mt940(SAMPLE_TEXT.replace("D300000,00NTRFBNS24C1000001", "D300.000,00NTRFBNS24"))
    assert caught.value.params["detail"] == "6 :61: lines, 5 entries read"


@pytest.mark.parametrize(
    ("source", "code"),
    [
        ("", "file.empty"),
        (b"  \r\n", "file.empty"),
        ("Laporan rekening koran bulan Maret", "mt940.no_statement"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "mt940.no_statement"),
        (":20:ABC\n", "mt940.field_missing"),
        (":20:\n:25:1230004567890\n:60F:C240315IDR0,00\n:62F:C240315IDR0,00\n",
         "mt940.field_missing"),
    ],
)  # fmt: skip
def test_not_mt940_at_all(source: str | bytes, code: str) -> None:
    with pytest.raises(Problem) as caught:
        read_mt940(source)
    assert worded(caught.value) == code


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(Problem) as caught:
        read_mt940(tmp_path / "none.sta")
    assert caught.value.code == "file.not_found"


def test_a_text_that_names_a_file_is_still_read_as_content(tmp_path: Path) -> None:
    # The library would open an existing path given as str; we never let it.
    with pytest.raises(Problem) as caught:
        read_mt940(str(SAMPLE))
    assert caught.value.code == "mt940.no_statement"


@st.composite
def statements(draw: st.DrawFn) -> tuple[str, int, list[int]]:
    opening = draw(st.integers(min_value=0, max_value=10**12))
    amounts = draw(st.lists(st.integers(min_value=-(10**9), max_value=10**9).filter(bool)))
    lines = [":20:PROP", ":25:1230004567890", ":28C:1/1", f":60F:C240315IDR{opening},00"]
    for n, amount in enumerate(amounts):
        mark = "C" if amount > 0 else "D"
        lines += [
            f":61:2403150315{mark}{abs(amount)},00NTRFBNS-{n:07d}//BANK{n}",
            f":86:BANSOS /EREF/BNS-24-{n:06d}",
        ]
    closing = opening + sum(amounts)
    lines.append(f":62F:{'C' if closing >= 0 else 'D'}240315IDR{abs(closing)},00")
    return "\n".join(lines) + "\n", opening, amounts


@settings(max_examples=60, deadline=None)
@given(statements())
def test_generated_statements_add_up(case: tuple[str, int, list[int]]) -> None:
    text, opening, amounts = case
    [statement] = read_mt940(text)
    assert statement.opening_balance == opening
    assert [entry.signed_amount for entry in statement.entries] == amounts
    assert [entry.end_to_end_id for entry in statement.entries] == [
        f"BNS-24-{n:06d}" for n in range(len(amounts))
    ]
    assert statement.closing_balance == opening + sum(amounts)
