"""Program definitions: read from TOML or YAML, validated field by field, and computed on.

A program says who is eligible (a rule over household attributes), what each unit receives (a
fixed amount, or components per member with caps, as PKH pays), what the money may be spent on,
its budget cap per period, and which programs it yields to. Amounts are whole rupiah.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, model_validator

from bansos.core.errors import Problem
from bansos.programs.attributes import Attribute, catalogue
from bansos.programs.rules import CompiledRule, compile_rule

Rupiah = Annotated[StrictInt, Field(gt=0, le=10**15)]
Code = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{1,31}$")]


class ProgramProblem(Problem):
    """A program file that cannot be accepted; ``errors`` lists every field at fault."""

    def __init__(self, code: str, errors: list[dict[str, str]] | None = None, **params: object):
        super().__init__(code, **params)
        self.errors = errors or []


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Component(_Strict):
    """So much per member counted by ``per`` (e.g. per child under 6)."""

    name: Annotated[str, Field(min_length=1, max_length=60)]
    per: str
    amount: Rupiah


class Benefit(_Strict):
    #: A fixed amount per unit; or components per member (then ``amount`` is absent).
    amount: Rupiah | None = None
    components: tuple[Component, ...] = ()
    #: At most this many members are paid for (PKH pays for up to four).
    max_members: Annotated[StrictInt, Field(gt=0, le=50)] | None = None
    #: At most this much per household and period.
    household_cap: Rupiah | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Benefit:
        if (self.amount is None) == (not self.components):
            raise ValueError("give either a fixed 'amount' or 'components', not both or neither")
        return self


class Restrictions(_Strict):
    #: Spending categories the money may buy (empty: anything, e.g. a cash transfer).
    categories: tuple[Annotated[str, Field(min_length=1, max_length=40)], ...] = ()
    #: Unspent money returns to the program pool after this many months.
    expiry_months: Annotated[StrictInt, Field(gt=0, le=36)] | None = None


class ProgramDefinition(_Strict):
    code: Code
    name: Annotated[str, Field(min_length=3, max_length=120)]
    unit: Literal["household", "person"]
    period: Literal["monthly", "quarterly", "one_off"]
    eligibility: Annotated[str, Field(min_length=1, max_length=2000)]
    benefit: Benefit
    budget_cap: Rupiah
    restrictions: Restrictions = Restrictions()
    #: Codes of programs this one yields to: their beneficiaries are excluded from this one.
    excludes: tuple[Code, ...] = ()
    #: Where the program runs: region code prefixes (2 digits a province, 4 a regency, 6 a
    #: district). Empty: the whole country. Households living elsewhere are excluded.
    area: tuple[Annotated[str, Field(pattern=r"^(\d{2}|\d{4}|\d{6})$")], ...] = ()
    description: Annotated[str, Field(max_length=2000)] = ""

    def canonical(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        if not data["area"]:
            del data["area"]  # digests of programs loaded before ``area`` existed stay the same
        return data

    def in_area(self, region_code: str) -> bool:
        return not self.area or region_code.startswith(self.area)

    def digest(self) -> str:
        text = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


class Program:
    """A validated definition with its rule compiled against the attribute catalogue."""

    def __init__(self, definition: ProgramDefinition, known: Mapping[str, Attribute]) -> None:
        self.definition = definition
        self.rule: CompiledRule = compile_rule(definition.eligibility, known, field="eligibility")
        for i, component in enumerate(definition.benefit.components):
            attribute = known.get(component.per)
            if attribute is None or not attribute.is_count:
                raise ProgramProblem("program.component_per", field=f"benefit.components.{i}.per",
                                     attribute=component.per)  # fmt: skip
        if definition.code in definition.excludes:
            raise ProgramProblem("program.exclusion_cycle", cycle=definition.code)

    def benefit(self, facts: Mapping[str, Any]) -> int:
        """Rupiah for one unit in one period. Components pay the highest amounts first when
        ``max_members`` limits how many members count; ``household_cap`` limits the total."""
        b = self.definition.benefit
        if b.amount is not None:
            total = b.amount
        else:
            slots = b.max_members if b.max_members is not None else 10**6
            total = 0
            for component in sorted(b.components, key=lambda c: -c.amount):
                count = min(int(facts.get(component.per) or 0), slots)
                total += count * component.amount
                slots -= count
        if b.household_cap is not None:
            total = min(total, b.household_cap)
        return total


_CODES = {
    "missing": "program.field_missing",
    "extra_forbidden": "program.field_unknown",
    "int_type": "program.amount_integer",
    "int_from_float": "program.amount_integer",
    "greater_than": "program.amount_positive",
    "less_than_equal": "program.amount_too_large",
    "literal_error": "program.field_choice",
    "string_pattern_mismatch": "program.code_format",
}


def parse(data: Mapping[str, Any], extra_attributes: Mapping[str, str] | None = None) -> Program:
    """Validate a program given as a mapping; every field at fault is listed in the error."""
    try:
        definition = ProgramDefinition.model_validate(dict(data))
    except ValidationError as exc:
        errors = [
            {
                "field": ".".join(str(p) for p in err["loc"]) or "-",
                "code": "program.area_format"
                if err["loc"][:1] == ("area",) and err["type"] == "string_pattern_mismatch"
                else _CODES.get(err["type"], "program.field_invalid"),
                "detail": err["msg"],
            }
            for err in exc.errors()
        ]
        raise ProgramProblem("program.invalid", errors, count=len(errors)) from None
    return Program(definition, catalogue(extra_attributes))


def read_file(path: Path) -> dict[str, Any]:
    """A program file: ``.toml``, or ``.yaml``/``.yml`` (safe loader only)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProgramProblem("program.file_unreadable", path=str(path), detail=str(exc)) from None
    try:
        if path.suffix.lower() == ".toml":
            data: Any = tomllib.loads(text)
        elif path.suffix.lower() in (".yaml", ".yml"):
            data = yaml.safe_load(text)
        else:
            raise ProgramProblem("program.file_format", path=str(path))
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise ProgramProblem("program.file_syntax", path=str(path), detail=str(exc)) from None
    if not isinstance(data, dict):
        raise ProgramProblem("program.file_syntax", path=str(path), detail="not a mapping")
    return data
