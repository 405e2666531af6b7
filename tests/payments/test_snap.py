"""SNAP primitives: published test vectors, an independent implementation, and properties.

Published vectors: Midtrans publishes a sample RSA private key (marked "intended as publicly
visible") with the X-SIGNATURE its reference code produces for fixed inputs, in
github.com/Midtrans/SNAP-BI-Signature-Demo:
  * sample-code/b2b-access-token/xSignatureGenerationGo.go (access token, SHA256withRSA);
  * sample-code/symmetricSignature/xSignatureGenerationGo.go and ...Node.js (HMAC-SHA512);
  * sample-code/asymmetricSignatureNotificationGeneration/xSignatureGenerationGo.go
    (notification, SHA256withRSA).
The hard-coded timestamps are the ones commented in those files ("sample hardcoded timestamp
value"); ours must match byte for byte. The same key is in Midtrans' docs
(https://docs.midtrans.com/reference/signature-generation).
"""

from __future__ import annotations

import base64
import hashlib
import json
import pickle
import shutil
import subprocess
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bansos.core.errors import Problem
from bansos.payments import snap
from bansos.payments.codes import (
    CASES,
    Outcome,
    ResponseCode,
    Service,
    TransactionStatus,
    classify,
    status_outcome,
)
from bansos.payments.provider import Provider, Secret

MIDTRANS_KEY = b"""-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCVZu2WHd4z5tbe
fkAWPjbB10Lgvu1CpsuIIVtO/wrrvKeD2LArmYSf5QxeJGG8HYlVYVp8I8/EVqay
JUbcyOd4aMLQFiCambDipecCfI7ecJ0K4+2ZneWOEq9JM91ZnGtwuLVdr1X/4/Nv
yGuNvmLAyfpJkU14yZliAUqJJ656jpM+WfY+hOpcLOzUe2wzx5RV7wYCyMl7/d1i
X33afJc6kbbUaA27yjlPdY6m0+DoZ0NNaRNZS7jzfJFtVXLTg/PgvwMNlMO/5Zyw
BWIOfWsD+MHUC6P9QYrHai8ZwEf9r+GivlNsAFs4NTpw9MdPngrexJm29k1Xh4UM
HV//jB1/AgMBAAECggEADcXGyitns/4oOauGyeYjUxw+eIxxP88zfRGiIralMZUb
Fi7wEpzc2oaZbMZK0jYg1mOanU4J1a4tQMfp7+l/WRzDNL6Nc+MOKN6lXJfR7dSQ
zZO0cBBbvIyhZwymb5/ZUbNdWM0UjvnbE6d0rsTpwp77+TMxYpynDJ9U2S70ySxe
fGi7x4rK02/8xmj1fY/Ls+uoYhF4IbGJIkFvrlAdWyFvv6sCGBYxl5sPuitgQxPv
Yc7dS7HE+6nZ+wWgoIXjC4CfxHBa9u3dfu3XAnPY3xpnVsbxCAH9OOIrZPY0C/Pq
gj+EElCBChUzDiedV3XipKUweDA+64sNm5NjqlqU8QKBgQDFf5a9vHVf9r2CTOgm
z5wTrK7aTwKwCNC4zpZUxDR8k7AV2gTelabpPWqUMZyRMUPs2hyBvhEWVNKxx3qs
7BAVpmcttuS5/dLNVdhNPUC2IgZqf3jWH2aS3lkci8DATQCphrEXZ3jrNaIRtrSC
kflE+yY8YP8b7ObktgvHz39JMQKBgQDBqCsMmOsQAveIQk5FGAMxsFU9G7OIBFHo
xpwkKUCjoqGxM+YQqDvcVeXNd/HdLnmR05//eoONemuDyYy8XRoud4tpaRKU/FK7
06WdljztB5rn2+cdUbmcU0fZiRQk+WuXsopZn3GUNvA/fQOW9qs7B5Rm5W71FeGk
ZgsvlAUlrwKBgQCUgFFaLWCcXa01UpqkxCp5aLi5EfvVXWuD6mKDLlzA51PZums6
6o/shO+kqoEtczu91mrk64NxpSof3vxRFdcqUEr4xrLJXx+oocnYmhwUVxU38s1r
Q4UfHe0nV7YBYmUDE3IJRRZY1aUdaKHmI9iok6e2csCfwMwEYRYOkekFoQKBgCyy
Oa1gpfA+Hw+N7i64ShRv1FyURi2Agb8uB9+4vbiG0rbpeZIioh5KnQ19P4+DKH/l
zinTBwXiWWpDXH4lJuPOp5ierbFBQ38ibDkg8dLrTG9zK7ZypFpWRmEI6GNYReLv
TEs/J6HDxFOC8Q8ow4COUUwmbCOY90lQXAiRK1b1AoGAScK1db9X5Ct+JtnjYyzi
GYLwyPhHCQIVmEDfuvbMs74woQsrBm3dBB3b2vf9pqcSZB4WAbTQ3wCdxCJKg6MN
6eXBO1M1lcIpZjCDyiXXi7PozNmkasRDUyDFwxlnyDLdRHL3FD+dh6do32FwGLBQ
u256RIyMB13qIuqrc91Z0hM=
-----END PRIVATE KEY-----
"""
KEY = snap.load_private_key(MIDTRANS_KEY)
PUBLIC = KEY.public_key()

