"""Normalising registry field values, with a reason code for each way a value can be wrong.

The civil registry (Dukcapil) and regional exports spell the same thing many ways: sex as
``L``/``P``/``LAKI-LAKI``/``1``, relationships in Indonesian or as SHDK codes, dates as
``YYYY-MM-DD`` or ``DD-MM-YYYY``. One canonical form is stored.
"""

from __future__ import annotations

import re
from datetime import date

from bansos.core.errors import Problem
from bansos.registry.reader import looks_like_formula


class FieldProblem(Problem):
    """One field's value is wrong; the row is rejected with this code."""


_SEX = {
    "m": "M", "l": "M", "laki-laki": "M", "laki laki": "M", "lk": "M", "male": "M", "1": "M",
    "f": "F", "p": "F", "perempuan": "F", "pr": "F", "wanita": "F", "female": "F", "2": "F",
}  # fmt: skip

# English names, Indonesian names and the SHDK codes (status hubungan dalam keluarga).
_RELATIONSHIP = {
    "head": "head", "kepala keluarga": "head", "kepala": "head", "kk": "head", "1": "head",
    "spouse": "spouse", "istri": "spouse", "isteri": "spouse", "suami": "spouse",
    "2": "spouse", "3": "spouse",
    "child": "child", "anak": "child", "4": "child",
    "parent": "parent", "orang tua": "parent", "orangtua": "parent", "mertua": "parent",
    "7": "parent", "8": "parent",
    "other": "other", "menantu": "other", "cucu": "other", "famili lain": "other",
    "pembantu": "other", "lainnya": "other", "5": "other", "6": "other", "9": "other",
    "10": "other", "11": "other",
}  # fmt: skip

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
_EARLIEST = date(1880, 1, 1)
_SPACES = re.compile(r"\s+")


def sex(value: str) -> str:
    out = _SEX.get(value.strip().lower())
    if out is None:
        raise FieldProblem("value.sex")
    return out


def relationship(value: str) -> str:
    out = _RELATIONSHIP.get(_SPACES.sub(" ", value.strip().lower()))
    if out is None:
        raise FieldProblem("value.relationship")
    return out


def parse_date(value: str, *, today: date) -> date:
    """``YYYY-MM-DD`` (the documented format) or ``DD-MM-YYYY``/``DD/MM/YYYY`` (Dukcapil and
    spreadsheet exports); the four-digit year makes the two unambiguous."""
    text = value.strip()
    if len(text) == 10 and text[4] == "-" and text[7] == "-" and text.isascii():
        # The common case, parsed in C; anything odd falls through to the careful path.
        try:
            out = date.fromisoformat(text)
        except ValueError:
            pass
        else:
            if _EARLIEST <= out <= today:
                return out
    m = _ISO.fullmatch(text)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    else:
        m = _DMY.fullmatch(text)
        if not m:
            raise FieldProblem("value.date_format")
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
    try:
        out = date(y, mo, d)
    except ValueError as exc:
        raise FieldProblem("value.date_impossible") from exc
    if out > today:
        raise FieldProblem("value.date_future")
    if out < _EARLIEST:
        raise FieldProblem("value.date_too_old")
    return out


def text(value: str, *, required: bool, max_len: int) -> str:
    out = " ".join(value.split())  # trims and collapses runs of whitespace
    if not out:
        if required:
            raise FieldProblem("value.required")
        return ""
    if out[0] in "=+-@" and looks_like_formula(out):
        raise FieldProblem("value.formula")
    if len(out) > max_len:
        raise FieldProblem("value.too_long", max=max_len)
    return out


def region_code(value: str, *, known: frozenset[str]) -> str:
    """A 6-digit district code; ``32.04.01`` (the dotted Kemendagri style) is accepted too."""
    code = value.strip().replace(".", "")
    if len(code) != 6 or not code.isdigit():
        raise FieldProblem("value.region_format")
    if code not in known:
        raise FieldProblem("value.region_unknown", region=code)
    return code
