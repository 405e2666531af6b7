"""``bansos payments`` end to end on both engines, as an operator uses it, against the SNAP
simulator: channels checked by account inquiry (a mismatch goes to review and a second person
decides), a cycle queued and paid, the payouts shown masked, and clean bilingual errors."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy import select, update

import bansos.all_models  # noqa: F401 - every table known (foreign keys across capabilities)
from bansos.auth import service as auth
from bansos.core.clock import WIB
from bansos.db import make_engine, session_factory, unit_of_work
from bansos.ledger import service as ledger
from bansos.payments.models import Payout, PayoutChannel
from tests.commands import BANSOS, upgraded
from tests.conftest import ENGINES, FreshDatabases
from tests.payments.payout_world import add_people, disbursed_cycle
from tests.payments.sim_world import Keys, account_of, providers_file, sim_config, sim_files
from tests.payments.simulator_proc import running_simulator


@dataclass
class Cli:
    env: dict[str, str]
    providers: Path

    def __call__(self, *args: str, providers: bool = False) -> subprocess.CompletedProcess[str]:
        extra = ["--providers", str(self.providers)] if providers else []
        return subprocess.run([*BANSOS, "payments", *args, *extra], env=self.env, text=True,
                              capture_output=True, timeout=120, check=False)  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("kind", ENGINES)
def test_an_operator_pays_a_cycle_through_the_cli(
    kind: str, tmp_path: Path, fresh_databases: FreshDatabases
) -> None:
    url = fresh_databases.url(kind)
    env = upgraded(tmp_path / "var", url)
    engine = make_engine(url)
    factory = session_factory(engine)
    with unit_of_work(factory) as db:
        auth.create_user(db, "siti", "kata-sandi-yang-panjang", "operator")
        auth.create_user(db, "budi", "kata-sandi-yang-panjang", "approver")
    cycle = disbursed_cycle(factory, 3)
    mother, son, wallet_only = cycle.households
    with unit_of_work(factory) as db:
        add_people(db, mother, [("Bapak Slamet", "head"), ("Hj. Siti Aminah", "spouse")])
        add_people(db, son, [("Sri Wahyuni", "head"), ("Agus Salim", "child")])
    holders = {mother: "SITI AMINAH", son: "AGUS SALIM"}
    keys = Keys.new()
    (tmp_path / "sim").mkdir()
    with running_simulator(tmp_path / "sim", sim_config(cycle.households, {}, holders),
                           sim_files(keys)) as sim:  # fmt: skip
        cli = Cli(env, providers_file(tmp_path / "ours", keys, sim.url))
        channels = {}
        for household in (mother, son):
            provider, number = account_of(household)
            kind_ = "bank" if provider == "bank" else "emoney"
            args = ["channel", "set", str(household), "--program", "SEMBAKO", "--kind", kind_,
                    "--provider", provider, "--account", number, "--user", "siti"]  # fmt: skip
            if kind_ == "bank":
                args += ["--bank-code", "014"]
            made = cli(*args, providers=True)
            assert made.returncode == 0, made.stderr
            assert number not in made.stdout and number[-4:] in made.stdout  # masked
            channels[household] = made.stdout
        assert "status verified" in channels[mother] and "S*** A*****" in channels[mother]
        assert "status review holder name different" in channels[son]
        unknown = cli("channel", "set", str(wallet_only), "--program", "SEMBAKO", "--kind",
                      "emoney", "--provider", "nowhere", "--account", "0811", "--user", "siti",
                      providers=True)  # fmt: skip
        assert unknown.returncode == 1
        assert "Penyedia pembayaran 'nowhere' tidak dikenal" in unknown.stderr
        assert "Unknown payout provider 'nowhere'" in unknown.stderr

        with engine.connect() as conn:
            review = conn.execute(select(PayoutChannel.id).where(
                PayoutChannel.household_id == son)).scalar_one()  # fmt: skip
        listed = cli("channel", "review")
        assert listed.returncode == 0 and "A*** S****" in listed.stdout, listed.stdout
        own = cli("channel", "decide", str(review), "--reason", "ok", "--user", "siti")
        assert own.returncode == 1 and "Your role is not allowed" in own.stderr  # the maker
        decided = cli("channel", "decide", str(review), "--reason", "anak mengurus, dicek",
                      "--user", "budi")  # fmt: skip
        assert decided.returncode == 0 and "status verified" in decided.stdout, decided.stderr

        queued = cli("queue-cycle", str(cycle.id), "--user", "siti")
        assert queued.returncode == 0, queued.stderr
        assert "queued 2, Rp400.000" in queued.stdout and "(wallet): 1" in queued.stdout
        ran = cli("run", "--once", providers=True)
        assert ran.returncode == 0, ran.stderr
        assert "results: confirmed 2" in ran.stdout, ran.stdout
        shown = cli("show")
        assert shown.returncode == 0
        assert f"D{cycle.id}-{mother}" in shown.stdout and "confirmed: 2, Rp400.000" in shown.stdout
        assert all(account_of(h)[1] not in shown.stdout for h in (mother, son))
        # Reconciled against the provider's status API, per rail: both sides agree...
        with engine.connect() as conn:
            sent = conn.execute(select(Payout.sent_at)).scalars().first()
        assert sent is not None
        day = sent.replace(tzinfo=sent.tzinfo or UTC).astimezone(WIB).date().isoformat()
        for name in sorted({account_of(h)[0] for h in (mother, son)}):
            out = tmp_path / f"{name}.json"
            agreed = cli("reconcile", "--date", day, "--provider", name, "--json", str(out),
                         providers=True)  # fmt: skip
            assert agreed.returncode == 0 and "all agree" in agreed.stdout, agreed.stdout
            data = json.loads(out.read_text())
            assert data["ok"] and data["lines"][0]["counts"]["confirmed"] == 1
            # the same from the provider's camt.053 statement of the day
            statement = sim.http.get("/sim/statement", params={
                "date": day, "provider": name, "format": "camt053"})  # fmt: skip
            assert statement.status_code == 200, statement.text
            (tmp_path / f"{name}.xml").write_bytes(statement.content)
            by_file = cli("reconcile", "--date", day, "--provider", name, "--statement",
                          str(tmp_path / f"{name}.xml"))  # fmt: skip
            assert by_file.returncode == 0 and "all agree" in by_file.stdout, by_file.stdout
        # ... and when our books say a payout failed that the provider booked, it is found,
        # listed first, and nothing is changed.
        ref = f"D{cycle.id}-{mother}"
        with engine.begin() as conn:
            conn.execute(update(Payout).where(Payout.reference == ref).values(status="failed"))
        found = cli("reconcile", "--date", day, "--provider", account_of(mother)[0], "--csv",
                    str(tmp_path / "found.csv"), providers=True)  # fmt: skip
        assert found.returncode == 1 and f"booked_but_failed_here {ref}" in found.stdout
        assert f"booked_but_failed_here,yes,{day}," in (tmp_path / "found.csv").read_text()
        with engine.begin() as conn:
            assert conn.execute(select(Payout.status).where(
                Payout.reference == ref)).scalar_one() == "failed"  # fmt: skip
            conn.execute(update(Payout).where(Payout.reference == ref).values(status="confirmed"))
        confirmed = cli("decide", f"D{cycle.id}-{mother}", "--void", "--reason", "cek",
                        "--user", "budi")  # fmt: skip
        assert confirmed.returncode == 1 and "is not waiting for a decision" in confirmed.stderr
        nobody = cli("decide", "D999-1", "--reason", "cek", "--user", "budi")
        assert nobody.returncode == 1 and "Pembayaran D999-1 tidak ditemukan" in nobody.stderr
        settled = cli("queue-settlements", "--user", "siti", providers=True)
        assert settled.returncode == 0 and "queued 0, Rp0" in settled.stdout, settled.stderr
        booked = {str(t["partner_reference_no"]): t["amount"] for t in sim.books()["transactions"]}
    assert booked == {f"D{cycle.id}-{mother}": 200_000, f"D{cycle.id}-{son}": 200_000}
    missing = Cli({k: v for k, v in env.items() if k != "BANSOS_PAYMENT_PROVIDERS"},
                  tmp_path / "none.yaml")("run", "--once")  # fmt: skip
    assert missing.returncode == 1 and "BANSOS_PAYMENT_PROVIDERS" in missing.stderr
    with factory() as db:
        report = ledger.verify(db)
        assert report.ok, report.faults
    engine.dispose()
