"""pain.001 out and camt.053 in/out, checked against the official ISO 20022 XSDs.

Every generated file is also re-validated here with lxml's whole-tree XMLSchema, independently
of the module's own streaming validation, and tampered files show that the checks can fail.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from bansos.core.clock import WIT
from bansos.core.errors import Problem
from bansos.core.messages import MESSAGES
from bansos.payments import camt053, pain001
from bansos.payments import iso20022 as iso
from bansos.payments.camt053 import iter_camt053, read_camt053, write_camt053
from bansos.payments.iso20022 import StatementEntry
from bansos.payments.pain001 import (
    Debtor,
    Payout,
    check_pain001,
    iter_pain001_payouts,
    write_pain001,
)

DATA = Path(__file__).parent / "data"
CREATED = datetime(2024, 3, 15, 8, 30, tzinfo=WIT)
DEBTOR = Debtor("Kementerian Sosial RI - Program Keluarga Harapan", "1230004567890", "BMRIIDJA")
DEBTOR_BI = Debtor("Kementerian Sosial RI - Program Keluarga Harapan", "1230004567890", "008")


def payout(n: int, **changes: object) -> Payout:
    base = Payout(
        end_to_end_id=f"BNS-24-C1-{n:06d}",
        amount=150_000 + n,
        creditor_name=f"Penerima Nomor {n}",
        creditor_account=f"{987654321 + n:010d}",
        creditor_bank="CENAIDJA",
        remittance_info="BANSOS PKH TAHAP I 2024",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def write(tmp_path: Path, payouts: list[Payout], **options: object) -> pain001.Pain001Result:
    options.setdefault("debtor", DEBTOR)
    options.setdefault("created_at", CREATED)
    return write_pain001(
        tmp_path / "batch.xml",
        payouts,
        message_id="BNS-24-C1",
        execution_date=date(2024, 3, 18),
        **options,  # type: ignore[arg-type]
    )


def official_errors(data: bytes, version: str) -> list[str]:
    """Whole-tree validation with lxml against the vendored official XSD: the errors."""
    xsd = etree.XMLSchema(etree.parse(str(iso.SCHEMA_DIR / f"{version}.xsd")))
    ok = xsd.validate(etree.fromstring(data))
    return [] if ok else [error.message for error in xsd.error_log]


def worded(problem: Problem) -> str:
    """The problem's code, once both its texts are filled in (no ``{name}`` left over)."""
    for text in problem.messages().values():
        assert "{" not in text, text
    return problem.code


def ns(version: str) -> dict[str, str]:
    return {"p": iso.NAMESPACE_PREFIX + version}


# --- pain.001 ------------------------------------------------------------------------------


@pytest.mark.parametrize("version", pain001.PAIN001_VERSIONS)
@pytest.mark.parametrize("scheme", ["bic", "bi"])
def test_pain001_is_valid_against_the_official_schema(
    tmp_path: Path, version: pain001.Pain001Version, scheme: pain001.BankIdScheme
) -> None:
    bank = "CENAIDJA" if scheme == "bic" else "014"
    payouts = [payout(n, creditor_bank=bank) for n in range(1, 4)]
    debtor = DEBTOR if scheme == "bic" else DEBTOR_BI
    result = write(tmp_path, payouts, version=version, bank_id_scheme=scheme, debtor=debtor)

    data = result.path.read_bytes()
    assert official_errors(data, version) == []
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    assert result.summary == pain001.Pain001Summary(version, "BNS-24-C1", 3, 450_006)
    assert result.truncations == ()
    assert not list(tmp_path.glob("*.part"))

    tree = etree.fromstring(data)
    n = ns(version)
    assert tree.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=n) == "3"
    assert tree.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=n) == "450006"
    info = tree.find("p:CstmrCdtTrfInitn/p:PmtInf", namespaces=n)
    assert info is not None
    assert info.findtext("p:ChrgBr", namespaces=n) == "DEBT"
    assert info.findtext("p:BtchBookg", namespaces=n) == "false"
    assert info.findtext("p:DbtrAcct/p:Id/p:Othr/p:Id", namespaces=n) == "1230004567890"
    execution = "p:ReqdExctnDt" if version.endswith(".03") else "p:ReqdExctnDt/p:Dt"
    assert info.findtext(execution, namespaces=n) == "2024-03-18"
    amounts = info.findall("p:CdtTrfTxInf/p:Amt/p:InstdAmt", namespaces=n)
    assert [(a.text, a.get("Ccy")) for a in amounts] == [
        ("150001", "IDR"),
        ("150002", "IDR"),
        ("150003", "IDR"),
    ]
    agent = "p:CdtTrfTxInf/p:CdtrAgt/p:FinInstnId/"
    if scheme == "bi":
        agent += "p:ClrSysMmbId/p:MmbId"
    else:
        agent += "p:BIC" if version.endswith(".03") else "p:BICFI"
    assert info.findtext(agent, namespaces=n) == bank
    assert list(iter_pain001_payouts(result.path)) == payouts


