"""Staff registry API: look a person up by NIK (blind index), totals, import runs; regions."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from bansos.auth.service import StaffIdentity
from bansos.core.nik import InvalidNumber, mask_nik
from bansos.registry import service as registry
from bansos.registry.models import ImportRun, Region
from bansos.transparency import service as audit
from bansos.web.deps import DbSession, HTTPProblem, get_runtime, require

router = APIRouter(tags=["registry"])
Reader = Annotated[StaffIdentity, Depends(require("registry.read"))]


class PersonOut(BaseModel):
    model_config = ConfigDict(extra="ignore")  # built from PersonView, which has a few more

    nik: str
    nik_revealed: bool
    kk: str
    full_name: str
    birth_date: date
    sex: str
    relationship: str
    region_code: str
    region_name: str
    deceased: bool
    death_date: date | None
    quality_flags: list[str]
    welfare_decile: int | None


@router.get("/api/registry/people", response_model=PersonOut)
def person_by_nik(
    request: Request,
    session: DbSession,
    staff: Reader,
    nik: Annotated[str, Query(max_length=40, description="The 16-digit NIK.")],
    reveal: Annotated[
        bool, Query(description="Return the clear NIK (roles with pii.reveal only; audited).")
    ] = False,
) -> PersonOut:
    if reveal and not staff.can("pii.reveal"):
        audit.record(session, staff.username, "registry.reveal_denied", "person",
                     mask_nik(nik.strip()))  # fmt: skip
        session.commit()  # the refusal is recorded although the request fails
        raise HTTPProblem(403, "auth.forbidden")
    cipher = get_runtime(request).cipher
    try:
        person = registry.find_by_nik(session, cipher, nik, reveal=reveal)
    except InvalidNumber as exc:
        raise HTTPProblem(422, exc.code, **exc.params) from None
    # Looking up a person is itself personal-data access: it is recorded (masked).
    audit.record(session, staff.username, "registry.lookup", "person",
                 mask_nik(nik.strip()), found=person is not None, revealed=reveal)  # fmt: skip
    if person is None:
        session.commit()  # a lookup that found nobody is still a lookup: keep its audit row
        raise HTTPProblem(404, "registry.not_found")
    return PersonOut(**dataclasses.asdict(person), nik_revealed=reveal, kk=person.kk_masked)


class TotalsOut(BaseModel):
    people: int
    households: int
    deceased: int


@router.get("/api/registry/totals", response_model=TotalsOut)
def totals(session: DbSession, staff: Reader) -> TotalsOut:
    return TotalsOut(**registry.totals(session))


class ImportRunOut(BaseModel):
    id: int
    kind: str
    filename: str
    actor: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    rows_read: int
    added: int
    updated: int
    unchanged: int
    newly_deceased: int
    rejected: int
    warnings: int


@router.get("/api/registry/imports", response_model=list[ImportRunOut])
def import_runs(
    session: DbSession, staff: Reader, limit: int = Query(20, ge=1, le=200)
) -> list[ImportRunOut]:
    runs = session.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(limit))
    return [ImportRunOut.model_validate(r, from_attributes=True) for r in runs]


class RegionOut(BaseModel):
    code: str
    level: int
    name: str
    parent_code: str | None


@router.get("/api/regions", response_model=list[RegionOut], tags=["public"])
def regions(
    session: DbSession,
    parent: Annotated[
        str | None, Query(max_length=6, description="Parent code; none for provinces.")
    ] = None,
) -> list[RegionOut]:
    """Kemendagri region codes (public reference data)."""
    query = select(Region).order_by(Region.code)
    query = query.where(Region.parent_code == parent) if parent else query.where(Region.level == 1)
    return [RegionOut.model_validate(r, from_attributes=True) for r in session.scalars(query)]
