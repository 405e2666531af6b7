"""Offline redemption and its sync on both engines: records accepted once, a card spent twice
at two offline shops honoured for the first and flagged with both signatures for the second,
every refusal kept with its reason, and a batch sent twice changing nothing."""

from __future__ import annotations

import base64
import time
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from bansos.core.crypto import FieldCipher
from bansos.ledger import service as ledger
from bansos.merchants import service as merchants
from bansos.merchants.models import Device, Merchant
from bansos.vouchers import offline
from bansos.vouchers import pin as pins
from bansos.vouchers.models import OfflineRecord, Redemption
from tests.vouchers.shop import APPROVER, DISTRICT, OPERATOR, Shop, open_shop

PIN = "482913"


class Pos:
    """A POS that recorded redemptions while offline."""

    def __init__(self, shop: Shop, merchant_id: int, device_id: int,
                 key: Ed25519PrivateKey) -> None:  # fmt: skip
        self.shop, self.merchant_id, self.device_id, self.key = shop, merchant_id, device_id, key

    def record(self, seq: int, amount: int, *, card: int = 0, pin: str = PIN,
               at: int | None = None, **changes: Any) -> tuple[dict[str, Any], str]:  # fmt: skip
        rec: dict[str, Any] = {
            "device_id": self.device_id, "seq": seq, "at": at or int(time.time()) - 60,
            "qr": self.shop.cards[card], "program": "SEMBAKO", "amount": amount,
            "categories": ["beras"],
            "pin_block": vouchers_pin(self.shop, pin, self.device_id, seq),
        }  # fmt: skip
        rec.update(changes)
        return rec, offline.sign_record(rec, self.key)

    def sync(self, db: Session, cipher: FieldCipher,
             records: list[tuple[dict[str, Any], str]]) -> list[offline.Outcome]:  # fmt: skip
        device, merchant = db.get(Device, self.device_id), db.get(Merchant, self.merchant_id)
        assert device is not None and merchant is not None
        return offline.sync(db, cipher, device, merchant, "kasir", records)


def vouchers_pin(shop: Shop, pin: str, device_id: int, seq: int) -> str:
    return pins.seal(pin, shop.pin_key, offline.pin_aad(device_id, seq))


def _two_shops(db: Session, cipher: FieldCipher, amount: int = 150_000) -> tuple[Pos, Pos]:
    shop = open_shop(db, cipher, amount=amount)
    first = Pos(shop, shop.merchant_id, shop.device_id, shop.device_key)
    other = merchants.onboard(db, merchants.MerchantIn(
        name="Warung Bu Tini", owner_name="Tini", kind="warung", region_code=DISTRICT,
        address="Dusun 2", bank_code="BPD", bank_account="001221004455",
        bank_account_name="Tini", categories={"SEMBAKO": ["beras"]}), OPERATOR)  # fmt: skip
    merchants.decide(db, other.id, APPROVER, approve=True, reason="ok")
    key = Ed25519PrivateKey.generate()
    raw = base64.urlsafe_b64encode(key.public_key().public_bytes_raw()).decode().rstrip("=")
    device = merchants.register_device(db, other.id, "HP Tini", raw, OPERATOR)
    return first, Pos(shop, other.id, device.id, key)


def test_a_record_is_paid_once_and_a_batch_sent_twice_changes_nothing(
    db: Session, cipher: FieldCipher
) -> None:
    pos, _ = _two_shops(db, cipher)
    batch = [pos.record(1, 40_000), pos.record(2, 30_000)]
    first = pos.sync(db, cipher, batch)
    assert [(o.status, o.honored, o.duplicate) for o in first] == [
        ("accepted", 40_000, False), ("accepted", 30_000, False)]  # fmt: skip
    assert all(o.receipt and o.receipt.startswith("BR1:") for o in first)
    again = pos.sync(db, cipher, list(reversed(batch)))
    assert [(o.seq, o.status, o.duplicate, o.receipt) for o in again] == [
        (o.seq, o.status, True, o.receipt) for o in first]  # fmt: skip
    assert ledger.balance(db, pos.shop.wallets[0]).posted == 80_000
    paid = db.scalars(select(Redemption).where(Redemption.mode == "offline")).all()
    assert len(paid) == 2 and all(r.device_time is not None for r in paid)


def test_a_card_spent_twice_offline_is_honoured_first_and_flagged_with_evidence(
    db: Session, cipher: FieldCipher
) -> None:
    a, b = _two_shops(db, cipher)  # the wallet holds Rp150.000
    assert a.sync(db, cipher, [a.record(1, 90_000)])[0].status == "accepted"
    late = b.sync(db, cipher, [b.record(1, 90_000)])[0]
    assert (late.status, late.reason, late.honored, late.shortfall) == (
        "conflict", "offline.double_spend", 60_000, 30_000)  # fmt: skip
    assert ledger.balance(db, a.shop.wallets[0]).posted == 0
    flagged = offline.flagged(db)
    assert [r.seq for r in flagged] == [1] and flagged[0].device_id == b.device_id
    evidence = flagged[0].evidence
    assert evidence["device_signature"] and evidence["device_id"] == b.device_id
    assert any(e["device_id"] == a.device_id and e["device_signature"]
               for e in evidence["earlier"])  # fmt: skip
    offline.resolve(db, flagged[0].id, "siti", "selisih ditagih ke toko")
    assert offline.flagged(db) == []
    assert ledger.verify(db).ok


def test_every_refusal_is_kept_with_its_reason_and_moves_nothing(
    db: Session, cipher: FieldCipher
) -> None:
    pos, other = _two_shops(db, cipher, amount=500_000)
    good, _ = pos.record(1, 10_000)
    forged = (good, offline.sign_record(good, Ed25519PrivateKey.generate()))
    outcomes = pos.sync(db, cipher, [
        forged,
        pos.record(2, 100_001),
        pos.record(3, 10_000, at=int(time.time()) + 3600),
        pos.record(4, 10_000, categories=["rokok"]),
        pos.record(5, 10_000, pin_block="AAAA"),
        pos.record(6, 10_000, program="PKH"),
        ({"seq": 7, "amount": "lots"}, "x"),
    ])  # fmt: skip
    assert [(o.seq, o.reason) for o in outcomes] == [
        (1, "offline.signature"), (2, "offline.limit_transaction"), (3, "offline.time"),
        (4, "redemption.category"), (5, "pin.block"), (6, "redemption.program"),
        (7, "offline.malformed")]  # fmt: skip
    assert ledger.balance(db, pos.shop.wallets[0]).posted == 500_000
    # the PIN is set by the first claim; a wrong one afterwards is counted
    assert pos.sync(db, cipher, [pos.record(8, 10_000)])[0].status == "accepted"
    wrong = pos.sync(db, cipher, [pos.record(9, 10_000, pin="111000")])[0]
    assert (wrong.status, wrong.reason) == ("rejected", "pin.wrong")
    changed, sig = pos.record(8, 20_000)
    reused = pos.sync(db, cipher, [(changed, sig)])[0]
    assert (reused.status, reused.reason) == ("rejected", "offline.seq_reused")
    day = [other.record(n, 100_000) for n in (1, 2, 3)]
    limits = [o.reason or o.status for o in other.sync(db, cipher, day)]
    assert limits == ["accepted", "offline.limit_card", "offline.limit_card"]
    kept = db.scalars(select(OfflineRecord).where(OfflineRecord.status == "rejected")).all()
    assert len(kept) == 9
    assert ledger.verify(db).ok
