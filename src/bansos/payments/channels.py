"""Payout channels: where a household's aid goes, checked before any money is sent there.

A household chooses, per program, its program wallet (the default: spent at partner shops with
the QR card), an e-wallet number or a bank account. An external account is first asked about
(the rail's account inquiry, before any transaction is opened: it is a network call), then the
holder name it returns is compared with the registry. A clear match makes the channel
``verified``; anything else goes to ``review``, where an approver other than the operator who
asked decides (maker-checker, audited). Nothing is paid to an unverified channel.

The name rule (:func:`compare_names`), on names normalised by ``targeting.names`` (titles,
old spellings and variants of common given names folded) and reduced to phonetic keys, word by
word, against the living head and spouse of the household:

* ``exact``: the same normalised name;
* ``same``: the same words in another order, or spelled alike by sound (Jusuf/Yusuf);
* ``contained``: one name is the other with words left out, and the shorter one still has
  two words that are not among the very common ones (Siti, Muhammad, Nur, Balinese birth
  names ...): banks cut long names, and people drop a second name;
* ``partial`` (some words shared) or ``different``: review.

The first three verify the channel. The rule leans to review: a false "match" would send a
family's aid to somebody else's account, a false "mismatch" only costs an approver a look.
Two households giving the same account number also go to review, whatever the names say.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bansos.auth import service as auth
from bansos.auth.service import Actor
from bansos.core.clock import now
from bansos.core.crypto import FieldCipher
from bansos.core.errors import Problem
from bansos.payments.models import CHANNEL_KINDS, PayoutChannel
from bansos.payments.rails import AccountCheck, AccountState, Destination, Kind, PayoutRail
from bansos.programs import service as programs
from bansos.registry import service as registry
from bansos.targeting.names import COMMON_WORDS, name_key, normalize_name
from bansos.transparency import service as audit

ACCOUNT_CONTEXT = b"payout-account"
NAME_CONTEXT = b"payout-holder-name"
VERIFIED_MATCHES = ("exact", "same", "contained")
_SEPARATORS = re.compile(r"[\s.\-]")
_COMMON_KEYS = frozenset(name_key(word) for word in COMMON_WORDS)


@dataclass(frozen=True)
class ChannelRequest:
    """What an operator asks for on a household's behalf (typed in: checked here)."""

    household_id: int
    program_code: str
    kind: str
    provider: str = ""
    account: str = ""
    bank_code: str = ""

    def destination(self) -> Destination | None:
        """The external destination (None for the wallet); a Problem for bad input. Spaces,
        dots and hyphens that people type into account numbers are dropped."""
        if self.kind not in CHANNEL_KINDS:
            raise Problem("payments.channel_kind", kind=str(self.kind)[:20])
        if self.kind == "wallet":
            if self.provider or self.account or self.bank_code:
                raise Problem("payments.wallet_takes_no_account")
            return None
        kind: Kind = "bank" if self.kind == "bank" else "emoney"
        number = _SEPARATORS.sub("", self.account)
        return Destination(kind, self.provider, number, self.bank_code.strip())


def inquire(rails: Mapping[str, PayoutRail], request: ChannelRequest) -> AccountCheck | None:
    """Ask the provider about the account (None for the wallet). Outside any transaction: it is
    a network call. Refused here, with nothing stored: an unknown provider, a malformed
    number, an account that does not exist or may not receive money, or no clear answer."""
    destination = request.destination()
    if destination is None:
        return None
    rail = rails.get(destination.provider)
    if rail is None:
        raise Problem("payments.provider_unknown", provider=destination.provider[:32],
                      known=", ".join(sorted(rails)) or "-")  # fmt: skip
    check = rail.inquire(destination)
    if check.state is AccountState.NOT_FOUND:
        raise Problem(
            "payments.account_not_found", account=mask_account(destination.account_number)
        )
    if check.state is AccountState.INACTIVE:
        raise Problem("payments.account_inactive", account=mask_account(destination.account_number))
    if not check.active or not check.holder_name.strip():
        raise Problem("payments.inquiry_unclear",
                      detail=check.response_code or check.transport or "-")  # fmt: skip
    return check


def compare_names(registry_names: Sequence[str], holder: str) -> str:
    """The best of ``exact``, ``same``, ``contained``, ``partial``, ``different`` over the
    registry names (see the module docstring)."""
    order = ("exact", "same", "contained", "partial", "different")
    results = [_compare(name, holder) for name in registry_names if name.strip()]
    return min(results, key=order.index) if results else "different"


def _compare(registered: str, holder: str) -> str:
    a, b = normalize_name(registered), normalize_name(holder)
    if not a or not b:
        return "different"
    if a == b:
        return "exact"
    keys_a, keys_b = name_key(a).split(), name_key(b).split()
    if sorted(keys_a) == sorted(keys_b):
        return "same"
    shorter, longer = sorted((keys_a, keys_b), key=len)
    rest = list(longer)
    inside = True
    for word in shorter:
        if word in rest:
            rest.remove(word)
        else:
            inside = False
    distinctive = [w for w in shorter if w not in _COMMON_KEYS]
    if inside and len(distinctive) >= 2:
        return "contained"
    if (set(keys_a) & set(keys_b)) - _COMMON_KEYS:
        return "partial"
    return "different"


