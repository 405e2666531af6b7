"""Candidate lists: reasons for every exclusion, and maker-checker approval (both engines)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bansos.core.crypto import FieldCipher
from bansos.programs import service as programs
from bansos.programs.definition import read_file
from bansos.registry import service as registry
from bansos.targeting import service as targeting
from bansos.targeting.models import Candidate, FieldVerdict
from bansos.targeting.service import Actor, TargetingProblem
from bansos.transparency.models import AuditEvent
from tests.registry.factories import kk, person, write_csv

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
OPERATOR = Actor("siti", "operator")
APPROVER = Actor("budi", "approver")


@pytest.fixture
def registries(tmp_path: Path, factory: sessionmaker[Session], cipher: FieldCipher) -> None:
    """Five families: poor (eligible), rich, a civil servant's, one without social data, and
    one whose only member has died."""
    civil = [
        person(1, kk_serial=1),
        person(2, kk_serial=1, relationship="child", born=date(2021, 1, 1)),
        person(3, kk_serial=2),
        person(4, kk_serial=3) | {"occupation": "PEGAWAI NEGERI SIPIL (PNS)"},
        person(5, kk_serial=4),
        person(6, kk_serial=5, born=date(1940, 1, 1)) | {"death_date": "2026-06-01"},
    ]
    opts = registry.ImportOptions("t", tmp_path / "r.csv", tmp_path / "w.csv",
                                  today=date(2026, 11, 28))  # fmt: skip
    registry.import_civil(factory, write_csv(tmp_path / "civil.csv", civil), cipher, opts)
    deciles = {1: "2", 2: "9", 3: "1", 5: "1"}
    social = [{"kk_number": kk(n), "welfare_decile": d} for n, d in deciles.items()]
    path = write_csv(tmp_path / "social.csv", social, ["kk_number", "welfare_decile"])
    registry.import_social(factory, path, cipher, opts)


def load(db: Session, name: str = "sembako.toml", **changes: Any) -> None:
    data = read_file(EXAMPLES / name)
    data.update(changes)
    programs.load(db, data, "siti")


def reasons(db: Session, list_id: int) -> list[str]:
    query = select(Candidate.reason).where(Candidate.list_id == list_id)
    return sorted(db.scalars(query.order_by(Candidate.household_id)))


@pytest.mark.usefixtures("registries")
def test_every_household_gets_a_benefit_or_a_reason(db: Session) -> None:
    load(db)
    cl = targeting.build_list(db, "SEMBAKO", "2026-12", OPERATOR)
    assert (cl.eligible_count, cl.excluded_count, cl.total_benefit) == (1, 4, 200_000)
    assert reasons(db, cl.id) == ["", "excluded.civil_servant", "excluded.data_missing",
                                  "excluded.deceased", "excluded.not_eligible"]  # fmt: skip
    summary = targeting.summary(db, cl.id)
    assert ("3403", "", 1, 200_000) in summary
    assert sum(n for _, _, n, _ in summary) == 5


@pytest.mark.usefixtures("registries")
def test_maker_checker(db: Session) -> None:
    load(db)
    cl = targeting.build_list(db, "SEMBAKO", "2026-12", OPERATOR)
    with pytest.raises(TargetingProblem) as early:
        targeting.decide(db, cl.id, APPROVER, approve=True, reason="ok")
    assert early.value.code == "targeting.wrong_status"
    with pytest.raises(TargetingProblem) as not_operator:
        targeting.submit(db, cl.id, APPROVER)
    assert not_operator.value.code == "auth.forbidden"
    for role in ("admin", "auditor", "approver"):
        with pytest.raises(TargetingProblem) as cannot_build:
            targeting.build_list(db, "SEMBAKO", "2026-12", Actor("x", role))
        assert cannot_build.value.code == "auth.forbidden"
    targeting.submit(db, cl.id, OPERATOR)
    assert len(cl.content_hash) == 64
    for actor, code in [(Actor("siti", "approver"), "targeting.own_submission"),
                        (Actor("rina", "operator"), "auth.forbidden")]:  # fmt: skip
        with pytest.raises(TargetingProblem) as refused:
            targeting.decide(db, cl.id, actor, approve=True, reason="ok")
        assert refused.value.code == code
    with pytest.raises(TargetingProblem) as no_reason:
        targeting.decide(db, cl.id, APPROVER, approve=True, reason="  ")
    assert no_reason.value.code == "targeting.reason_required"
    targeting.decide(db, cl.id, APPROVER, approve=True, reason="Sesuai hasil verifikasi")
    assert (cl.status, cl.decided_by) == ("approved", "budi")
    actions = db.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "candidate_list", AuditEvent.object_id == str(cl.id)
    ).order_by(AuditEvent.id)).all()  # fmt: skip
    assert actions == ["targeting.list_built", "targeting.list_submitted",
                       "targeting.list_approved"]  # fmt: skip


@pytest.mark.usefixtures("registries")
def test_a_list_changed_after_submission_cannot_be_approved(db: Session) -> None:
    load(db)
    cl = targeting.build_list(db, "SEMBAKO", "2026-12", OPERATOR)
    targeting.submit(db, cl.id, OPERATOR)
    db.execute(update(Candidate).where(Candidate.list_id == cl.id, Candidate.eligible.is_(True))
               .values(benefit=2_000_000))  # fmt: skip
    with pytest.raises(TargetingProblem) as caught:
        targeting.decide(db, cl.id, APPROVER, approve=True, reason="ok")
    assert caught.value.code == "targeting.changed_after_submission"
    assert cl.status == "submitted"


@pytest.mark.usefixtures("registries")
def test_over_budget_lists_cannot_be_submitted(db: Session) -> None:
    load(db, budget_cap=100_000)
    cl = targeting.build_list(db, "SEMBAKO", "2026-12", OPERATOR)
    with pytest.raises(TargetingProblem) as caught:
        targeting.submit(db, cl.id, OPERATOR)
    assert caught.value.code == "targeting.over_budget"


@pytest.mark.usefixtures("registries")
def test_beneficiaries_of_a_preceding_program_are_excluded(db: Session) -> None:
    load(db, code="BANTUAN_A", excludes=[])
    first = targeting.build_list(db, "BANTUAN_A", "2026-12", OPERATOR)
    targeting.submit(db, first.id, OPERATOR)
    targeting.decide(db, first.id, APPROVER, approve=True, reason="ok")
    load(db, excludes=["BANTUAN_A"])
    second = targeting.build_list(db, "SEMBAKO", "2026-12", OPERATOR)
    assert second.eligible_count == 0
    assert "excluded.other_program" in reasons(db, second.id)
    other_month = targeting.build_list(db, "SEMBAKO", "2027-01", OPERATOR)
    assert other_month.eligible_count == 1


@pytest.mark.parametrize("period", ["2026-13", "2026/12", "26-12", ""])
def test_period_format(period: str) -> None:
    with pytest.raises(TargetingProblem) as caught:
        targeting.period_start(period)
    assert caught.value.code == "targeting.period_format"


@pytest.mark.usefixtures("registries")
def test_field_verdicts_change_a_draft_list_and_are_kept(db: Session, cipher: FieldCipher) -> None:
    load(db)
    cl = targeting.build_list(db, "SEMBAKO", "2026-12", OPERATOR)
    eligible = registry.household_by_kk(db, cipher, kk(1))
    assert eligible is not None
    targeting.record_verdict(db, cl.id, eligible, "verified", "Rumah dikunjungi", OPERATOR)
    assert (cl.eligible_count, cl.total_benefit) == (1, 200_000)
    moved = targeting.record_verdict(db, cl.id, eligible, "moved", "Pindah ke Jakarta", OPERATOR)
    assert (moved.eligible, moved.reason, moved.benefit) == (False, "excluded.field_moved", 0)
    assert (cl.eligible_count, cl.excluded_count, cl.total_benefit) == (0, 5, 0)
    history = db.scalars(select(FieldVerdict.verdict).where(FieldVerdict.candidate_id == moved.id)
                         .order_by(FieldVerdict.id)).all()  # fmt: skip
    assert history == ["verified", "moved"]
    back = targeting.record_verdict(db, cl.id, eligible, "verified", "Salah alamat", OPERATOR)
    assert (back.eligible, back.reason, back.benefit) == (True, "", 200_000)
    assert (cl.eligible_count, cl.excluded_count, cl.total_benefit) == (1, 4, 200_000)
    still_rich = registry.household_by_kk(db, cipher, kk(2))
    assert still_rich is not None
    rich = targeting.record_verdict(db, cl.id, still_rich, "verified", "", OPERATOR)
    assert (rich.eligible, rich.reason) == (False, "excluded.not_eligible")
    for args, code in [
        ((cl.id, eligible, "maybe", "", OPERATOR), "targeting.verdict_unknown"),
        ((cl.id, eligible, "moved", "", APPROVER), "auth.forbidden"),
        ((cl.id, 999_999, "moved", "", OPERATOR), "targeting.not_on_list"),
    ]:
        with pytest.raises(TargetingProblem) as caught:
            targeting.record_verdict(db, *args)  # type: ignore[arg-type]
        assert caught.value.code == code
    targeting.record_verdict(db, cl.id, eligible, "deceased", "", OPERATOR)
    assert cl.eligible_count == 0
    targeting.submit(db, cl.id, OPERATOR)
    with pytest.raises(TargetingProblem) as frozen:
        targeting.record_verdict(db, cl.id, eligible, "verified", "", OPERATOR)
    assert frozen.value.code == "targeting.wrong_status"


@pytest.mark.usefixtures("registries")
def test_a_field_officer_records_verdicts_but_builds_and_submits_nothing(
    db: Session, cipher: FieldCipher
) -> None:
    officer = Actor("asep", "field_officer")
    load(db)
    with pytest.raises(TargetingProblem) as caught:
        targeting.build_list(db, "SEMBAKO", "2026-12", officer)
    assert caught.value.code == "auth.forbidden"
    cl = targeting.build_list(db, "SEMBAKO", "2026-12", OPERATOR)
    household = registry.household_by_kk(db, cipher, kk(1))
    assert household is not None
    found = targeting.record_verdict(db, cl.id, household, "not_found", "Rumah kosong", officer)
    assert found.reason == "excluded.field_not_found"
    with pytest.raises(TargetingProblem) as caught:
        targeting.submit(db, cl.id, officer)
    assert caught.value.code == "auth.forbidden"


@pytest.mark.usefixtures("registries")
def test_a_program_area_excludes_households_living_elsewhere(db: Session) -> None:
    load(db, area=["3204"])  # Kab. Bandung; the registries are in Gunungkidul (3403)
    cl = targeting.build_list(db, "SEMBAKO", "2026-12", OPERATOR)
    assert set(reasons(db, cl.id)) == {"excluded.out_of_area", "excluded.deceased"}
    assert cl.eligible_count == 0


def test_a_malformed_area_is_refused_with_its_field() -> None:
    from bansos.programs.definition import ProgramProblem, parse

    data = read_file(EXAMPLES / "sembako.toml") | {"area": ["34", "3403011"]}
    with pytest.raises(ProgramProblem) as caught:
        parse(data)
    assert caught.value.errors[0]["field"] == "area.1"
    assert caught.value.errors[0]["code"] == "program.area_format"
