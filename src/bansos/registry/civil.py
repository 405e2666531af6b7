"""Civil registry (Dukcapil) rows: check one row, and upsert one chunk of checked rows by NIK.

Upserting by the NIK's blind index makes a re-import of a newer extract a sync: new people are
added, changed ones updated, unchanged ones skipped by comparing a keyed digest of the row (so
an unchanged re-import costs no encryption and no writes). Households (KK) follow their members.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import TypeVar

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from bansos.core.clock import now
from bansos.core.crypto import FieldCipher
from bansos.core.nik import InvalidNumber, mask_nik, parse_kk, parse_nik
from bansos.registry import fields
from bansos.registry.models import Household, Person
from bansos.registry.reader import RowProblem

REQUIRED = ("nik", "kk_number", "full_name", "birth_date", "sex", "relationship", "region_code")
OPTIONAL = ("birth_place", "address", "occupation", "death_date")
COLUMNS = REQUIRED + OPTIONAL

#: Dukcapil-style and Indonesian header spellings, after ``reader.canonical_header``.
ALIASES = {
    "no_kk": "kk_number", "nokk": "kk_number", "kk": "kk_number", "no_kartu_keluarga": "kk_number",
    "nomor_kk": "kk_number",
    "nama_lgkp": "full_name", "nama_lengkap": "full_name", "nama": "full_name",
    "tmpt_lhr": "birth_place", "tempat_lahir": "birth_place",
    "tgl_lhr": "birth_date", "tanggal_lahir": "birth_date",
    "jenis_klmin": "sex", "jenis_kelamin": "sex", "jk": "sex",
    "stat_hbkel": "relationship", "shdk": "relationship", "hubungan_keluarga": "relationship",
    "kode_wilayah": "region_code", "kode_kecamatan": "region_code", "kd_kec": "region_code",
    "alamat": "address",
    "jenis_pkrjn": "occupation", "pekerjaan": "occupation",
    "tgl_kematian": "death_date", "tgl_mati": "death_date", "tanggal_kematian": "death_date",
}  # fmt: skip

FLAG_NIK_BIRTH_DATE = "nik_birth_date_mismatch"
FLAG_NIK_SEX = "nik_sex_mismatch"
T = TypeVar("T")


@dataclass(slots=True)
class CivilRecord:
    row: int
    nik: str
    kk: str
    full_name: str
    birth_place: str
    birth_date: date
    sex: str
    relationship: str
    region_code: str
    address: str
    occupation: str
    death_date: date | None
    flags: tuple[str, ...]
    nik_index: bytes = b""
    kk_index: bytes = b""
    digest: bytes = b""

    def payload(self) -> bytes:
        death = self.death_date.isoformat() if self.death_date else ""
        return "\x1f".join(
            (
                self.nik, self.kk, self.full_name, self.birth_place, self.birth_date.isoformat(),
                self.sex, self.relationship, self.region_code, self.address, self.occupation,
                death,
            )
        ).encode()  # fmt: skip


def _take(
    problems: list[RowProblem],
    row: int,
    values: dict[str, str],
    column: str,
    fn: Callable[[str], T],
) -> T | None:
    """``fn(value)``, or None with the reason appended to ``problems``."""
    value = values.get(column, "")
    try:
        return fn(value)
    except (fields.FieldProblem, InvalidNumber) as exc:
        shown = mask_nik(value.strip()) if column in ("nik", "kk_number") else value
        problems.append(RowProblem(row, column, exc.code, shown, dict(exc.params)))
        return None


def check_row(
    row: int, values: dict[str, str], *, known: frozenset[str], today: date
) -> tuple[CivilRecord | None, list[RowProblem], list[RowProblem]]:
    """The normalised record (or None), the problems that reject it, and warnings."""
    problems: list[RowProblem] = []

    def take(column: str, fn: Callable[[str], T]) -> T | None:
        return _take(problems, row, values, column, fn)

    nik_info = take("nik", partial(parse_nik, today=today, known=known))
    kk_info = take("kk_number", partial(parse_kk, known=known))
    full_name = take("full_name", partial(fields.text, required=True, max_len=200))
    birth_place = take("birth_place", partial(fields.text, required=False, max_len=120))
    address = take("address", partial(fields.text, required=False, max_len=500))
    occupation = take("occupation", partial(fields.text, required=False, max_len=120))
    birth = take("birth_date", partial(fields.parse_date, today=today))
    sex = take("sex", fields.sex)
    rel = take("relationship", fields.relationship)
    region = take("region_code", partial(fields.region_code, known=known))
    death = None
    if values.get("death_date", "").strip():
        death = take("death_date", partial(fields.parse_date, today=today))
        if death is not None and birth is not None and death < birth:
            problems.append(
                RowProblem(row, "death_date", "value.death_before_birth", values["death_date"])
            )
    if (
        problems or nik_info is None or kk_info is None or full_name is None or birth is None
        or sex is None or rel is None or region is None
        or birth_place is None or address is None or occupation is None
    ):  # fmt: skip
        return None, problems, []

    warnings: list[RowProblem] = []
    flags: list[str] = []
    nb = nik_info.birth_date
    if (nb.day, nb.month, nb.year % 100) != (birth.day, birth.month, birth.year % 100):
        flags.append(FLAG_NIK_BIRTH_DATE)
        warnings.append(
            RowProblem(row, "birth_date", "quality.nik_birth_date", mask_nik(nik_info.nik))
        )
    if nik_info.sex != sex:
        flags.append(FLAG_NIK_SEX)
        warnings.append(RowProblem(row, "sex", "quality.nik_sex", mask_nik(nik_info.nik)))
    record = CivilRecord(
        row=row,
        nik=nik_info.nik,
        kk=kk_info.kk,
        full_name=full_name,
        birth_place=birth_place,
        birth_date=birth,
        sex=sex,
        relationship=rel,
        region_code=region,
        address=address,
        occupation=occupation,
        death_date=death,
        flags=tuple(flags),
    )
    return record, [], warnings


@dataclass(slots=True)
class ChunkCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    newly_deceased: int = 0


def upsert_chunk(
    session: Session, records: Sequence[CivilRecord], cipher: FieldCipher
) -> ChunkCounts:
    """Apply checked, de-duplicated records (one NIK once) in the caller's transaction."""
    counts = ChunkCounts()
    if not records:
        return counts
    for r in records:
        if not r.nik_index:
            r.nik_index = cipher.blind_index(r.nik, b"nik")
        r.kk_index = cipher.blind_index(r.kk, b"kk")
        r.digest = cipher.row_digest(r.payload())
    stamp = now()

    existing = {
        idx: (pid, digest, death)
        for pid, idx, digest, death in session.execute(
            select(Person.id, Person.nik_index, Person.row_digest, Person.death_date).where(
                Person.nik_index.in_([r.nik_index for r in records])
            )
        )
    }
    changed = [r for r in records if existing.get(r.nik_index, (0, b""))[1] != r.digest]
    counts.unchanged = len(records) - len(changed)
    if not changed:
        return counts

    household_ids = _households(session, changed, cipher, stamp)
    inserts: list[dict[str, object]] = []
    updates: list[dict[str, object]] = []
    for r in changed:
        row: dict[str, object] = {
            "household_id": household_ids[r.kk_index],
            "full_name": r.full_name,
            "birth_place": r.birth_place,
            "birth_date": r.birth_date,
            "sex": r.sex,
            "relationship": r.relationship,
            "region_code": r.region_code,
            "address": r.address,
            "occupation": r.occupation,
            "death_date": r.death_date,
            "quality_flags": ",".join(r.flags),
            "row_digest": r.digest,
            "updated_at": stamp,
        }
        found = existing.get(r.nik_index)
        if found is None:
            row.update(
                nik_enc=cipher.encrypt(r.nik, b"nik"),
                nik_index=r.nik_index,
                nik_mask=mask_nik(r.nik),
                created_at=stamp,
            )
            inserts.append(row)
        else:
            row["id"] = found[0]
            updates.append(row)
            if found[2] is None and r.death_date is not None:
                counts.newly_deceased += 1
    if inserts:
        session.execute(insert(Person), inserts)
    if updates:
        session.execute(update(Person), updates)
    counts.added, counts.updated = len(inserts), len(updates)
    return counts


