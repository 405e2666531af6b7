"""QRIS merchant QR strings (EMVCo Merchant-Presented Mode): a strict parser and a builder.

Written here rather than installed: on PyPI the QRIS/EMVCo packages are payment-gateway clients
that only splice an amount into a string, or young projects (qriskit 0.2.0 is an alpha with a
single release), and none reports problems as stable codes with Indonesian text. The format
itself is small: a tag-length-value walk, and a CRC that the standard library already computes
(``binascii.crc_hqx`` seeded with 0xFFFF is CRC-16/CCITT-FALSE).
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass
from typing import Literal

from bansos.core.errors import Problem

__all__ = [
    "MAX_LENGTH",
    "NATIONAL_DOMAIN",
    "Qris",
    "QrisProblem",
    "build_static",
    "crc16_ccitt",
    "parse_qris",
]

PointOfInitiation = Literal["static", "dynamic"]

#: EMVCo caps a merchant-presented payload at 512 characters.
MAX_LENGTH = 512
#: The globally unique id of the national QRIS repository template; its sub-tag 02 is the NMID.
NATIONAL_DOMAIN = "ID.CO.QRIS.WWW"

_POINT_OF_INITIATION: dict[str, PointOfInitiation] = {"11": "static", "12": "dynamic"}
#: Tags every QRIS must carry besides 00 and 63, which have their own checks and codes.
_REQUIRED = ("01", "52", "53", "58", "59", "60")
#: QRIS merchant criteria: micro, small, medium and large enterprise.
_CRITERIA = frozenset({"UMI", "UKE", "UME", "UBE"})
#: Criteria written by `build_static`: bansos partner shops are warung, micro enterprises.
_BUILD_CRITERIA = "UMI"
#: Longest values EMVCo allows, for the fields whose only rule is a length.
_TOP_LIMITS = {"59": 25, "60": 15, "61": 10}
_ADDITIONAL_LIMITS = {
    **dict.fromkeys(("01", "02", "03", "04", "05", "06", "07", "08"), 25),
    "09": 3,
    "10": 20,
    "11": 3,
}
_LANGUAGE_LIMITS = {"00": 2, "01": 25, "02": 15}
_DOMAIN_LIMIT = 32

_HEAD = re.compile(r"[0-9]{4}")
_NOT_PRINTABLE = re.compile(r"[^\x20-\x7e]")
_MCC = re.compile(r"[0-9]{4}")
_NMID = re.compile(r"ID[0-9]{13}")
_PAN = re.compile(r"[0-9]{1,19}")
# Whole rupiah; ".00" is tolerated because ISO 4217 gives IDR two minor digits and some
# acquirers write them, but a non-zero fraction (sen) cannot be paid and is refused.
_AMOUNT = re.compile(r"[0-9]{1,10}(?:\.00)?|[0-9]{11,13}")
_PERCENT = re.compile(r"[0-9]{1,2}(?:\.[0-9]{1,2})?")


class QrisProblem(Problem):
    """A QRIS string that breaks a rule; ``code`` is one of the ``qris.*`` catalog codes."""


@dataclass(frozen=True)
class Qris:
    """A valid QRIS, decoded; ``tags`` keeps every top-level value as written, in order."""

    point_of_initiation: PointOfInitiation
    merchant_accounts: dict[str, dict[str, str]]
    nmid: str | None
    merchant_category_code: str
    currency: str
    amount: int | None
    country: str
    merchant_name: str
    merchant_city: str
    postal_code: str | None
    additional_data: dict[str, str] | None
    raw: str
    tags: dict[str, str]


def crc16_ccitt(text: str) -> str:
    """The QRIS checksum of ``text``: CRC-16/CCITT-FALSE as 4 uppercase hex digits.

    ``text`` is everything up to and including the ``6304`` that introduces the checksum.
    """
    return f"{binascii.crc_hqx(text.encode('ascii'), 0xFFFF):04X}"


_Items = dict[str, tuple[str, int]]


def _walk(text: str, base: int, parent: str | None) -> _Items:
    """Split ``text`` into tag -> (value, offset of the tag in the whole string).

    EMVCo lengths run 01-99, so a ``00`` length is malformed like a non-digit one.
    """
    items: _Items = {}
    pos, end = 0, len(text)
    while pos < end:
        head = text[pos : pos + 4]
        if not _HEAD.fullmatch(head) or head[2:] == "00":
            raise QrisProblem("qris.tlv", offset=base + pos)
        stop = pos + 4 + int(head[2:])
        if stop > end:
            raise QrisProblem("qris.tlv", offset=base + pos)
        tag = head[:2]
        if tag in items:
            path = tag if parent is None else f"{parent}.{tag}"
            raise QrisProblem("qris.duplicate_tag", tag=path)
        items[tag] = (text[pos + 4 : stop], base + pos)
        pos = stop
    return items


def _template(items: _Items, tag: str) -> dict[str, str]:
    value, offset = items[tag]
    return {sub: v for sub, (v, _) in _walk(value, offset + 4, tag).items()}


def _check_charset(text: str) -> None:
    bad = _NOT_PRINTABLE.search(text)
    if bad is not None:
        raise QrisProblem("qris.charset", offset=bad.start())


def _check_length(tag: str, value: str, limit: int) -> None:
    if not 1 <= len(value) <= limit:
        raise QrisProblem("qris.field_length", tag=tag, limit=limit, length=len(value))


def _check_limits(parent: str, values: dict[str, str], limits: dict[str, int]) -> None:
    for sub, value in values.items():
        limit = limits.get(sub)
        if limit is not None:
            _check_length(f"{parent}.{sub}", value, limit)


def _rupiah(tag: str, value: str) -> int:
    if not _AMOUNT.fullmatch(value) or not int(value.removesuffix(".00")):
        raise QrisProblem("qris.amount", tag=tag, value=value)
    return int(value.removesuffix(".00"))


def _merchant_accounts(items: _Items) -> tuple[dict[str, dict[str, str]], str | None]:
    """Templates 26-51 by tag, and the NMID from the national (ID.CO.QRIS.WWW) template.

    Real stickers often carry the national domain in both 26 and 51; 51 is the national
    repository's own slot, so it wins.
    """
    accounts: dict[str, dict[str, str]] = {}
    for tag in items:
        if not "26" <= tag <= "51":
            continue
        account = _template(items, tag)
        if "00" not in account:
            raise QrisProblem("qris.missing_tag", tag=f"{tag}.00")
        _check_length(f"{tag}.00", account["00"], _DOMAIN_LIMIT)
        pan = account.get("01")
        if pan is not None and not _PAN.fullmatch(pan):
            raise QrisProblem("qris.merchant_pan", tag=f"{tag}.01", value=pan)
        criteria = account.get("03")
        if criteria is not None and criteria not in _CRITERIA:
            raise QrisProblem("qris.merchant_criteria", tag=f"{tag}.03", value=criteria)
        accounts[tag] = account
    if not accounts:
        raise QrisProblem("qris.merchant_account")
    national = [tag for tag, account in accounts.items() if account["00"] == NATIONAL_DOMAIN]
    if not national:
        return accounts, None
    tag = "51" if "51" in national else national[0]
    nmid = accounts[tag].get("02")
    if nmid is None:
        raise QrisProblem("qris.missing_tag", tag=f"{tag}.02")
    if not _NMID.fullmatch(nmid):
        raise QrisProblem("qris.nmid", value=nmid)
    return accounts, nmid


def _check_tip(tags: dict[str, str]) -> None:
    """Tag 55 says how a tip or fee is added; 56 (fixed) or 57 (percent) must then follow."""
    indicator = tags.get("55")
    if indicator is None:
        return
    if indicator not in ("01", "02", "03"):
        raise QrisProblem("qris.tip", tag="55", value=indicator)
    if indicator == "02":
        if "56" not in tags:
            raise QrisProblem("qris.missing_tag", tag="56")
        _rupiah("56", tags["56"])
    if indicator == "03":
        percent = tags.get("57")
        if percent is None:
            raise QrisProblem("qris.missing_tag", tag="57")
        if not _PERCENT.fullmatch(percent) or not percent.strip("0."):
            raise QrisProblem("qris.tip", tag="57", value=percent)


def parse_qris(value: str) -> Qris:
    """Validate a QRIS string and decode it, raising `QrisProblem` with the first rule it breaks.

    The rules run in a fixed order, so the same bad input always gets the same code: the
    string as a whole (empty, length, characters), then its structure (tag-length-value,
    duplicates, format indicator first, CRC last), then the checksum, and only then the
    meaning of each field, so that a misread code is reported as one rather than as a
    puzzling field error. Nothing is stripped or repaired: a scanner that adds a newline gets
    ``qris.charset``. Amounts are whole rupiah (``"25000"`` or ``"25000.00"``, never sen).
    """
    if not value:
        raise QrisProblem("qris.empty")
    if len(value) > MAX_LENGTH:
        raise QrisProblem("qris.too_long", length=len(value), limit=MAX_LENGTH)
    _check_charset(value)

    items = _walk(value, 0, None)
    tags = {tag: v for tag, (v, _) in items.items()}
    if next(iter(tags)) != "00" or tags["00"] != "01":
        raise QrisProblem("qris.format_indicator")
    if "63" not in tags:
        raise QrisProblem("qris.missing_tag", tag="63")
    if next(reversed(tags)) != "63" or len(tags["63"]) != 4:
        raise QrisProblem("qris.crc_position")
    expected, found = crc16_ccitt(value[:-4]), value[-4:]
    if found != expected:
        raise QrisProblem("qris.crc", expected=expected, found=found)

    for tag in _REQUIRED:
        if tag not in tags:
            raise QrisProblem("qris.missing_tag", tag=tag)
    point = _POINT_OF_INITIATION.get(tags["01"])
    if point is None:
        raise QrisProblem("qris.point_of_initiation", value=tags["01"])
    accounts, nmid = _merchant_accounts(items)
    if not _MCC.fullmatch(tags["52"]):
        raise QrisProblem("qris.mcc", value=tags["52"])
    if tags["53"] != "360":
        raise QrisProblem("qris.currency", value=tags["53"])
    amount = _rupiah("54", tags["54"]) if "54" in tags else None
    _check_tip(tags)
    if tags["58"] != "ID":
        raise QrisProblem("qris.country", value=tags["58"])
    for tag, limit in _TOP_LIMITS.items():
        if tag in tags:
            _check_length(tag, tags[tag], limit)
    additional = _template(items, "62") if "62" in tags else None
    if additional is not None:
        _check_limits("62", additional, _ADDITIONAL_LIMITS)
    if "64" in tags:
        language = _template(items, "64")
        for sub in ("00", "01"):
            if sub not in language:
                raise QrisProblem("qris.missing_tag", tag=f"64.{sub}")
        _check_limits("64", language, _LANGUAGE_LIMITS)

    return Qris(
        point_of_initiation=point,
        merchant_accounts=accounts,
        nmid=nmid,
        merchant_category_code=tags["52"],
        currency=tags["53"],
        amount=amount,
        country=tags["58"],
        merchant_name=tags["59"],
        merchant_city=tags["60"],
        postal_code=tags.get("61"),
        additional_data=additional,
        raw=value,
        tags=tags,
    )


def _tlv(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"


def _luhn_digit(digits: str) -> str:
    """The ISO/IEC 7812 check digit that makes ``digits`` + it pass the Luhn test."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        digit = int(char) * (2 if i % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return str(-total % 10)


