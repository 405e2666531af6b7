"""Redemption over the real HTTP API (both engines): a shop user on a signing device, the
receipt, replays, refusals, and 50 concurrent redemptions against one wallet."""

from __future__ import annotations

import io
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx
import zxingcpp
from PIL import Image

from bansos.auth.service import Actor
from bansos.db import unit_of_work
from bansos.merchants import settlement
from bansos.vouchers import offline
from bansos.vouchers import pin as pins
from bansos.vouchers import service as vouchers_service
from bansos.vouchers.qris import build_static
from tests.vouchers.shop import PASSWORD, Shop, nmid_of, open_shop
from tests.vouchers.test_offline import Pos
from tests.web.test_api import Site, site  # noqa: F401  (the live server fixture)


def _post(site: Site, shop: Shop, token: str, body: dict[str, Any],  # noqa: F811
          client: httpx.Client | None = None, *, sign: bool = True) -> httpx.Response:  # fmt: skip
    raw = json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if sign:
        headers.update(shop.sign("POST", "/api/redemptions", raw))
    return (client or site.client).post("/api/redemptions", content=raw, headers=headers)


def _body(shop: Shop, key: str, amount: int, pin: str = "482913") -> dict[str, Any]:
    return {"idempotency_key": key, "program": "SEMBAKO", "amount": amount,
            "categories": ["beras"], "pin_block": shop.pin_block(pin, key),
            "qr": shop.cards[0]}  # fmt: skip


def test_redemptions_over_http(site: Site) -> None:  # noqa: F811
    with unit_of_work(site.rt.factory) as db:
        shop = open_shop(db, site.rt.cipher, username="kasir-http")
    login = site.login("kasir-http", PASSWORD)
    assert login.status_code == 200, login.text
    token = login.json()["token"]
    keys = site.client.get("/api/public/keys").json()
    assert {k["purpose"] for k in keys["keys"]} == {"sign", "pin"}

    unsigned = _post(site, shop, token, _body(shop, "u-1", 1_000), sign=False)
    assert (unsigned.status_code, unsigned.json()["code"]) == (401, "device.signature_missing")
    staff = _post(site, shop, site.tokens["operator"], _body(shop, "u-2", 1_000))
    assert (staff.status_code, staff.json()["code"]) == (403, "auth.forbidden")
    raw = json.dumps(_body(shop, "u-3", 1_000)).encode()
    forged = shop.sign("POST", "/api/redemptions", b"{}")
    resp = site.client.post(
        "/api/redemptions",
        content=raw,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json", **forged},
    )
    assert (resp.status_code, resp.json()["code"]) == (401, "device.signature")  # fmt: skip

    ok = _post(site, shop, token, _body(shop, "first", 20_000))
    assert ok.status_code == 201, ok.text
    receipt = ok.json()
    assert (receipt["amount"], receipt["balance_after"], receipt["replayed"]) == (
        20_000, 180_000, False)  # fmt: skip
    assert receipt["signed"].startswith("BR1:")
    again = _post(site, shop, token, _body(shop, "first", 20_000))
    assert again.status_code == 200 and again.json()["redemption_id"] == receipt["redemption_id"]
    wrong = _post(site, shop, token, _body(shop, "wrong-pin", 1_000, pin="000111"))
    assert (wrong.status_code, wrong.json()["code"]) == (403, "pin.wrong")
    assert wrong.json()["messages"]["en"] == "Wrong PIN. Tries left: 4."

    # 50 at once against one wallet holding Rp180.000, Rp7.000 each: 25 fit, 25 must not.
    with (httpx.Client(base_url=str(site.client.base_url), timeout=60) as client,
          ThreadPoolExecutor(max_workers=50) as pool):  # fmt: skip
        answers = list(pool.map(
            lambda i: _post(site, shop, token, _body(shop, f"rush-{i}", 7_000), client),
            range(50)))  # fmt: skip
    codes = sorted(str(a.status_code) + (a.json().get("code") or "") for a in answers)
    assert codes.count("201") == 25, codes
    assert codes.count("409redemption.insufficient") == 25, codes
    verify = site.client.get("/api/ledger/verify", headers=site.bearer("auditor")).json()
    assert verify["ok"], verify
    wallet = site.client.get(f"/api/ledger/accounts/{shop.wallets[0]}",
                             headers=site.bearer("auditor")).json()  # fmt: skip
    assert wallet["posted"] == 180_000 - 25 * 7_000 == 5_000