def test_pain001_amounts_with_two_decimals_when_the_bank_wants_them(tmp_path: Path) -> None:
    result = write(tmp_path, [payout(1), payout(2)], amount_decimals=2)
    data = result.path.read_bytes()
    assert official_errors(data, "pain.001.001.03") == []
    assert b'<InstdAmt Ccy="IDR">150001.00</InstdAmt>' in data
    assert data.count(b"<CtrlSum>300003.00</CtrlSum>") == 2
    assert result.summary.control_sum == 300_003


def test_pain001_escapes_markup_and_keeps_utf8(tmp_path: Path) -> None:
    name = 'PT "Ayu" & <Putri> O\'Brien — Ni Luh Śrī Ñoman'
    result = write(tmp_path, [payout(1, creditor_name=name, remittance_info="a < b & c")])
    data = result.path.read_bytes()
    assert "Ni Luh Śrī Ñoman".encode() in data
    assert b"&amp; &lt;Putri&gt;" in data
    assert b"a &lt; b &amp; c" in data
    [back] = iter_pain001_payouts(result.path)
    assert (back.creditor_name, back.remittance_info) == (name, "a < b & c")


def test_pain001_cuts_long_texts_to_the_schema_and_says_so(tmp_path: Path) -> None:
    long_name = "Nama " + "Panjang " * 30  # 245 characters
    payouts = [payout(1), payout(2, creditor_name=long_name, remittance_info="x" * 200)]
    result = write(tmp_path, payouts)
    assert official_errors(result.path.read_bytes(), "pain.001.001.03") == []
    assert result.truncations == (
        pain001.Truncation(2, "BNS-24-C1-000002", "Cdtr/Nm", 244, 140),
        pain001.Truncation(2, "BNS-24-C1-000002", "RmtInf/Ustrd", 200, 140),
    )
    back = list(iter_pain001_payouts(result.path))[1]
    assert back.creditor_name == " ".join(long_name.split())[:140]
    assert back.remittance_info == "x" * 140


def test_pain001_collapses_whitespace_in_texts(tmp_path: Path) -> None:
    result = write(tmp_path, [payout(1, creditor_name="  Siti \n\t Aminah ")])
    [back] = iter_pain001_payouts(result.path)
    assert back.creditor_name == "Siti Aminah"


BAD_PAYOUTS = [
    ({"amount": 150_000.0}, "iso20022.amount_not_integer"),
    ({"amount": Decimal("150000")}, "iso20022.amount_not_integer"),
    ({"amount": True}, "iso20022.amount_not_integer"),
    ({"amount": 0}, "iso20022.amount_not_positive"),
    ({"amount": -5_000}, "iso20022.amount_not_positive"),
    ({"creditor_name": "   "}, "iso20022.name_empty"),
    ({"creditor_name": ""}, "iso20022.name_empty"),
    ({"creditor_name": "Siti\x00Aminah"}, "iso20022.text_invalid"),
    ({"remittance_info": "BANSOS\x1b[31m"}, "iso20022.text_invalid"),
    ({"creditor_account": "0987-654-321"}, "iso20022.account_invalid"),
    ({"creditor_account": "0987 654321"}, "iso20022.account_invalid"),
    ({"creditor_account": ""}, "iso20022.account_invalid"),
    ({"creditor_account": "1" * 35}, "iso20022.account_invalid"),
    ({"creditor_bank": "cenaidja"}, "iso20022.bank_code_invalid"),
    ({"creditor_bank": "014"}, "iso20022.bank_code_invalid"),
    ({"end_to_end_id": ""}, "iso20022.end_to_end_id_invalid"),
    ({"end_to_end_id": "BNS 1"}, "iso20022.end_to_end_id_invalid"),
    ({"end_to_end_id": "BNS/1"}, "iso20022.end_to_end_id_invalid"),
    ({"end_to_end_id": "B" * 36}, "iso20022.end_to_end_id_invalid"),
]