def _derived_pan(nmid: str) -> str:
    """A 19-digit PAN for demos: 9360 (Indonesia's QR prefix), NNS 0000, which is no
    acquirer's, the NMID's last 10 digits and a Luhn check digit."""
    body = "93600000" + nmid[-10:]
    return body + _luhn_digit(body)


def build_static(
    nmid: str,
    merchant_name: str,
    city: str,
    mcc: str = "5411",
    postal_code: str | None = None,
    acquirer_domain: str = NATIONAL_DOMAIN,
    merchant_pan: str | None = None,
) -> str:
    """A static QRIS for one shop, laid out like a real sticker; for the demo and tests.

    Template 26 is the acquirer's (domain, PAN, NMID, criteria UMI) and 51 the national
    repository's (ID.CO.QRIS.WWW, NMID, criteria). A bad argument raises the `QrisProblem` the
    parser would raise for it, and the result is parsed before it is returned, so this never
    hands out a string that `parse_qris` refuses. It registers nothing: a payable QRIS needs
    a merchant enrolled with a real acquirer.
    """
    if not _NMID.fullmatch(nmid):
        raise QrisProblem("qris.nmid", value=nmid)
    _check_length("26.00", acquirer_domain, _DOMAIN_LIMIT)
    pan = _derived_pan(nmid) if merchant_pan is None else merchant_pan
    if not _PAN.fullmatch(pan):
        raise QrisProblem("qris.merchant_pan", tag="26.01", value=pan)
    if not _MCC.fullmatch(mcc):
        raise QrisProblem("qris.mcc", value=mcc)
    _check_length("59", merchant_name, _TOP_LIMITS["59"])
    _check_length("60", city, _TOP_LIMITS["60"])
    if postal_code is not None:
        _check_length("61", postal_code, _TOP_LIMITS["61"])

    account = (
        _tlv("00", acquirer_domain)
        + _tlv("01", pan)
        + _tlv("02", nmid)
        + _tlv("03", _BUILD_CRITERIA)
    )
    national = _tlv("00", NATIONAL_DOMAIN) + _tlv("02", nmid) + _tlv("03", _BUILD_CRITERIA)
    body = (
        _tlv("00", "01")
        + _tlv("01", "11")
        + _tlv("26", account)
        + _tlv("51", national)
        + _tlv("52", mcc)
        + _tlv("53", "360")
        + _tlv("58", "ID")
        + _tlv("59", merchant_name)
        + _tlv("60", city)
        + (_tlv("61", postal_code) if postal_code is not None else "")
        + "6304"
    )
    _check_charset(body)
    payload = body + crc16_ccitt(body)
    parse_qris(payload)
    return payload
