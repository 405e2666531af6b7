"""Deterministic misbehaviour: the failures a payout client must survive, on demand.

Each money-moving request that passed every check draws exactly one number from an RNG seeded
at start (or by ``POST /sim/faults``), so the same seed and the same sequence of requests give
the same faults. The draw walks the rates in a fixed order; their sum must not exceed 1.

* ``timeout``: books the money, then sleeps ``timeout_seconds`` (longer than the client waits)
  before answering success: the client gives up, yet the money moved.
* ``error_5xx``: answers 500xx00 General Error and books nothing.
* ``in_progress``: books as pending and answers 202xx00; the booking succeeds after
  ``in_progress_seconds`` or ``in_progress_queries`` status inquiries (0 disables either).
* ``duplicate``: answers 409xx01 for a fresh reference and books nothing (a provider that
  confuses its own idempotency keys).
* ``drop_after_booking``: books, then closes the connection without any response.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import NoReturn

from bansos.core.errors import Problem

FAULTS = ("timeout", "error_5xx", "in_progress", "duplicate", "drop_after_booking")
_KNOBS = {"timeout_seconds": 30.0, "in_progress_seconds": 5.0, "in_progress_queries": 0}


class FaultPlan:
    def __init__(self, settings: Mapping[str, object] | None = None) -> None:
        self.rates = dict.fromkeys(FAULTS, 0.0)
        self.seed = 0
        self.timeout_seconds = 30.0
        self.in_progress_seconds = 5.0
        self.in_progress_queries = 0
        self.rng = random.Random(self.seed)
        self.draws = 0
        self.update(settings or {})

    def update(self, settings: Mapping[str, object]) -> None:
        """Change some rates or knobs; a ``seed`` restarts the sequence. All or nothing."""
        unknown = set(settings) - set(FAULTS) - set(_KNOBS) - {"seed"}
        if unknown:
            _invalid(f"unknown fault settings {sorted(unknown)}")
        rates = dict(self.rates)
        for name in FAULTS:
            if name in settings:
                rates[name] = _fraction(name, settings[name])
        if sum(rates.values()) > 1.0 + 1e-9:
            _invalid("fault rates add up to more than 1")
        knobs = {k: _non_negative(k, settings.get(k, getattr(self, k))) for k in _KNOBS}
        seed = settings.get("seed", self.seed)
        if isinstance(seed, bool) or not isinstance(seed, int):
            _invalid("seed must be an integer")
        self.rates = rates
        self.timeout_seconds = knobs["timeout_seconds"]
        self.in_progress_seconds = knobs["in_progress_seconds"]
        self.in_progress_queries = int(knobs["in_progress_queries"])
        if "seed" in settings:
            self.seed = seed
            self.rng = random.Random(seed)
            self.draws = 0

    def draw(self) -> str | None:
        """The fault for the next money-moving request, or None to behave."""
        self.draws += 1
        point = self.rng.random()
        for name in FAULTS:
            point -= self.rates[name]
            if point < 0:
                return name
        return None

    def as_dict(self) -> dict[str, object]:
        return {
            **self.rates,
            "seed": self.seed,
            "draws": self.draws,
            "timeout_seconds": self.timeout_seconds,
            "in_progress_seconds": self.in_progress_seconds,
            "in_progress_queries": self.in_progress_queries,
        }


def _fraction(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        _invalid(f"{name} must be a rate between 0 and 1")
    return float(value)


def _non_negative(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        _invalid(f"{name} must be a number >= 0")
    return float(value)


def _invalid(detail: str) -> NoReturn:
    raise Problem("sim.config_invalid", detail=detail)
