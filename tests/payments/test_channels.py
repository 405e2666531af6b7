"""Payout channels on both engines: the account inquiry, the holder-name rule, review by a
second person, and bad requests that change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bansos.auth.service import Actor
from bansos.core.crypto import FieldCipher
from bansos.core.errors import Problem
from bansos.payments import channels
from bansos.payments.channels import ChannelRequest, compare_names
from bansos.payments.models import PayoutChannel
from bansos.transparency.models import AuditEvent
from tests.payments.fake_rail import ScriptedRail
from tests.payments.payout_world import APPROVER, OPERATOR, PROGRAM, household, load_program


@pytest.mark.parametrize(
    ("registered", "holder", "expected"),
    [
        ("Siti Aminah", "SITI AMINAH", "exact"),
        ("Hj. Siti Aminah, S.Pd", "SITI AMINAH", "exact"),  # titles and degrees dropped
        ("Djoko Santoso", "JOKO SANTOSO", "exact"),  # the old spelling
        ("Mochammad Yusuf", "MUHAMMAD YUSUF", "exact"),  # a variant of a common name
        ("Tua Simanjuntak", "SIMANJUNTAK TUA", "same"),  # name order
        ("Yusuf Hassan", "JUSUF HASAN", "same"),  # spelled alike by sound
        ("Siti Aminah Rahayu Lestari", "AMINAH RAHAYU", "contained"),  # bank cut the name
        ("Siti Aminah", "AMINAH", "partial"),  # one distinctive word: not enough
        ("Siti Aminah", "SITI RAHMAWATI", "different"),  # only the common word shared
        ("Budi Santoso", "AGUS SALIM", "different"),
        ("Budi Santoso", "", "different"),
    ],
)
def test_holder_names_are_compared_on_normalised_words(
    registered: str, holder: str, expected: str
) -> None:
    assert compare_names([registered], holder) == expected


def test_the_best_match_among_head_and_spouse_counts() -> None:
    assert compare_names(["Budi Santoso", "Siti Aminah"], "SITI AMINAH") == "exact"
    assert compare_names([], "SITI AMINAH") == "different"


def test_masks_keep_only_what_a_receipt_shows() -> None:
    assert channels.mask_account("081234567890") == "********7890"
    assert channels.mask_name("SITI AMINAH") == "S*** A*****"


@pytest.fixture
def rail(db: Session) -> ScriptedRail:
    load_program(db)
    return ScriptedRail("dompet", "emoney", accounts={
        "081234567890": ("SITI AMINAH", True),
        "081234567891": ("AGUS SALIM", True),
        "081234567892": ("SITI AMINAH", False),
    })  # fmt: skip


def _set(db: Session, cipher: FieldCipher, rail: ScriptedRail, hh: int, account: str,
         actor: Actor = OPERATOR) -> PayoutChannel:  # fmt: skip
    request = ChannelRequest(hh, PROGRAM, "emoney", rail.name, account)
    check = channels.inquire({rail.name: rail}, request)
    return channels.set_channel(db, cipher, request, check, actor)


def test_a_matching_holder_verifies_the_channel(
    db: Session, cipher: FieldCipher, rail: ScriptedRail
) -> None:
    hh = household(db, cipher, [("Budi Santoso", "head"), ("Siti Aminah", "spouse"),
                                ("Agus Salim", "child")])  # fmt: skip
    made = _set(db, cipher, rail, hh, "0812-3456-7890")  # typed with hyphens
    assert (made.status, made.name_match, made.account_mask) == ("verified", "exact",
                                                                 "********7890")  # fmt: skip
    assert channels.account_number(cipher, made) == "081234567890"
    assert channels.holder_name(cipher, made) == "SITI AMINAH"
    assert made.account_enc is not None and b"081234567890" not in made.account_enc
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "payout_channel.set")).one()
    assert event.details["account"] == "********7890"
    assert "081234567890" not in str(event.details)


def test_a_child_s_account_goes_to_review_and_a_second_person_decides(
    db: Session, cipher: FieldCipher, rail: ScriptedRail
) -> None:
    hh = household(db, cipher, [("Siti Aminah", "head"), ("Agus Salim", "child")])
    made = _set(db, cipher, rail, hh, "081234567891")
    assert (made.status, made.name_match) == ("review", "different")
    assert made.review_note == "holder name different"
    assert [c.id for c in channels.in_review(db)] == [made.id]
    for actor, reason, code in [
        (OPERATOR, "ok", "auth.forbidden"),  # an operator may not decide
        (Actor("siti", "approver"), "ok", "payments.own_request"),  # nor the maker, as approver
        (APPROVER, "  ", "payments.reason_required"),
    ]:
        with pytest.raises(Problem) as caught:
            channels.decide_channel(db, made.id, actor, approve=True, reason=reason)
        assert caught.value.code == code
        assert db.get_one(PayoutChannel, made.id).status == "review"
    decided = channels.decide_channel(
        db, made.id, APPROVER, approve=True, reason="anak mengurus ibu yang sakit, dicek pendamping"
    )
    assert (decided.status, decided.decided_by) == ("verified", "budi")
    with pytest.raises(Problem) as caught:
        channels.decide_channel(db, made.id, APPROVER, approve=False, reason="again")
    assert caught.value.code == "payments.channel_not_in_review"
    actions = db.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "payout_channel").order_by(AuditEvent.id)).all()  # fmt: skip
    assert actions == ["payout_channel.set", "payout_channel.verified"]


def test_one_account_for_two_households_goes_to_review(
    db: Session, cipher: FieldCipher, rail: ScriptedRail
) -> None:
    first = household(db, cipher, [("Siti Aminah", "head")])
    second = household(db, cipher, [("Siti Aminah", "head")])
    assert _set(db, cipher, rail, first, "081234567890").status == "verified"
    made = _set(db, cipher, rail, second, "081234567890")
    assert (made.status, made.review_note) == ("review", f"account also given for household "
                                                         f"{first}")  # fmt: skip


def test_a_new_choice_replaces_the_old_and_the_wallet_needs_no_check(
    db: Session, cipher: FieldCipher, rail: ScriptedRail
) -> None:
    hh = household(db, cipher, [("Siti Aminah", "head")])
    first = _set(db, cipher, rail, hh, "081234567890")
    back = channels.set_channel(db, cipher, ChannelRequest(hh, PROGRAM, "wallet"), None, OPERATOR)
    assert back.id == first.id
    assert (back.kind, back.status, back.account_enc, back.account_mask) == ("wallet", "verified",
                                                                             None, "")  # fmt: skip
    assert db.scalar(select(func.count()).select_from(PayoutChannel)) == 1


@pytest.mark.parametrize(
    ("request_", "code"),
    [
        (ChannelRequest(0, PROGRAM, "emoney", "nowhere", "081234567890"),
         "payments.provider_unknown"),
        (ChannelRequest(0, PROGRAM, "emoney", "dompet", "0812-ABC"),
         "payments.account_number_invalid"),
        (ChannelRequest(0, PROGRAM, "emoney", "dompet", "9" * 21),
         "payments.account_number_invalid"),
        (ChannelRequest(0, PROGRAM, "emoney", "dompet", "089999999999"),
         "payments.account_not_found"),
        (ChannelRequest(0, PROGRAM, "emoney", "dompet", "081234567892"),
         "payments.account_inactive"),
        (ChannelRequest(0, PROGRAM, "emoney", "dompet", "081234567890", "014"),
         "payments.bank_code_invalid"),
        (ChannelRequest(0, PROGRAM, "bank", "dompet", "1234567890"),
         "payments.bank_code_invalid"),
        (ChannelRequest(0, PROGRAM, "cash", "dompet", "1234567890"), "payments.channel_kind"),
        (ChannelRequest(0, PROGRAM, "wallet", "dompet"), "payments.wallet_takes_no_account"),
    ],
)  # fmt: skip
def test_a_bad_request_is_refused_before_anything_is_stored(
    db: Session, cipher: FieldCipher, rail: ScriptedRail, request_: ChannelRequest, code: str
) -> None:
    hh = household(db, cipher, [("Siti Aminah", "head")])
    request = ChannelRequest(hh, request_.program_code, request_.kind, request_.provider,
                             request_.account, request_.bank_code)  # fmt: skip
    with pytest.raises(Problem) as caught:
        check = channels.inquire({rail.name: rail}, request)
        channels.set_channel(db, cipher, request, check, OPERATOR)
    assert caught.value.code == code
    assert db.scalar(select(func.count()).select_from(PayoutChannel)) == 0


def test_who_may_set_a_channel_and_for_what(
    db: Session, cipher: FieldCipher, rail: ScriptedRail
) -> None:
    hh = household(db, cipher, [("Siti Aminah", "head")])
    request = ChannelRequest(hh, PROGRAM, "emoney", rail.name, "081234567890")
    check = channels.inquire({rail.name: rail}, request)
    cases = [
        (request, Actor("x", "auditor"), "auth.forbidden"),
        (ChannelRequest(10**9, PROGRAM, "wallet"), OPERATOR, "payments.household_not_found"),
        (ChannelRequest(hh, "NOPE", "wallet"), OPERATOR, "program.not_found"),
    ]
    for req, actor, code in cases:
        with pytest.raises(Problem) as caught:
            channels.set_channel(db, cipher, req, check if req is request else None, actor)
        assert caught.value.code == code
    other = ChannelRequest(hh, PROGRAM, "emoney", rail.name, "081234567891")
    with pytest.raises(Problem) as caught:  # the check was for another number
        channels.set_channel(db, cipher, other, check, OPERATOR)
    assert caught.value.code == "payments.inquiry_missing"
    assert db.scalar(select(func.count()).select_from(PayoutChannel)) == 0
