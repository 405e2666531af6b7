"""Daily settlement on both engines: one instruction per shop, program and day, the payable
moved to clearing, every redemption on the statement, and a second run moving nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from bansos.auth.service import Actor
from bansos.core.crypto import FieldCipher
from bansos.core.errors import Problem
from bansos.ledger import service as ledger
from bansos.merchants import settlement
from tests.vouchers.shop import OPERATOR
from tests.vouchers.test_offline import _two_shops
from tests.vouchers.test_redeem import _redeem


def test_a_day_is_settled_once_per_shop_with_a_statement(db: Session, cipher: FieldCipher) -> None:
    a, b = _two_shops(db, cipher, amount=200_000)
    shop = a.shop
    _redeem(db, cipher, shop, "online-1", amount=30_000)
    _redeem(db, cipher, shop, "online-2", amount=20_000, card=1)
    assert b.sync(db, cipher, [b.record(1, 40_000)])[0].status == "accepted"
    day = settlement.business_day()
    with pytest.raises(Problem) as exc:
        settlement.run(db, day, OPERATOR)
    assert exc.value.code == "settlement.day_not_over"
    with pytest.raises(Problem) as exc:
        settlement.run(db, day, Actor("x", "auditor"), today=day + timedelta(days=1))
    assert exc.value.code == "auth.forbidden"

    made = settlement.run(db, day, OPERATOR, today=day + timedelta(days=1))
    assert sorted((s.merchant_id, s.amount, s.redemptions) for s in made) == [
        (a.merchant_id, 50_000, 2), (b.merchant_id, 40_000, 1)]  # fmt: skip
    for s in made:
        payable = ledger.find_account(db, "merchant_payable", f"merchant:{s.merchant_id}",
                                      "SEMBAKO")  # fmt: skip
        assert payable is not None and ledger.balance(db, payable).posted == 0
    again = settlement.run(db, day, OPERATOR, today=day + timedelta(days=1))
    assert [s.id for s in again] == [s.id for s in made]
    clearing = ledger.find_account(db, "settlement_clearing", settlement.CLEARING_OWNER)
    assert clearing is not None and ledger.balance(db, clearing).posted == 90_000

    paper = settlement.statement(db, a.merchant_id, day)
    assert paper["total"] == 50_000
    rows = paper["redemptions"]
    assert isinstance(rows, list) and sorted(r["amount"] for r in rows) == [20_000, 30_000]
    text = settlement.statement_csv(paper)
    assert text.splitlines()[0].startswith("redemption_id,settlement_id,at")
    assert len(text.splitlines()) == 3
    # a redemption after the cut-off waits for its own day
    _redeem(db, cipher, shop, "online-3", amount=5_000)
    assert [s.amount for s in settlement.run(db, day, OPERATOR, today=day + timedelta(days=1))
            if s.merchant_id == a.merchant_id] == [50_000]  # fmt: skip
    assert ledger.verify(db).ok
