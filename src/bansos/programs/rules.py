"""Eligibility rules: expressions over household attributes, checked when a program is loaded.

Evaluated by ``rule-engine`` (a small typed expression language with its own grammar), never
by Python ``eval``: a rule can only read the attributes it is given, and a rule naming an
unknown attribute, or comparing a number with text, is refused when it is compiled.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import rule_engine

from bansos.core.errors import Problem
from bansos.programs.attributes import Attribute

_TYPES = {
    "int": rule_engine.DataType.FLOAT,  # rule-engine's numbers are all FLOAT
    "bool": rule_engine.DataType.BOOLEAN,
    "text": rule_engine.DataType.STRING,
    "date": rule_engine.DataType.STRING,  # ISO dates compare correctly as text
}


class RuleProblem(Problem):
    pass


@dataclass(frozen=True)
class CompiledRule:
    text: str
    names: frozenset[str]
    _rule: rule_engine.Rule

    def matches(self, facts: Mapping[str, Any]) -> bool | None:
        """True or False; None when a fact the rule needs is unknown (no social data yet)."""
        if any(facts.get(n) is None for n in self.names):
            return None
        try:
            return bool(self._rule.matches(dict(facts)))
        except rule_engine.EngineError:
            return None


def compile_rule(text: str, known: Mapping[str, Attribute], *, field: str) -> CompiledRule:
    """Parse and type-check ``text``; ``field`` names where it came from, for the error."""
    resolver = rule_engine.type_resolver_from_dict({n: _TYPES[a.kind] for n, a in known.items()})
    context = rule_engine.Context(type_resolver=resolver)
    try:
        rule = rule_engine.Rule(text, context=context)
    except rule_engine.SymbolResolutionError as exc:
        raise RuleProblem("program.rule_unknown_attribute", field=field,
                          attribute=exc.symbol_name) from None  # fmt: skip
    except rule_engine.RuleSyntaxError as exc:
        raise RuleProblem("program.rule_syntax", field=field, detail=exc.message) from None
    except rule_engine.EngineError as exc:
        raise RuleProblem("program.rule_type", field=field, detail=exc.message) from None
    names = frozenset(n for n in known if _mentions(text, n))
    return CompiledRule(text, names, rule)


def _mentions(text: str, name: str) -> bool:
    return re.search(rf"(?<![\w$]){re.escape(name)}(?!\w)", text) is not None
