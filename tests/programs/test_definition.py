"""Program definitions: validation field by field, safe rules, benefit arithmetic."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bansos.programs.definition import ProgramProblem, parse, read_file
from bansos.programs.rules import RuleProblem

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def sembako(**changes: Any) -> dict[str, Any]:
    data = read_file(EXAMPLES / "sembako.toml")
    data.update(changes)
    return data


def test_examples_load() -> None:
    s = parse(read_file(EXAMPLES / "sembako.toml"))
    assert (s.definition.code, s.definition.unit, s.definition.period) == (
        "SEMBAKO", "household", "monthly"
    )  # fmt: skip
    assert s.definition.restrictions.categories[0] == "beras"
    pkh = parse(read_file(EXAMPLES / "pkh.yaml"))
    assert pkh.definition.benefit.max_members == 4


@pytest.mark.parametrize(
    ("facts", "eligible"),
    [
        ({"welfare_decile": 4, "any_member_is_civil_servant": False,
          "all_members_deceased": False}, True),
        ({"welfare_decile": 5, "any_member_is_civil_servant": False,
          "all_members_deceased": False}, False),
        ({"welfare_decile": 1, "any_member_is_civil_servant": True,
          "all_members_deceased": False}, False),
        ({"welfare_decile": None, "any_member_is_civil_servant": False,
          "all_members_deceased": False}, None),  # no social data: undecided, not guessed
    ],
)  # fmt: skip
def test_sembako_rule(facts: dict[str, Any], eligible: bool | None) -> None:
    assert parse(sembako()).rule.matches(facts) is eligible


def test_pkh_components_pay_the_highest_four_and_respect_the_cap() -> None:
    pkh = parse(read_file(EXAMPLES / "pkh.yaml"))
    facts = {"children_under_6": 2, "children_7_12": 3, "elderly_members": 1,
             "pregnant_members": None}  # fmt: skip
    assert pkh.benefit(facts) == 750_000 * 2 + 600_000 + 225_000
    assert pkh.benefit({"children_13_15": 1}) == 375_000
    capped = read_file(EXAMPLES / "pkh.yaml")
    capped["benefit"]["household_cap"] = 1_000_000
    assert parse(capped).benefit(facts) == 1_000_000
    assert parse(sembako()).benefit({}) == 200_000


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"budget_cap": 1.5}, "budget_cap", "program.amount_integer"),
        ({"budget_cap": -1}, "budget_cap", "program.amount_positive"),
        ({"benefit": {"amount": 200000.5}}, "benefit.amount", "program.amount_integer"),
        ({"benefit": {"amount": 0}}, "benefit.amount", "program.amount_positive"),
        ({"unit": "family"}, "unit", "program.field_choice"),
        ({"code": "sembako"}, "code", "program.code_format"),
        ({"colour": "red"}, "colour", "program.field_unknown"),
        ({"benefit": {}}, "benefit", "program.field_invalid"),
    ],
)
def test_bad_fields_are_named(changes: dict[str, Any], field: str, code: str) -> None:
    with pytest.raises(ProgramProblem) as caught:
        parse(sembako(**changes))
    assert {"field": field, "code": code} in [
        {"field": e["field"], "code": e["code"]} for e in caught.value.errors
    ]


def test_missing_fields_are_all_listed() -> None:
    with pytest.raises(ProgramProblem) as caught:
        parse({"code": "X1"})
    missing = {e["field"] for e in caught.value.errors if e["code"] == "program.field_missing"}
    assert missing == {"name", "unit", "period", "eligibility", "benefit", "budget_cap"}
    assert caught.value.params["count"] == len(caught.value.errors)


@pytest.mark.parametrize(
    ("rule", "code"),
    [
        ("welfare_decil <= 4", "program.rule_unknown_attribute"),
        ("welfare_decile <= ", "program.rule_syntax"),
        ('welfare_decile < "empat"', "program.rule_type"),
        ('__import__("os").system("id")', "program.rule_unknown_attribute"),
    ],
)
def test_rules_are_checked_when_loaded_never_evaluated_as_python(rule: str, code: str) -> None:
    with pytest.raises(RuleProblem) as caught:
        parse(sembako(eligibility=rule))
    assert caught.value.code == code


def test_social_registry_columns_become_attributes() -> None:
    rule = "jumlah_ternak < 3 and welfare_decile <= 4"
    with pytest.raises(RuleProblem):
        parse(sembako(eligibility=rule))
    program = parse(sembako(eligibility=rule), {"jumlah_ternak": "int"})
    assert program.rule.matches({"jumlah_ternak": 2, "welfare_decile": 1}) is True


def test_components_must_count_members() -> None:
    data = read_file(EXAMPLES / "pkh.yaml")
    data["benefit"]["components"][0]["per"] = "welfare_decile"
    with pytest.raises(ProgramProblem) as caught:
        parse(data)
    assert caught.value.code == "program.component_per"


def test_a_program_cannot_exclude_itself() -> None:
    with pytest.raises(ProgramProblem) as caught:
        parse(sembako(excludes=["SEMBAKO"]))
    assert caught.value.code == "program.exclusion_cycle"


@pytest.mark.parametrize(
    ("name", "text", "code"),
    [
        ("p.toml", "code = [unclosed", "program.file_syntax"),
        ("p.yaml", "code: [unclosed", "program.file_syntax"),
        ("p.yaml", "- just\n- a list\n", "program.file_syntax"),
        ("p.json", "{}", "program.file_format"),
    ],
)
def test_unreadable_files(tmp_path: Path, name: str, text: str, code: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProgramProblem) as caught:
        read_file(path)
    assert caught.value.code == code