def _households(
    session: Session, records: Sequence[CivilRecord], cipher: FieldCipher, stamp: datetime
) -> dict[bytes, int]:
    """Household ids for the records' KKs, creating missing ones. A household lives where its
    head lives; without a head in view, where the first member seen lives."""
    region: dict[bytes, str] = {}
    kk_of: dict[bytes, str] = {}
    heads: dict[bytes, str] = {}
    for r in records:
        kk_of.setdefault(r.kk_index, r.kk)
        region.setdefault(r.kk_index, r.region_code)
        if r.relationship == "head":
            heads[r.kk_index] = r.region_code
    region.update(heads)
    ids: dict[bytes, int] = {}
    moved: list[dict[str, object]] = []
    for hid, idx, current in session.execute(
        select(Household.id, Household.kk_index, Household.region_code).where(
            Household.kk_index.in_(list(kk_of))
        )
    ):
        ids[idx] = hid
        if idx in heads and heads[idx] != current:
            moved.append({"id": hid, "region_code": heads[idx], "updated_at": stamp})
    if moved:
        session.execute(update(Household), moved)
    missing = [idx for idx in kk_of if idx not in ids]
    if missing:
        rows = [
            {
                "kk_enc": cipher.encrypt(kk_of[idx], b"kk"),
                "kk_index": idx,
                "kk_mask": mask_nik(kk_of[idx]),
                "region_code": region[idx],
                "attributes": {},
                "created_at": stamp,
                "updated_at": stamp,
            }
            for idx in missing
        ]
        result = session.execute(
            insert(Household).returning(
                Household.id, Household.kk_index, sort_by_parameter_order=True
            ),
            rows,
        )
        ids.update({idx: hid for hid, idx in result})
    return ids
