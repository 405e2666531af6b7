"""QRIS parsing and building: real published stickers, one bad input per code, and fuzzing."""

from __future__ import annotations

import binascii
import re
import string
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bansos.core.messages import MESSAGES, both
from bansos.vouchers import qris
from bansos.vouchers.qris import (
    MAX_LENGTH,
    NATIONAL_DOMAIN,
    Qris,
    QrisProblem,
    build_static,
    crc16_ccitt,
    parse_qris,
)

# The static QRIS of BAZNAS (Badan Amil Zakat Nasional, the national zakat agency), a public
# donation code. Published as the worked example in the docs of utsmannn/ppob-fake-api
# (docs/qris.en.md, commit 75265df7c84b94f5b39fc16c2b7b36c4048700e4) and in the README of the
# Dart package `qris` on pub.dev (https://pub.dev/packages/qris). Copied verbatim, CRC included.
BAZNAS = (
    "00020101021126550016ID.CO.SHOPEE.WWW01189360091800000000180202180303UBE51440014ID.CO.QRIS"
    ".WWW0215ID20190022915550303UBE5204839853033605802ID5906Baznas6013Jakarta Pusat6105103406207"
    "0703A016304A402"
)
# A shop's static QRIS issued through DANA, the usage example in the README of the Dart package
# `qris_parser` 1.0.1 (https://pub.dev/packages/qris_parser). Copied verbatim, CRC included.
FULUNG_STORE = (
    "00020101021126570011ID.DANA.WWW011893600915387258349102098725834910303UMI51440014ID.CO.QRIS"
    ".WWW0215ID10253905048490303UMI5204481453033605802ID5912Fulung Store6014Kota Palembang6105301"
    "1163047279"
)
NMID = "ID1020021181745"
PRINTABLE = "".join(chr(c) for c in range(0x20, 0x7F))


