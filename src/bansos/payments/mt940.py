"""MT940 bank statements, read into the same shape as camt.053 so reconciliation has one input.

Many Indonesian banks still send end-of-day statements as SWIFT MT940 (often wrapped in SWIFT
blocks, amounts with a decimal comma: ``:61:2403150315D200000,00NTRF...``). The tag grammar,
the bank quirks it has collected and the signing of reversals are the work of the ``mt-940``
library (BSD-3-Clause, typed, no dependencies, released regularly), so we do not parse tags by
hand; this module only maps its output to :class:`~bansos.payments.iso20022.Statement`, checks
rupiah and balances, and finds the end-to-end reference.

Where the end-to-end reference is, in order:

1. a structured ``:86:`` the library decodes (``?20EREF+...`` sub-fields);
2. an ``/EREF/<ref>`` code word in ``:86:`` (SWIFT's structured-narrative convention);
3. the ``:61:`` "reference for the account owner" (unless it is ``NONREF``), where banks put
   the end-to-end id of the instruction they executed. That subfield holds 16 characters, so
   end-to-end ids meant to survive MT940 should be at most 16 characters long.

``:86:`` is up to six lines of 65 characters. Banks either break lines between words or
fill each line to 65 characters and carry on mid-word (even mid-reference), so a line of
exactly 65 characters is joined to the next without a space, and a shorter one with a space.

MT940 carries booked entries only (interim and pending ones travel as MT942), so every entry
has status BOOK; the statement period runs from the opening balance's date to the closing
balance's date, as MT940 has no separate period field.
"""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path
from typing import Any

import mt940

from bansos.core.errors import Problem
from bansos.payments.iso20022 import (
    CURRENCY,
    Statement,
    StatementEntry,
    check_balances,
    whole_rupiah,
)

_EREF = re.compile(r"/EREF/([^/\s]+)")
_LINE_WIDTH = 65
_LINE_61 = re.compile(r"^\s*:61:", re.MULTILINE)
_NO_REFERENCE = {"", "NONREF", "NOTPROVIDED"}
#: What the library raises on a tag whose content does not fit its grammar (RuntimeError),
#: on amounts and dates it cannot read, and on data it expected and did not find.
_LIBRARY_ERRORS = (RuntimeError, ValueError, ArithmeticError, KeyError, TypeError, AttributeError)


def read_mt940(source: Path | bytes | str) -> list[Statement]:
    """The statements of an MT940 file (one file often holds several), each checked for balance.

    A Path is read from disk; ``bytes`` are decoded as UTF-8 (ASCII in practice; Latin-1 if
    that fails); a ``str`` is the statement text itself, never a file name.
    """
    if isinstance(source, Path):
        if not source.is_file():
            raise Problem("file.not_found", path=str(source))
        source = source.read_bytes()
    text = source if isinstance(source, str) else _decode(source)
    if not text.strip():
        raise Problem("file.empty")
    try:
        # A handle, so that the library never mistakes the content for a file name.
        blocks = mt940.parse_statements(io.StringIO(text), options=mt940.Options.all())
    except _LIBRARY_ERRORS as exc:
        raise Problem("mt940.garbled", detail=_describe(exc)) from None
    if not blocks:
        raise Problem("mt940.no_statement")
    # A :61: the library cannot split into its subfields (an amount written "200.000,00",
    # say) is merged into the next one instead of being refused: count them.
    lines = len(_LINE_61.findall(text))
    read = sum(len(block) for block in blocks)
    if lines != read:
        raise Problem("mt940.garbled", detail=f"{lines} :61: lines, {read} entries read")
    try:
        statements = [_statement(block) for block in blocks]
    except _LIBRARY_ERRORS as exc:
        raise Problem("mt940.garbled", detail=_describe(exc)) from None
    return statements


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _describe(exc: Exception) -> str:
    """The library's own message, minus the object reprs it puts in it."""
    if isinstance(exc, RuntimeError) and len(exc.args) == 3:
        _message, tag, value = exc.args
        return f":{getattr(tag, 'id', '?')}: '{value}'"
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def _statement(block: mt940.models.Transactions) -> Statement:
    data = block.data
    reference = _text(data.get("transaction_reference"))
    if not reference:
        raise Problem("mt940.field_missing", statement_id="-", field=":20:")
    number = _text(data.get("statement_number"))
    sequence = _text(data.get("sequence_number"))
    statement_id = "/".join(part for part in (reference, number, sequence) if part)
    account = _text(data.get("account_identification"))
    if not account:
        raise Problem("mt940.field_missing", statement_id=statement_id, field=":25:")
    opening = _balance(data, ("final_opening_balance", "intermediate_opening_balance"))
    closing = _balance(data, ("final_closing_balance", "intermediate_closing_balance"))
    if opening is None:
        raise Problem("statement.balance_missing", statement_id=statement_id, balance=":60F:")
    if closing is None:
        raise Problem("statement.balance_missing", statement_id=statement_id, balance=":62F:")
    entries = tuple(_entry(transaction.data) for transaction in block)
    check_balances(statement_id, opening[0], entries, closing[0])
    return Statement(
        statement_id=statement_id,
        account=account,
        period_start=opening[1],
        period_end=closing[1],
        opening_balance=opening[0],
        closing_balance=closing[0],
        entries=entries,
        source_format="mt940",
    )


