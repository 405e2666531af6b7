"""Candidate lists: build one for a program and period, then maker-checker approval.

A list is built in one transaction (all households or none), each with a benefit or the reason
it is excluded. An operator submits it, which records its content hash; a different user with
the approver role approves or rejects it with a reason; an approved list is frozen and is what
disbursement pays. Every step is in the audit trail.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from typing import Any, cast

from sqlalchemy import Select, Table, func, select
from sqlalchemy.orm import Session

from bansos.auth.service import Actor, role_can
from bansos.core.clock import now
from bansos.core.errors import Problem
from bansos.db import insert_rows
from bansos.programs import service as programs
from bansos.programs.definition import Program
from bansos.programs.models import ProgramRecord
from bansos.registry import service as registry
from bansos.targeting import matches
from bansos.targeting.facts import iter_facts
from bansos.targeting.models import VERDICTS, Candidate, CandidateList, FieldVerdict
from bansos.transparency import service as audit

CANDIDATES = cast(Table, Candidate.__table__)
_COLUMNS = ("list_id", "household_id", "region_code", "eligible", "reason", "benefit",
            "rule_reason", "rule_benefit")  # fmt: skip
_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class TargetingProblem(Problem):
    pass


def period_start(period: str) -> date:
    """``2026-12`` -> 1 December 2026: facts (ages, deaths) are taken as of that day."""
    m = _PERIOD.match(period)
    if not m:
        raise TargetingProblem("targeting.period_format", period=period)
    return date(int(m[1]), int(m[2]), 1)


def _decide(
    program: Program, facts: dict[str, Any], excluded: set[int], hid: int
) -> tuple[str, int]:
    """(reason, benefit): the reason is empty for an eligible household."""
    if facts["all_members_deceased"]:
        return "excluded.deceased", 0
    if not program.definition.in_area(facts["region_code"]):
        return "excluded.out_of_area", 0
    if hid in excluded:
        return "excluded.other_program", 0
    verdict = program.rule.matches(facts)
    if verdict is None:
        return "excluded.data_missing", 0
    if not verdict:
        if facts.get("any_member_is_civil_servant") and (
            "any_member_is_civil_servant" in program.rule.names
        ):
            return "excluded.civil_servant", 0
        return "excluded.not_eligible", 0
    return "", program.benefit(facts)


def build_list(
    session: Session,
    program_code: str,
    period: str,
    actor: Actor,
    *,
    region_prefix: str = "",
    match_run: int | None = None,
) -> CandidateList:
    """A new draft list for ``program_code`` and ``period`` from the registries: every
    household, or with ``match_run`` the households of the people that run resolved (one entry
    per household however many of its members were proposed, under however many KK numbers).
    """
    if not role_can(actor.role, "lists.build"):
        raise TargetingProblem("auth.forbidden")
    on = period_start(period)
    only: list[int] | None = None
    proposed_dead: set[int] = set()
    if match_run is not None:
        only, proposed_dead = _proposed_households(session, match_run)
    program = programs.get(session, program_code)
    record = session.scalars(select(ProgramRecord).where(ProgramRecord.code == program_code)).one()
    excluded = _beneficiaries_of(session, program.definition.excludes, period)
    cl = CandidateList(program_code=program_code, program_version=record.version, period=period,
                       created_by=actor.username, match_run_id=match_run)  # fmt: skip
    session.add(cl)
    session.flush()
    batch: list[tuple[object, ...]] = []
    for hid, facts in iter_facts(session, on, region_prefix=region_prefix, only=only):
        if hid in proposed_dead:
            reason, benefit = "excluded.proposed_deceased", 0
        else:
            reason, benefit = _decide(program, facts, excluded, hid)
        batch.append((cl.id, hid, facts["region_code"], not reason, reason, benefit, reason,
                      benefit))  # fmt: skip
        if reason:
            cl.excluded_count += 1
        else:
            cl.eligible_count += 1
            cl.total_benefit += benefit
        if len(batch) >= 5000:
            insert_rows(session, CANDIDATES, _COLUMNS, batch)
            batch = []
    insert_rows(session, CANDIDATES, _COLUMNS, batch)
    session.flush()
    audit.record(session, actor.username, "targeting.list_built", "candidate_list", str(cl.id),
                 program=program_code, period=period, eligible=cl.eligible_count,
                 excluded=cl.excluded_count, total_benefit=cl.total_benefit)  # fmt: skip
    return cl


def _proposed_households(session: Session, run_id: int) -> tuple[list[int], set[int]]:
    """Households of the people a match run resolved, and those whose only proposed member
    has died."""
    accepted = matches.matched_people(session, run_id)
    dead = matches.deceased_people(session, run_id)
    people = registry.summaries(session, set(accepted) | dead)
    living = {people[p].household_id for p in accepted}
    proposed_dead = {people[p].household_id for p in dead} - living
    return sorted(living | proposed_dead), proposed_dead


def _beneficiaries_of(session: Session, codes: tuple[str, ...], period: str) -> set[int]:
    """Households on the approved lists of ``codes`` for the same period."""
    if not codes:
        return set()
    query = (
        select(Candidate.household_id)
        .join(CandidateList, Candidate.list_id == CandidateList.id)
        .where(CandidateList.program_code.in_(codes), CandidateList.period == period,
               CandidateList.status == "approved", Candidate.eligible.is_(True))
    )  # fmt: skip
    return set(session.scalars(query))


def record_verdict(
    session: Session, list_id: int, household_id: int, verdict: str, note: str, actor: Actor
) -> Candidate:
    """Record a field verdict on a draft list. ``verified`` puts the household back as the
    rules decided (correcting an earlier finding); any other verdict excludes it with
    ``excluded.field_<verdict>``. A submitted list is frozen: reject it and build a new one to
    take new findings in."""
    if not role_can(actor.role, "lists.verify"):
        raise TargetingProblem("auth.forbidden")
    if verdict not in VERDICTS:
        raise TargetingProblem("targeting.verdict_unknown", verdict=verdict)
    cl = _get(session, list_id)
    if cl.status != "draft":
        raise TargetingProblem("targeting.wrong_status", status=cl.status, expected="draft")
    candidate = session.scalar(
        select(Candidate).where(
            Candidate.list_id == list_id, Candidate.household_id == household_id
        )
    )
    if candidate is None:
        raise TargetingProblem("targeting.not_on_list")
    session.add(FieldVerdict(candidate_id=candidate.id, verdict=verdict, note=note.strip(),
                             officer=actor.username))  # fmt: skip
    if verdict == "verified":
        reason, benefit = candidate.rule_reason, candidate.rule_benefit
    else:
        reason, benefit = f"excluded.field_{verdict}", 0
    if candidate.eligible:
        cl.eligible_count -= 1
        cl.total_benefit -= candidate.benefit
    else:
        cl.excluded_count -= 1
    candidate.eligible, candidate.reason, candidate.benefit = not reason, reason, benefit
    if candidate.eligible:
        cl.eligible_count += 1
        cl.total_benefit += benefit
    else:
        cl.excluded_count += 1
    audit.record(session, actor.username, "targeting.field_verdict", "candidate_list", str(list_id),
                 household_id=household_id, verdict=verdict, note=note.strip())  # fmt: skip
    session.flush()
    return candidate


def content_hash(session: Session, list_id: int) -> str:
    h = hashlib.sha256()
    rows = session.execute(
        select(Candidate.household_id, Candidate.eligible, Candidate.reason, Candidate.benefit)
        .where(Candidate.list_id == list_id).order_by(Candidate.household_id)
    )  # fmt: skip
    for hid, eligible, reason, benefit in rows:
        h.update(f"{hid}|{int(eligible)}|{reason}|{benefit}\n".encode())
    return h.hexdigest()


def _get(session: Session, list_id: int) -> CandidateList:
    cl = session.get(CandidateList, list_id)
    if cl is None:
        raise TargetingProblem("targeting.list_not_found", list_id=list_id)
    return cl


def submit(session: Session, list_id: int, actor: Actor) -> CandidateList:
    cl = _get(session, list_id)
    if not role_can(actor.role, "lists.submit"):
        raise TargetingProblem("auth.forbidden")
    if cl.status != "draft":
        raise TargetingProblem("targeting.wrong_status", status=cl.status, expected="draft")
    budget = session.scalar(select(ProgramRecord.budget_cap).where(
        ProgramRecord.code == cl.program_code))  # fmt: skip
    if budget is not None and cl.total_benefit > budget:
        raise TargetingProblem("targeting.over_budget", total=cl.total_benefit, cap=budget)
    cl.status, cl.submitted_by, cl.submitted_at = "submitted", actor.username, now()
    cl.content_hash = content_hash(session, cl.id)
    audit.record(session, actor.username, "targeting.list_submitted", "candidate_list",
                 str(cl.id), content_hash=cl.content_hash)  # fmt: skip
    return cl


def decide(
    session: Session, list_id: int, actor: Actor, *, approve: bool, reason: str
) -> CandidateList:
    """Approve or reject a submitted list. Nobody decides on their own submission."""
    cl = _get(session, list_id)
    if not role_can(actor.role, "lists.decide"):
        raise TargetingProblem("auth.forbidden")
    if cl.status != "submitted":
        raise TargetingProblem("targeting.wrong_status", status=cl.status, expected="submitted")
    if actor.username == cl.submitted_by:
        raise TargetingProblem("targeting.own_submission")
    if not reason.strip():
        raise TargetingProblem("targeting.reason_required")
    if content_hash(session, cl.id) != cl.content_hash:
        raise TargetingProblem("targeting.changed_after_submission")
    cl.status = "approved" if approve else "rejected"
    cl.decided_by, cl.decided_at, cl.decision_reason = actor.username, now(), reason.strip()
    audit.record(session, actor.username, f"targeting.list_{cl.status}", "candidate_list",
                 str(cl.id), reason=reason.strip(), content_hash=cl.content_hash)  # fmt: skip
    return cl


def summary(
    session: Session, list_id: int, *, level: str = "regency"
) -> list[tuple[str, str, int, int]]:
    """(region code, reason or "" for eligible, households, total benefit), by regency (or by
    province with ``level="province"``)."""
    regency = func.substr(Candidate.region_code, 1, 2 if level == "province" else 4)
    total = func.coalesce(func.sum(Candidate.benefit), 0)
    query = (
        select(regency, Candidate.reason, func.count(), total)
        .where(Candidate.list_id == list_id)
        .group_by(regency, Candidate.reason)
        .order_by(regency, Candidate.reason)
    )
    return [(str(r), str(reason), int(n), int(t)) for r, reason, n, t in session.execute(query)]


def approved_list(session: Session, program_code: str, period: str) -> CandidateList:
    """The approved list of a program for a period (what a disbursement cycle pays)."""
    found = session.scalars(
        select(CandidateList)
        .where(CandidateList.program_code == program_code, CandidateList.period == period,
               CandidateList.status == "approved")
        .order_by(CandidateList.id.desc())
    ).first()  # fmt: skip
    if found is None:
        raise TargetingProblem("targeting.no_approved_list", program=program_code, period=period)
    return found


def eligible_of(list_id: int) -> Select[int, int]:
    """(household id, benefit) of every eligible household of a list, as SQL to build on."""
    return select(Candidate.household_id, Candidate.benefit).where(
        Candidate.list_id == list_id, Candidate.eligible.is_(True)
    )


__all__ = [
    "Actor", "CandidateList", "approved_list", "build_list", "decide", "eligible_of",
    "record_verdict", "submit", "summary",
]  # fmt: skip
