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
from bansos.merchants import service as merchants
from bansos.payments import demokit
from bansos.programs import cycles
from bansos.programs import service as programs
from bansos.programs.definition import read_file
from bansos.registry import service as registry
from bansos.registry.synth import generate
from bansos.runtime import Runtime
from bansos.targeting import matches
from bansos.targeting import service as targeting
from bansos.vouchers import card
from bansos.vouchers import service as vouchers
from bansos.vouchers.qris import build_static

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
#: The demo's partner shop and its cashier (role merchant).
SHOP_USER = ("kasir", "demo-kasir-2026")
DEMO_NMID = "ID1020026123457"
CARDS = 20  # PKH households given a QR card (the first three also as PNG files)


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
        _shops_and_cards(rt, out_dir)
        _payment_rails(rt, out_dir)
    with unit_of_work(rt.factory) as session:
        # The villages' proposals matched to the registry: a review queue for the field officer.
        matches.run_match(session, rt.cipher, out_dir / "proposals.csv",
                          targeting.Actor("operator", "operator"),
                          out_path=out_dir / "proposals.resolved.csv",
                          rejects_path=out_dir / "proposals.rejects.csv")  # fmt: skip
    return DemoResult(True, after["people"], after["households"])


def _shops_and_cards(rt: Runtime, out_dir: Path) -> None:
    """An approved e-warong with a cashier login and a QRIS sticker, a warung waiting for the
    approver, and QR cards for the first PKH households (printable PNGs in ``out_dir/cards``)."""
    operator = targeting.Actor("operator", "operator")
    approver = targeting.Actor("approver", "approver")
    with unit_of_work(rt.factory) as session:
        shop = merchants.onboard(session, merchants.MerchantIn(
            name="E-Warong Sejahtera", owner_name="Sri Wahyuni", kind="e_warong",
            region_code="340301", address="Jl. Wonosari-Yogyakarta km 1, Wonosari",
            bank_code="BRI", bank_account="012301000123501", bank_account_name="Sri Wahyuni",
            categories={"SEMBAKO": ["beras", "telur", "daging", "ikan", "sayur", "buah",
                                    "kacang"], "PKH": []},
            nmid=DEMO_NMID), operator)  # fmt: skip
        merchants.decide(session, shop.id, approver, approve=True, reason="Survei lapangan")
        merchants.add_staff(session, shop.id, SHOP_USER[0], SHOP_USER[1], "Kasir e-warong",
                            operator)  # fmt: skip
        merchants.onboard(session, merchants.MerchantIn(
            name="Warung Bu Tini", owner_name="Tini Rahayu", kind="warung",
            region_code="340301", address="Dusun Gadungsari RT 02, Wonosari", bank_code="BPD DIY",
            bank_account="001221004455", bank_account_name="Tini Rahayu",
            categories={"SEMBAKO": ["beras", "telur", "sayur"]}), operator)  # fmt: skip
        vouchers.ensure_keys(session, rt.cipher, "demo")
        households = vouchers.households_with_wallets(session, "PKH", limit=CARDS)
        issued = [vouchers.issue_credential(session, rt.cipher, hh, operator).id
                  for hh in households]  # fmt: skip
    (out_dir / "qris-e-warong-sejahtera.txt").write_text(
        build_static(DEMO_NMID, "E-Warong Sejahtera", "Gunungkidul") + "\n", encoding="utf-8"
    )
    cards = out_dir / "cards"
    cards.mkdir(exist_ok=True)
    with unit_of_work(rt.factory) as session:
        for credential_id in issued[:3]:
            data = vouchers.card_data(session, credential_id)
            (cards / f"{data.card_id}.png").write_bytes(card.render_png(data, dpi=200))


def _payment_rails(rt: Runtime, out_dir: Path) -> None:
    """A simulated bank and e-wallet (``bansos sim-bank``, started by ``make run``) holding
    accounts in the names of two PKH households' heads, and our providers file for them:
    ``out_dir/payments/README.txt`` says how to pay them (after the PKH cycle is disbursed)."""
    with unit_of_work(rt.factory) as session:
        households = vouchers.households_with_wallets(session, "PKH", limit=2)
        names = [registry.account_holder_names(session, hh)[0] for hh in households]
    accounts = [
        demokit.DemoAccount(households[0], "wallet", "081200000001", names[0].upper()),
        demokit.DemoAccount(households[1], "bank", "1200000002", names[1].upper()),
    ]
    demokit.write(out_dir / "payments", accounts)