def test_cards_keys_and_revocation_over_http(site: Site) -> None:  # noqa: F811
    op = site.bearer("operator")
    with unit_of_work(site.rt.factory) as db:
        shop = open_shop(db, site.rt.cipher, username="kasir-cards", households=1)
    made = site.client.post(f"/api/households/{shop.households[0]}/credentials", headers=op)
    assert made.status_code == 201, made.text
    card = made.json()
    assert card["qr_text"].startswith("BS1:") and len(card["qr_text"]) <= 300
    lost = site.client.post(f"/api/credentials/{card['id']}/revoke", headers=op,
                            json={"reason": "hilang"})  # fmt: skip
    assert lost.json()["status"] == "revoked"
    listed = site.client.get("/api/public/revocations").json()["revoked"]
    assert len(listed) >= 2  # the replaced first card and the lost one
    code = site.client.post(f"/api/households/{shop.households[0]}/claim-codes", headers=op,
                            json={"program": "SEMBAKO"})  # fmt: skip
    assert code.status_code == 201 and "code" not in code.json()
    denied = site.client.post(f"/api/households/{shop.households[0]}/credentials",
                              headers=site.bearer("auditor"))  # fmt: skip
    assert (denied.status_code, denied.json()["code"]) == (403, "auth.forbidden")
    png = site.client.get(f"/api/credentials/{card['id']}/card.png", headers=op)
    assert png.headers["content-type"] == "image/png"
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert [b.text for b in found] == [card["qr_text"]]
    pdf = site.client.get(f"/api/credentials/{card['id']}/card.pdf", headers=op)
    assert pdf.content.startswith(b"%PDF")
    assert site.client.get(f"/api/credentials/{card['id']}/card.gif", headers=op).status_code == 404

    sticker = build_static(nmid_of("kasir-cards"), "E-Warong Sejahtera", "Sleman")
    shop_seen = site.client.post("/api/qris/resolve", json={"qris": sticker}).json()
    assert shop_seen["merchant_id"] == shop.merchant_id
    bad_crc = sticker[:-4] + ("0000" if not sticker.endswith("0000") else "FFFF")
    refused = site.client.post("/api/qris/resolve", json={"qris": bad_crc})
    assert (refused.status_code, refused.json()["code"]) == (422, "qris.crc")
    with unit_of_work(site.rt.factory) as db:  # her card is the one issued above: revoked
        fresh = vouchers_service.issue_credential(
            db, site.rt.cipher, shop.households[0], Actor("operator", "operator")
        ).qr_text
    body = {
        "idempotency_key": "hp-1",
        "qris": sticker,
        "card": fresh,
        "program": "SEMBAKO",
        "amount": 12_000,
        "categories": ["beras"],
        "pin_block": pins.seal("482913", shop.pin_key, vouchers_service.qris_aad("hp-1")),
    }
    paid = site.client.post("/api/qris/pay", json=body)
    assert paid.status_code == 201, paid.text
    assert (paid.json()["merchant_id"], paid.json()["balance_after"]) == (
        shop.merchant_id, 188_000)  # fmt: skip
    assert site.client.post("/api/qris/pay", json=body).status_code == 200
    stranger = build_static("ID9999999999999", "Toko Lain", "Sleman")
    unknown = site.client.post("/api/qris/resolve", json={"qris": stranger})
    assert (unknown.status_code, unknown.json()["code"]) == (404, "merchant.qris_unknown")


