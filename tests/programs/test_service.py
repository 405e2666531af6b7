"""Storing programs: versions, audit, exclusions that must not form a cycle (both engines)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bansos.programs import service as programs
from bansos.programs.definition import ProgramProblem, read_file
from bansos.programs.models import ProgramRecord
from bansos.transparency.models import AuditEvent

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def sembako(**changes: Any) -> dict[str, Any]:
    data = read_file(EXAMPLES / "sembako.toml")
    data.update(changes)
    return data


def test_load_creates_then_versions_and_audits(db: Session) -> None:
    first = programs.load(db, sembako(), "siti")
    assert (first.status, first.record.version) == ("created", 1)
    assert programs.load(db, sembako(), "siti").status == "unchanged"
    second = programs.load(db, sembako(benefit={"amount": 225_000}), "budi")
    assert (second.status, second.record.version, second.record.updated_by) == (
        "updated", 2, "budi"
    )  # fmt: skip
    assert programs.get(db, "SEMBAKO").benefit({}) == 225_000
    events = db.scalars(select(AuditEvent).where(AuditEvent.object_id == "SEMBAKO")
                        .order_by(AuditEvent.id)).all()  # fmt: skip
    assert [(e.action, e.details["version"]) for e in events] == [
        ("programs.created", 1), ("programs.updated", 2)
    ]  # fmt: skip
    assert events[1].details["definition"]["benefit"]["amount"] == 225_000


def test_exclusions_must_exist_and_never_cycle(db: Session) -> None:
    with pytest.raises(ProgramProblem) as caught:
        programs.load(db, sembako(excludes=["PKH"]), "siti")
    assert caught.value.code == "program.excludes_unknown"
    programs.load(db, read_file(EXAMPLES / "pkh.yaml"), "siti")
    programs.load(db, sembako(excludes=["PKH"]), "siti")  # Sembako yields to PKH
    pkh = read_file(EXAMPLES / "pkh.yaml")
    pkh["excludes"] = ["SEMBAKO"]
    with pytest.raises(ProgramProblem) as cycle:
        programs.load(db, pkh, "siti")
    assert cycle.value.code == "program.exclusion_cycle"
    assert cycle.value.params["cycle"] == "PKH -> SEMBAKO -> PKH"
    stored = db.scalars(select(ProgramRecord).where(ProgramRecord.code == "PKH")).one()
    assert stored.definition["excludes"] == []  # the refused version changed nothing


def test_unknown_program(db: Session) -> None:
    with pytest.raises(ProgramProblem) as caught:
        programs.get(db, "NOPE")
    assert caught.value.code == "program.not_found"
