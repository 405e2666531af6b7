"""pain.001: a batch of payouts to a bank's host-to-host interface, written and checked.

Why these versions: pain.001.001.03 (the 2009 release that SEPA made universal) is the version
Indonesian banks' H2H bulk-payment specifications generally ask for; pain.001.001.09 (the
2019 generation that CBPR+ and newer interfaces use) is written too, for banks that have moved
on. The XSD, the streaming helpers and the amount rules are ``iso20022``'s.

Charges are borne by the ministry (``ChrgBr`` = DEBT) so that each family receives the full
amount, and ``BtchBookg`` is false so that the bank books each transfer as its own statement
entry, which is what lets reconciliation match entries to payouts one to one.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Literal

from lxml import etree

from bansos.core.errors import Problem
from bansos.core.money import format_rupiah
from bansos.payments.iso20022 import (
    CONTROL,
    CURRENCY,
    DIGITS,
    MAX_ACCOUNT,
    MAX_NAME,
    MAX_REMITTANCE,
    MAX_TOTAL_DIGITS,
    NAMESPACE_PREFIX,
    Paths,
    Writer,
    XmlSource,
    account_id,
    amount_text,
    iterparse,
    message_version,
    opened,
    read_amount,
    release,
    validate,
    write_xml,
)

Pain001Version = Literal["pain.001.001.03", "pain.001.001.09"]
#: How the file names banks: a SWIFT BIC (``CENAIDJA``) or Bank Indonesia's member code
#: (sandi bank ``014``, or the 7-digit clearing code with its branch).
BankIdScheme = Literal["bic", "bi"]

PAIN001_VERSIONS: tuple[Pain001Version, ...] = ("pain.001.001.03", "pain.001.001.09")

# Our own references: letters, digits, dots and hyphens, starting with a letter or a digit.
# No slash and no space, so that they also survive MT940 (where "//" separates fields and
# "/EREF/" marks one) unharmed.
_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-]{0,34}")
_BIC = re.compile(r"[A-Z]{6}[A-Z2-9][A-NP-Z0-9](?:[A-Z0-9]{3})?")
_BI_CODE = re.compile(r"[0-9]{3}(?:[0-9]{4})?")


# --- Shapes --------------------------------------------------------------------------------


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
            with part.open("wb") as out, write_xml(out) as xf:
                _write_pain001_document(
                    Writer(xf, NAMESPACE_PREFIX + version),
                    spool,
                    debtor=debtor,
                    message_id=message_id,
                    header=(count, amount_text(total, amount_decimals)),
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
    if not name or len(name) > MAX_NAME or CONTROL.search(name):
        raise Problem("iso20022.debtor_invalid", field="name", value=debtor.name)
    if not DIGITS.fullmatch(debtor.account) or len(debtor.account) > MAX_ACCOUNT:
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
    if not DIGITS.fullmatch(account) or len(account) > MAX_ACCOUNT:
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
    if CONTROL.search(text):
        raise Problem("iso20022.text_invalid", row=row, end_to_end_id=ref, field=field)
    if len(text) > limit:
        kept = text[:limit].rstrip()
        truncations.append(Truncation(row, ref, field, len(text), len(kept)))
        text = kept
    return text


def _write_pain001_document(
    w: Writer,
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
                account_id(w, debtor.account)
                w.leaf("Ccy", CURRENCY)
            _agent(w, "DbtrAgt", debtor.bank, bank_id_scheme, version)
            w.leaf("ChrgBr", "DEBT")
            for line in spool:
                ref, amount, name, account, bank, remittance = json.loads(line)
                with w.element("CdtTrfTxInf"):
                    with w.element("PmtId"):
                        w.leaf("EndToEndId", ref)
                    with w.element("Amt"):
                        w.leaf("InstdAmt", amount_text(amount, amount_decimals), Ccy=CURRENCY)
                    _agent(w, "CdtrAgt", bank, bank_id_scheme, version)
                    with w.element("Cdtr"):
                        w.leaf("Nm", name)
                    with w.element("CdtrAcct"):
                        account_id(w, account)
                    if remittance:
                        with w.element("RmtInf"):
                            w.leaf("Ustrd", remittance)


def _agent(w: Writer, tag: str, code: str, scheme: BankIdScheme, version: str) -> None:
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
    with opened(source) as handle:
        for _payout in _scan_pain001(handle, version, totals):
            pass
    return Pain001Summary(version, totals.message_id, totals.count, totals.total)


def iter_pain001_payouts(source: XmlSource) -> Iterator[Payout]:
    """The payouts of a pain.001 (as the bank simulator receives it), after a full check.

    The whole file is checked first (:func:`check_pain001`), so a consumer never acts on the
    first half of a file whose second half is bad.
    """
    version = check_pain001(source).version
    with opened(source) as handle:
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
    p = Paths(NAMESPACE_PREFIX + version)
    tags = [p(t) for t in ("GrpHdr", "PmtInf", "PmtInfId", "NbOfTxs", "CtrlSum", "CdtTrfTxInf")]
    declared: dict[str, str | None] = {}
    block: dict[str, str] = {}
    block_count = block_total = 0
    seen: set[str] = set()
    for _event, element in iterparse(handle, tags):
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
            release(element)
            yield payout
        elif tag == "PmtInf":
            where = f"PmtInf {block.get('PmtInfId', '-')}"
            _check_declared(
                where, block.get("NbOfTxs"), block.get("CtrlSum"), block_count, block_total
            )
            block, block_count, block_total = {}, 0, 0
            release(element)
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


def _payout_from(element: etree._Element, p: Paths, row: int) -> Payout:
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
        amount=read_amount(amount_element, ref),
        creditor_name=p.text(element, "Cdtr/Nm") or "",
        creditor_account=account,
        creditor_bank=bank,
        remittance_info=remittance,
    )