# The symmetric sample's body, as the Node.js sample writes it (2-space indentation) ...
QR_BODY = """{
  "partnerReferenceNo": "2020102900000000000001",
  "amount": {
    "value": "12345678.00",
    "currency": "IDR"
  },
  "feeAmount": {
    "value": "12345678.00",
    "currency": "IDR"
  },
  "merchantId": "00007100010926",
  "terminalId": "213141251124",
  "validityPeriod": "2009-07-03T12:08:56-07:00"
}"""
# ... and the notification sample's body (4-space indentation, nested arrays).
NOTIFY_BODY = """{
    "createdTime": "2020-01-01T00:00:00+07:00",
    "latestTransactionStatus": "00",
    "originalReferenceNo": "gopayOrderId",
    "finishedTime": "2020-01-02T00:00:00+07:00",
    "originalPartnerReferenceNo": "merchant-order-id",
    "transactionStatusDesc": "desc",
    "originalExternalId": "merchant-order-id",
    "additionalInfo": {
        "payOptionDetails": [{
            "payMethod": "GOPAY",
            "payOption": "GOPAY_WALLET"
        }],
        "fraudStatus": "accept",
        "refundHistory": [{
            "refundNo": "96194816941239812",
            "partnerReferenceNo": "239850918204981205970",
            "refundAmount": {
                "value": "12345678.00",
                "currency": "IDR"
            },
            "refundStatus": "00",
            "refundDate": "2020-12-23T07:44:16+07:00",
            "reason": "Customer Complain"
        }],
        "validUpTo": "2021-01-01T00:00:00+07:00"
    }
}"""


# --- Published vectors ---------------------------------------------------------------------------


def test_access_token_signature_matches_midtrans_published_sample() -> None:
    # sample-code/b2b-access-token/xSignatureGenerationGo.go ("Sample signatureString")
    expected = (
        "WzW49tYIgKIBmBi/gVBHGLAkhEaZlXM11zcZxAiyHji6TLPjPbwLu3Z45it25AIeG0XDItcdTSkds47zFEMh6IP0"
        "PXPIP1+Ey4RmX/o2fuYRF/xBHvfvKnMmANMTS1axsXBSW3EHqYpbVrkCcqNnB3u+wu63us9WIhRZaWgxgQ2PJLai"
        "VHIwgu9u7jxkWX7Bg4rerZH3RKdQfIJAAJsSN13efR7VdSAyzU7QaKjgislxrLqmesYNJkbD03XLjHdo6YWuzAVV"
        "7xdZRpLiGkIAkW7luXTBZYBO+4oENZAPQYzrLeN1qRY1Sr7BgLONCA2QA26BB6SYW4R7qofS9+RyOQ=="
    )
    signature = snap.sign_token_request(KEY, "G1234325-SNAP", "2024-03-01T08:27:49.024Z")
    assert signature == expected
    assert snap.verify_token_request(PUBLIC, "G1234325-SNAP", "2024-03-01T08:27:49.024Z", expected)
    assert not snap.verify_token_request(
        PUBLIC, "G1234325-SNAP", "2024-03-01T08:27:49.025Z", expected
    )