def set_channel(
    session: Session,
    cipher: FieldCipher,
    request: ChannelRequest,
    check: AccountCheck | None,
    actor: Actor,
) -> PayoutChannel:
    """Record the household's channel for the program (replacing an earlier one), verified or
    for review as the module docstring says. ``check`` is :func:`inquire`'s answer for this
    very request. Payouts already on their way keep the destination they were queued with."""
    auth.need(actor, "payments.channel")
    destination = request.destination()
    if not registry.household_exists(session, request.household_id):
        raise Problem("payments.household_not_found", household_id=request.household_id)
    programs.name_of(session, request.program_code)
    values = _channel_values(session, cipher, request, destination, check)
    channel = channel_for(session, request.household_id, request.program_code)
    if channel is None:
        channel = PayoutChannel(household_id=request.household_id,
                                program_code=request.program_code)  # fmt: skip
        session.add(channel)
    for field, value in values.items():
        setattr(channel, field, value)
    channel.requested_by, channel.requested_at = actor.username, now()
    channel.decided_by = channel.decided_at = channel.decision_reason = None
    session.flush()
    audit.record(session, actor.username, "payout_channel.set", "payout_channel", str(channel.id),
                 household_id=request.household_id, program=request.program_code,
                 kind=channel.kind, provider=channel.provider, account=channel.account_mask,
                 name_match=channel.name_match, status=channel.status,
                 note=channel.review_note)  # fmt: skip
    return channel


def _channel_values(
    session: Session,
    cipher: FieldCipher,
    request: ChannelRequest,
    destination: Destination | None,
    check: AccountCheck | None,
) -> dict[str, object]:
    if destination is None:
        return {"kind": "wallet", "provider": "", "account_enc": None, "account_index": None,
                "account_mask": "", "bank_code": "", "holder_name_enc": None, "name_match": "",
                "status": "verified", "review_note": ""}  # fmt: skip
    if check is None or check.destination != destination or not check.active:
        raise Problem("payments.inquiry_missing")
    number = destination.account_number
    index = cipher.blind_index(f"{destination.provider}:{number}", ACCOUNT_CONTEXT)
    match = compare_names(registry.account_holder_names(session, request.household_id),
                          check.holder_name)  # fmt: skip
    shared = session.scalars(
        select(PayoutChannel.household_id).where(
            PayoutChannel.account_index == index,
            PayoutChannel.household_id != request.household_id,
        )
    ).first()
    status, note = "verified", ""
    if shared is not None:
        status, note = "review", f"account also given for household {shared}"
    elif match not in VERIFIED_MATCHES:
        status, note = "review", f"holder name {match}"
    return {
        "kind": request.kind,
        "provider": destination.provider,
        "account_enc": cipher.encrypt(number, ACCOUNT_CONTEXT),
        "account_index": index,
        "account_mask": mask_account(number),
        "bank_code": destination.bank_code,
        "holder_name_enc": cipher.encrypt(check.holder_name.strip(), NAME_CONTEXT),
        "name_match": match,
        "status": status,
        "review_note": note,
    }


def decide_channel(
    session: Session, channel_id: int, actor: Actor, *, approve: bool, reason: str
) -> PayoutChannel:
    """An approver's decision on a channel in review; never by the operator who set it."""
    auth.need(actor, "payments.review")
    channel = session.get(PayoutChannel, channel_id)
    if channel is None:
        raise Problem("payments.channel_not_found", channel_id=channel_id)
    if channel.status != "review":
        raise Problem("payments.channel_not_in_review", status=channel.status)
    if actor.username == channel.requested_by:
        raise Problem("payments.own_request")
    if not reason.strip():
        raise Problem("payments.reason_required")
    channel.status = "verified" if approve else "rejected"
    channel.decided_by, channel.decided_at = actor.username, now()
    channel.decision_reason = reason.strip()
    audit.record(session, actor.username, f"payout_channel.{channel.status}", "payout_channel",
                 str(channel.id), household_id=channel.household_id,
                 program=channel.program_code, account=channel.account_mask,
                 name_match=channel.name_match, reason=reason.strip())  # fmt: skip
    return channel


def channel_for(session: Session, household_id: int, program_code: str) -> PayoutChannel | None:
    return session.scalar(
        select(PayoutChannel).where(
            PayoutChannel.household_id == household_id,
            PayoutChannel.program_code == program_code,
        )
    )


def channels_for(
    session: Session, household_ids: Sequence[int], program_code: str
) -> dict[int, PayoutChannel]:
    """The channels of many households in one program (a payout run's page)."""
    if not household_ids:
        return {}
    rows = session.scalars(
        select(PayoutChannel).where(
            PayoutChannel.program_code == program_code,
            PayoutChannel.household_id.in_(list(household_ids)),
        )
    )
    return {c.household_id: c for c in rows}


def in_review(session: Session, *, limit: int = 200) -> list[PayoutChannel]:
    return list(session.scalars(
        select(PayoutChannel).where(PayoutChannel.status == "review")
        .order_by(PayoutChannel.id).limit(limit)
    ))  # fmt: skip


def holder_name(cipher: FieldCipher, channel: PayoutChannel) -> str:
    return "" if channel.holder_name_enc is None else cipher.decrypt(
        channel.holder_name_enc, NAME_CONTEXT)  # fmt: skip


def account_number(cipher: FieldCipher, channel: PayoutChannel) -> str:
    return "" if channel.account_enc is None else cipher.decrypt(
        channel.account_enc, ACCOUNT_CONTEXT)  # fmt: skip


def mask_account(number: str) -> str:
    """``********7890``: the last four digits, as bank receipts show them."""
    return "*" * max(len(number) - 4, 0) + number[-4:]


def mask_name(name: str) -> str:
    """``S*** A*****``: each word's first letter."""
    return " ".join(word[0] + "*" * (len(word) - 1) for word in name.split())
