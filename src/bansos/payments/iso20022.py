"""ISO 20022 files for banks that take batches: pain.001 payouts out, camt.053 statements in.

A batch of payouts goes to a bank's host-to-host (H2H) interface as one pain.001 (customer
credit transfer initiation); the bank's statement comes back as a camt.053 (bank-to-customer
statement), which reconciliation matches against the payouts by end-to-end id. The bank
simulator exports its books with :func:`write_camt053`, so tests run the same path as a bank.

Why these versions: pain.001.001.03 (the 2009 release that SEPA made universal) is the version
Indonesian banks' H2H bulk-payment specifications generally ask for; pain.001.001.09 (the
2019 generation that CBPR+ and newer interfaces use) is written too, for banks that have moved
on. Likewise camt.053.001.02 is what most banks send, and .001.08 is read and written.

Why lxml and the official XSDs: lxml (libxml2, in C) writes XML incrementally with correct
escaping and UTF-8, and validates against an XSD while streaming, so a 100,000-payout file is
written and checked in bounded memory; the schemas are the official ones (schemas/README.md),
so "valid" here means what a bank's own validator means. An XSD cannot add numbers up, so
:func:`check_pain001` also checks NbOfTxs and CtrlSum, and :func:`read_camt053` checks that
the opening balance plus the booked entries gives the closing balance.

Money is an ``int`` of rupiah. ISO 4217 gives IDR two minor digits, but no sen has circulated
for decades and banks book whole rupiah, so amounts are written without a fraction
(``150000``): the schema's decimal type allows it, and it never exceeds the number of decimals
any bank's rulebook permits for IDR. ``amount_decimals=2`` writes ``150000.00`` for a bank that
insists. Amounts read may carry zero decimals, never a non-zero fraction: that is refused.

Charges are borne by the ministry (``ChrgBr`` = DEBT) so that each family receives the full
amount, and ``BtchBookg`` is false so that the bank books each transfer as its own statement
entry, which is what lets reconciliation match entries to payouts one to one.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal

from lxml import etree

from bansos.core.errors import Problem
from bansos.core.money import format_rupiah

if TYPE_CHECKING:
    from lxml.etree._serializer import _IncrementalFileWriter

Pain001Version = Literal["pain.001.001.03", "pain.001.001.09"]
Camt053Version = Literal["camt.053.001.02", "camt.053.001.08"]
#: How the file names banks: a SWIFT BIC (``CENAIDJA``) or Bank Indonesia's member code
#: (sandi bank ``014``, or the 7-digit clearing code with its branch).
BankIdScheme = Literal["bic", "bi"]
CreditDebit = Literal["CRDT", "DBIT"]
EntryStatus = Literal["BOOK", "PDNG"]
#: A file on disk, or the bytes of a document already in memory.
XmlSource = Path | bytes

PAIN001_VERSIONS: tuple[Pain001Version, ...] = ("pain.001.001.03", "pain.001.001.09")
CAMT053_VERSIONS: tuple[Camt053Version, ...] = ("camt.053.001.02", "camt.053.001.08")
SCHEMA_DIR = Path(__file__).with_name("schemas")
NAMESPACE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:"
CURRENCY = "IDR"
#: Western Indonesia Time: the banks' books (and this simulator's) run on Jakarta time.
WIB = timezone(timedelta(hours=7), "WIB")

MAX_ID = 35  # Max35Text: MsgId, PmtInfId, EndToEndId, statement Id, AcctSvcrRef
MAX_NAME = 140  # Max140Text: Nm of a party
MAX_REMITTANCE = 140  # Max140Text: one Ustrd
MAX_ACCOUNT = 34  # Max34Text: Othr/Id of an account
MAX_TOTAL_DIGITS = 18  # totalDigits of DecimalNumber and of amounts

# Our own references: letters, digits, dots and hyphens, starting with a letter or a digit.
# No slash and no space, so that they also survive MT940 (where "//" separates fields and
# "/EREF/" marks one) unharmed.
_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-]{0,34}")
_BIC = re.compile(r"[A-Z]{6}[A-Z2-9][A-NP-Z0-9](?:[A-Z0-9]{3})?")
_BI_CODE = re.compile(r"[0-9]{3}(?:[0-9]{4})?")
_DIGITS = re.compile(r"[0-9]+")
_CONTROL = re.compile("[\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_CLARK = re.compile(r"\{[^}]*\}")


# --- Shared shapes -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Payout:
    """One transfer to one family's bank account."""

    end_to_end_id: str
    amount: int
    creditor_name: str
    creditor_account: str
    creditor_bank: str
    remittance_info: str = ""


@dataclass(frozen=True, slots=True)
class Debtor:
    """The program account the money leaves from, at the bank that receives the file."""

    name: str
    account: str
    bank: str


@dataclass(frozen=True, slots=True)
class Truncation:
    """A text cut to the schema's maximum length, reported rather than done silently."""

    row: int
    end_to_end_id: str
    field: str
    original_length: int
    kept_length: int