def test_service_signature_matches_midtrans_published_sample() -> None:
    # sample-code/symmetricSignature/xSignatureGenerationGo.go and ...Node.js
    expected = (
        "wmzT7yjg1SxxCsxNsFgCR9SYXiZGGbceF6fV8xe97sAMHxZ+7OEBMIBmvb6Sj6GcksGp3iv77DiomgSbcST3XQ=="
    )
    body = snap.minify(json.loads(QR_BODY))
    assert body == snap.compact(QR_BODY.encode())
    assert body == snap.compact(QR_BODY.replace("  ", "\t").encode())  # the Go sample's tabs
    args = ("POST", "/v1.0/qr/qr-mpm-generate", "myaccesstoken", body, "2024-03-05T10:37:16.196Z")
    assert snap.sign_service(b"myclientsecret", *args) == expected
    assert snap.verify_service(b"myclientsecret", *args, expected)
    assert not snap.verify_service(b"myclientsecreT", *args, expected)


def test_notification_signature_matches_midtrans_published_sample() -> None:
    # sample-code/asymmetricSignatureNotificationGeneration/xSignatureGenerationGo.go
    expected = (
        "eUGsomFLNsjWzehgGsa317MqcVOgscay/Hml8yNmOsFhmoBM7pso+UPDgSe34anXvecSQkf5NOr0fbr8k9qdyyoW"
        "iYX7DTq/Wnz8XC0cRCCbNZfyLIyF33HO9cnvxOcRQq9DuWlQtld+uEluuivVdN2TiaWLpUTmfB/H7noZnXWWDj6F"
        "Ya4n5kSo4o3aTeFYAF9EmLp0Tcsl8CiHSQCrQnIbB8M2+puLwyJ1l2OocvZ5qgjf5f2DqlCbemsSMzYzjN+YMrb0"
        "kiDx0TiW5UTk+WZass43xIfb3vdrlX+U2JSk5YsJ8lFpp9F+7FId4cyncElNFEbt3zWuP4iDzXteCg=="
    )
    body = snap.compact(NOTIFY_BODY.encode())
    assert body == snap.minify(json.loads(NOTIFY_BODY))
    args = ("POST", "/v1.0/debit/notify", body, "2024-03-05T10:37:16.196Z")
    assert snap.sign_asymmetric(KEY, *args) == expected
    assert snap.verify_asymmetric(PUBLIC, *args, expected)
    assert not snap.verify_asymmetric(PUBLIC, "POST", "/v1.0/debit/notifY", body, args[3], expected)


# --- An independent implementation: the openssl command line ------------------------------------

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl binary")


def _openssl(args: list[str], data: bytes) -> bytes:
    return subprocess.run(["openssl", *args], input=data, capture_output=True, check=True).stdout


@needs_openssl
def test_service_signature_agrees_with_openssl_on_non_ascii_bodies() -> None:
    body = snap.minify(
        {
            "customerName": "Siti Ñurhaliza – ibu 👩",
            "amount": {"value": "1.00", "currency": "IDR"},
            "path": "a/b",
        }
    )
    assert "Ñ".encode() in body and b"\\u" not in body and b"\\/" not in body
    secret = bytes(range(1, 65))
    timestamp = "2026-12-02T21:43:44+07:00"
    message = snap.service_string_to_sign(
        "post", "/openapi/v1.0/emoney/topup?x=1", "tok", body, timestamp
    )
    assert message.startswith(b"POST:/openapi/v1.0/emoney/topup?x=1:tok:")
    assert (
        hashlib.sha256(body).hexdigest() == _openssl(["dgst", "-sha256", "-r"], body)[:64].decode()
    )
    mac = _openssl(
        ["dgst", "-sha512", "-mac", "HMAC", "-macopt", f"hexkey:{secret.hex()}", "-binary"], message
    )
    ours = snap.sign_service(
        secret, "POST", "/openapi/v1.0/emoney/topup?x=1", "tok", body, timestamp
    )
    assert ours == base64.b64encode(mac).decode()