def _balance(data: dict[str, Any], keys: tuple[str, ...]) -> tuple[int, date] | None:
    for key in keys:
        balance = data.get(key)
        if isinstance(balance, mt940.models.Balance) and balance.date is not None:
            amount = balance.amount
            if not isinstance(amount, mt940.models.Amount):
                raise Problem("mt940.garbled", detail=f"{key}: {amount!r}")
            return _rupiah(amount), _plain_date(balance.date)
    return None


def _rupiah(amount: mt940.models.Amount) -> int:
    if amount.currency != CURRENCY:
        raise Problem("statement.currency_unsupported", currency=amount.currency or "-")
    return whole_rupiah(amount.amount)


def _entry(data: dict[str, Any]) -> StatementEntry:
    amount = data.get("amount")
    if not isinstance(amount, mt940.models.Amount):
        raise Problem("mt940.garbled", detail=f":61: {data!r}"[:200])
    signed = _rupiah(amount)  # RC (reversal of a credit) comes negative, RD positive
    value_date = data.get("date")
    booking_date = data.get("entry_date")
    # A structured :86: (``166?00...?20...``) is decoded by the library, its text in "purpose".
    details = _joined(_text(data.get("transaction_details")) or _text(data.get("purpose")))
    return StatementEntry(
        amount=abs(signed),
        direction="DBIT" if signed < 0 else "CRDT",
        status="BOOK",
        booking_date=_plain_date(booking_date) if isinstance(booking_date, date) else None,
        value_date=_plain_date(value_date) if isinstance(value_date, date) else None,
        end_to_end_id=_end_to_end(data, details),
        account_servicer_reference=_text(data.get("bank_reference")) or None,
        remittance_info=details or None,
        reversal=_text(data.get("status")).upper().startswith("R"),
    )


def _end_to_end(data: dict[str, Any], details: str) -> str | None:
    structured = _text(data.get("end_to_end_reference"))
    if structured.upper() not in _NO_REFERENCE:
        return structured
    found = _EREF.search(details)
    if found:
        return found.group(1)
    customer = _text(data.get("customer_reference"))
    return None if customer.upper() in _NO_REFERENCE else customer


def _joined(details: str) -> str:
    """The :86: lines as one text: a full 65-character line was cut mid-word by the bank."""
    text = ""
    for raw in details.splitlines():
        line = raw.strip()
        text += line + ("" if len(line) == _LINE_WIDTH else " ")
    return " ".join(text.split())


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _plain_date(value: date) -> date:
    """The library's Date subclass as a plain date, so entries compare and print plainly."""
    return date(value.year, value.month, value.day)
