"""Rupiah: integers, formatted the Indonesian way (``Rp200.000``). No floats, no cents."""

from __future__ import annotations


def format_number(value: int) -> str:
    """Thousands separated by dots, as Indonesians write them: 1.234.567."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("money and counts are integers")
    return f"{value:,}".replace(",", ".")


def format_rupiah(value: int) -> str:
    """``Rp200.000``; negative amounts as ``-Rp5.000``."""
    text = format_number(abs(value))
    return f"-Rp{text}" if value < 0 else f"Rp{text}"
