"""Field encryption and blind indexes."""

from __future__ import annotations

import hmac
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bansos.core.crypto import FieldCipher, MasterKeyError, decode_key, new_key_text

CIPHER = FieldCipher(bytes(range(32)))


@given(st.text(max_size=40), st.sampled_from([b"nik", b"kk"]))
def test_encrypt_round_trips_and_hides_the_value(value: str, context: bytes) -> None:
    blob = CIPHER.encrypt(value, context)
    assert CIPHER.decrypt(blob, context) == value
    if len(value) >= 4:
        assert value.encode() not in blob
    assert CIPHER.encrypt(value, context) != blob  # a fresh nonce every time


def test_ciphertext_is_bound_to_its_column() -> None:
    blob = CIPHER.encrypt("3204011201900001", b"nik")
    with pytest.raises(MasterKeyError) as caught:
        CIPHER.decrypt(blob, b"kk")
    assert caught.value.code == "key.decrypt"


def test_another_key_cannot_decrypt() -> None:
    blob = CIPHER.encrypt("3204011201900001", b"nik")
    with pytest.raises(MasterKeyError):
        FieldCipher(os.urandom(32)).decrypt(blob, b"nik")


@given(st.text(max_size=40))
def test_blind_index_is_hmac_sha256_of_the_derived_key(value: str) -> None:
    mac = hmac.digest(CIPHER._index_key, b"nik:" + value.encode(), "sha256")
    if len(value) == 16 and value.isascii() and value.isdigit():
        expected = int(value[:4]).to_bytes(2, "big") + mac[:14]
    else:
        expected = mac[:16]
    assert CIPHER.blind_index(value, b"nik") == expected
    assert CIPHER.blind_index(value, b"nik") != CIPHER.blind_index(value, b"kk")


def test_identifier_indexes_cluster_by_regency_and_reveal_no_more_than_the_mask() -> None:
    bandung = [CIPHER.blind_index(f"320405{n:010d}", b"nik") for n in range(1, 50)]
    assert {i[:2] for i in bandung} == {(3204).to_bytes(2, "big")}
    assert len(set(bandung)) == 49 and all(len(i) == 16 for i in bandung)
    # Beyond the regency the index is keyed: the same NIK under another key shares only that.
    other = FieldCipher(bytes(32)).blind_index("3204051705800001", b"nik")
    mine = CIPHER.blind_index("3204051705800001", b"nik")
    assert other[:2] == mine[:2] and other[2:] != mine[2:]


def test_keys_are_separated_by_purpose() -> None:
    other = FieldCipher(bytes(32))
    assert other.blind_index("x", b"nik") != CIPHER.blind_index("x", b"nik")
    assert other.check_value() != CIPHER.check_value()
    assert CIPHER.row_digest(b"row") != other.row_digest(b"row")


@pytest.mark.parametrize(
    ("text", "code"), [("not base64!", "key.malformed"), ("AAAA", "key.length")]
)
def test_bad_master_keys(text: str, code: str) -> None:
    with pytest.raises(MasterKeyError) as caught:
        decode_key(text)
    assert caught.value.code == code


def test_new_keys_decode_to_32_bytes() -> None:
    assert len(decode_key(new_key_text())) == 32


def test_nonces_never_repeat_across_pool_refills() -> None:
    cipher = FieldCipher(bytes(32))
    nonces = {cipher.encrypt("x", b"nik")[1:13] for _ in range(5000)}  # ~5 pool refills
    assert len(nonces) == 5000
