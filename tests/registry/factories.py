"""Small builders for registry test files (CSV and Parquet) with valid, controllable rows."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from bansos.core.nik import build_kk, build_nik

CIVIL_HEADER = [
    "nik", "kk_number", "full_name", "birth_place", "birth_date", "sex", "relationship",
    "region_code", "address", "occupation", "death_date",
]  # fmt: skip
DISTRICT = "340301"  # Wonosari, Gunungkidul
OTHER_DISTRICT = "320405"  # Cileunyi, Kab. Bandung


def kk(serial: int, region: str = DISTRICT) -> str:
    return build_kk(region, date(2015, 1, 31), serial)


def person(
    serial: int,
    *,
    kk_serial: int = 1,
    name: str | None = None,
    born: date = date(1980, 5, 17),
    sex: str = "M",
    relationship: str = "head",
    region: str = DISTRICT,
    nik_region: str = DISTRICT,
    death: str = "",
) -> dict[str, str]:
    return {
        "nik": build_nik(nik_region, born, sex, serial),
        "kk_number": kk(kk_serial),
        "full_name": name or f"Warga {serial}",
        "birth_place": "Gunungkidul",
        "birth_date": born.isoformat(),
        "sex": sex,
        "relationship": relationship,
        "region_code": region,
        "address": "Jl. Baron No. 1, RT 001/RW 002, Wonosari",
        "occupation": "PETANI/PEKEBUN",
        "death_date": death,
    }


def write_csv(
    path: Path,
    rows: list[dict[str, str]],
    header: list[str] | None = None,
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> Path:
    header = header or CIVIL_HEADER
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(header)
        for r in rows:
            w.writerow([r.get(h, "") for h in header])
    return path
