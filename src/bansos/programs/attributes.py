"""The attributes eligibility rules and benefit components may name, with their types.

A rule is checked against this catalogue when a program is loaded, so that a misspelt or
unknown attribute fails then, with its name, instead of in the middle of a targeting run.
Household attributes come from the civil registry (derived from the members) and the social
registry (declared or inferred column types, see ``registry.social``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Kind = Literal["int", "bool", "text", "date"]


@dataclass(frozen=True)
class Attribute:
    name: str
    kind: Kind
    description: str
    #: A count of members, usable as ``per`` in a benefit component.
    is_count: bool = False


def _count(name: str, description: str) -> Attribute:
    return Attribute(name, "int", description, is_count=True)


#: Derived from the civil registry: the household's living members and its head.
CIVIL: tuple[Attribute, ...] = (
    _count("member_count", "living members of the family card (KK)"),
    _count("children_under_6", "members under 6 years (anak usia dini)"),
    _count("children_7_12", "members aged 7-12 (school age: SD)"),
    _count("children_13_15", "members aged 13-15 (SMP)"),
    _count("children_16_18", "members aged 16-18 (SMA)"),
    _count("elderly_members", "members aged 60 or more (lansia)"),
    Attribute("head_age", "int", "age of the head of the family in whole years"),
    Attribute("head_sex", "text", "sex of the head: 'M' or 'F'"),
    Attribute(
        "any_member_is_civil_servant",
        "bool",
        "a member works as PNS, TNI, POLRI or in a state enterprise",
    ),
    Attribute("all_members_deceased", "bool", "every member of the KK has died"),
    Attribute("region_code", "text", "district (kecamatan) code of the household"),
    Attribute("regency_code", "text", "regency/city code (4 digits)"),
    Attribute("province_code", "text", "province code (2 digits)"),
)

#: From the social registry; more columns may be declared there (household_attribute_defs).
SOCIAL: tuple[Attribute, ...] = (
    Attribute("welfare_decile", "int", "welfare decile 1 (poorest) to 10"),
    Attribute("monthly_income", "int", "household income per month, rupiah"),
    Attribute("has_disabled_member", "bool", "a member lives with a disability"),
    Attribute("has_elderly_member", "bool", "a member is elderly (social registry's own flag)"),
    Attribute("house_floor_area_m2", "int", "floor area of the dwelling, m²"),
    Attribute("roof_type", "text", "roof material"),
    _count("pregnant_members", "pregnant members (ibu hamil), from the social registry"),
    _count("disabled_members", "members with a severe disability, from the social registry"),
)


def catalogue(extra: Mapping[str, str] | None = None) -> dict[str, Attribute]:
    """All known attributes; ``extra`` adds social-registry columns by name and type."""
    found = {a.name: a for a in (*CIVIL, *SOCIAL)}
    for name, kind in (extra or {}).items():
        if name not in found and kind in ("int", "bool", "text", "date"):
            found[name] = Attribute(name, kind, "social registry column")  # type: ignore[arg-type]
    return found
