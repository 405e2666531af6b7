"""Queueing payouts on both engines: a cycle's households by their channels, shops by their
settlement instructions; then the worker's threads against a real database."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bansos.auth.service import Actor
from bansos.core.crypto import FieldCipher
from bansos.core.errors import Problem
from bansos.db import session_factory, unit_of_work
from bansos.ledger import service as ledger
from bansos.ledger.service import TransferSpec
from bansos.merchants import settlement
from bansos.merchants.models import Settlement
from bansos.payments import service, worker
from bansos.payments.models import Payout, PayoutChannel
from bansos.payments.outcomes import Policy
from bansos.programs import cycles
from tests.conftest import ENGINES, FreshDatabases, migrated_engine
from tests.payments.fake_rail import ScriptedRail
from tests.payments.payout_world import OPERATOR, PROGRAM, disbursed_cycle, verified_channels

FAST = Policy(first_check=0.05, max_check=0.2, default_not_found_after=0.3, lease=5.0)


def _wallet(db: Session, household: int) -> int:
    found = ledger.find_account(db, "recipient_wallet", f"household:{household}", PROGRAM)
    assert found is not None
    return found


def _clearing(db: Session, provider: str, program: str = PROGRAM) -> int:
    return ledger.open_account(db, "payout_clearing", f"rail:{provider}", program).id


def _run(factory: sessionmaker[Session], cipher: FieldCipher, *rails: ScriptedRail) -> None:
    worker.run(factory, {r.name: r for r in rails}, cipher=cipher, threads=0, policy=FAST,
               until="idle")  # fmt: skip


def test_a_cycle_is_queued_by_channel_once_and_paid(
    db: Session, factory: sessionmaker[Session], cipher: FieldCipher
) -> None:
    cycle = disbursed_cycle(factory, 6)
    h = cycle.households
    verified_channels(db, cipher, h[0:2], provider="dompet", kind="emoney")
    verified_channels(db, cipher, h[2:3], provider="bank", kind="bank", bank_code="014")
    verified_channels(db, cipher, h[3:4], provider="", kind="wallet", number="")
    verified_channels(db, cipher, h[4:5], provider="dompet", kind="emoney")
    db.execute(update(PayoutChannel).where(PayoutChannel.household_id == h[4])
               .values(status="review"))  # fmt: skip
    # She spent 50,000 at a shop before her channel was used: the payout is what is left.
    shop = ledger.open_account(db, "merchant_payable", "merchant:1", PROGRAM).id
    ledger.transfer(db, TransferSpec("spent", _wallet(db, h[1]), shop, 50_000, "redemption"),
                    "kasir")  # fmt: skip
    with pytest.raises(Problem) as caught:
        service.queue_cycle(db, cipher, cycle.id, Actor("x", "auditor"))
    assert caught.value.code == "auth.forbidden"

    report = service.queue_cycle(db, cipher, cycle.id, OPERATOR)
    assert (report.queued, report.total) == (3, 200_000 + 150_000 + 200_000)
    assert report.skipped == Counter({"wallet": 2, "channel_review": 1})
    for household in h[0:3]:
        assert ledger.balance(db, _wallet(db, household)).available == 0  # reserved
    assert ledger.balance(db, _wallet(db, h[3])).available == 200_000  # spends with her card
    again = service.queue_cycle(db, cipher, cycle.id, OPERATOR)
    assert (again.queued, again.skipped["queued_before"]) == (0, 3)

    wallet = ScriptedRail("dompet", "emoney", accounts={
        f"{x:010d}": (f"WARGA {x}", True) for x in h[0:2]})  # fmt: skip
    bank = ScriptedRail("bank", "bank", accounts={f"{h[2]:010d}": (f"WARGA {h[2]}", True)})
    _run(factory, cipher, wallet, bank)
    db.expire_all()
    rows = db.scalars(select(Payout).order_by(Payout.id)).all()
    assert [(p.reference, p.status) for p in rows] == [
        (f"D{cycle.id}-{x}", "confirmed") for x in h[0:3]]  # fmt: skip
    assert wallet.paid() == {f"D{cycle.id}-{h[0]}": 200_000, f"D{cycle.id}-{h[1]}": 150_000}
    assert bank.paid() == {f"D{cycle.id}-{h[2]}": 200_000}
    assert ledger.balance(db, _clearing(db, "dompet")).posted == 350_000
    assert ledger.balance(db, _clearing(db, "bank")).posted == 200_000
    assert all("*" in p.destination_mask and f"{p.household_id:010d}" not in p.destination_mask
               for p in rows)  # fmt: skip
    report_ok = ledger.verify(db)
    assert report_ok.ok, report_ok.faults

    cycles.close(db, cycle.id, OPERATOR)
    with pytest.raises(Problem) as caught:
        service.queue_cycle(db, cipher, cycle.id, OPERATOR)
    assert caught.value.code == "payments.cycle_not_disbursed"


@pytest.mark.parametrize("accepted", [True, False])
def test_a_shop_settlement_goes_out_through_the_same_machinery(
    db: Session, factory: sessionmaker[Session], cipher: FieldCipher, accepted: bool
) -> None:
    from tests.vouchers.test_offline import _two_shops
    from tests.vouchers.test_redeem import _redeem

    a, b = _two_shops(db, cipher, amount=200_000)
    _redeem(db, cipher, a.shop, "online-1", amount=30_000)
    assert b.sync(db, cipher, [b.record(1, 40_000)])[0].status == "accepted"
    day = settlement.business_day()
    made = settlement.run(db, day, OPERATOR, today=day + timedelta(days=1))
    by_shop = {s.merchant_id: s for s in made}
    # Shop B registered its bank by BI code; shop A wrote "BRI", which no rail can carry.
    db.execute(update(Settlement).where(Settlement.id == by_shop[b.merchant_id].id)
               .values(bank_code="110"))  # fmt: skip
    clearing = ledger.find_account(db, "settlement_clearing", settlement.CLEARING_OWNER)
    assert clearing is not None

    report = service.queue_settlements(db, cipher, day, OPERATOR, provider="bank")
    assert (report.queued, report.total) == (1, 40_000)
    assert report.skipped == Counter({"payments.bank_code_invalid": 1})
    assert ledger.balance(db, clearing).available == 30_000
    assert service.queue_settlements(db, cipher, day, OPERATOR, provider="bank").queued == 0

    bank = ScriptedRail("bank", "bank", accounts={"001221004455": ("TINI", accepted)})
    _run(factory, cipher, bank)
    db.expire_all()
    payout = db.scalars(select(Payout)).one()
    paid = db.get_one(Settlement, by_shop[b.merchant_id].id)
    assert (payout.reference, payout.purpose) == (f"S{paid.id}", "settlement")
    if accepted:
        assert (payout.status, paid.status) == ("confirmed", "paid")
        assert bank.paid() == {payout.reference: 40_000}
        assert ledger.balance(db, _clearing(db, "bank", "SEMBAKO")).posted == 40_000
        assert ledger.balance(db, clearing).posted == 30_000
    else:
        assert (payout.status, paid.status) == ("failed", "failed")
        assert bank.paid() == {}
        assert ledger.balance(db, clearing).available == 70_000  # back, for a person to see to
    assert db.get_one(Settlement, by_shop[a.merchant_id].id).status == "instructed"
    report_ok = ledger.verify(db)
    assert report_ok.ok, report_ok.faults


@pytest.mark.parametrize("kind", ENGINES)
def test_worker_threads_on_a_real_database_pay_each_once(
    kind: str, fresh_databases: FreshDatabases, cipher: FieldCipher
) -> None:
    """300 payouts, a fifth of them with a scripted fault, through four threads with their
    own connections (the savepoint fixtures share one): every one paid once."""
    engine = migrated_engine(fresh_databases.url(kind))
    factory = session_factory(engine)
    try:
        cycle = disbursed_cycle(factory, 300)
        with unit_of_work(factory) as db:
            verified_channels(db, cipher, cycle.households, provider="dompet", kind="emoney")
            assert service.queue_cycle(db, cipher, cycle.id, OPERATOR).queued == 300
        rail = ScriptedRail("dompet", "emoney", accounts={
            f"{h:010d}": ("W", True) for h in cycle.households})  # fmt: skip
        pick = random.Random(6)
        faults = ["timeout", "drop", "5xx", "pending", "lost", "429"]
        for h in cycle.households:
            if pick.random() < 0.2:
                rail.script[f"D{cycle.id}-{h}"] = [pick.choice(faults)]
        done = worker.run(factory, {"dompet": rail}, cipher=cipher, threads=4, policy=FAST,
                          until="drained", poll=0.05)  # fmt: skip
        assert done.troubles == 0
        with factory() as db:
            statuses = Counter(db.scalars(select(Payout.status)))
            assert statuses == Counter({"confirmed": 300})
            sent = Counter(ref for op, ref, _ in rail.calls if op == "send")
            assert len(rail.paid()) == 300 and set(rail.paid().values()) == {200_000}
            assert max(sent.values()) <= 2  # only "lost", "5xx" and "429" went out twice
            assert db.scalar(select(func.sum(Payout.amount))) == 300 * 200_000
            assert ledger.balance(db, _clearing(db, "dompet")).posted == 300 * 200_000
            report = ledger.verify(db)
            assert report.ok, report.faults
    finally:
        engine.dispose()
