"""Redemption at a partner shop on both engines: the money moves once, with a signed receipt;
every refusal has its own code and moves nothing; wrong PINs lock; cards and codes."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bansos.auth.service import Actor
from bansos.core.crypto import FieldCipher
from bansos.core.errors import Problem
from bansos.ledger import service as ledger
from bansos.merchants import service as merchants
from bansos.merchants.models import Device, Merchant
from bansos.notify.models import Notification
from bansos.vouchers import pin as pins
from bansos.vouchers import service as vouchers
from bansos.vouchers.models import RecipientPin, Redemption
from bansos.vouchers.qris import build_static
from bansos.vouchers.service import RedeemRequest
from tests.vouchers.shop import APPROVER, OPERATOR, Shop, nmid_of, open_shop

PIN = "482913"


def _redeem(db: Session, cipher: FieldCipher, shop: Shop, key: str, *, amount: int = 50_000,
            pin: str = PIN, card: int = 0, **changes: object) -> vouchers.Receipt:  # fmt: skip
    fields: dict[str, object] = {
        "idempotency_key": key, "program": "SEMBAKO", "amount": amount,
        "categories": ("beras", "telur"), "pin_block": shop.pin_block(pin, key),
        "qr_text": shop.cards[card],
    }  # fmt: skip
    fields.update(changes)
    device = db.get(Device, shop.device_id)
    merchant = db.get(Merchant, shop.merchant_id)
    assert device is not None and merchant is not None
    return vouchers.redeem(db, cipher, RedeemRequest(**fields), device, merchant, "kasir")  # type: ignore[arg-type]


def _refused(db: Session, cipher: FieldCipher, shop: Shop, key: str, code: str,
             **changes: object) -> None:  # fmt: skip
    before = [ledger.balance(db, w).posted for w in shop.wallets]
    sp = db.begin_nested()
    with pytest.raises(Problem) as exc:
        _redeem(db, cipher, shop, key, **changes)  # type: ignore[arg-type]
    sp.rollback()
    assert exc.value.code == code
    assert [ledger.balance(db, w).posted for w in shop.wallets] == before


def test_a_redemption_moves_the_money_once_with_a_signed_receipt(
    db: Session, cipher: FieldCipher
) -> None:
    shop = open_shop(db, cipher)
    first = _redeem(db, cipher, shop, "pos-1")
    assert (first.amount, first.balance_after, first.replayed) == (50_000, 150_000, False)
    again = _redeem(db, cipher, shop, "pos-1")
    assert again.replayed and again.redemption_id == first.redemption_id
    assert again.signed == first.signed
    assert ledger.balance(db, shop.wallets[0]).posted == 150_000
    payable = ledger.find_account(db, "merchant_payable", f"merchant:{shop.merchant_id}",
                                  "SEMBAKO")  # fmt: skip
    assert payable is not None and ledger.balance(db, payable).posted == 50_000
    body = vouchers.read_receipt(db, first.signed)
    assert (body[1], body[3], body[6], body[7]) == (
        first.redemption_id, shop.merchant_id, 50_000, 150_000)  # fmt: skip
    tampered = first.signed[:-6] + ("AAAAAA" if not first.signed.endswith("AAAAAA") else "BBBBBB")
    with pytest.raises(Problem) as exc:
        vouchers.read_receipt(db, tampered)
    assert exc.value.code == "receipt.invalid"
    assert ledger.verify(db).ok


def test_every_refusal_has_its_code_and_moves_nothing(db: Session, cipher: FieldCipher) -> None:
    shop = open_shop(db, cipher)
    _redeem(db, cipher, shop, "seed")  # the PIN is set at the first claim
    _refused(db, cipher, shop, "seed", "redemption.key_reused", amount=10_000)
    _refused(db, cipher, shop, "k1", "redemption.insufficient", amount=150_001)
    _refused(db, cipher, shop, "k2", "ledger.amount_positive", amount=0)
    _refused(db, cipher, shop, "k3", "redemption.category", categories=("rokok",))
    _refused(db, cipher, shop, "k4", "redemption.merchant_category", categories=("ikan",))
    _refused(db, cipher, shop, "k5", "redemption.categories_missing", categories=())
    _refused(db, cipher, shop, "k6", "redemption.program", program="PKH")
    _refused(db, cipher, shop, "k7", "redemption.credential", qr_text=None)
    card = shop.cards[0]  # the last two characters changed (never to what they were)
    tampered = card[:-2] + ("00" if card[-2:] != "00" else "11")
    _refused(db, cipher, shop, "k8", "qr.signature", qr_text=tampered)
    _refused(db, cipher, shop, "k9", "qr.prefix", qr_text="HC1:" + shop.cards[0][4:])
    _refused(db, cipher, shop, "k10", "pin.block", pin_block="AAAA")
    other = shop.pin_block(PIN, "another-request")
    _refused(db, cipher, shop, "k11", "pin.block", pin_block=other)
    _refused(db, cipher, shop, "k12", "pin.wrong", pin="111222")


def test_five_wrong_pins_lock_and_alert(db: Session, cipher: FieldCipher) -> None:
    shop = open_shop(db, cipher)
    _redeem(db, cipher, shop, "first")
    hh = shop.households[0]
    codes = []
    for _ in range(5):
        codes.append((p := vouchers.count_wrong_pin(db, hh)).code + str(p.params))
    assert codes[0] == "pin.wrong{'tries_left': 4}" and codes[-1].startswith("pin.locked")
    _refused(db, cipher, shop, "after-lock", "pin.locked")
    alert = db.scalar(select(Notification).where(Notification.kind == "pin_locked"))
    assert alert is not None and alert.recipient == f"household:{hh}"
    row = db.get(RecipientPin, hh)
    assert row is not None and row.verifier != PIN.encode() and len(row.verifier) == 32


def test_a_revoked_card_is_refused_and_a_reissued_one_works(
    db: Session, cipher: FieldCipher
) -> None:
    shop = open_shop(db, cipher)
    old = shop.cards[0]
    cred = vouchers.issue_credential(db, cipher, shop.households[0], OPERATOR)
    assert cred.qr_text != old and len(cred.qr_text) <= 300
    _refused(db, cipher, shop, "old", "qr.revoked", qr_text=old)
    assert _redeem(db, cipher, shop, "new", qr_text=cred.qr_text).amount == 50_000
    vouchers.revoke_credential(db, cred.id, OPERATOR, "hilang")
    _refused(db, cipher, shop, "lost", "qr.revoked", qr_text=cred.qr_text)
    assert cred.cti.hex() in vouchers.revocation_list(db)
    with pytest.raises(Problem) as exc:
        vouchers.revoke_credential(db, cred.id, Actor("x", "merchant"), "no")
    assert exc.value.code == "auth.forbidden"


def test_rotation_keeps_old_cards_until_the_key_is_retired(
    db: Session, cipher: FieldCipher
) -> None:
    shop = open_shop(db, cipher)
    admin = Actor("root", "admin")
    old_kid = vouchers.signing_key(db, cipher)[0]
    new = vouchers.rotate_keys(db, cipher, admin, "sign")
    assert new.kid != old_kid and vouchers.signing_key(db, cipher)[0] == new.kid
    published = {k["kid"]: k["status"] for k in vouchers.published_keys(db)}
    assert published[old_kid.hex()] == "verify_only" and published[new.kid.hex()] == "active"
    assert _redeem(db, cipher, shop, "still-good").amount == 50_000
    vouchers.retire_key(db, old_kid.hex(), admin, "bocor")
    _refused(db, cipher, shop, "retired", "qr.retired_key", card=1)
    assert old_kid.hex() not in {k["kid"] for k in vouchers.published_keys(db)}


def test_a_claim_code_is_single_use(db: Session, cipher: FieldCipher) -> None:
    shop = open_shop(db, cipher)
    code = vouchers.issue_claim_code(db, cipher, shop.households[1], "SEMBAKO", OPERATOR)
    sms = db.scalar(select(Notification).where(Notification.kind == "claim_code"))
    assert sms is not None and json.loads(sms.payload)["code"] == code
    got = _redeem(db, cipher, shop, "code-1", qr_text=None, claim_code=code.lower())
    assert got.balance_after == 150_000
    _refused(db, cipher, shop, "code-2", "claim_code.used", qr_text=None, claim_code=code)
    typo = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(Problem) as exc:
        _redeem(db, cipher, shop, "code-3", qr_text=None, claim_code=typo)
    assert exc.value.code in ("claim_code.check", "claim_code.unknown")


def test_shops_are_approved_by_someone_else_and_can_be_suspended(
    db: Session, cipher: FieldCipher
) -> None:
    shop = open_shop(db, cipher)
    with pytest.raises(Problem) as exc:
        merchants.decide(db, shop.merchant_id, APPROVER, approve=True, reason="again")
    assert exc.value.code == "merchant.wrong_status"
    merchants.set_suspended(db, shop.merchant_id, APPROVER, suspended=True, reason="audit")
    _refused(db, cipher, shop, "suspended", "merchant.not_active")
    data = merchants.MerchantIn(
        name="Warung Bu Tini", owner_name="Tini", kind="warung", region_code="3403",
        address="Dusun 2", bank_code="BRI", bank_account="123456789",
        bank_account_name="Tini", categories={"SEMBAKO": ["beras"]},
    )  # fmt: skip
    with pytest.raises(Problem) as exc:
        merchants.onboard(db, data, OPERATOR)
    assert exc.value.code == "merchant.region"
    mine = merchants.onboard(
        db, merchants.MerchantIn(**{**data.__dict__, "region_code": "340301"}), OPERATOR
    )
    with pytest.raises(Problem) as exc:
        merchants.decide(db, mine.id, OPERATOR, approve=True, reason="self")
    assert exc.value.code == "auth.forbidden"
    with pytest.raises(Problem) as exc:
        merchants.decide(db, mine.id, Actor("siti", "approver"), approve=True, reason="self")
    assert exc.value.code == "merchant.own_onboarding"


def test_paying_by_scanning_the_shops_qris(db: Session, cipher: FieldCipher) -> None:
    shop = open_shop(db, cipher)
    sticker = build_static(nmid_of("kasir"), "E-Warong Sejahtera", "Gunungkidul")

    def pay(key: str, pin: str = PIN, **changes: object) -> vouchers.Receipt:
        fields: dict[str, object] = {
            "idempotency_key": key, "qris": sticker, "card": shop.cards[0],
            "program": "SEMBAKO", "amount": 30_000, "categories": ("beras",),
            "pin_block": pins.seal(pin, shop.pin_key, vouchers.qris_aad(key)),
        }  # fmt: skip
        fields.update(changes)
        return vouchers.pay_by_qris(db, cipher, vouchers.QrisPayment(**fields))  # type: ignore[arg-type]

    first = pay("hp-1")
    assert (first.merchant_id, first.amount, first.balance_after) == (
        shop.merchant_id, 30_000, 170_000)  # fmt: skip
    assert pay("hp-1").replayed
    paid = db.scalar(select(Redemption).where(Redemption.id == first.redemption_id))
    assert paid is not None and (paid.channel, paid.device_id) == ("qris", None)
    for code, changes in (
        ("pin.wrong", {"pin": "999111"}),
        ("merchant.qris_unknown", {"qris": build_static("ID9999999999999", "Lain", "Sleman")}),
        ("qris.crc", {"qris": sticker[:-4] + ("0000" if not sticker.endswith("0000") else "1111")}),
        ("redemption.key_reused", {"amount": 1_000, "idempotency_key": "hp-1"}),
        ("redemption.insufficient", {"amount": 170_001}),
    ):
        sp = db.begin_nested()
        with pytest.raises(Problem) as exc:
            pay(f"hp-{code}", **changes)
        sp.rollback()
        assert exc.value.code == code
    assert ledger.balance(db, shop.wallets[0]).posted == 170_000
