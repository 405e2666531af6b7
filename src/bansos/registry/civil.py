"""Civil registry (Dukcapil) rows: check one row, and upsert one chunk of checked rows by NIK.

Upserting by the NIK's blind index makes a re-import of a newer extract a sync: new people are
added, changed ones updated, unchanged ones skipped by comparing a keyed digest of the row (so
an unchanged re-import costs no encryption and no writes). Households (KK) follow their members.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from bansos.core.clock import now
from bansos.core.crypto import FieldCipher
from bansos.core.errors import Problem
from bansos.core.nik import InvalidNumber, KkInfo, NikInfo, mask_nik, parse_kk, parse_nik
from bansos.db import insert_rows
from bansos.registry import fields
from bansos.registry.models import Household, Person
from bansos.registry.reader import RawRow, RowProblem

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

PEOPLE = cast(Table, Person.__table__)
HOUSEHOLDS = cast(Table, Household.__table__)
_HOUSEHOLD_COLUMNS = ("kk_enc", "kk_index", "kk_mask", "region_code", "attributes",
                      "created_at", "updated_at")  # fmt: skip
#: The order of ``upsert_chunk``'s insert tuples: identity columns, then the updatable ones.
_PERSON_COLUMNS = (
    "nik_enc", "nik_index", "nik_mask", "created_at", "household_id", "full_name", "birth_place",
    "birth_date", "sex", "relationship", "region_code", "address", "occupation", "death_date",
    "quality_flags", "row_digest", "source_digest", "updated_at",
)  # fmt: skip


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
    source_digest: bytes = b""

    def payload(self) -> bytes:
        death = self.death_date.isoformat() if self.death_date else ""
        return "\x1f".join(
            (
                self.nik, self.kk, self.full_name, self.birth_place, self.birth_date.isoformat(),
                self.sex, self.relationship, self.region_code, self.address, self.occupation,
                death,
            )
        ).encode()  # fmt: skip


class CivilChecker:
    """Checks rows against the rules in force for one import (known districts, today's date).

    The converters are built once per import, not per row: a million-row file calls them ten
    million times.
    """

    def __init__(self, *, known: frozenset[str], today: date) -> None:
        self.today = today
        text = fields.text
        self.converters: tuple[tuple[str, Callable[[str], object]], ...] = (
            ("nik", partial(parse_nik, today=today, known=known)),
            ("kk_number", partial(parse_kk, known=known)),
            ("full_name", partial(text, required=True, max_len=200)),
            ("birth_place", partial(text, required=False, max_len=120)),
            ("address", partial(text, required=False, max_len=500)),
            ("occupation", partial(text, required=False, max_len=120)),
            ("birth_date", partial(fields.parse_date, today=today)),
            ("sex", fields.sex),
            ("relationship", fields.relationship),
            ("region_code", partial(fields.region_code, known=known)),
        )

    def check(
        self, row: int, values: dict[str, str]
    ) -> tuple[CivilRecord | None, list[RowProblem], list[RowProblem]]:
        """The normalised record (or None), the problems that reject it, and warnings."""
        problems: list[RowProblem] = []
        out: dict[str, object] = {}
        get = values.get
        for column, convert in self.converters:
            try:
                out[column] = convert(get(column, ""))
            except (fields.FieldProblem, InvalidNumber) as exc:
                problems.append(_problem(row, column, get(column, ""), exc))
        death: date | None = None
        death_text = get("death_date", "")
        if death_text.strip():
            try:
                death = fields.parse_date(death_text, today=self.today)
            except fields.FieldProblem as exc:
                problems.append(_problem(row, "death_date", death_text, exc))
            else:
                birth_value = out.get("birth_date")
                if isinstance(birth_value, date) and death < birth_value:
                    problems.append(
                        RowProblem(row, "death_date", "value.death_before_birth", death_text)
                    )
        if problems:
            return None, problems, []

        nik_info = cast(NikInfo, out["nik"])
        birth = cast(date, out["birth_date"])
        sex = cast(str, out["sex"])
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
            kk=cast(KkInfo, out["kk_number"]).kk,
            full_name=cast(str, out["full_name"]),
            birth_place=cast(str, out["birth_place"]),
            birth_date=birth,
            sex=sex,
            relationship=cast(str, out["relationship"]),
            region_code=cast(str, out["region_code"]),
            address=cast(str, out["address"]),
            occupation=cast(str, out["occupation"]),
            death_date=death,
            flags=tuple(flags),
        )
        return record, [], warnings


def _problem(row: int, column: str, value: str, exc: Problem) -> RowProblem:
    """Identifiers are masked even in a rejects file: the row number finds the source row."""
    shown = mask_nik(value.strip()) if column in ("nik", "kk_number") else value
    return RowProblem(row, column, exc.code, shown, dict(exc.params))


def check_row(
    row: int, values: dict[str, str], *, known: frozenset[str], today: date
) -> tuple[CivilRecord | None, list[RowProblem], list[RowProblem]]:
    """One-off check of a single row (tests, tools); imports reuse one ``CivilChecker``."""
    return CivilChecker(known=known, today=today).check(row, values)


def source_payload(values: dict[str, str]) -> bytes:
    """The row exactly as read, for the re-import fast path."""
    return "\x1f".join([values.get(c, "") for c in COLUMNS]).encode()


#: What a chunk needs to know of a stored person: id, row digest, source digest, death date.
Stored = tuple[int, bytes, bytes, date | None]


@dataclass(slots=True)
class Prefetch:
    """One lookup per chunk, shared by the fast path and the upsert (each used to query the
    same keys; at a million rows the second query cost a tenth of the import)."""

    probed: set[bytes] = field(default_factory=set)
    stored: dict[bytes, Stored] = field(default_factory=dict)
    #: Source digest of each raw row, by row number, so that it is computed once.
    source_digests: dict[int, bytes] = field(default_factory=dict)


def lookup(session: Session, keys: Sequence[bytes]) -> dict[bytes, Stored]:
    query = select(
        Person.nik_index, Person.id, Person.row_digest, Person.source_digest, Person.death_date
    ).where(Person.nik_index.in_(keys))
    return {idx: (pid, digest, source, death) for idx, pid, digest, source, death in
            session.execute(query)}  # fmt: skip


def unchanged_rows(
    session: Session, cipher: FieldCipher, raws: Sequence[RawRow], prefetch: Prefetch | None = None
) -> dict[int, bytes]:
    """Rows identical, byte for byte, to the row each person was last imported from: they need
    no checking and no writing. Returns {row number: NIK blind index}."""
    prefetch = prefetch if prefetch is not None else Prefetch()
    keyed: list[tuple[int, bytes, bytes]] = []
    for raw in raws:
        source = cipher.row_digest(source_payload(raw.values))
        prefetch.source_digests[raw.row] = source
        nik = raw.values.get("nik", "").strip()
        if len(nik) == 16:
            keyed.append((raw.row, cipher.blind_index(nik, b"nik"), source))
    keys = [k[1] for k in keyed]
    prefetch.stored.update(lookup(session, keys) if keys else {})
    prefetch.probed.update(keys)
    stored = prefetch.stored
    return {row: idx for row, idx, source in keyed if idx in stored and stored[idx][2] == source}


@dataclass(slots=True)
class ChunkCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    newly_deceased: int = 0


def upsert_chunk(
    session: Session,
    records: Sequence[CivilRecord],
    cipher: FieldCipher,
    prefetch: Prefetch | None = None,
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
    existing = dict(prefetch.stored) if prefetch is not None else {}
    probed = prefetch.probed if prefetch is not None else set()
    unprobed = [r.nik_index for r in records if r.nik_index not in probed]
    if unprobed:
        existing.update(lookup(session, unprobed))

    changed: list[CivilRecord] = []
    respelled: list[dict[str, object]] = []
    for r in records:
        found = existing.get(r.nik_index)
        if found is not None and found[1] == r.digest:
            # Same data, spelled differently in the file: remember the new spelling so that the
            # next re-import takes the fast path, but it is not a change of the record.
            respelled.append({"id": found[0], "source_digest": r.source_digest})
        else:
            changed.append(r)
    counts.unchanged = len(respelled)
    if respelled:
        session.execute(update(Person), respelled)
    if not changed:
        return counts

    household_ids = _households(session, changed, cipher, stamp)
    inserts: list[tuple[object, ...]] = []
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
            "source_digest": r.source_digest,
            "updated_at": stamp,
        }
        found = existing.get(r.nik_index)
        if found is None:
            inserts.append(
                (cipher.encrypt(r.nik, b"nik"), r.nik_index, mask_nik(r.nik), stamp,
                 *row.values())
            )  # fmt: skip
        else:
            row["id"] = found[0]
            updates.append(row)
            if found[3] is None and r.death_date is not None:
                counts.newly_deceased += 1
    insert_rows(session, PEOPLE, _PERSON_COLUMNS, inserts)
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
            (
                cipher.encrypt(kk_of[idx], b"kk"),
                idx,
                mask_nik(kk_of[idx]),
                region[idx],
                "{}",
                stamp,
                stamp,
            )
            for idx in missing
        ]
        # Core executemany, then one SELECT for the new ids: portable, and on SQLite far faster
        # than INSERT ... RETURNING in parameter order, which goes row by row.
        insert_rows(session, HOUSEHOLDS, _HOUSEHOLD_COLUMNS, rows)
        ids.update(
            (idx, hid)
            for hid, idx in session.execute(
                select(Household.id, Household.kk_index).where(Household.kk_index.in_(missing))
            )
        )
    return ids


class CivilRows:
    """Per-import state for the importer's hooks: the checker, and one ``Prefetch`` per chunk
    (the importer calls ``unchanged``, then ``check`` per row, then ``apply``, for each chunk)."""

    def __init__(self, cipher: FieldCipher, *, known: frozenset[str], today: date) -> None:
        self.cipher = cipher
        self.checker = CivilChecker(known=known, today=today)
        self.prefetch = Prefetch()

    def unchanged(self, session: Session, raws: Sequence[RawRow]) -> dict[int, bytes]:
        self.prefetch = Prefetch()
        return unchanged_rows(session, self.cipher, raws, self.prefetch)

    def check(self, raw: RawRow) -> tuple[CivilRecord | None, list[RowProblem], list[RowProblem]]:
        record, problems, warnings = self.checker.check(raw.row, raw.values)
        if record is not None:
            record.nik_index = self.cipher.blind_index(record.nik, b"nik")
            source = self.prefetch.source_digests.get(raw.row)
            if source is None:
                source = self.cipher.row_digest(source_payload(raw.values))
            record.source_digest = source
        return record, problems, warnings

    def apply(
        self, session: Session, records: Sequence[CivilRecord]
    ) -> tuple[ChunkCounts, list[RowProblem]]:
        # Looked up through the module so that a test can stand in for upsert_chunk.
        return upsert_chunk(session, records, self.cipher, self.prefetch), []
