"""Claim codes: forgiving input, each rule's reason code, and that the check catches typos."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bansos.core.codes import (
    ALPHABET,
    CODE_LENGTH,
    CodeProblem,
    check,
    format_code,
    new_code,
    normalize,
)
from bansos.core.errors import Problem
from bansos.core.messages import MESSAGES, both

FORMATTED = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{3}$")


def reference_check_value(data: str) -> int:
    """Crockford's check value computed symbol by symbol, independently of the module."""
    number = 0
    for symbol in data:
        number = number * 32 + ALPHABET.index(symbol)
    return number % 37


def with_check(data: str) -> str:
    return data + ALPHABET[reference_check_value(data)]


def problem(text: str, **kwargs: int) -> CodeProblem:
    with pytest.raises(CodeProblem) as excinfo:
        check(text, **kwargs)
    return excinfo.value


data_parts = st.text(alphabet=ALPHABET, min_size=CODE_LENGTH, max_size=CODE_LENGTH).filter(
    lambda data: reference_check_value(data) < 32
)
valid_codes = data_parts.map(with_check)


# --- known codes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "canonical",
    ["7KQ2M9XP3D6", "00000000000", "00000000011", "ZZZZZZZZZZX", "0000000016" + "1"],
)
def test_known_codes_check(canonical: str) -> None:
    assert check(canonical) == canonical
    assert check(format_code(canonical)) == canonical


def test_a_number_whose_check_value_needs_a_special_symbol_has_no_valid_code() -> None:
    # 0000000010 is 32, and 32 mod 37 would need "*": no keypad symbol may stand in for it.
    assert reference_check_value("0000000010") == 32
    for symbol in ALPHABET:
        assert problem("0000000010" + symbol).code == "claim_code.check"


# --- new_code -------------------------------------------------------------------------------


def test_new_code_is_grouped_and_checks() -> None:
    code = new_code()
    assert FORMATTED.match(code), code
    assert check(code) == code.replace("-", "")
    assert code[-1] == ALPHABET[reference_check_value(code.replace("-", "")[:-1])]


def test_new_codes_differ() -> None:
    # 50 random bits: a repeat among 200 draws would mean the randomness is broken.
    assert len({new_code() for _ in range(200)}) == 200


@given(st.integers(min_value=1, max_value=40))
def test_every_generated_code_checks_at_any_length(length: int) -> None:
    code = new_code(length)
    canonical = normalize(code)
    assert len(canonical) == length + 1
    assert set(canonical) <= set(ALPHABET)
    assert check(code, length=length) == canonical
    assert format_code(canonical) == code


def test_new_code_draws_again_when_the_check_would_need_a_special_symbol(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    draws: Iterator[int] = iter([32, 36, 38])  # check values 32, 36, then 1
    calls: list[int] = []

    def fake_randbits(bits: int) -> int:
        calls.append(bits)
        return next(draws)

    monkeypatch.setattr("secrets.randbits", fake_randbits)
    assert new_code() == "0000-0000-161"
    assert calls == [50, 50, 50]


def test_length_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        new_code(0)
    with pytest.raises(ValueError, match="at least 1"):
        check("0", length=0)


# --- check: each rule's reason --------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "-", " - \t-\n", "\u00a0"])
def test_empty(text: str) -> None:
    assert problem(text).code == "claim_code.empty"


@pytest.mark.parametrize(
    ("text", "character"),
    [
        ("7KQ2-M9XP-3D*", "*"),  # Crockford's check symbol for 32: never issued
        ("7KQ2-M9XP-3D$", "$"),
        ("7KQ2-M9XP-3DU", "U"),
        ("7kq2-m9xp-3du", "u"),  # named as typed, not as normalized
        ("7KQ2-M9XP-3D6!", "!"),
        ("7KQ2\u2013M9XP-3D6", "\u2013"),  # an en dash is not a hyphen
        ("7KQ2_M9XP_3D6", "_"),
        ("７KQ2-M9XP-3D6", "７"),  # fullwidth digit
        ("SATU", "U"),  # too short as well, but the foreign letter is the clearer hint
    ],
)
def test_charset_names_the_character(text: str, character: str) -> None:
    err = problem(text)
    assert err.code == "claim_code.charset"
    assert err.params == {"character": character}
    assert both(err.code, **err.params)["id"] == (
        f'Kode klaim tidak memakai "{character}". Periksa lagi kodenya di SMS Anda.'
    )


@pytest.mark.parametrize(
    ("text", "found"), [("7KQ2-M9XP-3D", 10), ("7KQ2-M9XP-3D66", 12), ("7", 1)]
)
def test_length(text: str, found: int) -> None:
    err = problem(text)
    assert err.code == "claim_code.length"
    assert err.params == {"expected": 11, "found": found}
    assert both(err.code, **err.params)["id"] == (
        f"Kode klaim terdiri dari 11 huruf dan angka, tetapi Anda mengetik {found}. "
        "Periksa lagi kodenya di SMS Anda."
    )


def test_length_follows_the_length_asked_for() -> None:
    assert problem("7KQ2-M9XP-3D6", length=12).params == {"expected": 13, "found": 11}
    assert check("7KQ2-M9XP-3D6", length=10) == "7KQ2M9XP3D6"


@pytest.mark.parametrize("text", ["7KQ2-M9XP-3D7", "7KQ2-M9XP-3E6", "K7Q2-M9XP-3D6"])
def test_typo(text: str) -> None:
    err = problem(text)
    assert err.code == "claim_code.check"
    assert err.params == {}
    assert both(err.code)["id"] == "Kode klaim salah ketik. Periksa lagi kodenya di SMS Anda."


def test_code_problem_is_a_problem_and_a_value_error() -> None:
    err = problem("7KQ2-M9XP-3D7")
    assert isinstance(err, Problem)
    assert isinstance(err, ValueError)
    assert str(err) == MESSAGES["claim_code.check"][1]


@pytest.mark.parametrize(
    ("code", "params"),
    [
        ("claim_code.empty", {}),
        ("claim_code.charset", {"character": "*"}),
        ("claim_code.length", {"expected": 11, "found": 9}),
        ("claim_code.check", {}),
    ],
)
def test_every_reason_has_both_languages_with_all_placeholders_filled(
    code: str, params: dict[str, object]
) -> None:
    texts = both(code, **params)
    assert set(texts) == {"id", "en"}
    for text in texts.values():
        assert text != code
        assert "{" not in text


# --- forgiving input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "7kq2-m9xp-3d6",
        "7KQ2 M9XP 3D6",
        " 7KQ2M9XP3D6 \n",
        "7KQ2--M9XP-3D6",
        "7 k q 2 m 9 x p 3 d 6",
        "7KQ2\u00a0M9XP\u00a03D6",  # no-break spaces, as some SMS apps copy them
    ],
)
def test_separators_and_case_are_ignored(typed: str) -> None:
    assert check(typed) == "7KQ2M9XP3D6"