@needs_openssl
def test_rsa_signatures_agree_with_openssl(tmp_path: Path) -> None:
    key_file = tmp_path / "key.pem"
    key_file.write_bytes(MIDTRANS_KEY)
    timestamp = "2026-12-02T21:43:44+07:00"
    expected = _openssl(
        ["dgst", "-sha256", "-sign", str(key_file)], f"BANSOS-KLIEN|{timestamp}".encode()
    )
    assert (
        snap.sign_token_request(KEY, "BANSOS-KLIEN", timestamp)
        == base64.b64encode(expected).decode()
    )
    body = snap.minify({"nama": "Dewi Lestari — Jayapura"})
    message = snap.asymmetric_string_to_sign("POST", "/v1.0/notify", body, timestamp)
    expected = _openssl(["dgst", "-sha256", "-sign", str(key_file)], message)
    assert snap.sign_asymmetric(KEY, "POST", "/v1.0/notify", body, timestamp) == (
        base64.b64encode(expected).decode()
    )


# --- Properties ----------------------------------------------------------------------------------

paths = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=40
).map(lambda s: "/" + s)
tokens = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.",
    min_size=1,
    max_size=64,
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**12), 10**12) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
bodies = st.dictionaries(st.text(max_size=10), json_values, max_size=6).map(snap.minify)
moments = st.datetimes(
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
    max_value=datetime(2099, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)
timestamps = moments.map(snap.format_timestamp)


def _tamper(data: bytes, index: int, value: int) -> bytes:
    index %= len(data)
    if data[index] == value:
        value = (value + 1) % 256
    return data[:index] + bytes([value]) + data[index + 1 :]


@given(st.binary(min_size=1, max_size=64), paths, tokens, bodies, timestamps)
def test_service_signature_round_trips(
    secret: bytes, path: str, token: str, body: bytes, timestamp: str
) -> None:
    signature = snap.sign_service(secret, "POST", path, token, body, timestamp)
    assert snap.verify_service(secret, "POST", path, token, body, timestamp, signature)


@given(
    st.binary(min_size=1, max_size=32),
    paths,
    tokens,
    bodies,
    timestamps,
    st.sampled_from(["body", "path", "token", "timestamp", "signature"]),
    st.integers(min_value=0),
    st.integers(0, 255),
)
def test_any_single_byte_tamper_breaks_the_service_signature(
    secret: bytes,
    path: str,
    token: str,
    body: bytes,
    timestamp: str,
    part: str,
    index: int,
    value: int,
) -> None:
    signature = snap.sign_service(secret, "POST", path, token, body, timestamp)
    fields = {
        "body": body,
        "path": path.encode(),
        "token": token.encode(),
        "timestamp": timestamp.encode(),
        "signature": signature.encode(),
    }
    fields[part] = _tamper(fields[part], index, value)
    text = {k: v.decode("latin-1") for k, v in fields.items() if k != "body"}
    assert not snap.verify_service(
        secret,
        "POST",
        text["path"],
        text["token"],
        fields["body"],
        text["timestamp"],
        text["signature"],
    )


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(
    tokens,
    timestamps,
    st.sampled_from(["client_key", "timestamp"]),
    st.integers(0),
    st.integers(0, 255),
)
def test_token_signature_round_trips_and_any_tamper_breaks_it(
    client_key: str, timestamp: str, part: str, index: int, value: int
) -> None:
    signature = snap.sign_token_request(KEY, client_key, timestamp)
    assert snap.verify_token_request(PUBLIC, client_key, timestamp, signature)
    fields = {"client_key": client_key.encode(), "timestamp": timestamp.encode()}
    fields[part] = _tamper(fields[part], index, value)
    assert not snap.verify_token_request(
        PUBLIC,
        fields["client_key"].decode("latin-1"),
        fields["timestamp"].decode("latin-1"),
        signature,
    )


@settings(max_examples=40)
@given(paths, bodies, timestamps, st.integers(0), st.integers(0, 255))
def test_asymmetric_signature_round_trips_and_a_tampered_body_fails(
    path: str, body: bytes, timestamp: str, index: int, value: int
) -> None:
    signature = snap.sign_asymmetric(KEY, "POST", path, body, timestamp)
    assert snap.verify_asymmetric(PUBLIC, "POST", path, body, timestamp, signature)
    tampered = _tamper(body, index, value)
    assert not snap.verify_asymmetric(PUBLIC, "POST", path, tampered, timestamp, signature)


@pytest.mark.parametrize("signature", ["", "not base64!", "é", "AAAA", "=" * 8])
def test_malformed_signatures_are_simply_wrong(signature: str) -> None:
    assert not snap.verify_service(b"k", "POST", "/p", "t", b"{}", "x", signature)
    assert not snap.verify_token_request(PUBLIC, "k", "x", signature)


# --- Bodies --------------------------------------------------------------------------------------


@given(
    json_values.filter(lambda v: isinstance(v, dict)),
    st.booleans(),
    st.sampled_from([None, 1, 4, "\t"]),
)
def test_compact_strips_whitespace_and_never_re_encodes(
    value: object, ascii_only: bool, indent: object
) -> None:
    pretty = json.dumps(value, indent=indent, ensure_ascii=ascii_only).encode()  # type: ignore[arg-type]
    expected = json.dumps(value, separators=(",", ":"), ensure_ascii=ascii_only).encode()
    assert snap.compact(pretty) == expected
    assert snap.compact(expected) == expected


def test_minify_sends_raw_utf8_and_keeps_key_order() -> None:
    assert (
        snap.minify({"b": "Ñ/é", "a": [1, {"z": None}]})
        == '{"b":"Ñ/é","a":[1,{"z":null}]}'.encode()
    )
    assert snap.body_hash(b"") == hashlib.sha256(b"").hexdigest()
    empty_object = "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
    assert snap.body_hash(b"{}") == empty_object


@pytest.mark.parametrize("raw", [b"{", b'{"a":NaN}', b"\xff\xfe", b"{'a': 1}", b'{"a":1} x'])
def test_compact_refuses_what_is_not_json(raw: bytes) -> None:
    with pytest.raises(Problem) as caught:
        snap.compact(raw)
    assert caught.value.code == "snap.body_not_json"


def test_an_empty_body_hashes_as_nothing() -> None:
    assert snap.compact(b"") == b"" == snap.compact(b"  \n")


# --- X-TIMESTAMP ---------------------------------------------------------------------------------


@given(moments, st.sampled_from([snap.WIB, snap.WITA, snap.WIT, timezone(timedelta(hours=-3))]))
def test_timestamps_round_trip_in_any_zone(moment: datetime, zone: timezone) -> None:
    text = snap.format_timestamp(moment, zone)
    offset = snap.format_timestamp(datetime(2026, 1, 1, tzinfo=zone), zone)[-6:]
    assert len(text) == 25 and text.endswith(offset)
    assert snap.parse_timestamp(text) == moment.replace(microsecond=0)


def test_timestamp_format_is_the_one_snap_shows() -> None:
    moment = datetime(2026, 12, 2, 14, 43, 44, 987654, tzinfo=UTC)
    assert snap.format_timestamp(moment) == "2026-12-02T21:43:44+07:00"
    assert snap.format_timestamp(moment, snap.parse_zone("WIT")) == "2026-12-02T23:43:44+09:00"
    assert snap.parse_timestamp("2024-03-01T08:27:49.024+07:00").microsecond == 24000
    with pytest.raises(Problem) as caught:
        snap.format_timestamp(datetime(2026, 12, 2, 14, 43, 44))  # noqa: DTZ001
    assert caught.value.code == "snap.timestamp_naive"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2026-12-02T21:43:44Z",
        "2026-12-02 21:43:44+07:00",
        "2026-12-02T21:43:44+0700",
        "2026-12-02T21:43:44",
        "2026-13-02T21:43:44+07:00",
        "2026-12-02T24:00:00+07:00",
        "2026-12-02T21:43:44+07:00 ",
        "2026-12-02T21:43:44.1234567+07:00",
        "26-12-02T21:43:44+07:00",
        "٢٠٢٦-12-02T21:43:44+07:00",
        "2026-12-02T21:43:44+25:00",
    ],
)
def test_malformed_timestamps_are_refused(text: str) -> None:
    with pytest.raises(Problem) as caught:
        snap.parse_timestamp(text)
    assert caught.value.code == "snap.timestamp_format"