@pytest.mark.parametrize(("changes", "code"), BAD_PAYOUTS)
def test_pain001_refuses_bad_payouts_and_writes_nothing(
    tmp_path: Path, changes: dict[str, object], code: str
) -> None:
    with pytest.raises(Problem) as caught:
        write(tmp_path, [payout(1), payout(2, **changes), payout(3)])
    assert worded(caught.value) == code
    if code != "iso20022.end_to_end_id_invalid":
        assert caught.value.params["end_to_end_id"] == "BNS-24-C1-000002"
    assert caught.value.params["row"] == 2
    assert list(tmp_path.iterdir()) == []


def test_pain001_bi_scheme_refuses_a_bic(tmp_path: Path) -> None:
    with pytest.raises(Problem) as caught:
        write(tmp_path, [payout(1)], bank_id_scheme="bi", debtor=DEBTOR_BI)
    assert caught.value.code == "iso20022.bank_code_invalid"
    assert caught.value.params["scheme"] == "bi"


def test_pain001_refuses_duplicate_end_to_end_ids(tmp_path: Path) -> None:
    with pytest.raises(Problem) as caught:
        write(tmp_path, [payout(1), payout(2), payout(3, end_to_end_id="BNS-24-C1-000001")])
    assert caught.value.code == "iso20022.end_to_end_id_duplicate"
    assert caught.value.params == {"row": 3, "end_to_end_id": "BNS-24-C1-000001"}
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"debtor": Debtor("", "1230004567890", "BMRIIDJA")}, "iso20022.debtor_invalid"),
        ({"debtor": Debtor("Kemensos", "123-456", "BMRIIDJA")}, "iso20022.debtor_invalid"),
        ({"debtor": Debtor("Kemensos", "1230004567890", "BMRI")}, "iso20022.debtor_invalid"),
        ({"message_id": "BNS 24"}, "iso20022.identifier_invalid"),
        ({"payouts": []}, "iso20022.batch_empty"),
        ({"payouts": [payout(1, amount=10**18)]}, "iso20022.control_sum_too_large"),
    ],
)
def test_pain001_refuses_bad_headers(tmp_path: Path, options: dict[str, object], code: str) -> None:
    arguments: dict[str, object] = {
        "debtor": DEBTOR,
        "message_id": "BNS-24-C1",
        "execution_date": date(2024, 3, 18),
        "created_at": CREATED,
        "payouts": [payout(1)],
    }
    arguments.update(options)
    with pytest.raises(Problem) as caught:
        write_pain001(tmp_path / "batch.xml", **arguments)  # type: ignore[arg-type]
    assert worded(caught.value) == code
    assert list(tmp_path.iterdir()) == []


def test_pain001_reads_its_payouts_only_once(tmp_path: Path) -> None:
    consumed = []

    def payouts() -> Iterator[Payout]:
        for n in range(1, 5_001):
            consumed.append(n)
            yield payout(n, amount=100_000)

    result = write(tmp_path, payouts())  # type: ignore[arg-type]
    assert consumed == list(range(1, 5_001))
    assert result.summary.number_of_transactions == 5_000
    assert result.summary.control_sum == 500_000_000