def test_confusable_letters_are_read_as_digits() -> None:
    assert normalize("IiLlOo") == "111100"
    assert check("OOOO-OOOO-Oll") == "00000000011"


@given(valid_codes, st.data())
def test_lowercase_and_confusable_variants_decode_to_the_same_code(
    canonical: str, data: st.DataObject
) -> None:
    typed = []
    for symbol in canonical:
        if symbol == "1":
            typed.append(data.draw(st.sampled_from("1IiLl")))
        elif symbol == "0":
            typed.append(data.draw(st.sampled_from("0Oo")))
        else:
            typed.append(data.draw(st.sampled_from([symbol, symbol.lower()])))
        typed.append(data.draw(st.sampled_from(["", "", "-", " ", "\t"])))
    variant = "".join(typed)
    assert normalize(variant) == canonical
    assert check(variant) == canonical


@given(st.text())
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert "-" not in once
    assert not any(char.isspace() for char in once)


@given(valid_codes)
def test_format_then_normalize_round_trips(canonical: str) -> None:
    formatted = format_code(canonical)
    assert FORMATTED.match(formatted)
    assert normalize(formatted) == canonical
    assert format_code(formatted) == formatted


@given(st.text())
def test_any_text_is_a_code_or_a_catalogued_reason(text: str) -> None:
    try:
        canonical = check(text)
    except CodeProblem as err:
        assert err.code.startswith("claim_code.")
        assert err.code in MESSAGES
    else:
        assert len(canonical) == CODE_LENGTH + 1
        assert set(canonical) <= set(ALPHABET)
        assert canonical[-1] == ALPHABET[reference_check_value(canonical[:-1])]


# --- the check catches typos ----------------------------------------------------------------


@given(valid_codes)
def test_every_generated_code_checks(canonical: str) -> None:
    assert check(canonical) == canonical
    assert check(format_code(canonical)) == canonical


@given(valid_codes)
def test_every_single_symbol_substitution_is_detected(canonical: str) -> None:
    for position, original in enumerate(canonical):
        for symbol in ALPHABET.replace(original, ""):
            typo = canonical[:position] + symbol + canonical[position + 1 :]
            assert problem(typo).code == "claim_code.check", typo


@given(valid_codes)
def test_every_adjacent_transposition_is_detected(canonical: str) -> None:
    # Includes swapping the last data symbol with the check symbol.
    for position in range(len(canonical) - 1):
        left, right = canonical[position], canonical[position + 1]
        if left == right:
            continue
        typo = canonical[:position] + right + left + canonical[position + 2 :]
        assert problem(typo).code == "claim_code.check", typo


@given(valid_codes)
def test_every_jump_transposition_within_the_data_is_detected(canonical: str) -> None:
    # abc -> cba: the module docstring promises this one too.
    for position in range(CODE_LENGTH - 2):
        first, middle, last = canonical[position], canonical[position + 1], canonical[position + 2]
        if first == last:
            continue
        typo = canonical[:position] + last + middle + first + canonical[position + 3 :]
        assert problem(typo).code == "claim_code.check", typo
