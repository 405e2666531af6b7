"""Registry use cases: import the civil and social registries, look people up by NIK."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bansos.core import clock
from bansos.core.crypto import FieldCipher
from bansos.core.nik import known_district_codes, parse_kk, parse_nik
from bansos.registry import civil
from bansos.registry.importer import ImportReport, Job, record_unreadable, run_import
from bansos.registry.models import Household, Person, Region
from bansos.registry.reader import FileProblem, RowSource
from bansos.registry.social import ALIASES as SOCIAL_ALIASES
from bansos.registry.social import REQUIRED as SOCIAL_REQUIRED
from bansos.registry.social import SocialRecord, SocialRows

R = TypeVar("R")


@dataclass(frozen=True)
class ImportOptions:
    actor: str
    rejects_path: Path
    warnings_path: Path
    chunk_rows: int = 20_000
    today: date | None = None
    progress: Callable[[int], None] | None = None


def import_civil(
    factory: sessionmaker[Session], path: Path, cipher: FieldCipher, opts: ImportOptions
) -> ImportReport:
    """Upsert a civil-registry extract by NIK (a re-run with a newer extract is a sync)."""
    try:
        source = RowSource(
            path, required=civil.REQUIRED, optional=civil.OPTIONAL, aliases=civil.ALIASES
        )
        rows = source.start()
    except FileProblem as exc:
        record_unreadable(factory, "civil", path, opts.actor, exc)
        raise
    rows_state = civil.CivilRows(
        cipher, known=known_district_codes(), today=opts.today or clock.today()
    )
    job: Job[civil.CivilRecord] = Job(
        kind="civil",
        rows=rows,
        check=rows_state.check,
        key=lambda r: r.nik_index,
        row_of=lambda r: r.row,
        apply=rows_state.apply,
        duplicate_code="nik.duplicate_in_file",
        duplicate_column="nik",
        unchanged=rows_state.unchanged,
        stats=source.stats,
    )
    return _run(factory, job, path, opts)


def import_social(
    factory: sessionmaker[Session], path: Path, cipher: FieldCipher, opts: ImportOptions
) -> ImportReport:
    """Upsert welfare data by KK onto households already known from the civil registry."""
    try:
        source = RowSource(path, required=SOCIAL_REQUIRED, aliases=SOCIAL_ALIASES, keep_extra=True)
        rows = source.start()  # reads the header, so that the extra columns are known
    except FileProblem as exc:
        record_unreadable(factory, "social", path, opts.actor, exc)
        raise
    state = SocialRows(source.extra_columns, cipher, known_district_codes(),
                       opts.today or clock.today())  # fmt: skip

    job: Job[SocialRecord] = Job(
        kind="social",
        rows=rows,
        check=state.check,
        key=lambda r: r.kk_index,
        row_of=lambda r: r.row,
        apply=state.apply,
        duplicate_code="kk.duplicate_in_file",
        duplicate_column="kk_number",
        prepare=state.prepare,
        stats=source.stats,
    )
    return _run(factory, job, path, opts)


def _run(
    factory: sessionmaker[Session], job: Job[R], path: Path, opts: ImportOptions
) -> ImportReport:
    return run_import(
        factory,
        job,
        path=path,
        actor=opts.actor,
        rejects_path=opts.rejects_path,
        warnings_path=opts.warnings_path,
        chunk_rows=opts.chunk_rows,
        progress=opts.progress,
    )


@dataclass(frozen=True)
class PersonView:
    """What staff see of a person; ``nik`` is the clear value only when asked for."""

    id: int
    nik: str
    nik_masked: str
    kk_masked: str
    full_name: str
    birth_date: date
    sex: str
    relationship: str
    region_code: str
    region_name: str
    deceased: bool
    death_date: date | None
    quality_flags: tuple[str, ...]
    welfare_decile: int | None


def find_by_nik(
    session: Session, cipher: FieldCipher, nik: str, *, reveal: bool
) -> PersonView | None:
    """Exact lookup through the blind index; the NIK is checked first so that a malformed one
    gets its precise reason (raises ``InvalidNumber``)."""
    info = parse_nik(nik)
    row = session.execute(
        select(Person, Household.kk_mask, Household.welfare_decile, Region.name)
        .join(Household, Person.household_id == Household.id)
        .join(Region, Person.region_code == Region.code)
        .where(Person.nik_index == cipher.blind_index(info.nik, b"nik"))
    ).first()
    if row is None:
        return None
    person, kk_mask, decile, region_name = row
    clear = cipher.decrypt(person.nik_enc, b"nik") if reveal else person.nik_mask
    return PersonView(
        id=person.id,
        nik=clear,
        nik_masked=person.nik_mask,
        kk_masked=kk_mask,
        full_name=person.full_name,
        birth_date=person.birth_date,
        sex=person.sex,
        relationship=person.relationship,
        region_code=person.region_code,
        region_name=region_name,
        deceased=person.death_date is not None,
        death_date=person.death_date,
        quality_flags=tuple(f for f in person.quality_flags.split(",") if f),
        welfare_decile=decile,
    )


def totals(session: Session) -> dict[str, int]:
    return {
        "people": session.scalar(select(func.count()).select_from(Person)) or 0,
        "households": session.scalar(select(func.count()).select_from(Household)) or 0,
        "deceased": session.scalar(
            select(func.count()).select_from(Person).where(Person.death_date.is_not(None))
        )
        or 0,
    }


def household_by_kk(session: Session, cipher: FieldCipher, kk: str) -> int | None:
    """The household id of a family card number, through its blind index (raises
    ``InvalidNumber`` for a malformed number)."""
    info = parse_kk(kk)
    return session.scalar(
        select(Household.id).where(Household.kk_index == cipher.blind_index(info.kk, b"kk"))
    )


@dataclass(frozen=True, slots=True)
class MatchRecord:
    """What record linkage needs of one person, with the NIK and KK in clear: it lives only in
    the memory of a matching run."""

    id: int
    nik: str
    kk: str
    full_name: str
    birth_date: date
    sex: str
    region_code: str
    household_id: int
    deceased: bool


def people_for_matching(
    session: Session, cipher: FieldCipher, *, batch: int = 20_000
) -> Iterator[list[MatchRecord]]:
    """Every person of the civil registry, in batches (keyset pages by id, so the database
    never holds a long cursor open). Each KK is decrypted once per batch."""
    last_id = 0
    kks: dict[int, str] = {}
    while True:
        rows = session.execute(
            select(Person.id, Person.nik_enc, Person.full_name, Person.birth_date, Person.sex,
                   Person.region_code, Person.household_id, Person.death_date, Household.kk_enc)
            .join(Household, Person.household_id == Household.id)
            .where(Person.id > last_id)
            .order_by(Person.id)
            .limit(batch)
        ).all()  # fmt: skip
        if not rows:
            return
        out = []
        for pid, nik_enc, name, born, sex, region, hid, died, kk_enc in rows:
            kk = kks.get(hid)
            if kk is None:
                kk = kks[hid] = cipher.decrypt(kk_enc, b"kk")
            out.append(MatchRecord(pid, cipher.decrypt(nik_enc, b"nik"), kk, name, born, sex,
                                   region, hid, died is not None))  # fmt: skip
        kks.clear()
        last_id = rows[-1][0]
        yield out


@dataclass(frozen=True, slots=True)
class PersonSummary:
    """A person as a reviewer sees a candidate: NIK masked."""

    id: int
    nik_masked: str
    full_name: str
    birth_date: date
    sex: str
    region_code: str
    household_id: int
    deceased: bool


def summaries(session: Session, ids: Iterable[int]) -> dict[int, PersonSummary]:
    wanted = sorted(set(ids))
    out: dict[int, PersonSummary] = {}
    for start in range(0, len(wanted), 1000):
        for row in session.execute(
            select(Person.id, Person.nik_mask, Person.full_name, Person.birth_date, Person.sex,
                   Person.region_code, Person.household_id, Person.death_date)
            .where(Person.id.in_(wanted[start : start + 1000]))
        ):  # fmt: skip
            out[row[0]] = PersonSummary(*row[:7], row[7] is not None)
    return out


def household_head(session: Session, household_id: int) -> PersonSummary | None:
    """The living head of a household (or, failing that, its oldest living member)."""
    row = session.execute(
        select(Person.id)
        .where(Person.household_id == household_id, Person.death_date.is_(None))
        .order_by((Person.relationship != "head"), Person.birth_date)
        .limit(1)
    ).first()
    return None if row is None else summaries(session, [row[0]]).get(row[0])


def household_exists(session: Session, household_id: int) -> bool:
    return session.get(Household, household_id) is not None


def region_level(session: Session, code: str) -> int | None:
    """1 province, 2 regency/city, 3 district; None for an unknown code."""
    region = session.get(Region, code)
    return None if region is None else region.level


def account_holder_names(session: Session, household_id: int) -> list[str]:
    """The names under which a household's bank or e-wallet account may plausibly be held:
    its living head and spouse (a program pays the family, and PKH pays the mother), or, in a
    household with neither, every living member. Compared with the holder name an account
    inquiry returns before a payout channel is trusted."""
    living = (Person.household_id == household_id, Person.death_date.is_(None))
    names = session.scalars(
        select(Person.full_name)
        .where(*living, Person.relationship.in_(("head", "spouse")))
        .order_by(Person.id)
    ).all()
    if not names:
        names = session.scalars(select(Person.full_name).where(*living).order_by(Person.id)).all()
    return list(names)