def test_offline_kit_and_sync_over_http(site: Site) -> None:  # noqa: F811
    with unit_of_work(site.rt.factory) as db:
        shop = open_shop(db, site.rt.cipher, username="kasir-offline", households=1)
    token = site.login("kasir-offline", PASSWORD).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    kit = site.client.get(
        "/api/pos/offline-kit", headers={**auth, **shop.sign("GET", "/api/pos/offline-kit", b"")}
    )
    assert kit.status_code == 200, kit.text
    assert kit.json()["limits"]["per_transaction"] == offline.PER_TRANSACTION
    assert {k["purpose"] for k in kit.json()["keys"]} == {"sign", "pin"}
    pos = Pos(shop, shop.merchant_id, shop.device_id, shop.device_key)
    items = [
        {"record": r, "signature": s} for r, s in (pos.record(1, 50_000), pos.record(2, 60_000))
    ]
    raw = json.dumps({"records": items}).encode()

    def send() -> httpx.Response:
        headers = {
            **auth,
            "Content-Type": "application/json",
            **shop.sign("POST", "/api/redemptions/offline-batch", raw),
        }
        return site.client.post("/api/redemptions/offline-batch", content=raw, headers=headers)

    first = send()
    assert first.status_code == 200, first.text
    assert [(o["status"], o["duplicate"]) for o in first.json()["outcomes"]] == [
        ("accepted", False), ("accepted", False)]  # fmt: skip
    again = send().json()["outcomes"]
    assert [(o["status"], o["duplicate"]) for o in again] == [("accepted", True)] * 2
    wallet = site.client.get(f"/api/ledger/accounts/{shop.wallets[0]}",
                             headers=site.bearer("auditor")).json()  # fmt: skip
    assert wallet["posted"] == 200_000 - 110_000
    flagged = site.client.get("/api/offline/flagged", headers=site.bearer("operator"))
    assert flagged.status_code == 200 and flagged.json() == []
    missing = site.client.post("/api/offline/records/99999/resolve", json={"note": "x"},
                               headers=site.bearer("operator"))  # fmt: skip
    assert (missing.status_code, missing.json()["code"]) == (404, "offline.not_flagged")


def test_settlement_and_statement_over_http(site: Site) -> None:  # noqa: F811
    with unit_of_work(site.rt.factory) as db:
        shop = open_shop(db, site.rt.cipher, username="kasir-settle", households=1)
    token = site.login("kasir-settle", PASSWORD).json()["token"]
    paid = _post(site, shop, token, _body(shop, "settle-1", 25_000))
    assert paid.status_code == 201, paid.text
    today = settlement.business_day()
    early = site.client.post("/api/settlements/run", json={"date": today.isoformat()},
                             headers=site.bearer("operator"))  # fmt: skip
    assert (early.status_code, early.json()["code"]) == (422, "settlement.day_not_over")
    with unit_of_work(site.rt.factory) as db:  # the day has ended: run it as tomorrow would
        made = settlement.run(db, today, Actor("operator", "operator"),
                              today=today + timedelta(days=1))  # fmt: skip
        assert [s.amount for s in made if s.merchant_id == shop.merchant_id] == [25_000]
    own = {"Authorization": f"Bearer {token}"}
    url = f"/api/merchants/{shop.merchant_id}/statement?date={today.isoformat()}"
    data = site.client.get(url, headers=own).json()
    assert data["total"] == 25_000 and [r["amount"] for r in data["redemptions"]] == [25_000]
    csv_text = site.client.get(url + "&format=csv", headers=own).text
    assert csv_text.splitlines()[1].split(",")[5] == "25000"
    other = site.client.get(f"/api/merchants/{shop.merchant_id + 999}/statement"
                            f"?date={today.isoformat()}", headers=own)  # fmt: skip
    assert (other.status_code, other.json()["code"]) == (403, "auth.forbidden")
