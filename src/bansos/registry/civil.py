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

from sqlalchemy import Table, update
from sqlalchemy.orm import Session

from bansos.core.clock import now
from bansos.core.crypto import FieldCipher
from bansos.core.errors import Problem
from bansos.core.nik import InvalidNumber, mask_nik, parse_kk, parse_nik
from bansos.db import insert_rows, select_in
from bansos.registry import fields
from bansos.registry.importer import ChunkCounts
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
_LOOKUP_COLUMNS = ("nik_index", "id", "row_digest", "source_digest", "death_date")
#: The order of ``upsert_chunk``'s insert tuples: identity columns, then the updatable ones.
_PERSON_COLUMNS = (
    "nik_enc", "nik_index", "nik_mask", "created_at", "household_id", "full_name", "birth_place",
    "birth_date", "sex", "relationship", "region_code", "address", "occupation", "death_date",
    "quality_flags", "row_digest", "source_digest", "updated_at",
)  # fmt: skip
#: Columns a sync may change, in the order of ``upsert_chunk``'s value tuples.
_UPDATABLE = _PERSON_COLUMNS[4:]


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

    ``check`` is the hot loop of a million-row import: valid rows take a straight path with
    positional calls and no intermediate structures; only a row that fails somewhere is checked
    again field by field, to report every problem it has, not just the first.
    """

    def __init__(self, *, known: frozenset[str], today: date) -> None:
        self.today = today
        self.known = known
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
        get = values.get
        today, known, text = self.today, self.known, fields.text
        try:
            nik_info = parse_nik(get("nik", ""), today=today, known=known)
            kk = parse_kk(get("kk_number", ""), known=known).kk
            full_name = text(get("full_name", ""), required=True, max_len=200)
            birth_place = text(get("birth_place", ""), required=False, max_len=120)
            address = text(get("address", ""), required=False, max_len=500)
            occupation = text(get("occupation", ""), required=False, max_len=120)
            birth = fields.parse_date(get("birth_date", ""), today=today)
            sex = fields.sex(get("sex", ""))
            relationship = fields.relationship(get("relationship", ""))
            region = fields.region_code(get("region_code", ""), known=known)
            death_text = get("death_date", "")
            death = fields.parse_date(death_text, today=today) if death_text.strip() else None
        except (fields.FieldProblem, InvalidNumber):
            return None, self.problems(row, values), []
        if death is not None and death < birth:
            return None, self.problems(row, values), []

        warnings: list[RowProblem] = []
        flags: tuple[str, ...] = ()
        nb = nik_info.birth_date
        if nb.day != birth.day or nb.month != birth.month or nb.year % 100 != birth.year % 100:
            flags += (FLAG_NIK_BIRTH_DATE,)
            warnings.append(
                RowProblem(row, "birth_date", "quality.nik_birth_date", mask_nik(nik_info.nik))
            )
        if nik_info.sex != sex:
            flags += (FLAG_NIK_SEX,)
            warnings.append(RowProblem(row, "sex", "quality.nik_sex", mask_nik(nik_info.nik)))
        record = CivilRecord(row, nik_info.nik, kk, full_name, birth_place, birth, sex,
                             relationship, region, address, occupation, death, flags)  # fmt: skip
        return record, [], warnings

    def problems(self, row: int, values: dict[str, str]) -> list[RowProblem]:
        """Every problem of a row that failed, one per field, in column order."""
        found: list[RowProblem] = []
        birth: object = None
        for column, convert in self.converters:
            value = values.get(column, "")
            try:
                converted = convert(value)
            except (fields.FieldProblem, InvalidNumber) as exc:
                found.append(_problem(row, column, value, exc))
            else:
                if column == "birth_date":
                    birth = converted
        death_text = values.get("death_date", "")
        if death_text.strip():
            try:
                death = fields.parse_date(death_text, today=self.today)
            except fields.FieldProblem as exc:
                found.append(_problem(row, "death_date", death_text, exc))
            else:
                if isinstance(birth, date) and death < birth:
                    found.append(
                        RowProblem(row, "death_date", "value.death_before_birth", death_text)
                    )
        return found


def _problem(row: int, column: str, value: str, exc: Problem) -> RowProblem:
    """(``ProblemWriter`` masks NIK and KK values when it writes them.)"""
    return RowProblem(row, column, exc.code, value, dict(exc.params))


def check_row(
    row: int, values: dict[str, str], *, known: frozenset[str], today: date
) -> tuple[CivilRecord | None, list[RowProblem], list[RowProblem]]:
    """One-off check of a single row (tests, tools); imports reuse one ``CivilChecker``."""
    return CivilChecker(known=known, today=today).check(row, values)


def source_payload(values: dict[str, str]) -> bytes:
    """The row exactly as read, for the re-import fast path."""
    return "\x1f".join([values.get(c, "") for c in COLUMNS]).encode()


#: What a chunk needs to know of a stored person: id, row digest, source digest, death date.
Stored = tuple[int, bytes, bytes, object]  # death date: None while alive


@dataclass(slots=True)
class Prefetch:
    """One lookup per chunk, shared by the fast path and the upsert (each used to query the
    same keys; at a million rows the second query cost a tenth of the import)."""

    probed: set[bytes] = field(default_factory=set)
    stored: dict[bytes, Stored] = field(default_factory=dict)
    #: Source digest and NIK blind index of each raw row, by row number, computed once.
    source_digests: dict[int, bytes] = field(default_factory=dict)
    nik_indexes: dict[int, bytes] = field(default_factory=dict)


def lookup(session: Session, keys: Sequence[bytes]) -> dict[bytes, Stored]:
    """Stored people by NIK blind index (``death_date`` only tells dead from alive here)."""
    rows = select_in(session, PEOPLE, _LOOKUP_COLUMNS, "nik_index", keys)
    return {bytes(idx): (pid, bytes(digest), bytes(source), death)
            for idx, pid, digest, source, death in rows}  # fmt: skip


def fingerprint(cipher: FieldCipher, values: dict[str, str]) -> tuple[bytes | None, bytes]:
    """The NIK blind index (None for a NIK that cannot be valid) and the source digest of a raw
    row."""
    nik = values.get("nik", "").strip()
    idx = cipher.blind_index(nik, b"nik") if len(nik) == 16 else None
    return idx, cipher.row_digest(source_payload(values))


def unchanged_rows(
    session: Session, cipher: FieldCipher, raws: Sequence[RawRow], prefetch: Prefetch | None = None
) -> dict[int, bytes]:
    """Rows identical, byte for byte, to the row each person was last imported from: they need
    no checking and no writing. Returns {row number: NIK blind index}."""
    prefetch = prefetch if prefetch is not None else Prefetch()
    keyed: list[tuple[int, bytes, bytes]] = []
    for raw in raws:
        idx, source = fingerprint(cipher, raw.values)
        prefetch.source_digests[raw.row] = source
        if idx is not None:
            prefetch.nik_indexes[raw.row] = idx
            keyed.append((raw.row, idx, source))
    keys = [k[1] for k in keyed]
    prefetch.stored.update(lookup(session, keys) if keys else {})
    prefetch.probed.update(keys)
    stored = prefetch.stored
    return {row: idx for row, idx, source in keyed if idx in stored and stored[idx][2] == source}


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
    kk_indexes: dict[str, bytes] = {}  # a family's members share one
    for r in records:
        if not r.nik_index:
            r.nik_index = cipher.blind_index(r.nik, b"nik")
        kk_index = kk_indexes.get(r.kk)
        if kk_index is None:
            kk_index = kk_indexes[r.kk] = cipher.blind_index(r.kk, b"kk")
        r.kk_index = kk_index
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
        values = (
            household_ids[r.kk_index], r.full_name, r.birth_place, r.birth_date, r.sex,
            r.relationship, r.region_code, r.address, r.occupation, r.death_date,
            ",".join(r.flags), r.digest, r.source_digest, stamp,
        )  # fmt: skip
        found = existing.get(r.nik_index)
        if found is None:
            inserts.append(
                (cipher.encrypt(r.nik, b"nik"), r.nik_index, mask_nik(r.nik), stamp, *values)
            )
        else:
            updates.append({"id": found[0], **dict(zip(_UPDATABLE, values, strict=True))})
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
    found = select_in(session, HOUSEHOLDS, ("id", "kk_index", "region_code"), "kk_index",
                      list(kk_of))  # fmt: skip
    for hid, idx, current in found:
        idx = bytes(idx)
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
        new = select_in(session, HOUSEHOLDS, ("id", "kk_index"), "kk_index", missing)
        ids.update((bytes(idx), hid) for hid, idx in new)
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
            # parse_nik only strips the raw value, so the fast path's index is this NIK's.
            idx = self.prefetch.nik_indexes.get(raw.row)
            record.nik_index = idx or self.cipher.blind_index(record.nik, b"nik")
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