def test_zones_by_name_or_offset() -> None:
    assert snap.parse_zone("wib") is snap.WIB
    assert snap.parse_zone("+08:00").utcoffset(None) == timedelta(hours=8)
    assert snap.parse_zone("-03:30").utcoffset(None) == -timedelta(hours=3, minutes=30)
    for bad in ("Asia/Jakarta", "+7", "+15:00", "+07:60"):
        with pytest.raises(Problem):
            snap.parse_zone(bad)


# --- Amounts -------------------------------------------------------------------------------------


@given(st.integers(0, snap.MAX_AMOUNT))
def test_amounts_round_trip_as_whole_rupiah(rupiah: int) -> None:
    wire = snap.format_amount(rupiah)
    assert wire["value"].endswith(".00") and wire["currency"] == "IDR"
    assert snap.parse_amount(wire) == rupiah


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        ({"value": "10000.50", "currency": "IDR"}, "snap.amount_cents"),
        ({"value": "10000", "currency": "IDR"}, "snap.amount_format"),
        ({"value": "10000.0", "currency": "IDR"}, "snap.amount_format"),
        ({"value": 10000.00, "currency": "IDR"}, "snap.amount_format"),
        ({"value": "-1.00", "currency": "IDR"}, "snap.amount_format"),
        ({"value": "01.00", "currency": "IDR"}, "snap.amount_format"),
        ({"value": "1,000.00", "currency": "IDR"}, "snap.amount_format"),
        ({"value": "12345678901234.00", "currency": "IDR"}, "snap.amount_format"),
        ({"value": "10.00", "currency": "USD"}, "snap.amount_currency"),
        ({"value": "10.00"}, "snap.amount_format"),
        ({"value": "10.00", "currency": "IDR", "x": 1}, "snap.amount_format"),
        ("10.00", "snap.amount_format"),
    ],
)
def test_bad_amounts_are_refused(amount: object, code: str) -> None:
    with pytest.raises(Problem) as caught:
        snap.parse_amount(amount)
    assert caught.value.code == code


