"""ISO 20022 files for banks that take batches: what pain.001 and camt.053 share.

A batch of payouts goes to a bank's host-to-host (H2H) interface as one pain.001 (customer
credit transfer initiation, ``pain001``); the bank's statement comes back as a camt.053
(bank-to-customer statement, ``camt053``), which reconciliation matches against the payouts by
end-to-end id. This module holds what both need: the official XSDs and streaming validation,
the incremental writer, the statement shapes (which ``mt940`` reads into as well), and the rules
for rupiah amounts.

Why lxml and the official XSDs: lxml (libxml2, in C) writes XML incrementally with correct
escaping and UTF-8, and validates against an XSD while streaming, so a 100,000-payout file is
written and checked in bounded memory; the schemas are the official ones (schemas/README.md),
so "valid" here means what a bank's own validator means. An XSD cannot add numbers up, so
:func:`~bansos.payments.pain001.check_pain001` also checks NbOfTxs and CtrlSum, and
:func:`check_balances` checks that a statement's opening balance plus its booked entries gives
its closing balance.

Money is an ``int`` of rupiah. ISO 4217 gives IDR two minor digits, but no sen has circulated
for decades and banks book whole rupiah, so amounts are written without a fraction
(``150000``): the schema's decimal type allows it, and it never exceeds the number of decimals
any bank's rulebook permits for IDR. ``amount_decimals=2`` writes ``150000.00`` for a bank that
insists. Amounts read may carry zero decimals, never a non-zero fraction: that is refused.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal

from lxml import etree

from bansos.core.errors import Problem
from bansos.core.money import format_rupiah

if TYPE_CHECKING:
    from lxml.etree._serializer import _IncrementalFileWriter

CreditDebit = Literal["CRDT", "DBIT"]
EntryStatus = Literal["BOOK", "PDNG"]
#: A file on disk, or the bytes of a document already in memory.
XmlSource = Path | bytes

SCHEMA_DIR = Path(__file__).with_name("schemas")
NAMESPACE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:"
CURRENCY = "IDR"
#: Western Indonesia Time: the banks' books (and this simulator's) run on Jakarta time.

MAX_ID = 35  # Max35Text: MsgId, PmtInfId, EndToEndId, statement Id, AcctSvcrRef
MAX_NAME = 140  # Max140Text: Nm of a party
MAX_REMITTANCE = 140  # Max140Text: one Ustrd
MAX_ACCOUNT = 34  # Max34Text: Othr/Id of an account
MAX_TOTAL_DIGITS = 18  # totalDigits of DecimalNumber and of amounts

DIGITS = re.compile(r"[0-9]+")
CONTROL = re.compile("[\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_CLARK = re.compile(r"\{[^}]*\}")


# --- Statements (camt.053 and MT940 alike) ----------------------------------------------


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
def opened(source: XmlSource) -> Iterator[IO[bytes]]:
    if isinstance(source, bytes):
        yield io.BytesIO(source)
        return
    if not source.is_file():
        raise Problem("file.not_found", path=str(source))
    with source.open("rb") as handle:
        yield handle


def iterparse(
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


def release(element: etree._Element) -> None:
    """Free what has been read: the element's content and the siblings before it."""
    element.clear(keep_tail=True)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def message_version(source: XmlSource, allowed: Sequence[str]) -> str:
    """The message version named by the root element's namespace, if it is one we take."""
    namespace = ""
    with opened(source) as handle:
        for _event, element in iterparse(handle, events=("start",)):
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
        with opened(source) as handle:
            for _event, element in iterparse(handle, xsd=schema(version)):
                release(element)
    except Problem as problem:
        with opened(source) as handle:
            for _event, element in iterparse(handle):
                release(element)
        raise Problem("iso20022.schema_invalid", detail=problem.params["detail"]) from None


class Paths:
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


class Writer:
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


def write_xml(out: IO[bytes]) -> AbstractContextManager[_IncrementalFileWriter]:
    # A double-quoted declaration, as banks' own samples have it; lxml's would use single quotes.
    out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    return etree.xmlfile(out, encoding="UTF-8")


def amount_text(amount: int, decimals: int) -> str:
    return f"{amount}.{'0' * decimals}" if decimals else str(amount)


def read_amount(element: etree._Element | None, reference: str | None) -> int:
    if element is None or element.text is None:  # only where the schema has a choice
        raise Problem("iso20022.amount_missing", reference=reference or "-")
    currency = element.get("Ccy", "")
    if currency != CURRENCY:
        raise Problem("statement.currency_unsupported", currency=currency)
    return whole_rupiah(element.text)


def account_id(w: Writer, number: str) -> None:
    with w.element("Id"), w.element("Othr"):
        w.leaf("Id", number)
