"""Social registry (welfare data per household, by KK): check rows, type attributes, upsert.

Besides ``welfare_decile`` a social-registry file carries further columns that eligibility
rules use later (``monthly_income``, ``has_disabled_member``...). Each column's type is fixed
the first time it is seen, declared for the known ones and inferred from the data for the
rest, so that a rule can rely on ``monthly_income`` always being an integer of rupiah.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bansos.core.clock import now
from bansos.core.crypto import FieldCipher
from bansos.core.nik import InvalidNumber, mask_nik, parse_kk
from bansos.registry import fields
from bansos.registry.importer import ChunkCounts
from bansos.registry.models import Household, HouseholdAttributeDef
from bansos.registry.reader import RawRow, RowProblem

REQUIRED = ("kk_number", "welfare_decile")
ALIASES = {
    "no_kk": "kk_number", "nokk": "kk_number", "kk": "kk_number", "nomor_kk": "kk_number",
    "desil": "welfare_decile", "desil_kesejahteraan": "welfare_decile", "decile": "welfare_decile",
}  # fmt: skip

#: Types of the attributes we know; any other column's type is inferred on first import.
DECLARED_TYPES = {
    "monthly_income": "int",
    "has_disabled_member": "bool",
    "has_elderly_member": "bool",
    "house_floor_area_m2": "int",
    "roof_type": "text",
}
_THOUSANDS = re.compile(r"-?\d{1,3}(?:\.\d{3})+")
_INTEGER = re.compile(r"-?\d{1,18}")
_TRUE = {"true", "ya", "y", "1", "yes"}
_FALSE = {"false", "tidak", "t", "0", "no", "n"}


def convert(value: str, kind: str, *, today: date) -> Any:
    """A typed attribute value; empty means unknown (None), never a guessed zero."""
    text = value.strip()
    if not text:
        return None
    if kind == "int":
        # "1.500.000" is how Indonesians write 1,500,000; "1.5" is not an integer at all.
        digits = text.replace(".", "") if _THOUSANDS.fullmatch(text) else text
        if not _INTEGER.fullmatch(digits):
            raise fields.FieldProblem("value.not_integer")
        return int(digits)
    if kind == "bool":
        low = text.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise fields.FieldProblem("value.not_boolean")
    if kind == "date":
        return fields.parse_date(text, today=today).isoformat()
    return fields.text(text, required=False, max_len=500)


def infer_type(values: Sequence[str]) -> str:
    present = [v.strip() for v in values if v.strip()]
    if not present:
        return "text"
    today = date.max
    for kind in ("bool", "int", "date"):
        try:
            for v in present:
                convert(v, kind, today=today)
        except fields.FieldProblem:
            continue
        return kind
    return "text"


@dataclass(slots=True)
class SocialRecord:
    row: int
    kk: str
    welfare_decile: int
    attributes: dict[str, Any]
    kk_index: bytes = b""


class SocialRows:
    """Per-run state: the attribute types in force for this file's extra columns."""

    def __init__(
        self, extra_columns: Sequence[str], cipher: FieldCipher, known: frozenset[str], today: date
    ) -> None:
        self.extra_columns = tuple(extra_columns)
        self.cipher = cipher
        self.known = known
        self.today = today
        self.types: dict[str, str] = {}

    def prepare(self, session: Session, sample: Sequence[RawRow]) -> None:
        """Fix the type of each extra column: stored, declared, or inferred from ``sample``."""
        stored = {d.name: d.type for d in session.scalars(select(HouseholdAttributeDef))}
        for column in self.extra_columns:
            kind = stored.get(column) or DECLARED_TYPES.get(column)
            if kind is None:
                kind = infer_type([r.values.get(column, "") for r in sample])
            if column not in stored:
                session.add(HouseholdAttributeDef(name=column, type=kind))
            self.types[column] = kind

    def check(self, raw: RawRow) -> tuple[SocialRecord | None, list[RowProblem], list[RowProblem]]:
        problems: list[RowProblem] = []
        values = raw.values
        kk = None
        try:
            kk = parse_kk(values.get("kk_number", ""), known=self.known).kk
        except InvalidNumber as exc:
            problems.append(
                RowProblem(raw.row, "kk_number", exc.code,
                           mask_nik(values.get("kk_number", "").strip()), dict(exc.params))
            )  # fmt: skip
        decile_text = values.get("welfare_decile", "").strip()
        decile = int(decile_text) if decile_text.isdigit() else 0
        if not 1 <= decile <= 10:
            problems.append(RowProblem(raw.row, "welfare_decile", "value.decile", decile_text))
        attributes: dict[str, Any] = {}
        for column, kind in self.types.items():
            try:
                attributes[column] = convert(values.get(column, ""), kind, today=self.today)
            except fields.FieldProblem as exc:
                problems.append(
                    RowProblem(raw.row, column, exc.code, values.get(column, ""),
                               {"type": kind, **exc.params})
                )  # fmt: skip
        if problems or kk is None:
            return None, problems, []
        record = SocialRecord(raw.row, kk, decile, attributes)
        record.kk_index = self.cipher.blind_index(kk, b"kk")
        return record, [], []

    def digest(self, r: SocialRecord) -> bytes:
        payload = json.dumps([r.welfare_decile, r.attributes], sort_keys=True).encode()
        return self.cipher.row_digest(payload)

    def apply(
        self, session: Session, records: Sequence[SocialRecord]
    ) -> tuple[ChunkCounts, list[RowProblem]]:
        """Upsert welfare data onto existing households; a KK unknown to the civil registry is
        rejected, because aid is only ever targeted at verified families."""
        counts = ChunkCounts()
        if not records:
            return counts, []
        found = {
            idx: (hid, digest, attrs)
            for hid, idx, digest, attrs in session.execute(
                select(
                    Household.id, Household.kk_index, Household.social_digest, Household.attributes
                ).where(Household.kk_index.in_([r.kk_index for r in records]))
            )
        }
        problems: list[RowProblem] = []
        updates: list[dict[str, object]] = []
        stamp = now()
        for r in records:
            current = found.get(r.kk_index)
            if current is None:
                problems.append(
                    RowProblem(r.row, "kk_number", "kk.not_in_civil_registry", mask_nik(r.kk))
                )
                continue
            digest = self.digest(r)
            if current[1] == digest:
                counts.unchanged += 1
                continue
            if current[1] is None:
                counts.added += 1
            else:
                counts.updated += 1
            updates.append(
                {
                    "id": current[0],
                    "welfare_decile": r.welfare_decile,
                    # Columns absent from this file keep their earlier values.
                    "attributes": {**(current[2] or {}), **r.attributes},
                    "social_digest": digest,
                    "social_updated_at": stamp,
                    "updated_at": stamp,
                }
            )
        if updates:
            session.execute(update(Household), updates)
        return counts, problems
