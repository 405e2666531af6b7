"""Household facts derived from the registries, as of a date (both engines)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from bansos.core.crypto import FieldCipher
from bansos.programs.definition import parse, read_file
from bansos.registry import service as registry
from bansos.targeting.facts import Member, age_on, household_facts, is_state_payroll, iter_facts
from tests.registry.factories import OTHER_DISTRICT, kk, person, write_csv

ON = date(2026, 12, 1)
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_age_on_birthdays() -> None:
    assert age_on(date(2020, 12, 1), ON) == 6
    assert age_on(date(2020, 12, 2), ON) == 5
    assert age_on(date(2000, 2, 29), date(2026, 2, 28)) == 25


def m(born: date, rel: str = "child", job: str = "", died: date | None = None) -> Member:
    return Member(0, born, "F", rel, job, died)


def test_facts_count_living_members_by_age() -> None:
    members = [
        m(date(1980, 1, 1), "head", "PETANI/PEKEBUN"),
        m(date(1960, 1, 1), "parent", died=date(2026, 11, 30)),  # died before the period
        m(date(1950, 6, 1), "parent"),
        m(date(2023, 1, 1)), m(date(2016, 5, 5)), m(date(2012, 1, 1)), m(date(2009, 1, 1)),
    ]  # fmt: skip
    facts = household_facts("340301", 3, {"monthly_income": 900_000}, members, ON)
    assert facts["member_count"] == 6
    assert (facts["children_under_6"], facts["children_7_12"], facts["children_13_15"],
            facts["children_16_18"], facts["elderly_members"]) == (1, 1, 1, 1, 1)  # fmt: skip
    assert (facts["head_age"], facts["regency_code"], facts["province_code"]) == (46, "3403", "34")
    assert facts["monthly_income"] == 900_000 and facts["welfare_decile"] == 3
    assert facts["any_member_is_civil_servant"] is False
    assert facts["all_members_deceased"] is False


def test_state_payroll_matches_whole_words_only() -> None:
    assert is_state_payroll("KEPOLISIAN RI (POLRI)") and is_state_payroll("Pegawai Negeri Sipil")
    assert not is_state_payroll("PETANI/PEKEBUN") and not is_state_payroll("BURUH TANI")
    assert not is_state_payroll("PENTNIK")  # not the word TNI


def test_civil_servants_and_dead_households() -> None:
    pns = household_facts("340301", 2, {}, [m(date(1980, 1, 1), "head", "PEGAWAI NEGERI SIPIL")],
                          ON)  # fmt: skip
    assert pns["any_member_is_civil_servant"] is True
    gone = household_facts("340301", 2, {}, [m(date(1940, 1, 1), "head", died=date(2025, 1, 1))],
                           ON)  # fmt: skip
    assert gone["all_members_deceased"] is True and gone["head_age"] is None
    sembako = parse(read_file(EXAMPLES / "sembako.toml"))
    assert sembako.rule.matches(pns) is False and sembako.rule.matches(gone) is False


def test_iter_facts_from_the_registries(
    tmp_path: Path, factory: sessionmaker[Session], db: Session, cipher: FieldCipher
) -> None:
    rows = [
        person(1, kk_serial=1),
        person(2, kk_serial=1, relationship="child", born=date(2022, 3, 3)),
        person(3, kk_serial=2, region=OTHER_DISTRICT),
    ]
    opts = registry.ImportOptions("t", tmp_path / "r.csv", tmp_path / "w.csv", today=ON)
    registry.import_civil(factory, write_csv(tmp_path / "civil.csv", rows), cipher, opts)
    social = write_csv(tmp_path / "social.csv", [{"kk_number": kk(1), "welfare_decile": "2"}],
                       ["kk_number", "welfare_decile"])  # fmt: skip
    registry.import_social(factory, social, cipher, opts)
    facts = [f for _, f in iter_facts(db, ON, batch=1)]
    assert [(f["region_code"], f["member_count"], f["children_under_6"], f["welfare_decile"])
            for f in facts] == [("340301", 2, 1, 2), (OTHER_DISTRICT, 1, 0, None)]  # fmt: skip
    only = [f["region_code"] for _, f in iter_facts(db, ON, region_prefix="3204")]
    assert only == [OTHER_DISTRICT]