@pytest.mark.parametrize("rupiah", [-1, snap.MAX_AMOUNT + 1, True, 1.0])
def test_unsendable_amounts_are_refused(rupiah: object) -> None:
    with pytest.raises(Problem):
        snap.format_amount(rupiah)  # type: ignore[arg-type]


# --- Response codes ------------------------------------------------------------------------------


@given(st.from_regex(r"[1-5][0-9]{6}", fullmatch=True))
def test_any_seven_digit_code_parses_and_prints_back(text: str) -> None:
    code = ResponseCode.parse(text)
    assert str(code) == text and len(code.service) == len(code.case) == 2
    assert code.outcome in Outcome


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        ("2001800", Outcome.SUCCESS),
        ("2023800", Outcome.PENDING),
        ("4001801", Outcome.FAILED),
        ("4001802", Outcome.FAILED),
        ("4011800", Outcome.FAILED),
        ("4011801", Outcome.FAILED),
        ("4031814", Outcome.FAILED),
        ("4033818", Outcome.FAILED),
        ("4041611", Outcome.FAILED),
        ("4043601", Outcome.FAILED),
        ("4091800", Outcome.DUPLICATE),
        ("4093801", Outcome.DUPLICATE),
        ("4041818", Outcome.DUPLICATE),
        ("4291800", Outcome.FAILED),
        ("5001800", Outcome.UNKNOWN),
        ("5001801", Outcome.UNKNOWN),
        ("5041800", Outcome.UNKNOWN),
        ("4031899", Outcome.UNKNOWN),
        ("2011800", Outcome.UNKNOWN),
        ("5031800", Outcome.UNKNOWN),
    ],
)
def test_codes_map_to_what_the_payout_machinery_may_do(text: str, outcome: Outcome) -> None:
    assert ResponseCode.parse(text).outcome is outcome
    assert classify(text) is outcome
    assert classify(text, int(text[:3])) is outcome


