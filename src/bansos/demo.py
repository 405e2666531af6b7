"""Demo data for ``make run``: a synthetic population in six real districts, staff logins, the
example programs and a draft Sembako candidate list waiting for maker-checker approval.

Only for a fresh embedded database: it never runs against a database that already has people.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from bansos.auth import service as auth
from bansos.auth.models import User
from bansos.db import unit_of_work
from bansos.programs import cycles
from bansos.programs import service as programs
from bansos.programs.definition import read_file
from bansos.registry import service as registry
from bansos.registry.synth import generate
from bansos.runtime import Runtime
from bansos.targeting import matches
from bansos.targeting import service as targeting

#: Cileunyi (Kab. Bandung), Wonosari (Gunungkidul), Sakra (Lombok Timur), Balige (Toba, Batak
#: names), Sukawati (Gianyar, Balinese names), Mariso (Kota Makassar).
DISTRICTS = ("320405", "340301", "520302", "121201", "510401", "737101")
HOUSEHOLDS = 3000
DEMO_PERIOD = "2026-12"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SEED = 2026
#: Demo logins, printed by ``make run``. Never used outside the demo.
DEMO_USERS = (
    ("admin", "admin", "demo-admin-2026"),
    ("operator", "operator", "demo-operator-2026"),
    ("approver", "approver", "demo-approver-2026"),
    ("auditor", "auditor", "demo-auditor-2026"),
    ("petugas", "field_officer", "demo-petugas-2026"),
)


@dataclass
class DemoResult:
    loaded: bool
    people: int
    households: int


def load(rt: Runtime, out_dir: Path) -> DemoResult:
    with unit_of_work(rt.factory) as session:
        before = registry.totals(session)
    if before["people"]:
        return DemoResult(False, before["people"], before["households"])
    generate(out_dir, households=HOUSEHOLDS, seed=SEED, districts=DISTRICTS)
    opts = registry.ImportOptions(
        actor="demo",
        rejects_path=out_dir / "civil.rejects.csv",
        warnings_path=out_dir / "civil.warnings.csv",
    )
    registry.import_civil(rt.factory, out_dir / "civil.csv", rt.cipher, opts)
    social = registry.ImportOptions(
        actor="demo",
        rejects_path=out_dir / "social.rejects.csv",
        warnings_path=out_dir / "social.warnings.csv",
    )
    registry.import_social(rt.factory, out_dir / "social.csv", rt.cipher, social)
    with unit_of_work(rt.factory) as session:
        for username, role, password in DEMO_USERS:
            if session.scalar(select(User.id).where(User.username == username)) is None:
                auth.create_user(session, username, password, role, full_name=f"Demo {role}")
        after = registry.totals(session)
    if EXAMPLES.is_dir():  # a source checkout (make run); a wheel install has no examples/
        with unit_of_work(rt.factory) as session:
            for name in ("sembako.toml", "pkh.yaml"):
                programs.load(session, read_file(EXAMPLES / name), "demo")
            # A draft list for the operator to submit and the approver to approve.
            operator = targeting.Actor("operator", "operator")
            approver = targeting.Actor("approver", "approver")
            targeting.build_list(session, "SEMBAKO", DEMO_PERIOD, operator)
            # PKH approved, and its cycle computed and submitted: the approver approves it,
            # the operator funds and disburses it (bansos cycles ..., docs: README "Money").
            pkh = targeting.build_list(session, "PKH", DEMO_PERIOD, operator)
            targeting.submit(session, pkh.id, operator)
            targeting.decide(session, pkh.id, approver, approve=True, reason="Demo")
            cycle = cycles.create(session, "PKH", DEMO_PERIOD, operator)
            cycles.compute(session, cycle.id, operator)
            cycles.submit(session, cycle.id, operator)
    with unit_of_work(rt.factory) as session:
        # The villages' proposals matched to the registry: a review queue for the field officer.
        matches.run_match(session, rt.cipher, out_dir / "proposals.csv",
                          targeting.Actor("operator", "operator"),
                          out_path=out_dir / "proposals.resolved.csv",
                          rejects_path=out_dir / "proposals.rejects.csv")  # fmt: skip
    return DemoResult(True, after["people"], after["households"])