@dataclass(frozen=True, slots=True)
class Pain001Summary:
    """What a pain.001 declares, once its declarations have been checked against its body."""

    version: Pain001Version
    message_id: str
    number_of_transactions: int
    control_sum: int


@dataclass(frozen=True, slots=True)
class Pain001Result:
    """A written and validated pain.001 file."""

    path: Path
    summary: Pain001Summary
    truncations: tuple[Truncation, ...]


@dataclass(frozen=True, slots=True)
class StatementEntry:
    """One movement on a bank statement, the same shape whether it came as camt.053 or MT940.

    ``amount`` is the magnitude in rupiah; ``direction`` says which way it went. A reversal
    (``reversal=True``) keeps the direction of its own effect on the balance, as ISO 20022 and
    MT940 both report it.
    """

    amount: int
    direction: CreditDebit
    status: EntryStatus = "BOOK"
    booking_date: date | None = None
    value_date: date | None = None
    end_to_end_id: str | None = None
    account_servicer_reference: str | None = None
    remittance_info: str | None = None
    reversal: bool = False

    @property
    def signed_amount(self) -> int:
        """Credits add to the balance, debits take from it."""
        return self.amount if self.direction == "CRDT" else -self.amount


@dataclass(frozen=True, slots=True)
class Statement:
    """One account's statement for one period; balances are signed rupiah (debit < 0)."""

    statement_id: str
    account: str
    period_start: date
    period_end: date
    opening_balance: int
    closing_balance: int
    entries: tuple[StatementEntry, ...]
    source_format: str


def whole_rupiah(value: Decimal | str) -> int:
    """An amount read from a bank file as integer rupiah; a non-zero fraction is refused."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(value.strip())
    except InvalidOperation:
        raise Problem("statement.amount_fractional", amount=value) from None
    if not number.is_finite() or number != number.to_integral_value():
        raise Problem("statement.amount_fractional", amount=str(value))
    return int(number)


def check_balances(
    statement_id: str, opening: int, entries: Iterable[StatementEntry], closing: int
) -> None:
    """Opening balance plus the booked entries must give the closing balance.

    Pending (PDNG) entries are not in the booked closing balance, so they do not count.
    """
    booked = sum(entry.signed_amount for entry in entries if entry.status == "BOOK")
    if opening + booked != closing:
        raise Problem(
            "statement.balance_mismatch",
            statement_id=statement_id,
            opening=format_rupiah(opening),
            entries=format_rupiah(booked),
            closing=format_rupiah(closing),
            expected=format_rupiah(opening + booked),
        )


# --- Schemas, sources and streaming helpers ------------------------------------------------


@cache
def schema(version: str) -> etree.XMLSchema:
    """The official XSD of one message version, parsed once per process."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / f"{version}.xsd")))


@contextmanager
def _opened(source: XmlSource) -> Iterator[IO[bytes]]:
    if isinstance(source, bytes):
        yield io.BytesIO(source)
        return
    if not source.is_file():
        raise Problem("file.not_found", path=str(source))
    with source.open("rb") as handle:
        yield handle