BIG_BATCH = """
import re, sys
from datetime import date, datetime, timezone
from pathlib import Path
from bansos.payments.pain001 import Debtor, Payout, write_pain001

def payouts():
    for n in range(100_000):
        yield Payout(f"BNS-{n:07d}", 150_000 + n % 7, f"Penerima Nomor {n}", f"{10**9 + n}",
                     "CENAIDJA", "BANSOS PKH TAHAP I 2024")

result = write_pain001(Path(sys.argv[1]), payouts(),
    debtor=Debtor("Kementerian Sosial RI", "1230004567890", "BMRIIDJA"), message_id="BIG",
    execution_date=date(2024, 3, 18), created_at=datetime(2024, 3, 15, tzinfo=timezone.utc))
# VmHWM, not ru_maxrss: the latter keeps the forked parent's size across exec.
status = Path("/proc/self/status").read_text()
peak = re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1)
print(result.summary.number_of_transactions, result.summary.control_sum, peak)
"""


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak memory from /proc")
def test_pain001_streams_a_hundred_thousand_payouts_in_bounded_memory(tmp_path: Path) -> None:
    target = tmp_path / "big.xml"
    run = subprocess.run(
        [sys.executable, "-c", BIG_BATCH, str(target)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    count, total, peak_kib = (int(word) for word in run.stdout.split())
    assert (count, total) == (100_000, sum(150_000 + n % 7 for n in range(100_000)))
    # Measured here (VmHWM): ~21 MB for the interpreter with lxml, ~35 MB for this run, ~67 MB
    # when the payouts are first gathered in a list, ~320 MB for an lxml tree of the file.
    assert target.stat().st_size > 30_000_000
    assert peak_kib < 55_000, f"peak memory {peak_kib} KiB"
    assert check_pain001(target).number_of_transactions == 100_000


def test_writers_want_an_aware_creation_time(tmp_path: Path) -> None:
    naive = datetime(2024, 3, 15, 8, 30)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="timezone-aware"):
        write(tmp_path, [payout(1)], created_at=naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        write_camt053(
            statement_id="S",
            account="1",
            opening_balance=0,
            entries=[],
            period_start=date(2024, 3, 15),
            period_end=date(2024, 3, 15),
            created_at=naive,
        )


# --- pain.001: the checks can fail ---------------------------------------------------------


@pytest.fixture
def pain(tmp_path: Path) -> bytes:
    return write(tmp_path, [payout(1), payout(2), payout(3)]).path.read_bytes()


def tampered(data: bytes, old: bytes, new: bytes, count: int = 1) -> bytes:
    assert data.count(old) >= count, old
    return data.replace(old, new, count)


def test_check_pain001_refuses_a_wrong_group_control_sum(pain: bytes) -> None:
    bad = tampered(pain, b"<CtrlSum>450006</CtrlSum>", b"<CtrlSum>450007</CtrlSum>")
    assert official_errors(bad, "pain.001.001.03") == []  # the XSD cannot see it
    with pytest.raises(Problem) as caught:
        check_pain001(bad)
    assert caught.value.code == "iso20022.control_sum_mismatch"
    assert caught.value.params["where"] == "GrpHdr BNS-24-C1"


def test_check_pain001_refuses_a_wrong_block_control_sum(pain: bytes) -> None:
    bad = pain.replace(b"<CtrlSum>450006</CtrlSum>", b"<CtrlSum>450000</CtrlSum>")
    bad = bad.replace(b"<CtrlSum>450000</CtrlSum>", b"<CtrlSum>450006</CtrlSum>", 1)
    with pytest.raises(Problem) as caught:
        check_pain001(bad)
    assert caught.value.code == "iso20022.control_sum_mismatch"
    assert caught.value.params["where"] == "PmtInf BNS-24-C1"


def test_check_pain001_refuses_a_wrong_count(pain: bytes) -> None:
    bad = tampered(pain, b"<NbOfTxs>3</NbOfTxs>", b"<NbOfTxs>4</NbOfTxs>")
    with pytest.raises(Problem) as caught:
        check_pain001(bad)
    assert caught.value.code == "iso20022.count_mismatch"
    assert caught.value.params == {"where": "GrpHdr BNS-24-C1", "declared": "4", "actual": 3}


def test_check_pain001_refuses_a_bad_element_through_the_xsd(pain: bytes) -> None:
    bad = tampered(pain, b"<ChrgBr>DEBT</ChrgBr>", b"<ChrgBr>DEBT</ChrgBr><Foo>1</Foo>")
    assert official_errors(bad, "pain.001.001.03") != []
    with pytest.raises(Problem) as caught:
        check_pain001(bad)
    assert caught.value.code == "iso20022.schema_invalid"
    assert "Foo" in caught.value.params["detail"]
    assert "{urn:" not in caught.value.params["detail"]


def test_check_pain001_refuses_a_bad_value_through_the_xsd(pain: bytes) -> None:
    bad = tampered(pain, b'Ccy="IDR">150002<', b'Ccy="IDR">-150002<')
    with pytest.raises(Problem) as caught:
        check_pain001(bad)
    assert caught.value.code == "iso20022.schema_invalid"


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        (b">150002<", b">150002.50<", "statement.amount_fractional"),
        (b'Ccy="IDR">150002<', b'Ccy="USD">150002<', "statement.currency_unsupported"),
        (b"BNS-24-C1-000002<", b"BNS-24-C1-000001<", "iso20022.end_to_end_id_duplicate"),
        (b"pain.001.001.03", b"pain.001.001.02", "iso20022.message_unsupported"),
        (b"</Document>", b"</Documen>", "iso20022.not_xml"),
    ],
)
def test_check_pain001_refuses_what_the_bank_would(
    pain: bytes, old: bytes, new: bytes, code: str
) -> None:
    with pytest.raises(Problem) as caught:
        check_pain001(tampered(pain, old, new))
    assert worded(caught.value) == code


def test_check_pain001_refuses_a_blank_end_to_end_id(pain: bytes) -> None:
    bad = tampered(pain, b"<EndToEndId>BNS-24-C1-000002<", b"<EndToEndId> <")
    assert official_errors(bad, "pain.001.001.03") == []  # one space is a Max35Text
    with pytest.raises(Problem) as caught:
        check_pain001(bad)
    assert caught.value.code == "iso20022.end_to_end_id_invalid"
    assert caught.value.params["row"] == 2


