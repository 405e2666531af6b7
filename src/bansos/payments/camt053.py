"""camt.053: bank-to-customer statements, read for reconciliation and written by the simulator.

camt.053.001.02 is what most banks send, and .001.08 is read and written too. A statement is
read into ``iso20022.Statement`` (the shape MT940 statements are read into as well), checked
against the official XSD and for balance. The bank simulator exports its books with
:func:`write_camt053`, so tests run the same path as a bank.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Literal

from lxml import etree

from bansos.core.clock import WIB
from bansos.core.errors import Problem
from bansos.core.money import format_rupiah
from bansos.payments.iso20022 import (
    CONTROL,
    CURRENCY,
    DIGITS,
    MAX_ACCOUNT,
    MAX_ID,
    MAX_REMITTANCE,
    NAMESPACE_PREFIX,
    Paths,
    Statement,
    StatementEntry,
    Writer,
    XmlSource,
    account_id,
    check_balances,
    iterparse,
    message_version,
    opened,
    read_amount,
    release,
    validate,
    write_xml,
)

Camt053Version = Literal["camt.053.001.02", "camt.053.001.08"]
CAMT053_VERSIONS: tuple[Camt053Version, ...] = ("camt.053.001.02", "camt.053.001.08")


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
    p = Paths(NAMESPACE_PREFIX + version)
    tags = [p(tag) for tag in ("Id", "Acct", "FrToDt", "Bal", "Ntry", "Stmt")]
    with opened(source) as handle:
        current = _StatementParts()
        for _event, element in iterparse(handle, tags):
            parent = element.getparent()
            tag = etree.QName(element).localname
            if tag == "Stmt":
                yield current.statement(version)
                current = _StatementParts()
                release(element)
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
                release(element)
            else:  # Ntry
                current.entries.extend(_entries_from(element, p))
                release(element)


@dataclass
class _StatementParts:
    statement_id: str = ""
    account: str = ""
    period: tuple[date, date] | None = None
    opening: tuple[int, date] | None = None
    previous_closing: tuple[int, date] | None = None
    closing: tuple[int, date] | None = None
    entries: list[StatementEntry] = field(default_factory=list)

    def add_balance(self, element: etree._Element, p: Paths) -> None:
        code = p.text(element, "Tp/CdOrPrtry/Cd")
        amount = read_amount(element.find(p("Amt")), code)
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


def _date_choice(element: etree._Element, p: Paths, path: str) -> date | None:
    text = p.text(element, f"{path}/Dt") or p.text(element, f"{path}/DtTm")
    return _date(text) if text else None


def _entries_from(ntry: etree._Element, p: Paths) -> list[StatementEntry]:
    """One statement entry per transaction: a batch entry is split into its transactions."""
    servicer_reference = p.text(ntry, "AcctSvcrRef")
    amount = read_amount(ntry.find(p("Amt")), servicer_reference)
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
        parts.append(_with_details(entry, detail, p, read_amount(part, servicer_reference)))
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
    entry: StatementEntry, detail: etree._Element, p: Paths, amount: int
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
    if not DIGITS.fullmatch(account) or len(account) > MAX_ACCOUNT:
        raise Problem("iso20022.identifier_invalid", field="Acct", value=account)
    for row, entry in enumerate(entries, start=1):
        _check_entry(row, entry)
    closing = opening_balance + sum(e.signed_amount for e in entries if e.status == "BOOK")
    buffer = io.BytesIO()
    with write_xml(buffer) as xf:
        w = Writer(xf, NAMESPACE_PREFIX + version)
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
                    account_id(w, account)
                    w.leaf("Ccy", CURRENCY)
                _balance(w, "OPBD", opening_balance, period_start)
                _balance(w, "CLBD", closing, period_end)
                for entry in entries:
                    _write_entry(w, entry, version)
    data = buffer.getvalue()
    validate(data, version)
    return data


def _plain_text(value: str, limit: int) -> bool:
    return 0 < len(value) <= limit and value.strip() == value and not CONTROL.search(value)


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


def _balance(w: Writer, code: str, amount: int, on: date) -> None:
    with w.element("Bal"):
        with w.element("Tp"), w.element("CdOrPrtry"):
            w.leaf("Cd", code)
        w.leaf("Amt", str(abs(amount)), Ccy=CURRENCY)
        w.leaf("CdtDbtInd", "DBIT" if amount < 0 else "CRDT")
        with w.element("Dt"):
            w.leaf("Dt", on.isoformat())


def _write_entry(w: Writer, entry: StatementEntry, version: str) -> None:
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
