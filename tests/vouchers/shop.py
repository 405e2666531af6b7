"""A partner shop ready to redeem, for the voucher tests: Sembako loaded, households with
funded wallets and QR cards, an approved e-warong with a shop user and a registered device."""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
from sqlalchemy.orm import Session

from bansos.auth.service import Actor
from bansos.core.crypto import FieldCipher
from bansos.ledger import service as ledger
from bansos.ledger.service import TransferSpec
from bansos.merchants import service as merchants
from bansos.programs import service as programs
from bansos.programs.definition import read_file
from bansos.registry.models import Household
from bansos.vouchers import pin as pins
from bansos.vouchers import service as vouchers

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
OPERATOR = Actor("siti", "operator")
APPROVER = Actor("budi", "approver")
DISTRICT = "340301"
PASSWORD = "warung-sejahtera-2026"


@dataclass
class Shop:
    merchant_id: int
    user_id: int
    device_id: int
    device_key: Ed25519PrivateKey
    households: list[int]
    wallets: list[int]
    cards: list[str]  # QR text of each household's card
    pin_key: X25519PublicKey

    def pin_block(self, pin: str, key: str) -> str:
        return pins.seal(pin, self.pin_key, pins.associated_data(self.device_id, key))

    def public_key(self) -> str:
        raw = self.device_key.public_key().public_bytes_raw()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def sign(self, method: str, path: str, body: bytes) -> dict[str, str]:
        """The headers a POS adds to a request."""
        stamp = str(int(time.time()))
        sig = self.device_key.sign(merchants.string_to_sign(method, path, stamp, body))
        return {"X-Device-Id": str(self.device_id), "X-Timestamp": stamp,
                "X-Signature": base64.urlsafe_b64encode(sig).decode().rstrip("=")}  # fmt: skip


def nmid_of(username: str) -> str:
    """A QRIS National Merchant ID per test shop: "ID" and 13 digits."""
    return "ID" + str(int(hashlib.sha256(username.encode()).hexdigest(), 16))[:13]


def open_shop(db: Session, cipher: FieldCipher, *, households: int = 2,
              amount: int = 200_000, username: str = "kasir") -> Shop:  # fmt: skip
    programs.load(db, read_file(EXAMPLES / "sembako.toml"), "siti")
    state = ledger.open_account(db, "state_budget", "APBN").id
    budget = ledger.open_account(db, "program_budget", "program:SEMBAKO", "SEMBAKO").id
    pool = ledger.open_account(db, "program_pool", "program:SEMBAKO", "SEMBAKO").id
    total = amount * households
    ledger.transfer(db, TransferSpec(f"{username}-alloc", state, budget, total, "allocation"),
                    "siti")  # fmt: skip
    ledger.transfer(db, TransferSpec(f"{username}-fund", budget, pool, total, "funding"), "siti")
    ids, wallets = [], []
    for n in range(households):
        index = hashlib.sha256(f"{username}{n}".encode()).digest()[:16]
        hh = Household(kk_enc=b"x", kk_index=index, kk_mask="3403********0001",
                       region_code=DISTRICT, welfare_decile=2)  # fmt: skip
        db.add(hh)
        db.flush()
        wallet = ledger.open_account(db, "recipient_wallet", vouchers.owner(hh.id), "SEMBAKO").id
        pay = TransferSpec(f"{username}-pay-{n}", pool, wallet, amount, "disbursement")
        ledger.transfer(db, pay, "siti")
        ids.append(hh.id)
        wallets.append(wallet)
    vouchers.ensure_keys(db, cipher)
    cards = [vouchers.issue_credential(db, cipher, hh, OPERATOR).qr_text for hh in ids]
    shop = merchants.onboard(db, merchants.MerchantIn(
        name="E-Warong Sejahtera", owner_name="Sri Wahyuni", kind="e_warong",
        region_code=DISTRICT, address="Jl. Wates 12", bank_code="BRI",
        bank_account="0123-01-000123-50-1", bank_account_name="Sri Wahyuni",
        categories={"SEMBAKO": ["beras", "telur", "sayur"]},
        nmid=nmid_of(username)),
        OPERATOR)  # fmt: skip
    merchants.decide(db, shop.id, APPROVER, approve=True, reason="survei lapangan ok")
    user_id = merchants.add_staff(db, shop.id, username, PASSWORD, "Kasir", OPERATOR)
    key = Ed25519PrivateKey.generate()
    raw = base64.urlsafe_b64encode(key.public_key().public_bytes_raw()).decode().rstrip("=")
    device = merchants.register_device(db, shop.id, "HP kasir", raw, OPERATOR)
    pin_public = vouchers.pin_key(db, cipher).public_key()
    return Shop(shop.id, user_id, device.id, key, ids, wallets, cards, pin_public)