def test_iter_pain001_payouts_yields_nothing_from_a_file_bad_at_its_end(pain: bytes) -> None:
    bad = tampered(
        pain,
        b"<Ustrd>BANSOS PKH TAHAP I 2024</Ustrd></RmtInf></CdtTrfTxInf></PmtInf>",
        b"<Ustrd>BANSOS PKH TAHAP I 2024</Ustrd></RmtInf><X/></CdtTrfTxInf></PmtInf>",
    )
    payouts = iter_pain001_payouts(bad)
    with pytest.raises(Problem) as caught:
        next(payouts)
    assert caught.value.code == "iso20022.schema_invalid"


def test_check_pain001_reports_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(Problem) as caught:
        check_pain001(tmp_path / "nothing.xml")
    assert caught.value.code == "file.not_found"


@pytest.mark.parametrize("entity", ['SYSTEM "file://{secret}"', '"RAHASIA"'])
def test_pain001_with_a_doctype_is_refused(tmp_path: Path, pain: bytes, entity: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("RAHASIA")
    doctype = f"<!DOCTYPE Document [<!ENTITY x {entity.format(secret=secret)}>]>\n".encode()
    bad = tampered(pain, b"\n<Document", b"\n" + doctype + b"<Document")
    bad = tampered(bad, b"<Nm>Penerima Nomor 1</Nm>", b"<Nm>&x;</Nm>")
    for read in (check_pain001, lambda data: list(iter_pain001_payouts(data))):
        with pytest.raises(Problem) as caught:
            read(bad)
        assert caught.value.code == "iso20022.not_xml"
        assert "DOCTYPE" in caught.value.params["detail"]


# --- property: random batches --------------------------------------------------------------

texts = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Cn", "Co", "Zl", "Zp")),
    min_size=1,
    max_size=160,
).filter(lambda text: text.strip() != "")


@st.composite
def batches(draw: st.DrawFn) -> list[Payout]:
    size = draw(st.integers(min_value=1, max_value=25))
    refs = draw(
        st.lists(
            st.from_regex(r"[A-Za-z0-9][A-Za-z0-9.\-]{0,34}", fullmatch=True),
            min_size=size,
            max_size=size,
            unique=True,
        )
    )
    return [
        Payout(
            end_to_end_id=ref,
            amount=draw(st.integers(min_value=1, max_value=10**12)),
            creditor_name=draw(texts),
            creditor_account=draw(st.from_regex(r"[0-9]{1,34}", fullmatch=True)),
            creditor_bank=draw(st.sampled_from(["CENAIDJA", "BRINIDJA", "BNINIDJA123"])),
            remittance_info=draw(st.one_of(st.just(""), texts)),
        )
        for ref in refs
    ]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payouts=batches(), version=st.sampled_from(pain001.PAIN001_VERSIONS))
def test_random_batches_validate_and_add_up(
    tmp_path: Path, payouts: list[Payout], version: pain001.Pain001Version
) -> None:
    result = write(tmp_path, payouts, version=version)
    assert official_errors(result.path.read_bytes(), version) == []
    assert result.summary.number_of_transactions == len(payouts)
    assert result.summary.control_sum == sum(p.amount for p in payouts)
    back = list(iter_pain001_payouts(result.path))
    assert [(p.end_to_end_id, p.amount, p.creditor_account) for p in back] == [
        (p.end_to_end_id, p.amount, p.creditor_account) for p in payouts
    ]
    for sent, read in zip(payouts, back, strict=True):
        name = " ".join(sent.creditor_name.split())
        assert read.creditor_name == (name if len(name) <= 140 else name[:140].rstrip())
    truncated = {(t.row, t.field) for t in result.truncations}
    assert truncated == {
        (row, field)
        for row, p in enumerate(payouts, start=1)
        for field, text in (("Cdtr/Nm", p.creditor_name), ("RmtInf/Ustrd", p.remittance_info))
        if len(" ".join(text.split())) > 140
    }


# --- camt.053: reading ---------------------------------------------------------------------


