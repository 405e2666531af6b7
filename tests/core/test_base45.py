"""Base45 (RFC 9285): the RFC examples, every group exhaustively, the PyPI package as judge."""

from __future__ import annotations

import random
from itertools import product

import base45
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bansos.core.base45 import ALPHABET, Base45Error, b45decode, b45encode

RFC_EXAMPLES = [
    (b"AB", "BB8"),
    (b"Hello!!", "%69 VD92EX0"),
    (b"base-45", "UJCLQE7W581"),
    (b"ietf!", "QED8WEX0"),
    (b"", ""),
]


def group_value(group: str) -> int:
    return sum(ALPHABET.index(char) * 45**i for i, char in enumerate(group))


def rejection(text: str) -> str:
    with pytest.raises(Base45Error) as excinfo:
        b45decode(text)
    return str(excinfo.value)


# --- RFC 9285 -------------------------------------------------------------------------------


def test_alphabet_is_the_rfc_table() -> None:
    assert len(ALPHABET) == 45
    assert len(set(ALPHABET)) == 45
    assert ALPHABET == "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


@pytest.mark.parametrize(("data", "text"), RFC_EXAMPLES)
def test_rfc_examples_encode(data: bytes, text: str) -> None:
    assert b45encode(data) == text


@pytest.mark.parametrize(("data", "text"), RFC_EXAMPLES)
def test_rfc_examples_decode(data: bytes, text: str) -> None:
    decoded = b45decode(text)
    assert decoded == data
    assert type(decoded) is bytes


def test_rfc_invalid_example() -> None:
    # RFC 9285 section 6: "GGW" is 65536, one more than two bytes hold.
    assert rejection("GGW") == "group 'GGW' at position 0 is 65536, over 65535"


def test_base45_error_is_a_plain_value_error() -> None:
    with pytest.raises(ValueError, match="GGW"):
        b45decode("GGW")
    assert Base45Error.__mro__[1] is ValueError


# --- every group, exhaustively --------------------------------------------------------------


def test_every_three_character_group() -> None:
    accepted = 0
    for chars in product(ALPHABET, repeat=3):
        group = "".join(chars)
        value = group_value(group)
        if value <= 0xFFFF:
            assert b45decode(group) == value.to_bytes(2, "big"), group
            assert b45encode(value.to_bytes(2, "big")) == group
            accepted += 1
        else:
            with pytest.raises(Base45Error, match="over 65535"):
                b45decode(group)
    assert accepted == 65536


def test_every_final_pair() -> None:
    accepted = 0
    for chars in product(ALPHABET, repeat=2):
        pair = "".join(chars)
        value = group_value(pair)
        if value <= 0xFF:
            assert b45decode("BB8" + pair) == b"AB" + bytes([value]), pair
            accepted += 1
        else:
            assert (
                rejection("BB8" + pair) == f"final pair {pair!r} at position 3 is {value}, over 255"
            )
    assert accepted == 256


def test_largest_group_does_not_spill_into_its_neighbours() -> None:
    # ":::" is 91124, the largest a group can spell; the decoder must see it, not a carry.
    assert rejection("000:::000") == "group ':::' at position 3 is 91124, over 65535"
    assert b45decode("FGW" * 3) == b"\xff\xff" * 3


# --- rejections -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("bb8", "invalid Base45 character 'b' at position 0"),
        ("BB8\n", "invalid Base45 character '\\n' at position 3"),
        ("BB8É0", "invalid Base45 character 'É' at position 3"),
        ("BB8\ud8000", "invalid Base45 character '\\ud800' at position 3"),
        ("B", "a lone character is left at the end (length 1)"),
        ("BB8B", "a lone character is left at the end (length 4)"),
        ("BB8GGWBB8", "group 'GGW' at position 3 is 65536, over 65535"),
        ("BB8::", "final pair '::' at position 3 is 2024, over 255"),
    ],
)
def test_rejections_say_why(text: str, reason: str) -> None:
    assert rejection(text) == reason


@given(st.binary(min_size=1), st.data())
def test_a_foreign_character_anywhere_is_rejected_at_its_position(
    data: bytes, draw: st.DataObject
) -> None:
    text = b45encode(data)
    position = draw.draw(st.integers(min_value=0, max_value=len(text) - 1))
    char = draw.draw(st.characters().filter(lambda c: c not in ALPHABET))
    bad = text[:position] + char + text[position + 1 :]
    assert rejection(bad) == f"invalid Base45 character {char!r} at position {position}"


@given(st.text())
def test_any_text_decodes_canonically_or_raises_base45_error(text: str) -> None:
    try:
        data = b45decode(text)
    except Base45Error:
        return
    assert b45encode(data) == text


@given(st.text(alphabet=ALPHABET))
def test_any_alphabet_text_decodes_canonically_or_raises_base45_error(text: str) -> None:
    # Mostly valid characters, so this reaches the length and overflow rules.
    try:
        data = b45decode(text)
    except Base45Error:
        assert len(text) % 3 == 1 or any(
            group_value(text[i : i + 3]) > (0xFFFF if len(text) - i >= 3 else 0xFF)
            for i in range(0, len(text), 3)
        )
    else:
        assert b45encode(data) == text


# --- round trips and the PyPI package -------------------------------------------------------


@given(st.binary())
def test_round_trip(data: bytes) -> None:
    text = b45encode(data)
    assert len(text) == 3 * (len(data) // 2) + 2 * (len(data) % 2)
    assert b45decode(text) == data


def test_round_trip_large() -> None:
    data = random.Random(45).randbytes(300_001)
    assert b45decode(b45encode(data)) == data


@given(st.binary())
def test_agrees_with_the_base45_package_both_ways(data: bytes) -> None:
    theirs = base45.b45encode(data).decode("ascii")
    assert b45encode(data) == theirs
    assert b45decode(theirs) == data
    assert base45.b45decode(b45encode(data)) == data


@given(st.text(alphabet=ALPHABET))
def test_accepts_and_rejects_what_the_base45_package_does(text: str) -> None:
    try:
        theirs = base45.b45decode(text)
    except ValueError:
        with pytest.raises(Base45Error):
            b45decode(text)
    else:
        assert b45decode(text) == theirs