def test_retryable_codes_and_messages() -> None:
    assert ResponseCode.of(429, Service.TRANSFER_INTERBANK, "00").retryable
    assert ResponseCode.parse("4017301").retryable  # token expired: fetch a new one, resend
    assert not ResponseCode.parse("4031814").retryable
    assert ResponseCode.parse("4031814").message == "Insufficient Funds"
    assert ResponseCode.parse("4031899").message == "Unknown"
    assert not ResponseCode.parse("4031899").known
    assert all(
        case.outcome is not Outcome.SUCCESS for (status, _), case in CASES.items() if status != 200
    )


@pytest.mark.parametrize("text", ["", "200180", "20018000", "2OO1800", "6001800", None, 2001800])
def test_malformed_codes_are_refused_and_classified_unknown(text: object) -> None:
    with pytest.raises(Problem) as caught:
        ResponseCode.parse(text)
    assert caught.value.code == "snap.response_code_format"
    assert classify(text) is Outcome.UNKNOWN


def test_a_code_that_disagrees_with_the_http_status_proves_nothing() -> None:
    assert classify("2001800", 200) is Outcome.SUCCESS
    assert classify("2001800", 502) is Outcome.UNKNOWN
    assert classify("4031814", 200) is Outcome.UNKNOWN


def test_service_codes_are_the_published_ones() -> None:
    assert {s.name: s.value for s in Service} == {
        "ACCESS_TOKEN_B2B": "73",
        "ACCOUNT_INQUIRY_EXTERNAL": "16",
        "TRANSFER_INTERBANK": "18",
        "TRANSFER_STATUS": "36",
        "EMONEY_ACCOUNT_INQUIRY": "37",
        "EMONEY_TOPUP": "38",
        "EMONEY_TOPUP_STATUS": "39",
    }


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("00", Outcome.SUCCESS),
        ("01", Outcome.PENDING),
        ("03", Outcome.PENDING),
        ("04", Outcome.FAILED),
        ("06", Outcome.FAILED),
        ("07", Outcome.FAILED),
        ("08", Outcome.UNKNOWN),
        (None, Outcome.UNKNOWN),
    ],
)
def test_latest_transaction_status(status: object, outcome: Outcome) -> None:
    assert status_outcome(status) is outcome
    assert len(TransactionStatus) == 8


# --- Provider configuration ----------------------------------------------------------------------

SECRET = "s3cr3t-client-secret-do-not-print"


def _provider_data(tmp_path: Path) -> dict[str, object]:
    (tmp_path / "key.pem").write_bytes(MIDTRANS_KEY)
    return {
        "name": "bank-x",
        "kind": "bank",
        "base_url": "https://api.bank.example/",
        "path_prefix": "/openapi",
        "zone": "+07:00",
        "partner_id": "P1",
        "client_key": "C1",
        "channel_id": "95221",
        "private_key_file": str(tmp_path / "key.pem"),
        "client_secret_env": "BANK_X_SECRET",
        "requests_per_second": 5,
    }


