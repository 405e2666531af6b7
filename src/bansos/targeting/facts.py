"""Household facts: the attributes eligibility rules and benefit components read.

Derived from the civil registry (living members, their ages and occupations, the head) and
the social registry (decile and typed attributes), as of a reference date (the first day of
the period being targeted). Streams households in id order, a batch at a time, in bounded
memory; the region filter uses the region code, which is the shard key at national scale.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bansos.registry.models import Household, Person

#: Occupations on the state payroll (Dukcapil's occupation list), excluded by most programs.
STATE_PAYROLL = (
    "PEGAWAI NEGERI", "PNS", "TENTARA", "TNI", "KEPOLISIAN", "POLRI", "KARYAWAN BUMN",
    "KARYAWAN BUMD", "ANGGOTA DPR", "ANGGOTA DPD", "PRESIDEN", "MENTERI", "GUBERNUR", "BUPATI",
    "WALIKOTA",
)  # fmt: skip
#: Whole words only: "TNI" must not match inside another word.
_STATE_PAYROLL = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in STATE_PAYROLL) + r")\b")


@dataclass(frozen=True, slots=True)
class Member:
    person_id: int
    birth_date: date
    sex: str
    relationship: str
    occupation: str
    death_date: date | None


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def is_state_payroll(occupation: str) -> bool:
    return _STATE_PAYROLL.search(occupation.upper()) is not None


def household_facts(
    region_code: str,
    welfare_decile: int | None,
    attributes: dict[str, Any],
    members: Sequence[Member],
    on: date,
) -> dict[str, Any]:
    """Facts of one household on date ``on``. A member who died on or before ``on`` no
    longer counts; the head is the living member recorded as head, if any."""
    living = [m for m in members if m.death_date is None or m.death_date > on]
    ages = [age_on(m.birth_date, on) for m in living]
    head = next((m for m in living if m.relationship == "head"), None)
    facts: dict[str, Any] = dict(attributes)
    facts.update(
        welfare_decile=welfare_decile,
        member_count=len(living),
        children_under_6=sum(a < 6 for a in ages),
        children_7_12=sum(7 <= a <= 12 for a in ages),
        children_13_15=sum(13 <= a <= 15 for a in ages),
        children_16_18=sum(16 <= a <= 18 for a in ages),
        elderly_members=sum(a >= 60 for a in ages),
        head_age=age_on(head.birth_date, on) if head else None,
        head_sex=head.sex if head else None,
        any_member_is_civil_servant=any(is_state_payroll(m.occupation) for m in living),
        all_members_deceased=not living,
        region_code=region_code,
        regency_code=region_code[:4],
        province_code=region_code[:2],
    )
    return facts


def iter_facts(
    session: Session,
    on: date,
    *,
    region_prefix: str = "",
    only: Sequence[int] | None = None,
    batch: int = 5000,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(household id, facts) for every household whose region starts with ``region_prefix``
    (and whose id is in ``only``, when given), in id order."""
    wanted = sorted(set(only)) if only is not None else None
    last_id = 0
    start = 0
    while True:
        query = (
            select(Household.id, Household.region_code, Household.welfare_decile,
                   Household.attributes)
            .where(Household.region_code.startswith(region_prefix))
            .order_by(Household.id)
        )  # fmt: skip
        if wanted is None:
            query = query.where(Household.id > last_id).limit(batch)
        else:
            if start >= len(wanted):
                return
            query = query.where(Household.id.in_(wanted[start : start + batch]))
            start += batch
        households = session.execute(query).all()
        if not households:
            if wanted is None:
                return
            continue
        ids = [h.id for h in households]
        members: dict[int, list[Member]] = defaultdict(list)
        for row in session.execute(
            select(Person.household_id, Person.id, Person.birth_date, Person.sex,
                   Person.relationship, Person.occupation, Person.death_date)
            .where(Person.household_id.in_(ids))
        ):  # fmt: skip
            members[row[0]].append(Member(*row[1:]))
        for h in households:
            yield h.id, household_facts(h.region_code, h.welfare_decile, h.attributes or {},
                                        members[h.id], on)  # fmt: skip
        last_id = ids[-1]
