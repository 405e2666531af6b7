"""Claim codes: short one-time codes a recipient types on a feature phone or reads out aloud.

A code is Douglas Crockford's base32 (``0-9`` and the capitals without I, L, O and U) with his
mod-37 check symbol, shown in hyphen groups of four: ``7KQ2-M9XP-3D6``. Reading is forgiving:
lower case is accepted, I and L are read as 1, O as 0, and hyphens and spaces (any whitespace,
as SMS apps and copy-paste add them) are ignored, so the mistakes people actually make when
copying a code off a screen do not turn them away.

Check scheme: Crockford's own, restricted. His check symbol is the whole number mod 37, and
values 32..36 are written ``* ~ $ = U``; those are hard or impossible to type on a feature-phone
keypad and hard to say over the phone. So `new_code` draws again whenever the check value
would be 32 or more, and every character of every code is a digit or a keypad letter. We keep
the prime modulus rather than switching to a Damm quasigroup or an ISO 7064 hybrid scheme over
32 symbols because it proves more and costs less:

- a single wrong symbol changes the number by ``d * 32**k`` with ``0 < |d| < 32``; 37 is prime
  and divides neither factor, so the check always changes (a wrong check symbol is caught
  because every check value is a different symbol);
- swapping two neighbouring data symbols changes it by ``(a - b) * 31 * 32**k``: caught;
- swapping the last data symbol ``d`` with the check symbol ``c`` makes the check value
  ``2c - d`` mod 37, which equals the new check symbol ``d`` only if ``c == d`` (no change);
- swapping symbols two apart (``abc`` -> ``cba``) changes it by ``(a - c) * 1023 * 32**k`` and
  1023 = 3 * 11 * 31: caught too, which Damm's scheme does not guarantee;
- every issued code is a valid Crockford code with check symbol, so any standard Crockford
  decoder (a partner's POS, a field officer's spreadsheet) validates it.

The price is the draws rejected: 5 of 37, so 32 ** 10 * 32 / 37 codes remain.

Entropy: 10 random symbols carry 50 bits; the rejection leaves log2(32**10 * 32/37) = 49.8 bits.
The check symbol adds none (anyone can compute it). That is enough because a claim code is
single-use, expires with its cycle, and is only ever tried against the server with a per-phone
and per-merchant attempt limit (those live in vouchers/). Even with 20 million live codes
nationally, one guess hits some live code with probability 2e7 / 9.7e14 = 2e-8, and an attacker
allowed 1,000 guesses on each of 10,000 merchant devices expects to hit 0.2 codes over a whole
cycle, before the rate alarms. A longer code would cost every elderly recipient more typing on
every claim. A typo caught by the check cannot match any code, so it need not count against
the attempt limit.

Why not a library: ``base32-crockford`` on PyPI (last release 2015) does the base conversion,
which ``int(x, 32)`` already does in C after a ``str.translate``; what this module adds -- the
restricted check, forgiving input, error codes naming the typed character -- it has not.
"""

from __future__ import annotations

import secrets
import string

from bansos.core.errors import Problem

__all__ = [
    "ALPHABET",
    "CODE_LENGTH",
    "CodeProblem",
    "check",
    "format_code",
    "new_code",
    "normalize",
]

#: Crockford's base32 symbols, in value order.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: Data symbols in a claim code; one check symbol follows them.
CODE_LENGTH = 10

_GROUP = 4
_CHECK_MODULUS = 37
_BITS_PER_SYMBOL = 5
_SYMBOL_MASK = (1 << _BITS_PER_SYMBOL) - 1
_VALUE = {symbol: value for value, symbol in enumerate(ALPHABET)}
# Crockford symbols -> the digits Python's int(text, 32) reads (0-9, A-V), so the number is
# computed in C rather than symbol by symbol.
_TO_PYTHON_BASE32 = str.maketrans(ALPHABET, string.digits + string.ascii_uppercase[:22])
_FORGIVE: dict[int, str | None] = {ord(c): c.upper() for c in string.ascii_lowercase}
_FORGIVE.update({ord(c): "1" for c in "IiLl"})
_FORGIVE.update({ord(c): "0" for c in "Oo"})
_FORGIVE[ord("-")] = None
_FOREIGN = str.maketrans("", "", ALPHABET)


class CodeProblem(Problem, ValueError):
    """A claim code that cannot be right, with a ``claim_code.*`` code for the user's message."""


def normalize(text: str) -> str:
    """The canonical form of what someone typed: upper case, I/L -> 1, O -> 0, no separators.

    It does not validate: characters outside the alphabet are kept (ASCII letters upper-cased)
    so that `check` can name them. Idempotent.
    """
    return "".join(text.split()).translate(_FORGIVE)


def _check_value(data: str) -> int:
    return int(data.translate(_TO_PYTHON_BASE32), 32) % _CHECK_MODULUS


def _as_typed(text: str, foreign: str) -> str:
    """The first character of ``text`` that is not part of any code, as the person typed it."""
    return next(
        (
            char
            for char in text
            if not (char.isspace() or char == "-") and normalize(char) not in _VALUE
        ),
        foreign,
    )


def check(text: str, *, length: int = CODE_LENGTH) -> str:
    """The canonical code in ``text``, or `CodeProblem` with the first rule it breaks.

    Rules run in a fixed order: ``claim_code.empty``, ``claim_code.charset`` (naming the
    character as typed), ``claim_code.length`` (``expected``/``found`` count the symbols a
    person types, check symbol included), ``claim_code.check`` (a typo). ``length`` is the
    number of data symbols, as given to `new_code`.
    """
    if length < 1:
        raise ValueError("length must be at least 1")
    code = normalize(text)
    if not code:
        raise CodeProblem("claim_code.empty")
    foreign = code.translate(_FOREIGN)
    if foreign:
        raise CodeProblem("claim_code.charset", character=_as_typed(text, foreign[0]))
    if len(code) != length + 1:
        raise CodeProblem("claim_code.length", expected=length + 1, found=len(code))
    if _check_value(code[:-1]) != _VALUE[code[-1]]:
        raise CodeProblem("claim_code.check")
    return code


def format_code(canonical: str) -> str:
    """``7KQ2M9XP3D6`` -> ``7KQ2-M9XP-3D6``: groups of four are easier to read out and copy.

    The input is normalized first, so formatting a formatted code changes nothing.
    """
    code = normalize(canonical)
    return "-".join(code[i : i + _GROUP] for i in range(0, len(code), _GROUP))


def new_code(length: int = CODE_LENGTH) -> str:
    """A fresh random code of ``length`` data symbols plus its check symbol, formatted.

    Draws again while the check value is 32..36, so that no code needs ``* ~ $ = U``.
    """
    if length < 1:
        raise ValueError("length must be at least 1")
    while True:
        number = secrets.randbits(_BITS_PER_SYMBOL * length)
        check_value = number % _CHECK_MODULUS
        if check_value < len(ALPHABET):
            break
    symbols = [
        ALPHABET[(number >> (_BITS_PER_SYMBOL * shift)) & _SYMBOL_MASK]
        for shift in range(length - 1, -1, -1)
    ]
    return format_code("".join(symbols) + ALPHABET[check_value])
