"""Indonesian name normalisation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bansos.targeting.names import normalize_name


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Muhammad Rizki", "MUHAMAD RIZKI"),
        ("Moh. Rizki", "Mhd Rizki"),
        ("Mochammad Rizki", "M. Rizki"),
        ("Siti Aminah", "Sitti Aminah"),
        ("Nur Hidayah", "Noer Hidayah"),
        ("Djoko Susilo", "Joko Susilo"),
        ("Tjahjo Kumolo", "Cahjo Kumolo"),
        ("Soekarno", "Sukarno"),
        ("Chairul Tanjung", "Khairul Tanjung"),
        ("Sjahrir", "Syahrir"),
        ("H. Ahmad Dahlan", "Ahmad Dahlan"),
        ("Hj. Siti Aminah, S.Pd", "siti aminah"),
        ("Drs. Budi Santoso, M.Si", "Budi Santoso"),
        ("Ñoman  Café", "noman cafe"),
        ("I Wayan  Sudarta", "i wayan sudarta"),
    ],
)
def test_variants_normalise_alike(a: str, b: str) -> None:
    assert normalize_name(a) == normalize_name(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [("Nurul Huda", "Nur Huda"), ("Siti Aminah", "Siti Aminun"), ("Joko", "Jaka")],
)
def test_different_names_stay_different(a: str, b: str) -> None:
    assert normalize_name(a) != normalize_name(b)


def test_a_name_that_is_only_a_title_word_is_kept() -> None:
    assert normalize_name("Ibu") == "ibu"  # one-name people keep their one name


@given(st.text(max_size=60))
def test_normalising_is_idempotent_and_plain(name: str) -> None:
    once = normalize_name(name)
    assert normalize_name(once) == once
    assert all(c.isascii() and (c.isalpha() or c == " ") for c in once)