def tlv(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"


def with_crc(body: str) -> str:
    """``body`` (everything before the CRC field) closed with a correct CRC field.

    Computed here rather than with `crc16_ccitt`, which takes ASCII only, so that fuzzed
    bodies with any characters can be closed too.
    """
    return body + "6304" + f"{binascii.crc_hqx((body + '6304').encode(), 0xFFFF):04X}"


def body_of(tags: list[tuple[str, str]]) -> str:
    return "".join(tlv(tag, value) for tag, value in tags)


def valid_tags() -> list[tuple[str, str]]:
    """The top-level fields of a valid static QRIS, in order, CRC left out."""
    account = tlv("00", "ID.CO.BANKBANSOS.WWW") + tlv("01", "9360000000211817456")
    national = tlv("00", NATIONAL_DOMAIN) + tlv("02", NMID) + tlv("03", "UMI")
    return [
        ("00", "01"),
        ("01", "11"),
        ("26", account),
        ("51", national),
        ("52", "5411"),
        ("53", "360"),
        ("58", "ID"),
        ("59", "WARUNG BU SITI"),
        ("60", "GARUT"),
    ]


def changed(changes: dict[str, str | None]) -> str:
    """A QRIS from `valid_tags` with each tag set to its value (appended if new, dropped if
    None), closed with a correct CRC."""
    tags = dict(valid_tags())
    for tag, value in changes.items():
        if value is None:
            del tags[tag]
        else:
            tags[tag] = value
    return with_crc(body_of(list(tags.items())))


def replaced(tag: str, value: str | None) -> str:
    return changed({tag: value})


def problem(value: str) -> QrisProblem:
    with pytest.raises(QrisProblem) as excinfo:
        parse_qris(value)
    assert excinfo.value.code in MESSAGES
    return excinfo.value


def relaid(parsed: Qris) -> str:
    """The string the parsed top-level tags spell, to compare with ``parsed.raw``."""
    return body_of(list(parsed.tags.items()))


# --- CRC ------------------------------------------------------------------------------------


def test_crc_is_ccitt_false_check_value() -> None:
    # "123456789" -> 0x29B1 is the published check value of CRC-16/CCITT-FALSE.
    assert crc16_ccitt("123456789") == "29B1"
    assert crc16_ccitt("") == "FFFF"


def test_crc_is_four_uppercase_hex_digits_even_when_small() -> None:
    values = {crc16_ccitt(f"x{i}") for i in range(2000)}
    assert all(re.fullmatch(r"[0-9A-F]{4}", v) for v in values)
    assert any(v.startswith("0") for v in values)


# --- Published real-world samples -----------------------------------------------------------


def test_baznas_sample_parses() -> None:
    parsed = parse_qris(BAZNAS)
    assert parsed.nmid == "ID2019002291555"
    assert parsed.merchant_name == "Baznas"
    assert parsed.merchant_city == "Jakarta Pusat"
    assert parsed.postal_code == "10340"
    assert parsed.point_of_initiation == "static"
    assert parsed.merchant_category_code == "8398"
    assert (parsed.currency, parsed.country, parsed.amount) == ("360", "ID", None)
    assert parsed.merchant_accounts == {
        "26": {
            "00": "ID.CO.SHOPEE.WWW",
            "01": "936009180000000018",
            "02": "18",
            "03": "UBE",
        },
        "51": {"00": NATIONAL_DOMAIN, "02": "ID2019002291555", "03": "UBE"},
    }
    assert parsed.additional_data == {"07": "A01"}
    assert parsed.tags["63"] == "A402"
    assert parsed.raw == BAZNAS
    assert relaid(parsed) == BAZNAS


def test_dana_sample_parses() -> None:
    parsed = parse_qris(FULUNG_STORE)
    assert parsed.nmid == "ID1025390504849"
    assert (parsed.merchant_name, parsed.merchant_city) == ("Fulung Store", "Kota Palembang")
    assert parsed.merchant_accounts["26"]["00"] == "ID.DANA.WWW"
    assert parsed.additional_data is None
    assert list(parsed.tags) == ["00", "01", "26", "51", "52", "53", "58", "59", "60", "61", "63"]


def test_one_changed_letter_in_a_real_sample_fails_the_crc() -> None:
    err = problem(BAZNAS.replace("Baznas", "Baznaz"))
    assert err.code == "qris.crc"
    expected = crc16_ccitt(BAZNAS[:-4].replace("Baznas", "Baznaz"))
    assert err.params == {"expected": expected, "found": "A402"}


# --- build_static ---------------------------------------------------------------------------


def test_build_static_round_trips() -> None:
    payload = build_static(NMID, "WARUNG BU SITI", "GARUT", postal_code="44111")
    parsed = parse_qris(payload)
    assert parsed.nmid == NMID
    assert (parsed.merchant_name, parsed.merchant_city, parsed.postal_code) == (
        "WARUNG BU SITI",
        "GARUT",
        "44111",
    )
    assert parsed.point_of_initiation == "static"
    assert parsed.amount is None
    assert parsed.merchant_category_code == "5411"
    assert list(parsed.tags) == ["00", "01", "26", "51", "52", "53", "58", "59", "60", "61", "63"]
    assert parsed.merchant_accounts["51"] == {"00": NATIONAL_DOMAIN, "02": NMID, "03": "UMI"}
    assert payload.startswith("000201010211")
    assert payload[-8:-4] == "6304"


def test_build_static_layout_of_the_acquirer_template() -> None:
    payload = build_static(
        NMID, "TOKO SEMBAKO", "BANDUNG", mcc="5499", acquirer_domain="ID.CO.BANKBANSOS.WWW"
    )
    account = parse_qris(payload).merchant_accounts["26"]
    assert list(account) == ["00", "01", "02", "03"]
    assert account["00"] == "ID.CO.BANKBANSOS.WWW"
    assert account["02"] == NMID
    assert account["03"] == "UMI"
    # The derived PAN: 19 digits, Indonesia's 9360 prefix, passing the Luhn check.
    pan = account["01"]
    assert len(pan) == 19 and pan.startswith("9360") and pan.isdigit()
    assert luhn_ok(pan)
    assert parse_qris(payload).merchant_category_code == "5499"
    assert "61" not in parse_qris(payload).tags


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        digit = int(char) * (2 if i % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def test_luhn_digit_matches_the_textbook_example() -> None:
    assert qris._luhn_digit("7992739871") == "3"
    assert luhn_ok("79927398713")


def test_build_static_keeps_a_given_pan() -> None:
    payload = build_static(NMID, "WARUNG", "GARUT", merchant_pan="936009180000000018")
    assert parse_qris(payload).merchant_accounts["26"]["01"] == "936009180000000018"


def test_build_static_is_deterministic() -> None:
    assert build_static(NMID, "WARUNG", "GARUT") == build_static(NMID, "WARUNG", "GARUT")


@pytest.mark.parametrize(
    ("kwargs", "code", "params"),
    [
        ({"nmid": "ID12345"}, "qris.nmid", {"value": "ID12345"}),
        (
            {"merchant_name": "X" * 26},
            "qris.field_length",
            {"tag": "59", "limit": 25, "length": 26},
        ),
        ({"merchant_name": ""}, "qris.field_length", {"tag": "59", "limit": 25, "length": 0}),
        (
            {"city": "KABUPATEN BANDUNG"},
            "qris.field_length",
            {"tag": "60", "limit": 15, "length": 17},
        ),
        ({"postal_code": ""}, "qris.field_length", {"tag": "61", "limit": 10, "length": 0}),
        ({"mcc": "541"}, "qris.mcc", {"value": "541"}),
        ({"merchant_pan": "12AB"}, "qris.merchant_pan", {"tag": "26.01", "value": "12AB"}),
        (
            {"acquirer_domain": "D" * 33},
            "qris.field_length",
            {"tag": "26.00", "limit": 32, "length": 33},
        ),
        ({"merchant_name": "WARUNG BU SITI É"}, "qris.charset", None),
    ],
)
def test_build_static_refuses_bad_arguments(
    kwargs: dict[str, str], code: str, params: dict[str, object] | None
) -> None:
    arguments = {"nmid": NMID, "merchant_name": "WARUNG", "city": "GARUT"} | kwargs
    with pytest.raises(QrisProblem) as excinfo:
        build_static(**arguments)
    assert excinfo.value.code == code
    if params is not None:
        assert excinfo.value.params == params


ascii_text = st.text(alphabet=PRINTABLE, min_size=1)


@given(
    name=st.text(alphabet=PRINTABLE, min_size=1, max_size=25),
    city=st.text(alphabet=PRINTABLE, min_size=1, max_size=15),
    postal=st.none() | st.text(alphabet=string.digits, min_size=1, max_size=10),
    digits=st.text(alphabet=string.digits, min_size=13, max_size=13),
)
def test_any_valid_shop_round_trips(name: str, city: str, postal: str | None, digits: str) -> None:
    nmid = "ID" + digits
    parsed = parse_qris(build_static(nmid, name, city, postal_code=postal))
    assert (parsed.nmid, parsed.merchant_name, parsed.merchant_city) == (nmid, name, city)
    assert parsed.postal_code == postal
    assert relaid(parsed) == parsed.raw


# --- One bad input per code -----------------------------------------------------------------


def test_valid_helper_string_parses() -> None:
    # The helpers below mutate this string; it must be valid to begin with.
    parsed = parse_qris(replaced("59", "WARUNG BU SITI"))
    assert parsed.nmid == NMID
    assert parsed.merchant_accounts["26"] == {
        "00": "ID.CO.BANKBANSOS.WWW",
        "01": "9360000000211817456",
    }


def test_empty() -> None:
    assert problem("").code == "qris.empty"


def test_too_long() -> None:
    err = problem("0" * (MAX_LENGTH + 1))
    assert (err.code, err.params) == ("qris.too_long", {"length": 513, "limit": 512})


def test_exactly_max_length_is_not_too_long() -> None:
    # 512 characters get past the length check and fail later, on their structure.
    assert problem("0" * MAX_LENGTH).code == "qris.tlv"


@pytest.mark.parametrize(
    ("value", "offset"),
    [
        (BAZNAS.replace("Baznas", "Báznas"), BAZNAS.index("Baznas") + 1),
        (BAZNAS + "\n", len(BAZNAS)),
        ("\x00" + BAZNAS, 0),
        (BAZNAS.replace("Jakarta Pusat", "Jakarta\tPusat"), BAZNAS.index("Jakarta") + 7),
    ],
)
def test_charset(value: str, offset: int) -> None:
    err = problem(value)
    assert (err.code, err.params) == ("qris.charset", {"offset": offset})


def test_truncated_string_runs_past_the_end() -> None:
    err = problem(BAZNAS[:-10])
    assert err.code == "qris.tlv"
    # The additional-data field (62) is the one that now runs past the end.
    assert err.params == {"offset": BAZNAS.index("62070703A01")}


def test_truncated_inside_a_header() -> None:
    err = problem("00020")
    assert (err.code, err.params) == ("qris.tlv", {"offset": 0})
    err = problem("00020101")
    assert (err.code, err.params) == ("qris.tlv", {"offset": 6})


@pytest.mark.parametrize(
    ("value", "offset"),
    [
        ("0002010A0211", 6),  # ID not digits
        ("00020101X211", 6),  # length not digits
        ("0002010100", 6),  # zero length
        ("000201019911", 6),  # value runs past the end
        ("hello world", 0),
    ],
)
def test_malformed_tlv_gives_the_offset(value: str, offset: int) -> None:
    err = problem(value)
    assert (err.code, err.params) == ("qris.tlv", {"offset": offset})


def test_malformed_nested_template_gives_the_offset_in_the_whole_string() -> None:
    broken = "0014" + NATIONAL_DOMAIN + "02XX"
    value = replaced("51", broken)
    err = problem(value)
    assert err.code == "qris.tlv"
    assert err.params == {"offset": value.index("02XX")}


def test_duplicate_top_level_tag() -> None:
    body = body_of([*valid_tags(), ("59", "TOKO LAIN")])
    err = problem(with_crc(body))
    assert (err.code, err.params) == ("qris.duplicate_tag", {"tag": "59"})


def test_duplicate_sub_tag() -> None:
    national = tlv("00", NATIONAL_DOMAIN) + tlv("02", NMID) + tlv("02", NMID)
    err = problem(replaced("51", national))
    assert (err.code, err.params) == ("qris.duplicate_tag", {"tag": "51.02"})


@pytest.mark.parametrize("tag", ["01", "52", "53", "58", "59", "60"])
def test_missing_required_tag(tag: str) -> None:
    err = problem(replaced(tag, None))
    assert (err.code, err.params) == ("qris.missing_tag", {"tag": tag})


def test_missing_crc_field() -> None:
    err = problem(body_of(valid_tags()))
    assert (err.code, err.params) == ("qris.missing_tag", {"tag": "63"})


@pytest.mark.parametrize(
    "value",
    [
        with_crc("000202" + body_of(valid_tags()[1:])),  # version 02
        with_crc(body_of([valid_tags()[1], valid_tags()[0], *valid_tags()[2:]])),  # 00 not first
        with_crc(body_of(valid_tags()[1:])),  # no 00 at all
    ],
)
def test_format_indicator(value: str) -> None:
    assert problem(value).code == "qris.format_indicator"


def test_crc_not_last() -> None:
    good = with_crc(body_of(valid_tags()))
    assert problem(good + tlv("61", "44111")).code == "qris.crc_position"


def test_crc_with_wrong_length() -> None:
    body = body_of(valid_tags()) + "6305"
    assert problem(body + crc16_ccitt(body) + "0").code == "qris.crc_position"


def test_crc_mismatch_names_both_values() -> None:
    good = with_crc(body_of(valid_tags()))
    wrong = "0000" if good[-4:] != "0000" else "1111"
    err = problem(good[:-4] + wrong)
    assert err.code == "qris.crc"
    assert err.params == {"expected": good[-4:], "found": wrong}
    assert both(err.code, **err.params)["en"].startswith(
        f"The QRIS checksum is wrong (expected {good[-4:]}"
    )


def test_lowercase_crc_is_refused() -> None:
    err = problem(BAZNAS[:-4] + "a402")
    assert (err.code, err.params) == ("qris.crc", {"expected": "A402", "found": "a402"})


def test_static_and_dynamic() -> None:
    assert parse_qris(replaced("01", "11")).point_of_initiation == "static"
    dynamic = parse_qris(changed({"01": "12", "54": "25000"}))
    assert (dynamic.point_of_initiation, dynamic.amount) == ("dynamic", 25000)


@pytest.mark.parametrize("value", ["13", "10", "1 "])
def test_point_of_initiation(value: str) -> None:
    err = problem(replaced("01", value))
    assert (err.code, err.params) == ("qris.point_of_initiation", {"value": value})


def test_no_merchant_account_template() -> None:
    tags = [(t, v) for t, v in valid_tags() if t not in ("26", "51")]
    assert problem(with_crc(body_of(tags))).code == "qris.merchant_account"


def test_card_network_account_alone_is_not_enough() -> None:
    # Tags 02-25 are card-network accounts; QRIS needs a 26-51 template.
    tags = [(t, v) for t, v in valid_tags() if t not in ("26", "51")]
    tags.insert(2, ("04", "5123450000000008"))
    assert problem(with_crc(body_of(tags))).code == "qris.merchant_account"


def test_merchant_account_template_needs_its_domain() -> None:
    err = problem(replaced("26", tlv("01", "9360000000211817456")))
    assert (err.code, err.params) == ("qris.missing_tag", {"tag": "26.00"})


def test_merchant_pan_must_be_digits() -> None:
    err = problem(replaced("26", tlv("00", "ID.CO.X.WWW") + tlv("01", "93600A")))
    assert (err.code, err.params) == ("qris.merchant_pan", {"tag": "26.01", "value": "93600A"})


def test_merchant_criteria() -> None:
    national = tlv("00", NATIONAL_DOMAIN) + tlv("02", NMID) + tlv("03", "UXL")
    err = problem(replaced("51", national))
    assert (err.code, err.params) == ("qris.merchant_criteria", {"tag": "51.03", "value": "UXL"})


def test_national_template_without_nmid() -> None:
    err = problem(replaced("51", tlv("00", NATIONAL_DOMAIN) + tlv("03", "UMI")))
    assert (err.code, err.params) == ("qris.missing_tag", {"tag": "51.02"})


@pytest.mark.parametrize("nmid", ["ID102002118174", "id1020021181745", "ID10200211817X5"])
def test_bad_nmid(nmid: str) -> None:
    err = problem(replaced("51", tlv("00", NATIONAL_DOMAIN) + tlv("02", nmid)))
    assert (err.code, err.params) == ("qris.nmid", {"value": nmid})


def test_no_national_template_means_no_nmid() -> None:
    parsed = parse_qris(replaced("51", None))
    assert parsed.nmid is None
    assert list(parsed.merchant_accounts) == ["26"]


def test_nmid_prefers_template_51_over_26() -> None:
    account = tlv("00", NATIONAL_DOMAIN) + tlv("02", "ID9999999999999")
    assert parse_qris(replaced("26", account)).nmid == NMID


@pytest.mark.parametrize("mcc", ["541", "54A1", "54111"])
def test_mcc(mcc: str) -> None:
    err = problem(replaced("52", mcc))
    assert (err.code, err.params) == ("qris.mcc", {"value": mcc})


def test_currency_840_is_refused() -> None:
    err = problem(replaced("53", "840"))
    assert (err.code, err.params) == ("qris.currency", {"value": "840"})


def test_country_sg_is_refused() -> None:
    err = problem(replaced("58", "SG"))
    assert (err.code, err.params) == ("qris.country", {"value": "SG"})


@pytest.mark.parametrize(
    ("value", "rupiah"),
    [("25000", 25000), ("25000.00", 25000), ("1", 1), ("0025000", 25000), ("9" * 13, 10**13 - 1)],
)
def test_good_amounts(value: str, rupiah: int) -> None:
    assert parse_qris(replaced("54", value)).amount == rupiah


@pytest.mark.parametrize(
    "value",
    [
        "0",
        "0.00",
        "-100",
        "+100",
        "1.50",
        "100.5",
        "100.",
        "100.0",
        "1e3",
        " 100",
        "1,000",
        "12345678901.00",
        "9" * 14,
    ],
)
def test_bad_amounts(value: str) -> None:
    err = problem(replaced("54", value))
    assert (err.code, err.params) == ("qris.amount", {"tag": "54", "value": value})


def test_tip_indicator() -> None:
    err = problem(replaced("55", "04"))
    assert (err.code, err.params) == ("qris.tip", {"tag": "55", "value": "04"})


def test_fixed_fee_needs_its_value() -> None:
    err = problem(replaced("55", "02"))
    assert (err.code, err.params) == ("qris.missing_tag", {"tag": "56"})
    tags = [*valid_tags(), ("55", "02"), ("56", "1000")]
    assert parse_qris(with_crc(body_of(tags))).tags["56"] == "1000"
    tags[-1] = ("56", "10.50")
    err = problem(with_crc(body_of(tags)))
    assert (err.code, err.params) == ("qris.amount", {"tag": "56", "value": "10.50"})


def test_percentage_fee_needs_a_valid_value() -> None:
    err = problem(replaced("55", "03"))
    assert (err.code, err.params) == ("qris.missing_tag", {"tag": "57"})
    for good in ("2.5", "99.99", "1"):
        parsed = parse_qris(with_crc(body_of([*valid_tags(), ("55", "03"), ("57", good)])))
        assert parsed.tags["57"] == good
    for bad in ("0", "00.00", "100", "2,5"):
        err = problem(with_crc(body_of([*valid_tags(), ("55", "03"), ("57", bad)])))
        assert (err.code, err.params) == ("qris.tip", {"tag": "57", "value": bad})


@pytest.mark.parametrize(("tag", "limit"), [("59", 25), ("60", 15), ("61", 10)])
def test_field_length_limits(tag: str, limit: int) -> None:
    assert parse_qris(replaced(tag, "A" * limit)).tags[tag] == "A" * limit
    err = problem(replaced(tag, "A" * (limit + 1)))
    assert (err.code, err.params) == (
        "qris.field_length",
        {"tag": tag, "limit": limit, "length": limit + 1},
    )


def test_additional_data_is_parsed_and_limited() -> None:
    parsed = parse_qris(replaced("62", tlv("05", "INV-2024-0001") + tlv("07", "A01")))
    assert parsed.additional_data == {"05": "INV-2024-0001", "07": "A01"}
    err = problem(replaced("62", tlv("01", "B" * 26)))
    assert (err.code, err.params) == (
        "qris.field_length",
        {"tag": "62.01", "limit": 25, "length": 26},
    )


def test_language_template() -> None:
    language = tlv("00", "ID") + tlv("01", "WARUNG IBU SITI")
    assert parse_qris(replaced("64", language)).tags["64"] == language
    err = problem(replaced("64", tlv("00", "ID")))
    assert (err.code, err.params) == ("qris.missing_tag", {"tag": "64.01"})


def test_checksum_is_checked_before_field_meaning() -> None:
    # A wrong currency behind a wrong checksum is reported as the checksum: it was misread.
    value = replaced("53", "840")
    assert problem(value[:-4] + ("0000" if value[-4:] != "0000" else "1111")).code == "qris.crc"


# --- The catalog ----------------------------------------------------------------------------


def qris_codes_in_module() -> set[str]:
    source = Path(qris.__file__).read_text(encoding="utf-8")
    return set(re.findall(r'"(qris\.[a-z_]+)"', source))


def test_every_code_has_both_languages_and_matching_parameters() -> None:
    codes = qris_codes_in_module()
    catalog = {c for c in MESSAGES if c.startswith("qris.")}
    assert codes == catalog
    for code in catalog:
        indonesian, english = MESSAGES[code]
        assert indonesian and english and indonesian != english
        names_id = set(re.findall(r"{(\w+)}", indonesian))
        names_en = set(re.findall(r"{(\w+)}", english))
        assert names_id == names_en, code
        assert "code" not in names_id


def test_problem_text_is_filled_in_both_languages() -> None:
    err = problem(replaced("58", "SG"))
    assert err.messages() == {
        "id": "Kode negara kode QRIS harus ID, bukan SG.",
        "en": "The QRIS country code must be ID, not SG.",
    }
    assert str(err) == "The QRIS country code must be ID, not SG."


# --- Fuzzing --------------------------------------------------------------------------------


def parses_or_raises_a_catalog_code(value: str) -> Qris | None:
    try:
        parsed = parse_qris(value)
    except QrisProblem as err:
        # Every parameter the message names was given (a missing one raises KeyError).
        for text in MESSAGES[err.code]:
            text.format(**err.params)
        return None
    assert parsed.raw == value
    assert relaid(parsed) == value
    return parsed


@given(st.text())
def test_any_text_parses_or_raises_qris_problem(value: str) -> None:
    parses_or_raises_a_catalog_code(value)


@given(st.text(alphabet="0123456789ABCDEFGHIJ.", max_size=120))
def test_any_tlv_looking_text_parses_or_raises_qris_problem(value: str) -> None:
    parses_or_raises_a_catalog_code("000201" + value)


@st.composite
def mutations(draw: st.DrawFn, source: str) -> str:
    """``source`` with a few characters flipped, inserted or deleted, or cut short."""
    value = source
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        if not value:
            break
        at = draw(st.integers(min_value=0, max_value=len(value) - 1))
        char = draw(st.characters(codec="utf-8") | st.sampled_from(PRINTABLE))
        if kind == "flip":
            value = value[:at] + char + value[at + 1 :]
        elif kind == "insert":
            value = value[:at] + char + value[at:]
        elif kind == "delete":
            value = value[:at] + value[at + 1 :]
        else:
            value = value[:at]
    return value


VALID = build_static(NMID, "WARUNG BU SITI", "GARUT", postal_code="44111")
SOURCES = st.sampled_from([VALID, BAZNAS, FULUNG_STORE])


@given(SOURCES.flatmap(mutations))
def test_mutated_qris_parses_or_raises_qris_problem(value: str) -> None:
    parses_or_raises_a_catalog_code(value)


@given(SOURCES.flatmap(lambda source: mutations(source[:-8])))
def test_mutated_qris_with_recomputed_crc_never_fails_the_crc(body: str) -> None:
    value = with_crc(body)
    try:
        parsed = parse_qris(value)
    except QrisProblem as err:
        assert err.code in MESSAGES
        assert err.code != "qris.crc"
    else:
        assert parsed.raw == value
        assert parsed.tags["63"] == value[-4:]


@given(SOURCES, st.integers(min_value=0, max_value=200))
def test_every_truncation_of_a_valid_qris_is_refused(source: str, cut: int) -> None:
    value = source[: min(cut, len(source) - 1)]
    with pytest.raises(QrisProblem) as excinfo:
        parse_qris(value)
    assert excinfo.value.code in MESSAGES