def _iterparse(
    handle: IO[bytes],
    tags: Sequence[str] | None = None,
    *,
    events: tuple[Literal["start", "end"], ...] = ("end",),
    xsd: etree.XMLSchema | None = None,
) -> Iterator[tuple[str, etree._Element]]:
    """Parse with entities and network off; a syntax error becomes ``iso20022.not_xml``."""
    parser = etree.iterparse(
        handle,
        events=events,
        tag=tags,
        schema=xsd,
        resolve_entities=False,
        no_network=True,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        yield from parser
    except etree.XMLSyntaxError as exc:
        raise Problem("iso20022.not_xml", detail=_CLARK.sub("", exc.msg)) from None


def _release(element: etree._Element) -> None:
    """Free what has been read: the element's content and the siblings before it."""
    element.clear(keep_tail=True)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def message_version(source: XmlSource, allowed: Sequence[str]) -> str:
    """The message version named by the root element's namespace, if it is one we take."""
    namespace = ""
    with _opened(source) as handle:
        for _event, element in _iterparse(handle, events=("start",)):
            namespace = etree.QName(element).namespace or ""
            if element.getroottree().docinfo.doctype:
                # No ISO 20022 message has a DTD; refusing one shuts out entity tricks.
                raise Problem("iso20022.not_xml", detail="<!DOCTYPE> is not allowed")
            break
    version = namespace.removeprefix(NAMESPACE_PREFIX)
    if not namespace.startswith(NAMESPACE_PREFIX) or version not in allowed:
        raise Problem(
            "iso20022.message_unsupported", namespace=namespace or "-", expected=", ".join(allowed)
        )
    return version


def validate(source: XmlSource, version: str) -> None:
    """Stream ``source`` through the official XSD of ``version``; a Problem on the first error.

    While validating, libxml2 reports a syntax error only as "no element found" (and lxml's
    error log keeps entries from earlier parses), so on any error the file is parsed once
    more without the schema: a syntax error found then is reported as such.
    """
    try:
        with _opened(source) as handle:
            for _event, element in _iterparse(handle, xsd=schema(version)):
                _release(element)
    except Problem as problem:
        with _opened(source) as handle:
            for _event, element in _iterparse(handle):
                _release(element)
        raise Problem("iso20022.schema_invalid", detail=problem.params["detail"]) from None


class _Paths:
    """Clark-notation paths in one namespace: ``p("PmtId/EndToEndId")``."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self._paths: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        full = self._paths.get(path)
        if full is None:
            full = "/".join(f"{{{self.namespace}}}{step}" for step in path.split("/"))
            self._paths[path] = full
        return full

    def text(self, element: etree._Element, path: str) -> str | None:
        found = element.findtext(self(path))
        return None if found is None else found.strip()


class _Writer:
    """Incremental XML in one default namespace, over lxml's ``xmlfile``."""

    def __init__(self, xf: _IncrementalFileWriter, namespace: str) -> None:
        self._xf = xf
        self.namespace = namespace

    def element(self, tag: str) -> AbstractContextManager[None]:
        return self._xf.element(f"{{{self.namespace}}}{tag}")

    def root(self, tag: str) -> AbstractContextManager[None]:
        """The document element, declaring the namespace as the default one."""
        return self._xf.element(f"{{{self.namespace}}}{tag}", nsmap={None: self.namespace})

    def leaf(self, tag: str, text: str, **attrib: str) -> None:
        with self._xf.element(f"{{{self.namespace}}}{tag}", attrib):
            self._xf.write(text)


def _write_xml(out: IO[bytes]) -> AbstractContextManager[_IncrementalFileWriter]:
    # A double-quoted declaration, as banks' own samples have it; lxml's would use single quotes.
    out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    return etree.xmlfile(out, encoding="UTF-8")


def _amount_text(amount: int, decimals: int) -> str:
    return f"{amount}.{'0' * decimals}" if decimals else str(amount)


def _read_amount(element: etree._Element | None, reference: str | None) -> int:
    if element is None or element.text is None:  # only where the schema has a choice
        raise Problem("iso20022.amount_missing", reference=reference or "-")
    currency = element.get("Ccy", "")
    if currency != CURRENCY:
        raise Problem("statement.currency_unsupported", currency=currency)
    return whole_rupiah(element.text)


# --- pain.001: writing ---------------------------------------------------------------------


def write_pain001(
    target: Path,
    payouts: Iterable[Payout],
    *,
    debtor: Debtor,
    message_id: str,
    execution_date: date,
    created_at: datetime,
    version: Pain001Version = "pain.001.001.03",
    bank_id_scheme: BankIdScheme = "bic",
    amount_decimals: Literal[0, 2] = 0,
) -> Pain001Result:
    """Write one pain.001 for a batch, validate it, and only then put it at ``target``.

    ``payouts`` is read once, so it may be a generator over a database query: each payout is
    checked and spooled to a temporary file, because the header's NbOfTxs and CtrlSum come
    before the transactions; the XML is then written incrementally from the spool. Memory
    holds only the set of end-to-end ids seen (to refuse duplicates) and the truncations.
    The first bad payout raises its Problem and nothing is written.
    """
    if created_at.tzinfo is None:
        raise ValueError("created_at must be timezone-aware")
    if not _REFERENCE.fullmatch(message_id):
        raise Problem("iso20022.identifier_invalid", field="MsgId", value=message_id)
    _check_debtor(debtor, bank_id_scheme)
    part = target.with_name(target.name + ".part")
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        count, total, truncations = _spool_payouts(payouts, spool, bank_id_scheme)
        if count == 0:
            raise Problem("iso20022.batch_empty")
        if len(str(total)) + amount_decimals > MAX_TOTAL_DIGITS:
            raise Problem("iso20022.control_sum_too_large", total=format_rupiah(total))
        spool.seek(0)
        try:
            with part.open("wb") as out, _write_xml(out) as xf:
                _write_pain001_document(
                    _Writer(xf, NAMESPACE_PREFIX + version),
                    spool,
                    debtor=debtor,
                    message_id=message_id,
                    header=(count, _amount_text(total, amount_decimals)),
                    execution_date=execution_date,
                    created_at=created_at,
                    version=version,
                    bank_id_scheme=bank_id_scheme,
                    amount_decimals=amount_decimals,
                )
            summary = check_pain001(part)
            part.replace(target)
        finally:
            part.unlink(missing_ok=True)
    if (summary.number_of_transactions, summary.control_sum) != (count, total):
        raise RuntimeError("pain.001 written with totals that differ from its payouts")
    return Pain001Result(target, summary, tuple(truncations))


def _spool_payouts(
    payouts: Iterable[Payout], spool: IO[str], scheme: BankIdScheme
) -> tuple[int, int, list[Truncation]]:
    """Check each payout and write it to ``spool`` as one JSON line; count and add them up."""
    truncations: list[Truncation] = []
    seen: set[str] = set()
    count = total = 0
    for row, payout in enumerate(payouts, start=1):
        fields = _checked_payout(payout, row, scheme, seen, truncations)
        spool.write(json.dumps(fields, ensure_ascii=False) + "\n")
        count += 1
        total += payout.amount
    return count, total, truncations


def _check_debtor(debtor: Debtor, scheme: BankIdScheme) -> None:
    name = " ".join(debtor.name.split())
    if not name or len(name) > MAX_NAME or _CONTROL.search(name):
        raise Problem("iso20022.debtor_invalid", field="name", value=debtor.name)
    if not _DIGITS.fullmatch(debtor.account) or len(debtor.account) > MAX_ACCOUNT:
        raise Problem("iso20022.debtor_invalid", field="account", value=debtor.account)
    if not (_BIC if scheme == "bic" else _BI_CODE).fullmatch(debtor.bank):
        raise Problem("iso20022.debtor_invalid", field="bank", value=debtor.bank)


def _checked_payout(
    payout: Payout,
    row: int,
    scheme: BankIdScheme,
    seen: set[str],
    truncations: list[Truncation],
) -> list[object]:
    ref = payout.end_to_end_id
    if not isinstance(ref, str) or not _REFERENCE.fullmatch(ref):
        raise Problem("iso20022.end_to_end_id_invalid", row=row, value=ref)
    if ref in seen:
        raise Problem("iso20022.end_to_end_id_duplicate", row=row, end_to_end_id=ref)
    seen.add(ref)
    amount = payout.amount
    if type(amount) is not int:  # bool, float and Decimal are not rupiah
        raise Problem("iso20022.amount_not_integer", row=row, end_to_end_id=ref, amount=amount)
    if amount <= 0:
        raise Problem("iso20022.amount_not_positive", row=row, end_to_end_id=ref, amount=amount)
    name = _checked_text(payout.creditor_name, row, ref, "Cdtr/Nm", MAX_NAME, truncations)
    if not name:
        raise Problem("iso20022.name_empty", row=row, end_to_end_id=ref)
    account = payout.creditor_account
    if not _DIGITS.fullmatch(account) or len(account) > MAX_ACCOUNT:
        raise Problem(
            "iso20022.account_invalid", row=row, end_to_end_id=ref, account=account, max=MAX_ACCOUNT
        )
    bank = payout.creditor_bank
    if not (_BIC if scheme == "bic" else _BI_CODE).fullmatch(bank):
        raise Problem(
            "iso20022.bank_code_invalid", row=row, end_to_end_id=ref, bank=bank, scheme=scheme
        )
    remittance = _checked_text(
        payout.remittance_info, row, ref, "RmtInf/Ustrd", MAX_REMITTANCE, truncations
    )
    return [ref, amount, name, account, bank, remittance]


def _checked_text(
    value: str, row: int, ref: str, field: str, limit: int, truncations: list[Truncation]
) -> str:
    """Whitespace runs become one space; a text over ``limit`` is cut and reported."""
    text = " ".join(value.split())
    if _CONTROL.search(text):
        raise Problem("iso20022.text_invalid", row=row, end_to_end_id=ref, field=field)
    if len(text) > limit:
        kept = text[:limit].rstrip()
        truncations.append(Truncation(row, ref, field, len(text), len(kept)))
        text = kept
    return text


def _write_pain001_document(
    w: _Writer,
    spool: IO[str],
    *,
    debtor: Debtor,
    message_id: str,
    header: tuple[int, str],
    execution_date: date,
    created_at: datetime,
    version: Pain001Version,
    bank_id_scheme: BankIdScheme,
    amount_decimals: int,
) -> None:
    count, control_sum = header
    debtor_name = " ".join(debtor.name.split())
    with w.root("Document"), w.element("CstmrCdtTrfInitn"):
        with w.element("GrpHdr"):
            w.leaf("MsgId", message_id)
            w.leaf("CreDtTm", created_at.isoformat(timespec="seconds"))
            w.leaf("NbOfTxs", str(count))
            w.leaf("CtrlSum", control_sum)
            with w.element("InitgPty"):
                w.leaf("Nm", debtor_name)
        with w.element("PmtInf"):
            w.leaf("PmtInfId", message_id)
            w.leaf("PmtMtd", "TRF")
            w.leaf("BtchBookg", "false")
            w.leaf("NbOfTxs", str(count))
            w.leaf("CtrlSum", control_sum)
            if version == "pain.001.001.03":
                w.leaf("ReqdExctnDt", execution_date.isoformat())
            else:
                with w.element("ReqdExctnDt"):
                    w.leaf("Dt", execution_date.isoformat())
            with w.element("Dbtr"):
                w.leaf("Nm", debtor_name)
            with w.element("DbtrAcct"):
                _account_id(w, debtor.account)
                w.leaf("Ccy", CURRENCY)
            _agent(w, "DbtrAgt", debtor.bank, bank_id_scheme, version)
            w.leaf("ChrgBr", "DEBT")
            for line in spool:
                ref, amount, name, account, bank, remittance = json.loads(line)
                with w.element("CdtTrfTxInf"):
                    with w.element("PmtId"):
                        w.leaf("EndToEndId", ref)
                    with w.element("Amt"):
                        w.leaf("InstdAmt", _amount_text(amount, amount_decimals), Ccy=CURRENCY)
                    _agent(w, "CdtrAgt", bank, bank_id_scheme, version)
                    with w.element("Cdtr"):
                        w.leaf("Nm", name)
                    with w.element("CdtrAcct"):
                        _account_id(w, account)
                    if remittance:
                        with w.element("RmtInf"):
                            w.leaf("Ustrd", remittance)


def _account_id(w: _Writer, number: str) -> None:
    with w.element("Id"), w.element("Othr"):
        w.leaf("Id", number)


def _agent(w: _Writer, tag: str, code: str, scheme: BankIdScheme, version: str) -> None:
    with w.element(tag), w.element("FinInstnId"):
        if scheme == "bic":
            w.leaf("BIC" if version == "pain.001.001.03" else "BICFI", code)
        else:
            # No ClrSysId: the external code list has no entry for Bank Indonesia's clearing,
            # and a domestic bank reads a bare member id as its own country's code.
            with w.element("ClrSysMmbId"):
                w.leaf("MmbId", code)


# --- pain.001: checking and reading --------------------------------------------------------


def check_pain001(source: XmlSource) -> Pain001Summary:
    """Validate against the official XSD and check what XSD cannot: counts, sums, rupiah.

    NbOfTxs and CtrlSum of the group header and of each payment information block must
    match the transactions; every amount must be whole rupiah in IDR; end-to-end ids must
    be unique. Two streaming passes: the XSD first, so that its verdict comes first.
    """
    version = _pain001_version(source)
    validate(source, version)
    totals = _PainTotals()
    with _opened(source) as handle:
        for _payout in _scan_pain001(handle, version, totals):
            pass
    return Pain001Summary(version, totals.message_id, totals.count, totals.total)


def iter_pain001_payouts(source: XmlSource) -> Iterator[Payout]:
    """The payouts of a pain.001 (as the bank simulator receives it), after a full check.

    The whole file is checked first (:func:`check_pain001`), so a consumer never acts on the
    first half of a file whose second half is bad.
    """
    version = check_pain001(source).version
    with _opened(source) as handle:
        yield from _scan_pain001(handle, version, _PainTotals())


def _pain001_version(source: XmlSource) -> Pain001Version:
    found = message_version(source, PAIN001_VERSIONS)
    return next(version for version in PAIN001_VERSIONS if version == found)


@dataclass
class _PainTotals:
    message_id: str = ""
    count: int = 0
    total: int = 0


def _scan_pain001(
    handle: IO[bytes],
    version: Pain001Version,
    totals: _PainTotals,
) -> Iterator[Payout]:
    p = _Paths(NAMESPACE_PREFIX + version)
    tags = [p(t) for t in ("GrpHdr", "PmtInf", "PmtInfId", "NbOfTxs", "CtrlSum", "CdtTrfTxInf")]
    declared: dict[str, str | None] = {}
    block: dict[str, str] = {}
    block_count = block_total = 0
    seen: set[str] = set()
    for _event, element in _iterparse(handle, tags):
        tag = etree.QName(element).localname
        parent = element.getparent()
        if tag == "GrpHdr":
            totals.message_id = p.text(element, "MsgId") or ""
            declared = {
                "NbOfTxs": p.text(element, "NbOfTxs"),
                "CtrlSum": p.text(element, "CtrlSum"),
            }
        elif tag == "CdtTrfTxInf":
            payout = _payout_from(element, p, row=totals.count + 1)
            if payout.end_to_end_id in seen:
                raise Problem(
                    "iso20022.end_to_end_id_duplicate",
                    row=totals.count + 1,
                    end_to_end_id=payout.end_to_end_id,
                )
            seen.add(payout.end_to_end_id)
            block_count += 1
            block_total += payout.amount
            totals.count += 1
            totals.total += payout.amount
            _release(element)
            yield payout
        elif tag == "PmtInf":
            where = f"PmtInf {block.get('PmtInfId', '-')}"
            _check_declared(
                where, block.get("NbOfTxs"), block.get("CtrlSum"), block_count, block_total
            )
            block, block_count, block_total = {}, 0, 0
            _release(element)
        elif parent is not None and parent.tag == p("PmtInf"):  # its PmtInfId, NbOfTxs, CtrlSum
            block[tag] = (element.text or "").strip()
    where = f"GrpHdr {totals.message_id}"
    _check_declared(
        where, declared.get("NbOfTxs"), declared.get("CtrlSum"), totals.count, totals.total
    )


def _check_declared(
    where: str, count: str | None, control_sum: str | None, actual_count: int, actual_total: int
) -> None:
    if count is not None and int(count) != actual_count:
        raise Problem("iso20022.count_mismatch", where=where, declared=count, actual=actual_count)
    if control_sum is not None and Decimal(control_sum) != actual_total:
        raise Problem(
            "iso20022.control_sum_mismatch",
            where=where,
            declared=control_sum,
            actual=format_rupiah(actual_total),
        )


def _payout_from(element: etree._Element, p: _Paths, row: int) -> Payout:
    ref = p.text(element, "PmtId/EndToEndId") or ""
    if not ref:  # the schema requires it; "" would pass it but identifies nothing
        raise Problem("iso20022.end_to_end_id_invalid", row=row, value=ref)
    amount_element = element.find(p("Amt/InstdAmt"))
    bank = (
        p.text(element, "CdtrAgt/FinInstnId/BIC")
        or p.text(element, "CdtrAgt/FinInstnId/BICFI")
        or p.text(element, "CdtrAgt/FinInstnId/ClrSysMmbId/MmbId")
        or ""
    )
    account = p.text(element, "CdtrAcct/Id/Othr/Id") or p.text(element, "CdtrAcct/Id/IBAN") or ""
    remittance = " ".join((line.text or "").strip() for line in element.iterfind(p("RmtInf/Ustrd")))
    return Payout(
        end_to_end_id=ref,
        amount=_read_amount(amount_element, ref),
        creditor_name=p.text(element, "Cdtr/Nm") or "",
        creditor_account=account,
        creditor_bank=bank,
        remittance_info=remittance,
    )


# --- camt.053: reading ---------------------------------------------------------------------


def read_camt053(source: XmlSource) -> list[Statement]:
    """All statements of a camt.053 file; see :func:`iter_camt053`."""
    return list(iter_camt053(source))


def iter_camt053(source: XmlSource) -> Iterator[Statement]:
    """The statements of a camt.053, one at a time, each checked for balance.

    The file is validated against the official XSD first (a streaming pass), then parsed
    with ``iterparse``, freeing each entry once read; memory holds one statement's entries
    (banks send one statement per account per day, so that is one day's movements).
    """
    version = message_version(source, CAMT053_VERSIONS)
    validate(source, version)
    p = _Paths(NAMESPACE_PREFIX + version)
    tags = [p(tag) for tag in ("Id", "Acct", "FrToDt", "Bal", "Ntry", "Stmt")]
    with _opened(source) as handle:
        current = _StatementParts()
        for _event, element in _iterparse(handle, tags):
            parent = element.getparent()
            tag = etree.QName(element).localname
            if tag == "Stmt":
                yield current.statement(version)
                current = _StatementParts()
                _release(element)
            elif parent is None or parent.tag != p("Stmt"):
                continue  # an Id or Acct deeper down: read with its Stmt-level ancestor
            elif tag == "Id":
                current.statement_id = (element.text or "").strip()
            elif tag == "Acct":
                current.account = p.text(element, "Id/Othr/Id") or p.text(element, "Id/IBAN") or ""
                currency = p.text(element, "Ccy")
                if currency not in (None, CURRENCY):
                    raise Problem("statement.currency_unsupported", currency=currency)
            elif tag == "FrToDt":
                start, end = p.text(element, "FrDtTm"), p.text(element, "ToDtTm")
                if start and end:
                    current.period = (_date(start), _date(end))
            elif tag == "Bal":
                current.add_balance(element, p)
                _release(element)
            else:  # Ntry
                current.entries.extend(_entries_from(element, p))
                _release(element)


@dataclass
class _StatementParts:
    statement_id: str = ""
    account: str = ""
    period: tuple[date, date] | None = None
    opening: tuple[int, date] | None = None
    previous_closing: tuple[int, date] | None = None
    closing: tuple[int, date] | None = None
    entries: list[StatementEntry] = field(default_factory=list)

    def add_balance(self, element: etree._Element, p: _Paths) -> None:
        code = p.text(element, "Tp/CdOrPrtry/Cd")
        amount = _read_amount(element.find(p("Amt")), code)
        if p.text(element, "CdtDbtInd") == "DBIT":
            amount = -amount
        on = _date_choice(element, p, "Dt")
        if on is None:  # the schema requires Dt; this keeps mypy and a malformed file honest
            raise Problem("statement.balance_missing", statement_id=self.statement_id, balance=code)
        if code == "OPBD":
            self.opening = (amount, on)
        elif code == "PRCD":
            self.previous_closing = (amount, on)
        elif code == "CLBD":
            self.closing = (amount, on)

    def statement(self, version: str) -> Statement:
        opening = self.opening or self.previous_closing
        if opening is None:
            raise Problem(
                "statement.balance_missing", statement_id=self.statement_id, balance="OPBD"
            )
        if self.closing is None:
            raise Problem(
                "statement.balance_missing", statement_id=self.statement_id, balance="CLBD"
            )
        entries = tuple(self.entries)
        check_balances(self.statement_id, opening[0], entries, self.closing[0])
        start, end = self.period or (opening[1], self.closing[1])
        return Statement(
            statement_id=self.statement_id,
            account=self.account,
            period_start=start,
            period_end=end,
            opening_balance=opening[0],
            closing_balance=self.closing[0],
            entries=entries,
            source_format=version,
        )


def _date(text: str) -> date:
    """An ISODate (perhaps with a zone suffix) or an ISODateTime, as the local date it names."""
    if "T" in text:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    return date.fromisoformat(text[:10])


def _date_choice(element: etree._Element, p: _Paths, path: str) -> date | None:
    text = p.text(element, f"{path}/Dt") or p.text(element, f"{path}/DtTm")
    return _date(text) if text else None


def _entries_from(ntry: etree._Element, p: _Paths) -> list[StatementEntry]:
    """One statement entry per transaction: a batch entry is split into its transactions."""
    servicer_reference = p.text(ntry, "AcctSvcrRef")
    amount = _read_amount(ntry.find(p("Amt")), servicer_reference)
    status = p.text(ntry, "Sts/Cd") or p.text(ntry, "Sts") or ""
    if status not in ("BOOK", "PDNG"):
        raise Problem(
            "iso20022.entry_status_unsupported",
            status=status or "-",
            reference=servicer_reference or "-",
        )
    entry = StatementEntry(
        amount=amount,
        direction="DBIT" if p.text(ntry, "CdtDbtInd") == "DBIT" else "CRDT",
        status="BOOK" if status == "BOOK" else "PDNG",
        booking_date=_date_choice(ntry, p, "BookgDt"),
        value_date=_date_choice(ntry, p, "ValDt"),
        account_servicer_reference=servicer_reference,
        remittance_info=p.text(ntry, "AddtlNtryInf"),
        reversal=p.text(ntry, "RvslInd") == "true",
    )
    details = ntry.findall(p("NtryDtls/TxDtls"))
    if not details:
        return [entry]
    if len(details) == 1:
        return [_with_details(entry, details[0], p, amount)]
    parts: list[StatementEntry] = []
    for detail in details:
        part = detail.find(p("Amt"))  # camt.053.001.08 only
        if part is None:
            part = detail.find(p("AmtDtls/TxAmt/Amt"))
        if part is None:
            part = detail.find(p("AmtDtls/InstdAmt/Amt"))
        if part is None:
            raise Problem(
                "iso20022.entry_details_mismatch",
                reference=servicer_reference or "-",
                entry_amount=format_rupiah(amount),
                details_amount="-",
            )
        parts.append(_with_details(entry, detail, p, _read_amount(part, servicer_reference)))
    details_total = sum(part.amount for part in parts)
    if details_total != amount:
        raise Problem(
            "iso20022.entry_details_mismatch",
            reference=servicer_reference or "-",
            entry_amount=format_rupiah(amount),
            details_amount=format_rupiah(details_total),
        )
    return parts


def _with_details(
    entry: StatementEntry, detail: etree._Element, p: _Paths, amount: int
) -> StatementEntry:
    end_to_end = p.text(detail, "Refs/EndToEndId")
    lines = [(line.text or "").strip() for line in detail.iterfind(p("RmtInf/Ustrd"))]
    return replace(
        entry,
        amount=amount,
        end_to_end_id=None if end_to_end in (None, "", "NOTPROVIDED") else end_to_end,
        account_servicer_reference=p.text(detail, "Refs/AcctSvcrRef")
        or entry.account_servicer_reference,
        remittance_info=" ".join(line for line in lines if line) or entry.remittance_info,
    )


# --- camt.053: writing (the bank simulator's statements) -----------------------------------


def write_camt053(
    *,
    statement_id: str,
    account: str,
    opening_balance: int,
    entries: Sequence[StatementEntry],
    period_start: date,
    period_end: date,
    created_at: datetime,
    message_id: str | None = None,
    version: Camt053Version = "camt.053.001.02",
) -> bytes:
    """A camt.053 with one statement of ``entries``, validated against the official XSD.

    The closing balance is computed (opening plus booked entries); pending entries are
    listed but not counted, as a bank does. Each entry becomes one ``Ntry`` with one
    ``TxDtls`` carrying its end-to-end id and remittance information.
    """
    if created_at.tzinfo is None:
        raise ValueError("created_at must be timezone-aware")
    if period_end < period_start:
        raise ValueError("period_end is before period_start")
    for name, value in (("Stmt/Id", statement_id), ("MsgId", message_id)):
        if value is not None and not _plain_text(value, MAX_ID):
            raise Problem("iso20022.identifier_invalid", field=name, value=value)
    if not _DIGITS.fullmatch(account) or len(account) > MAX_ACCOUNT:
        raise Problem("iso20022.identifier_invalid", field="Acct", value=account)
    for row, entry in enumerate(entries, start=1):
        _check_entry(row, entry)
    closing = opening_balance + sum(e.signed_amount for e in entries if e.status == "BOOK")
    buffer = io.BytesIO()
    with _write_xml(buffer) as xf:
        w = _Writer(xf, NAMESPACE_PREFIX + version)
        with w.root("Document"), w.element("BkToCstmrStmt"):
            with w.element("GrpHdr"):
                w.leaf("MsgId", message_id or statement_id)
                w.leaf("CreDtTm", created_at.isoformat(timespec="seconds"))
            with w.element("Stmt"):
                w.leaf("Id", statement_id)
                w.leaf("CreDtTm", created_at.isoformat(timespec="seconds"))
                with w.element("FrToDt"):
                    w.leaf("FrDtTm", datetime.combine(period_start, time(0, 0), WIB).isoformat())
                    w.leaf(
                        "ToDtTm", datetime.combine(period_end, time(23, 59, 59), WIB).isoformat()
                    )
                with w.element("Acct"):
                    _account_id(w, account)
                    w.leaf("Ccy", CURRENCY)
                _balance(w, "OPBD", opening_balance, period_start)
                _balance(w, "CLBD", closing, period_end)
                for entry in entries:
                    _write_entry(w, entry, version)
    data = buffer.getvalue()
    validate(data, version)
    return data


def _plain_text(value: str, limit: int) -> bool:
    return 0 < len(value) <= limit and value.strip() == value and not _CONTROL.search(value)


def _check_entry(row: int, entry: StatementEntry) -> None:
    ref = entry.end_to_end_id or "-"
    if type(entry.amount) is not int:
        raise Problem(
            "iso20022.amount_not_integer", row=row, end_to_end_id=ref, amount=entry.amount
        )
    if entry.amount <= 0:
        raise Problem(
            "iso20022.amount_not_positive", row=row, end_to_end_id=ref, amount=entry.amount
        )
    texts = (
        ("EndToEndId", entry.end_to_end_id, MAX_ID),
        ("AcctSvcrRef", entry.account_servicer_reference, MAX_ID),
        ("Ustrd", entry.remittance_info, MAX_REMITTANCE),
    )
    for name, value, limit in texts:
        if value is not None and not _plain_text(value, limit):
            raise Problem("iso20022.text_invalid", row=row, end_to_end_id=ref, field=name)
    if entry.end_to_end_id == "NOTPROVIDED":
        raise Problem("iso20022.text_invalid", row=row, end_to_end_id=ref, field="EndToEndId")


def _balance(w: _Writer, code: str, amount: int, on: date) -> None:
    with w.element("Bal"):
        with w.element("Tp"), w.element("CdOrPrtry"):
            w.leaf("Cd", code)
        w.leaf("Amt", str(abs(amount)), Ccy=CURRENCY)
        w.leaf("CdtDbtInd", "DBIT" if amount < 0 else "CRDT")
        with w.element("Dt"):
            w.leaf("Dt", on.isoformat())


def _write_entry(w: _Writer, entry: StatementEntry, version: str) -> None:
    with w.element("Ntry"):
        w.leaf("Amt", str(entry.amount), Ccy=CURRENCY)
        w.leaf("CdtDbtInd", entry.direction)
        if entry.reversal:
            w.leaf("RvslInd", "true")
        if version == "camt.053.001.02":
            w.leaf("Sts", entry.status)
        else:
            with w.element("Sts"):
                w.leaf("Cd", entry.status)
        for tag, on in (("BookgDt", entry.booking_date), ("ValDt", entry.value_date)):
            if on is not None:
                with w.element(tag):
                    w.leaf("Dt", on.isoformat())
        if entry.account_servicer_reference is not None:
            w.leaf("AcctSvcrRef", entry.account_servicer_reference)
        with w.element("BkTxCd"), w.element("Domn"):
            w.leaf("Cd", "PMNT")
            with w.element("Fmly"):
                w.leaf("Cd", "ICDT" if entry.direction == "DBIT" else "RCDT")
                w.leaf("SubFmlyCd", "DMCT")
        if entry.end_to_end_id is None and entry.remittance_info is None:
            return
        with w.element("NtryDtls"), w.element("TxDtls"):
            if entry.end_to_end_id is not None:
                with w.element("Refs"):
                    w.leaf("EndToEndId", entry.end_to_end_id)
            if entry.remittance_info is not None:
                with w.element("RmtInf"):
                    w.leaf("Ustrd", entry.remittance_info)