def test_reads_a_bank_camt053_v02() -> None:
    [statement] = read_camt053(DATA / "camt053_bank_v02.xml")
    day = date(2024, 3, 15)
    assert (statement.statement_id, statement.account) == (
        "STMT-1230004567890-20240315",
        "1230004567890",
    )
    assert (statement.period_start, statement.period_end) == (day, day)
    assert (statement.opening_balance, statement.closing_balance) == (2_500_000_000, 2_499_250_000)
    assert statement.source_format == "camt.053.001.02"
    assert statement.entries == (
        # the batch-booked debit, split into its two transactions
        StatementEntry(300_000, "DBIT", "BOOK", day, day, "BNS-24-C1-000001", "FT2407512345-1",
                       "BANSOS PKH TAHAP I 2024"),
        StatementEntry(300_000, "DBIT", "BOOK", day, day, "BNS-24-C1-000002", "FT2407512345-2",
                       "BANSOS PKH TAHAP I 2024"),
        # NOTPROVIDED is no reference; a DtTm booking date; the text from AddtlNtryInf
        StatementEntry(450_000, "DBIT", "BOOK", day, day, None, "FT2407512347",
                       "TRF BANSOS BPNT KE 5566778899 NI LUH PUTU AYU"),
        StatementEntry(300_000, "CRDT", "BOOK", day, day, "BNS-24-C1-000002", "RT2407500001",
                       "RETUR DANA: REKENING TUTUP", reversal=True),
        # pending: listed, not in the booked closing balance
        StatementEntry(1_000_000_000, "CRDT", "PDNG", None, date(2024, 3, 18), None, None,
                       "PEMINDAHBUKUAN DANA PROGRAM DARI REKENING KAS UMUM NEGARA"),
    )  # fmt: skip


def test_reads_a_bank_camt053_v08_with_a_negative_closing_balance() -> None:
    [statement] = read_camt053((DATA / "camt053_bank_v08.xml").read_bytes())
    day = date(2024, 3, 18)
    assert (statement.opening_balance, statement.closing_balance) == (1_000_000, -250_000)
    assert (statement.period_start, statement.period_end) == (day, day)
    assert statement.entries == (
        StatementEntry(1_000_000, "DBIT", "BOOK", day, None, "BNS-24-C2-000010", "B0318-77"),
        StatementEntry(250_000, "DBIT", "BOOK", day, None, "BNS-24-C2-000011", "B0318-77"),
    )


@pytest.fixture
def camt() -> bytes:
    return (DATA / "camt053_bank_v02.xml").read_bytes()


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        (b"<Amt Ccy=\"IDR\">2499250000.00</Amt>", b"<Amt Ccy=\"IDR\">2499250001.00</Amt>",
         "statement.balance_mismatch"),
        (b">450000<", b">450000.50<", "statement.amount_fractional"),
        (b'<Amt Ccy="IDR">450000<', b'<Amt Ccy="USD">450000<', "statement.currency_unsupported"),
        (b"<Ccy>IDR</Ccy>", b"<Ccy>EUR</Ccy>", "statement.currency_unsupported"),
        (b"<Cd>CLBD</Cd>", b"<Cd>ITBD</Cd>", "statement.balance_missing"),
        (b"<Cd>PRCD</Cd>", b"<Cd>ITBD</Cd>", "statement.balance_missing"),
        (b"<Sts>PDNG</Sts>", b"<Sts>INFO</Sts>", "iso20022.entry_status_unsupported"),
        (b"<Amt Ccy=\"IDR\">300000.00</Amt>\n              </TxAmt>",
         b"<Amt Ccy=\"IDR\">300001.00</Amt>\n              </TxAmt>",
         "iso20022.entry_details_mismatch"),
        (b"<Sts>PDNG</Sts>", b"<Sts>DONE</Sts>", "iso20022.schema_invalid"),
        (b"<TxAmt>", b"<InstdAmt>", "iso20022.not_xml"),  # </TxAmt> left: not well-formed
        (b"camt.053.001.02", b"pain.001.001.03", "iso20022.message_unsupported"),
        (b"<Stmt>", b"<Stmt", "iso20022.not_xml"),
    ],
)  # fmt: skip
def test_camt053_refusals(camt: bytes, old: bytes, new: bytes, code: str) -> None:
    with pytest.raises(Problem) as caught:
        read_camt053(tampered(camt, old, new))
    assert worded(caught.value) == code


def test_camt053_balance_mismatch_says_what_it_expected(camt: bytes) -> None:
    bad = tampered(camt, b">2499250000.00<", b">2499250001.00<")
    with pytest.raises(Problem) as caught:
        read_camt053(bad)
    assert caught.value.params == {
        "statement_id": "STMT-1230004567890-20240315",
        "opening": "Rp2.500.000.000",
        "entries": "-Rp750.000",
        "closing": "Rp2.499.250.001",
        "expected": "Rp2.499.250.000",
    }
    assert "Rp2.499.250.000" in caught.value.messages()["id"]


