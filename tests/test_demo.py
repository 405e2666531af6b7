"""The demo data that `make run` loads: a real population, real logins, loaded only once."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import func, select

from bansos import demo
from bansos.auth import service as auth
from bansos.db import unit_of_work
from bansos.merchants.models import Merchant
from bansos.payments import config as payments_config
from bansos.programs.models import Cycle
from bansos.registry import service as registry
from bansos.registry.models import Household, Person
from bansos.runtime import open_runtime
from bansos.settings import Settings
from bansos.targeting.models import CandidateList, MatchRun
from bansos.vouchers.models import Credential
from bansos.vouchers.qris import parse_qris
from tests.conftest import ENGINES, FreshDatabases, migrated_engine


@pytest.mark.slow
@pytest.mark.parametrize("kind", ENGINES)
def test_demo_loads_once_with_working_logins(
    kind: str, tmp_path: Path, fresh_databases: FreshDatabases
) -> None:
    url = fresh_databases.url(kind)
    migrated_engine(url).dispose()
    key = base64.urlsafe_b64encode(bytes(range(32))).decode()
    settings = Settings(data_dir=tmp_path, database_url=url, secret_key=key)
    rt = open_runtime(settings)
    try:
        first = demo.load(rt, tmp_path / "demo")
        assert first.loaded and first.households == demo.HOUSEHOLDS
        with unit_of_work(rt.factory) as session:
            districts = set(session.scalars(select(Household.region_code).distinct()))
            assert districts == set(demo.DISTRICTS)
            with_decile = session.scalar(
                select(func.count())
                .select_from(Household)
                .where(Household.welfare_decile.is_not(None))
            )
            assert with_decile == demo.HOUSEHOLDS
            for username, _role, password in demo.DEMO_USERS:
                token, _user, _ = auth.login(session, username, password)
                assert auth.identify(session, token) is not None
            lists = session.scalars(select(CandidateList).order_by(CandidateList.id)).all()
            assert [(c.program_code, c.status) for c in lists] == [
                ("SEMBAKO", "draft"), ("PKH", "approved")
            ]  # fmt: skip
            cycle = session.scalars(select(Cycle)).one()
            assert (cycle.program_code, cycle.status) == ("PKH", "submitted")
            assert cycle.recipients > 0 and cycle.total > 0
            assert lists[0].eligible_count > 0
            run = session.scalars(select(MatchRun)).one()
            assert run.created_by == "operator" and run.rows > 1000
        assert (tmp_path / "demo" / "proposals.resolved.csv").exists()
        with unit_of_work(rt.factory) as session:
            shops = session.scalars(select(Merchant).order_by(Merchant.id)).all()
            assert [(m.name, m.status) for m in shops] == [
                ("E-Warong Sejahtera", "active"), ("Warung Bu Tini", "pending")]  # fmt: skip
            token, user, _ = auth.login(session, *demo.SHOP_USER)
            assert user.merchant_id == shops[0].id and auth.identify(session, token) is not None
            assert session.scalar(select(func.count()).select_from(Credential)) == demo.CARDS
        sticker = (tmp_path / "demo" / "qris-e-warong-sejahtera.txt").read_text().strip()
        assert parse_qris(sticker).nmid == demo.DEMO_NMID
        pngs = sorted((tmp_path / "demo" / "cards").glob("*.png"))
        assert len(pngs) == 3
        read = zxingcpp.read_barcodes(Image.open(pngs[0]))
        assert len(read) == 1 and read[0].text.startswith("BS1:")
        # The payment rails: the simulator's accounts are in the names of the households'
        # heads (so their channels verify), and our providers file loads, secrets apart.
        kit = tmp_path / "demo" / "payments"
        sim = json.loads((kit / "sim" / "sim.json").read_text())
        holders = [(a["number"], a["name"]) for p in sim["providers"] for a in p["accounts"]]
        assert len(holders) == 2
        with unit_of_work(rt.factory) as session:
            names = {n.upper() for hh in session.scalars(select(Household.id))
                     for n in registry.account_holder_names(session, hh)}  # fmt: skip
        assert {name for _, name in holders} <= names
        loaded = payments_config.load(kit / "ours" / "providers.yaml")
        try:
            assert sorted(loaded.rails) == ["bank", "wallet"]
        finally:
            loaded.close()
        assert b"PRIVATE KEY" not in (kit / "ours" / "providers.yaml").read_bytes()
        assert "bansos payments channel set" in (kit / "README.txt").read_text()
        second = demo.load(rt, tmp_path / "demo")
        assert not second.loaded
        with unit_of_work(rt.factory) as session:
            assert session.scalar(select(func.count()).select_from(Person)) == first.people
    finally:
        rt.close()
