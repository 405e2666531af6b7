"""Program use cases: load (create or new version), list, get; exclusions stay acyclic."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bansos.core.cache import Expiring
from bansos.core.clock import now
from bansos.db import database_of
from bansos.programs.definition import Program, ProgramProblem, Restrictions, parse
from bansos.programs.models import ProgramRecord
from bansos.registry.models import HouseholdAttributeDef
from bansos.transparency import service as audit


@dataclass(frozen=True)
class LoadResult:
    record: ProgramRecord
    status: str  # created, updated, unchanged


def social_attribute_types(session: Session) -> dict[str, str]:
    return {d.name: d.type for d in session.scalars(select(HouseholdAttributeDef))}


def validate(session: Session, data: Mapping[str, Any]) -> Program:
    """A program checked against the attributes this installation knows, and against the
    programs already loaded (exclusions must name existing programs and never form a cycle:
    otherwise nobody could say which program a household belongs to)."""
    program = parse(data, social_attribute_types(session))
    code = program.definition.code
    graph = {r.code: tuple(r.definition.get("excludes", ())) for r in session.scalars(
        select(ProgramRecord))}  # fmt: skip
    missing = [c for c in program.definition.excludes if c not in graph]
    if missing:
        raise ProgramProblem("program.excludes_unknown", codes=", ".join(missing))
    graph[code] = program.definition.excludes
    cycle = _find_cycle(graph, code)
    if cycle:
        raise ProgramProblem("program.exclusion_cycle", cycle=" -> ".join(cycle))
    return program


def _find_cycle(graph: Mapping[str, tuple[str, ...]], start: str) -> list[str] | None:
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        path.append(node)
        for nxt in graph.get(node, ()):
            found = visit(nxt)
            if found:
                return found
        path.pop()
        return None

    return visit(start)


def load(session: Session, data: Mapping[str, Any], actor: str) -> LoadResult:
    """Create the program, or make the changed definition its next version (audited)."""
    program = validate(session, data)
    _restrictions.clear()
    d = program.definition
    digest = d.digest()
    record = session.scalar(select(ProgramRecord).where(ProgramRecord.code == d.code))
    if record is not None and record.digest == digest:
        return LoadResult(record, "unchanged")
    if record is None:
        record = ProgramRecord(code=d.code, version=1)
        session.add(record)
        status = "created"
    else:
        record.version += 1
        record.updated_at = now()
        status = "updated"
    record.name, record.unit, record.period = d.name, d.unit, d.period
    record.budget_cap, record.definition, record.digest = d.budget_cap, d.canonical(), digest
    record.updated_by = actor
    session.flush()
    audit.record(session, actor, f"programs.{status}", "program", d.code,
                 version=record.version, digest=digest, definition=d.canonical())  # fmt: skip
    return LoadResult(record, status)


def list_programs(session: Session) -> list[ProgramRecord]:
    return list(session.scalars(select(ProgramRecord).order_by(ProgramRecord.code)))


#: How long this process keeps a program's restrictions (every redemption reads them); a
#: program loaded here takes effect at once, one loaded by another process within this.
RESTRICTIONS_SECONDS = 5.0
_restrictions: Expiring[tuple[str, str], Restrictions] = Expiring(RESTRICTIONS_SECONDS)


def restrictions(session: Session, code: str) -> Restrictions:
    """What the program's money may buy, without compiling its rule (the redemption path)."""
    where = (database_of(session), code)
    found = _restrictions.get(where)
    if found is None:
        stored = session.scalar(select(ProgramRecord.definition).where(ProgramRecord.code == code))
        if stored is None:
            raise ProgramProblem("program.not_found", program=code)
        parsed = Restrictions.model_validate(stored.get("restrictions", {}))
        found = _restrictions.put(where, parsed)
    return found


def name_of(session: Session, code: str) -> str:
    name = session.scalar(select(ProgramRecord.name).where(ProgramRecord.code == code))
    if name is None:
        raise ProgramProblem("program.not_found", program=code)
    return name


def get(session: Session, code: str) -> Program:
    """The stored program, compiled (raises ``program.not_found``)."""
    record = session.scalar(select(ProgramRecord).where(ProgramRecord.code == code))
    if record is None:
        raise ProgramProblem("program.not_found", program=code)
    return parse(record.definition, social_attribute_types(session))