def test_camt053_split_needs_an_amount_on_every_transaction(camt: bytes) -> None:
    start = camt.index(b"<AmtDtls>")
    end = camt.index(b"</AmtDtls>") + len(b"</AmtDtls>")
    with pytest.raises(Problem) as caught:
        read_camt053(camt[:start] + camt[end:])
    assert caught.value.code == "iso20022.entry_details_mismatch"
    assert caught.value.params["details_amount"] == "-"


def test_camt053_is_validated_before_any_statement_is_yielded(camt: bytes) -> None:
    stmt = camt[camt.index(b"<Stmt>") : camt.index(b"</Stmt>") + len(b"</Stmt>")]
    second = stmt.replace(b"<AddtlNtryInf>PEMINDAHBUKUAN", b"<Foo/><AddtlNtryInf>PEMINDAHBUKUAN")
    two = camt.replace(stmt, stmt + second)
    statements = iter_camt053(two)
    with pytest.raises(Problem) as caught:
        next(statements)
    assert caught.value.code == "iso20022.schema_invalid"
    # and without the bad element both statements come through
    assert len(read_camt053(camt.replace(stmt, stmt + stmt))) == 2


# --- camt.053: writing, and round trips ----------------------------------------------------

ENTRIES = (
    StatementEntry(150_000, "DBIT", "BOOK", date(2024, 3, 15), date(2024, 3, 15),
                   "BNS-24-C1-000001", "FT1", "BANSOS PKH TAHAP I 2024"),
    StatementEntry(150_000, "CRDT", "BOOK", date(2024, 3, 15), None, "BNS-24-C1-000001",
                   "RT1", "RETUR: REKENING TUTUP", reversal=True),
    StatementEntry(2_000_000, "CRDT", "PDNG", None, date(2024, 3, 18)),
    StatementEntry(300_000, "DBIT", "BOOK", date(2024, 3, 15), None, None, None,
                   "Biaya & <administrasi>"),
)  # fmt: skip


@pytest.mark.parametrize("version", camt053.CAMT053_VERSIONS)
def test_camt053_writer_round_trips(version: camt053.Camt053Version) -> None:
    data = write_camt053(
        statement_id="SIM-20240315",
        account="1230004567890",
        opening_balance=100_000,
        entries=ENTRIES,
        period_start=date(2024, 3, 15),
        period_end=date(2024, 3, 15),
        created_at=CREATED,
        version=version,
    )
    assert official_errors(data, version) == []
    [statement] = read_camt053(data)
    assert statement == iso.Statement(
        statement_id="SIM-20240315",
        account="1230004567890",
        period_start=date(2024, 3, 15),
        period_end=date(2024, 3, 15),
        opening_balance=100_000,
        closing_balance=100_000 - 150_000 + 150_000 - 300_000,
        entries=ENTRIES,
        source_format=version,
    )


@pytest.mark.parametrize(
    ("entry", "code"),
    [
        (StatementEntry(0, "DBIT"), "iso20022.amount_not_positive"),
        (StatementEntry(1.5, "DBIT"), "iso20022.amount_not_integer"),  # type: ignore[arg-type]
        (StatementEntry(1, "DBIT", remittance_info="x" * 141), "iso20022.text_invalid"),
        (StatementEntry(1, "DBIT", remittance_info=""), "iso20022.text_invalid"),
        (StatementEntry(1, "DBIT", remittance_info="a\nb"), "iso20022.text_invalid"),
        (StatementEntry(1, "DBIT", end_to_end_id="NOTPROVIDED"), "iso20022.text_invalid"),
        (StatementEntry(1, "DBIT", account_servicer_reference="R" * 36), "iso20022.text_invalid"),
    ],
)
def test_camt053_writer_refuses_bad_entries(entry: StatementEntry, code: str) -> None:
    with pytest.raises(Problem) as caught:
        write_camt053(
            statement_id="SIM-1",
            account="1230004567890",
            opening_balance=0,
            entries=[ENTRIES[0], entry],
            period_start=date(2024, 3, 15),
            period_end=date(2024, 3, 15),
            created_at=CREATED,
        )
    assert worded(caught.value) == code
    assert caught.value.params["row"] == 2


@pytest.mark.parametrize(
    ("statement_id", "account", "field"),
    [("S" * 36, "1230004567890", "Stmt/Id"), (" S", "1230004567890", "Stmt/Id"),
     ("S", "123-000", "Acct")],
)  # fmt: skip
def test_camt053_writer_refuses_bad_identifiers(
    statement_id: str, account: str, field: str
) -> None:
    with pytest.raises(Problem) as caught:
        write_camt053(
            statement_id=statement_id,
            account=account,
            opening_balance=0,
            entries=[],
            period_start=date(2024, 3, 15),
            period_end=date(2024, 3, 15),
            created_at=CREATED,
        )
    assert caught.value.code == "iso20022.identifier_invalid"
    assert caught.value.params["field"] == field