def test_provider_reads_credentials_and_never_prints_them(tmp_path: Path) -> None:
    provider = Provider.from_mapping(_provider_data(tmp_path), env={"BANK_X_SECRET": SECRET})
    assert provider.credentials.client_secret.reveal() == SECRET.encode()
    pem_body = MIDTRANS_KEY.decode().splitlines()[1]
    for text in (
        repr(provider),
        str(provider),
        repr(provider.credentials),
        str(provider.credentials.client_secret),
        f"{provider!r}",
    ):
        assert SECRET not in text and pem_body not in text
        assert "BANK_X_SECRET" in text or "Secret(" in text
    with pytest.raises(TypeError):
        pickle.dumps(provider.credentials.client_secret)
    assert provider.url("/v1.0/transfer-interbank") == (
        "https://api.bank.example/openapi/v1.0/transfer-interbank"
    )
    assert provider.requests_per_second == 5.0


def test_provider_headers_are_signed_over_the_prefixed_path(tmp_path: Path) -> None:
    provider = Provider.from_mapping(_provider_data(tmp_path), env={"BANK_X_SECRET": SECRET})
    moment = datetime(2026, 12, 2, 14, 43, 44, tzinfo=UTC)
    body = snap.minify({"a": "b"})
    headers = provider.service_headers("POST", "/v1.0/transfer/status", "tok", body, moment, "42")
    assert headers["X-TIMESTAMP"] == "2026-12-02T21:43:44+07:00"
    assert headers["X-PARTNER-ID"] == "P1" and headers["CHANNEL-ID"] == "95221"
    assert snap.verify_service(
        SECRET.encode(),
        "POST",
        "/openapi/v1.0/transfer/status",
        "tok",
        body,
        headers["X-TIMESTAMP"],
        headers["X-SIGNATURE"],
    )
    token = provider.token_headers(moment)
    assert snap.verify_token_request(PUBLIC, "C1", token["X-TIMESTAMP"], token["X-SIGNATURE"])


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"client_secret_env": "UNSET_VARIABLE"}, "snap.credential_missing"),
        ({"private_key_file": "/nonexistent/key.pem"}, "snap.credential_unreadable"),
        ({"kind": "crypto"}, "snap.provider_invalid"),
        ({"base_url": "ftp://x"}, "snap.provider_invalid"),
        ({"path_prefix": "openapi"}, "snap.provider_invalid"),
        ({"partner_id": ""}, "snap.provider_invalid"),
        ({"requests_per_second": 0}, "snap.provider_invalid"),
        ({"zone": "Mars"}, "snap.zone_unknown"),
    ],
)
def test_bad_provider_configuration_is_refused(
    tmp_path: Path, change: dict[str, object], code: str
) -> None:
    data = {**_provider_data(tmp_path), **change}
    with pytest.raises(Problem) as caught:
        Provider.from_mapping(data, env={"BANK_X_SECRET": SECRET})
    assert caught.value.code == code


def test_keys_that_are_not_rsa_pem_are_refused() -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    der = other.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    for bad in (b"", der, b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"):
        with pytest.raises(Problem) as caught:
            snap.load_private_key(bad)
        assert caught.value.code == "snap.key_invalid"
    with pytest.raises(Problem):
        snap.load_public_key(MIDTRANS_KEY)
    assert isinstance(Secret(b"x"), Secret)


def test_only_the_canonical_base64_spelling_of_a_signature_counts() -> None:
    signature = snap.sign_service(b"k", "POST", "/p", "t", b"{}", "2026-12-02T21:43:44+07:00")
    assert signature.endswith("==")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    flipped = alphabet[alphabet.index(signature[-3]) ^ 1]  # a padding bit: same bytes decoded
    sibling = signature[:-3] + flipped + "=="
    assert base64.b64decode(sibling) == base64.b64decode(signature)
    assert not snap.verify_service(
        b"k", "POST", "/p", "t", b"{}", "2026-12-02T21:43:44+07:00", sibling
    )
