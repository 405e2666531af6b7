"""The QR credential format: round trips through a real QR image, interoperates with an
independent COSE implementation (pycose), and every malformed or untrusted input is refused
with its own code (also under fuzzing)."""

from __future__ import annotations

import io

import cbor2
import pytest
import segno
import zxingcpp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from pycose.algorithms import EdDSA
from pycose.headers import KID, Algorithm
from pycose.keys import OKPKey
from pycose.messages import Sign1Message

from bansos.core.base45 import b45decode, b45encode
from bansos.vouchers import cose, qr
from bansos.vouchers.card import qr_version
from bansos.vouchers.qr import Claims, TrustedKey, VoucherProblem

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
KID_ = b"\x01\x02\x03\x04\x05\x06\x07\x08"
NOW = 1_790_000_000
CLAIMS = Claims(
    credential_id=b"\xaa" * 8,
    subject=b"\xbb" * 10,
    programs=("PKH", "SEMBAKO"),
    issued_at=NOW - 100,
    not_before=NOW - 400,
    expires_at=NOW + 86_400 * 730,
)
TRUST = {KID_: TrustedKey(KEY.public_key(), "active")}


def _read(text: str, **kw: object) -> qr.Verified:
    opts: dict[str, object] = {"keys": TRUST, "revoked": (), "now": NOW}
    opts.update(kw)
    return qr.read(text, **opts)  # type: ignore[arg-type]


def _code(text: str, **kw: object) -> str:
    with pytest.raises(VoucherProblem) as exc:
        _read(text, **kw)
    return exc.value.code


def test_a_card_round_trips_through_a_real_qr_image() -> None:
    text = qr.encode(CLAIMS, KEY, KID_)
    assert text.startswith("BS1:") and len(text) <= qr.MAX_CHARS
    assert qr_version(text) <= 9
    png = io.BytesIO()
    segno.make(text, error="m", boost_error=False).save(png, kind="png", scale=4)
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.getvalue())))
    assert [b.text for b in found] == [text]
    got = _read(found[0].text)
    assert got.claims == CLAIMS and got.kid == KID_


def test_our_messages_verify_under_pycose_and_pycose_messages_under_ours() -> None:
    raw = cose.parse(_raw(qr.encode(CLAIMS, KEY, KID_)))
    theirs = Sign1Message.decode(_raw(qr.encode(CLAIMS, KEY, KID_)))
    theirs.key = OKPKey(crv="ED25519", x=KEY.public_key().public_bytes_raw())
    assert theirs.verify_signature() and theirs.payload == raw.payload
    made = Sign1Message(phdr={Algorithm: EdDSA, KID: KID_}, payload=raw.payload)
    made.key = OKPKey(crv="ED25519", d=KEY.private_bytes_raw(),
                      x=KEY.public_key().public_bytes_raw())  # fmt: skip
    text = qr.PREFIX + b45encode(made.encode())
    assert _read(text).claims == CLAIMS


def _raw(text: str) -> bytes:
    return b45decode(text[len(qr.PREFIX) :])


def _signed(payload: object, *, key: Ed25519PrivateKey = KEY, kid: bytes = KID_) -> str:
    return qr.PREFIX + b45encode(cose.sign(cbor2.dumps(payload), key, kid))


def test_every_bad_card_has_its_own_code() -> None:
    good = qr.encode(CLAIMS, KEY, KID_)
    raw = _raw(good)
    msg = cose.parse(raw)
    assert _code("") == "qr.empty"
    assert _code("BS1:" + "A" * 400) == "qr.too_long"
    assert _code("HC1:" + good[4:]) == "qr.prefix"
    assert _code(good[:-1]) in ("qr.base45", "qr.structure")
    assert _code("BS1:GGW") == "qr.base45"
    assert _code("BS1:" + b45encode(b"\x00\x01garbage")) == "qr.structure"
    es256 = cbor2.dumps(cbor2.CBORTag(18, [cbor2.dumps({1: -7, 4: KID_}), {}, msg.payload,
                                           msg.signature]))  # fmt: skip
    assert _code("BS1:" + b45encode(es256)) == "qr.algorithm"
    stranger = Ed25519PrivateKey.generate()
    assert _code(qr.encode(CLAIMS, stranger, b"stranger")) == "qr.unknown_key"
    assert _code(good, keys={KID_: TrustedKey(KEY.public_key(), "retired")}) == "qr.retired_key"
    assert _code(qr.encode(CLAIMS, stranger, KID_)) == "qr.signature"
    flipped = cbor2.dumps(cbor2.CBORTag(18, [msg.protected, {}, msg.payload[:-1] + b"\x00",
                                             msg.signature]))  # fmt: skip
    assert _code("BS1:" + b45encode(flipped)) == "qr.signature"
    assert _code(_signed({"not": "claims"})) == "qr.claims"
    assert _code(_signed({1: "x", 2: b"s", 4: "soon", 5: 0, 6: 0, 7: b"c", -1: []})) == "qr.claims"
    foreign = qr.encode(Claims(CLAIMS.credential_id, CLAIMS.subject, CLAIMS.programs,
                               CLAIMS.issued_at, CLAIMS.not_before, CLAIMS.expires_at,
                               issuer="XX-OTHER"), KEY, KID_)  # fmt: skip
    assert _code(foreign) == "qr.issuer"
    assert _code(good, now=CLAIMS.not_before - 1) == "qr.not_yet_valid"
    assert _code(good, now=CLAIMS.expires_at) == "qr.expired"
    assert _code(good, revoked={CLAIMS.credential_id}) == "qr.revoked"
    assert _read(good, now=CLAIMS.expires_at - 1).claims == CLAIMS


@given(st.text(max_size=400))
def test_any_text_is_refused_with_a_code(text: str) -> None:
    with pytest.raises(VoucherProblem):
        _read(text)


@given(
    st.integers(min_value=4, max_value=250),
    st.sampled_from(qr.PREFIX + "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"),
)
def test_a_mutated_card_is_refused_or_unchanged(position: int, char: str) -> None:
    good = qr.encode(CLAIMS, KEY, KID_)
    if position >= len(good):
        position = len(good) - 1
    mutated = good[:position] + char + good[position + 1 :]
    try:
        got = _read(mutated)
    except VoucherProblem:
        return
    assert got.claims == CLAIMS  # only a no-op change may pass