def test_camt053_writer_wants_a_period_in_order() -> None:
    with pytest.raises(ValueError, match="period_end"):
        write_camt053(
            statement_id="S",
            account="1",
            opening_balance=0,
            entries=[],
            period_start=date(2024, 3, 15),
            period_end=date(2024, 3, 14),
            created_at=CREATED,
        )


@pytest.mark.parametrize(
    ("text", "rupiah"), [("150000", 150_000), ("150000.00", 150_000), (" 7.000 ", 7)]
)
def test_whole_rupiah_takes_zero_decimals(text: str, rupiah: int) -> None:
    assert iso.whole_rupiah(text) == rupiah


@pytest.mark.parametrize("text", ["150000.5", "0.01", "abc", "NaN", "Infinity", ""])
def test_whole_rupiah_refuses_fractions_and_garbage(text: str) -> None:
    with pytest.raises(Problem) as caught:
        iso.whole_rupiah(text)
    assert caught.value.code == "statement.amount_fractional"


def test_camt053_streams_a_large_statement() -> None:
    entries = [
        StatementEntry(100_000 + n, "DBIT", "BOOK", date(2024, 3, 15), None, f"BNS-{n:06d}")
        for n in range(20_000)
    ]
    data = write_camt053(
        statement_id="SIM-BIG",
        account="1230004567890",
        opening_balance=10**13,
        entries=entries,
        period_start=date(2024, 3, 15),
        period_end=date(2024, 3, 15),
        created_at=CREATED,
    )
    [statement] = read_camt053(data)
    assert statement.entries == tuple(entries)
    assert statement.closing_balance == 10**13 - sum(e.amount for e in entries)


plain_texts = st.text(
    alphabet=st.characters(
        codec="utf-8", exclude_categories=("Cc", "Cs", "Cn", "Co", "Zl", "Zp", "Zs")
    ),
    min_size=1,
    max_size=35,
)
dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def entries(draw: st.DrawFn) -> StatementEntry:
    return StatementEntry(
        amount=draw(st.integers(min_value=1, max_value=10**13)),
        direction=draw(st.sampled_from(["CRDT", "DBIT"])),
        status=draw(st.sampled_from(["BOOK", "PDNG"])),
        booking_date=draw(st.none() | dates),
        value_date=draw(st.none() | dates),
        end_to_end_id=draw(st.none() | plain_texts.filter(lambda t: t != "NOTPROVIDED")),
        account_servicer_reference=draw(st.none() | plain_texts),
        remittance_info=draw(st.none() | plain_texts),
        reversal=draw(st.booleans()),
    )


@settings(max_examples=60, deadline=None)
@given(
    items=st.lists(entries(), max_size=12),
    opening=st.integers(min_value=-(10**14), max_value=10**14),
    version=st.sampled_from(camt053.CAMT053_VERSIONS),
    start=dates,
    days=st.integers(min_value=0, max_value=31),
)
def test_camt053_round_trip_property(
    items: list[StatementEntry],
    opening: int,
    version: camt053.Camt053Version,
    start: date,
    days: int,
) -> None:
    end = date.fromordinal(start.toordinal() + days)
    data = write_camt053(
        statement_id="SIM-PROP",
        account="1230004567890",
        opening_balance=opening,
        entries=items,
        period_start=start,
        period_end=end,
        created_at=CREATED,
        version=version,
    )
    [statement] = read_camt053(data)
    assert statement.entries == tuple(items)
    assert (statement.period_start, statement.period_end) == (start, end)
    assert statement.opening_balance == opening
    booked = sum(e.signed_amount for e in items if e.status == "BOOK")
    assert statement.closing_balance == opening + booked


# --- the catalogue --------------------------------------------------------------------------


def test_every_problem_code_raised_here_has_both_languages() -> None:
    sources = [Path(m.__file__) for m in (iso, pain001, camt053)]
    sources.append(Path(iso.__file__).with_name("mt940.py"))
    codes = {
        code
        for source in sources
        for code in re.findall(r'Problem\(\s*"([a-z0-9_.]+)"', source.read_text())
    }
    assert len(codes) > 20
    for code in sorted(codes):
        assert code in MESSAGES, code
        indonesian, english = MESSAGES[code]
        assert indonesian and english and indonesian != english, code
