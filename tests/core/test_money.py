"""Rupiah formatting."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bansos.core.money import format_number, format_rupiah


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, "Rp0"), (200_000, "Rp200.000"), (1_234_567, "Rp1.234.567"), (-5_000, "-Rp5.000")],
)
def test_format_rupiah(value: int, text: str) -> None:
    assert format_rupiah(value) == text


@given(st.integers(min_value=0, max_value=10**15))
def test_digits_survive_formatting(value: int) -> None:
    assert int(format_number(value).replace(".", "")) == value


@pytest.mark.parametrize("bad", [1.5, True, "200"])
def test_only_integers(bad: object) -> None:
    with pytest.raises(TypeError):
        format_number(bad)  # type: ignore[arg-type]
