"""Issuing and checking what a recipient claims with: issuer keys, QR credentials, PINs and
claim codes; and redemption at a partner shop, which moves the money in one transaction."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import cbor2
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from bansos.auth import service as auth
from bansos.auth.service import Actor
from bansos.core import codes
from bansos.core.base45 import Base45Error, b45decode, b45encode
from bansos.core.clock import now
from bansos.core.crypto import FieldCipher
from bansos.core.errors import Problem
from bansos.db import Raw
from bansos.ledger import service as ledger
from bansos.merchants import service as merchants
from bansos.merchants.models import Device, Merchant
from bansos.notify import service as outbox
from bansos.programs import service as programs
from bansos.registry import service as registry
from bansos.transparency import service as audit
from bansos.vouchers import card, cose, pin, qr, qris
from bansos.vouchers.keys import ensure_keys as ensure_keys
from bansos.vouchers.keys import pin_key as pin_key
from bansos.vouchers.keys import published_keys as published_keys
from bansos.vouchers.keys import retire_key as retire_key
from bansos.vouchers.keys import rotate_keys as rotate_keys
from bansos.vouchers.keys import signing_key as signing_key
from bansos.vouchers.keys import trusted_keys as trusted_keys
from bansos.vouchers.models import ClaimCode, Credential, RecipientPin, Redemption
from bansos.vouchers.qr import VoucherProblem

CREDENTIAL_DAYS = 730
CLAIM_CODE_HOURS = 72
PIN_LOCK_MINUTES = 30
RECEIPT_PREFIX = "BR1:"
HELPLINE = "Kemensos 171"


def owner(household_id: int) -> str:
    return f"household:{household_id}"


def revocation_list(session: Session) -> list[str]:
    """Ids (cti, hex) of revoked cards that have not expired yet: what an offline POS caches."""
    return [cti.hex() for cti in session.scalars(
        select(Credential.cti).where(Credential.revoked_at.is_not(None),
                                     Credential.expires_at > now())
        .order_by(Credential.id))]  # fmt: skip


# -- credentials ---------------------------------------------------------------------------


def pseudonym(cipher: FieldCipher, household_id: int) -> bytes:
    """The household's id on its cards: the same on every card, meaningless without our key."""
    return cipher.blind_index(owner(household_id), b"credential-subject")[-10:]


def households_with_wallets(session: Session, program: str, *, limit: int) -> list[int]:
    """Households with a wallet in ``program`` (the first ``limit``, by id)."""
    owners = ledger.owners_of(session, "recipient_wallet", program, prefix="household:",
                              limit=limit)  # fmt: skip
    return [int(o.removeprefix("household:")) for o in owners]


def issue_credential(
    session: Session, cipher: FieldCipher, household_id: int, actor: Actor,
    *, days: int = CREDENTIAL_DAYS,
) -> Credential:  # fmt: skip
    """A new QR card for a household that has a program wallet; an earlier card still in use
    is replaced (and goes on the revocation list)."""
    auth.need(actor, "credentials.manage")
    if not registry.household_exists(session, household_id):
        raise VoucherProblem("credential.household_not_found", household_id=household_id)
    progs = ledger.programs_of(session, "recipient_wallet", owner(household_id))
    if not progs:
        raise VoucherProblem("credential.no_program", household_id=household_id)
    stamp = now()
    for old in session.scalars(select(Credential).where(
            Credential.household_id == household_id, Credential.status == "active")):  # fmt: skip
        old.status, old.revoked_at, old.revoked_by = "replaced", stamp, actor.username
        old.revoke_reason = "diganti kartu baru"
    kid, key = signing_key(session, cipher)
    cti = secrets.token_bytes(8)
    expires = stamp + timedelta(days=days)
    claims = qr.Claims(credential_id=cti, subject=pseudonym(cipher, household_id),
                       programs=tuple(progs), issued_at=int(stamp.timestamp()),
                       not_before=int(stamp.timestamp()) - 300,
                       expires_at=int(expires.timestamp()))  # fmt: skip
    cred = Credential(cti=cti, household_id=household_id, subject=claims.subject,
                      programs=",".join(progs), kid=kid, qr_text=qr.encode(claims, key, kid),
                      issued_at=stamp, expires_at=expires, issued_by=actor.username)  # fmt: skip
    session.add(cred)
    session.flush()
    audit.record(session, actor.username, "credential.issued", "credential", str(cred.id),
                 household=household_id, programs=progs)  # fmt: skip
    return cred


def revoke_credential(
    session: Session, credential_id: int, actor: Actor, reason: str
) -> Credential:
    """A lost or stolen card: refused online at once, offline once POS caches refresh."""
    auth.need(actor, "credentials.manage")
    cred = session.get(Credential, credential_id)
    if cred is None:
        raise VoucherProblem("credential.not_found", credential_id=credential_id)
    if cred.status == "active":
        cred.status, cred.revoked_at, cred.revoked_by = "revoked", now(), actor.username
        cred.revoke_reason = reason
        audit.record(session, actor.username, "credential.revoked", "credential", str(cred.id),
                     reason=reason)  # fmt: skip
    return cred


# -- PIN -------------------------------------------------------------------------------------


class WrongPin(VoucherProblem):
    """Raised inside the redemption transaction, which is then rolled back; the caller counts
    the failure in a transaction of its own (``count_wrong_pin``) so that it sticks."""

    def __init__(self, household_id: int) -> None:
        super().__init__("pin.wrong", tries_left=0)
        self.household_id = household_id


def set_pin(session: Session, cipher: FieldCipher, household_id: int, new_pin: str) -> None:
    pin.check_new_pin(new_pin)
    verifier = pin.verifier(cipher.derive(b"pin-verifier"), household_id, new_pin)
    row = session.get(RecipientPin, household_id)
    if row is None:
        session.add(RecipientPin(household_id=household_id, verifier=verifier))
    else:
        row.verifier, row.failed, row.locked_until, row.set_at = verifier, 0, None, now()
    session.flush()


def check_pin(session: Session, cipher: FieldCipher, household_id: int, given: str) -> None:
    raw = Raw(session)  # on every payment: on the driver
    row = raw.one("SELECT verifier, failed, locked_until FROM recipient_pins "
                  "WHERE household_id = ?", (household_id,))  # fmt: skip
    if row is None:  # first claim: the PIN she types now becomes hers
        set_pin(session, cipher, household_id, given)
        return
    verifier, failed, locked = bytes(row[0]), row[1], raw.when(row[2])
    if locked is not None and locked > now():
        raise VoucherProblem("pin.locked", until=locked.strftime("%H:%M UTC"))
    if not pin.matches(cipher.derive(b"pin-verifier"), household_id, given, verifier):
        raise WrongPin(household_id)
    if failed:
        raw.run("UPDATE recipient_pins SET failed = 0, locked_until = NULL "
                "WHERE household_id = ?", (household_id,))  # fmt: skip
        loaded = session.identity_map.get(identity_key(RecipientPin, household_id))
        if loaded is not None:
            session.expire(loaded)


def count_wrong_pin(session: Session, household_id: int) -> VoucherProblem:
    """Record a wrong PIN; the fifth in a row locks the household's PIN for a cooling period
    and raises an alert (audit trail and a message to the household)."""
    session.execute(update(RecipientPin).where(RecipientPin.household_id == household_id)
                    .values(failed=RecipientPin.failed + 1))  # fmt: skip
    row = session.get(RecipientPin, household_id)
    assert row is not None
    session.refresh(row)
    if row.failed >= pin.MAX_WRONG:
        row.locked_until, row.failed = now() + timedelta(minutes=PIN_LOCK_MINUTES), 0
        audit.record(session, "system", "pin.locked", "household", str(household_id),
                     minutes=PIN_LOCK_MINUTES)  # fmt: skip
        outbox.enqueue(session, "pin_locked", owner(household_id),
                       json.dumps({"minutes": PIN_LOCK_MINUTES}),
                       f"pin_locked:{household_id}:{int(now().timestamp())}")  # fmt: skip
        return VoucherProblem("pin.locked", until=row.locked_until.strftime("%H:%M UTC"))
    return VoucherProblem("pin.wrong", tries_left=pin.MAX_WRONG - row.failed)


# -- claim codes ---------------------------------------------------------------------------


def _code_digest(cipher: FieldCipher, canonical: str) -> bytes:
    return cipher.blind_index(canonical, b"claim-code")


def issue_claim_code(session: Session, cipher: FieldCipher, household_id: int, program: str,
                     actor: Actor, *, hours: int = CLAIM_CODE_HOURS) -> str:  # fmt: skip
    """A single-use code for a feature phone, sent through the outbox; stored as a digest."""
    auth.need(actor, "credentials.manage")
    if ledger.find_account(session, "recipient_wallet", owner(household_id), program) is None:
        raise VoucherProblem("credential.no_program", household_id=household_id)
    code = codes.new_code()
    canonical = codes.normalize(code)
    expires = now() + timedelta(hours=hours)
    row = ClaimCode(
        digest=_code_digest(cipher, canonical),
        household_id=household_id,
        program_code=program,
        expires_at=expires,
        created_by=actor.username,
    )
    session.add(row)
    session.flush()
    outbox.enqueue(session, "claim_code", owner(household_id),
                   json.dumps({"code": codes.format_code(canonical), "program": program,
                               "expires_at": expires.isoformat()}),
                   f"claim_code:{row.id}")  # fmt: skip
    audit.record(session, actor.username, "claim_code.issued", "household", str(household_id),
                 program=program, claim_code=row.id)  # fmt: skip
    return codes.format_code(canonical)


# -- redemption ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RedeemRequest:
    idempotency_key: str
    program: str
    amount: int
    categories: tuple[str, ...]
    pin_block: str
    qr_text: str | None = None
    claim_code: str | None = None


@dataclass(frozen=True)
class Receipt:
    redemption_id: int
    at: datetime
    merchant_id: int
    merchant_name: str
    program: str
    amount: int
    balance_after: int
    signed: str  # BR1: + base45(COSE_Sign1), verifiable with the published keys
    replayed: bool = False


def _digest(req: RedeemRequest) -> bytes:
    what = [
        req.program,
        req.amount,
        sorted(req.categories),
        req.qr_text or "",
        codes.normalize(req.claim_code) if req.claim_code else "",
    ]
    return hashlib.sha256(json.dumps(what).encode()).digest()


@dataclass(frozen=True)
class Paid:
    """A stored redemption, as far as its receipt goes."""

    id: int
    created_at: datetime
    program_code: str
    amount: int
    balance_after: int
    receipt: str


def _receipt(row: Paid, merchant: Merchant, replayed: bool = False) -> Receipt:
    return Receipt(row.id, row.created_at, merchant.id, merchant.name, row.program_code,
                   row.amount, row.balance_after, row.receipt, replayed)  # fmt: skip


def _done(session: Session, key: str) -> tuple[bytes, Paid] | None:
    """The redemption already made under ``key`` (its request digest and receipt), if any."""
    raw = Raw(session)
    row = raw.one("SELECT request_digest, id, created_at, program_code, amount, balance_after, "
                  'receipt FROM redemptions WHERE "key" = ?', (key,))  # fmt: skip
    if row is None:
        return None
    at = raw.when(row[2])
    assert at is not None
    return bytes(row[0]), Paid(row[1], at, row[3], row[4], row[5], row[6])


def read_receipt(session: Session, text: str) -> dict[int, object]:
    """A receipt checked against the published keys (what a recipient or auditor does)."""
    if not text.startswith(RECEIPT_PREFIX):
        raise VoucherProblem("receipt.invalid")
    try:
        message = cose.parse(b45decode(text[len(RECEIPT_PREFIX) :]))
        trusted = trusted_keys(session).get(message.kid)
        if trusted is None or trusted.status == "retired":
            raise VoucherProblem("receipt.invalid")
        cose.verify(message, trusted.public)
        body: dict[int, object] = cbor2.loads(message.payload)
    except (Base45Error, cose.CoseError):
        raise VoucherProblem("receipt.invalid") from None
    return body


def redeem(
    session: Session,
    cipher: FieldCipher,
    req: RedeemRequest,
    device: Device,
    merchant: Merchant,
    username: str,
) -> Receipt:
    """Everything checked, then in this one transaction: the ledger transfer wallet -> the
    shop's payable, the redemption and its signed receipt. The same idempotency key again
    returns the first receipt."""
    if merchant.status != "active" or device.status != "active":
        raise VoucherProblem("merchant.not_active", status=merchant.status)
    key = f"{device.id}:{req.idempotency_key}"
    if not req.idempotency_key or len(key) > 120:
        raise VoucherProblem("redemption.key")
    digest = _digest(req)
    # The cryptography first (card signature, PIN block): on SQLite the write lock is taken
    # by the first statement below, and held until commit. Their problems are raised where
    # the checks belong, after a replay has had its chance to answer.
    verified: qr.Verified | VoucherProblem | None = None
    if req.qr_text is not None and req.claim_code is None:
        try:
            verified = qr.read(req.qr_text, trusted_keys(session), (), int(now().timestamp()))
        except VoucherProblem as exc:
            verified = exc
    typed: str | VoucherProblem
    try:
        typed = pin.open_block(req.pin_block, pin_key(session, cipher),
                               pin.associated_data(device.id, req.idempotency_key))  # fmt: skip
    except VoucherProblem as exc:
        typed = exc
    done = _done(session, key)
    if done is not None:
        if done[0] != digest:
            raise VoucherProblem("redemption.key_reused")
        return _receipt(done[1], merchant, replayed=True)
    amount = ledger.check_amount(req.amount)
    if isinstance(verified, VoucherProblem):
        raise verified
    if verified is not None:
        cred = credential_of(session, verified, at=now())
        if req.program not in verified.claims.programs:
            raise VoucherProblem("redemption.program", program=req.program)
        household_id, credential_id, claim_code_id, channel = cred.household_id, cred.id, None, "qr"
    elif req.claim_code is not None and req.qr_text is None:
        canonical = codes.check(req.claim_code)
        code = session.scalar(select(ClaimCode).where(
            ClaimCode.digest == _code_digest(cipher, canonical)))  # fmt: skip
        if code is None:
            raise VoucherProblem("claim_code.unknown")
        if code.used_at is not None:
            raise VoucherProblem("claim_code.used")
        if code.expires_at <= now():
            raise VoucherProblem("claim_code.expired")
        if code.program_code != req.program:
            raise VoucherProblem("redemption.program", program=req.program)
        household_id, credential_id, claim_code_id = code.household_id, None, code.id
        channel = "claim_code"
        code.used_at = now()
    else:
        raise VoucherProblem("redemption.credential")
    wanted = check_categories(session, merchant, req.program, req.categories)
    if isinstance(typed, VoucherProblem):
        raise typed
    check_pin(session, cipher, household_id, typed)
    row = pay(session, cipher, Payment(
        key=key, digest=digest, merchant=merchant, device_id=device.id,
        household_id=household_id, credential_id=credential_id, claim_code_id=claim_code_id,
        program=req.program, amount=amount, categories=wanted, channel=channel,
        username=username, wallet=wallet_of(session, household_id, req.program)))  # fmt: skip
    return _receipt(row, merchant)


@dataclass(frozen=True)
class CardRef:
    """The stored card behind a QR, as far as a payment needs it."""

    id: int
    household_id: int
    cti: bytes


def credential_of(session: Session, verified: qr.Verified, *, at: datetime) -> CardRef:
    """The stored card behind a verified QR; refused if it was blocked before ``at``."""
    raw = Raw(session)  # on every payment: on the driver
    cti = verified.claims.credential_id
    row = raw.one("SELECT id, household_id, revoked_at FROM credentials WHERE cti = ?", (cti,))
    if row is None:
        raise VoucherProblem("qr.unknown_credential")
    revoked = raw.when(row[2])
    if revoked is not None and revoked <= at:
        raise VoucherProblem("qr.revoked")
    return CardRef(row[0], row[1], cti)


def check_categories(session: Session, merchant: Merchant, program: str,
                     categories: tuple[str, ...]) -> set[str]:  # fmt: skip
    """What is bought must be within the program's restriction and the shop's registration."""
    allowed = set(programs.restrictions(session, program).categories)
    wanted = set(categories)
    if allowed:
        if not wanted:
            raise VoucherProblem("redemption.categories_missing")
        outside = sorted(wanted - allowed)
        if outside:
            raise VoucherProblem("redemption.category", category=outside[0], program=program)
    shop = set(merchant.categories.get(program, ()))
    if program not in merchant.categories or (allowed and not wanted <= shop):
        raise VoucherProblem("redemption.merchant_category", program=program)
    return wanted


def wallet_of(session: Session, household_id: int, program: str) -> int:
    wallet = ledger.find_account(session, "recipient_wallet", owner(household_id), program)
    if wallet is None:
        raise VoucherProblem("redemption.no_wallet", program=program)
    return wallet


@dataclass(frozen=True)
class Payment:
    key: str
    digest: bytes
    merchant: Merchant
    device_id: int | None
    household_id: int
    credential_id: int | None
    claim_code_id: int | None
    program: str
    amount: int
    categories: set[str]
    channel: str
    username: str
    wallet: int
    mode: str = "online"
    device_time: datetime | None = None


_INSERT_REDEMPTION = (
    'INSERT INTO redemptions ("key", request_digest, merchant_id, device_id, household_id, '
    "credential_id, claim_code_id, program_code, amount, categories, transfer_id, channel, "
    "mode, device_time, receipt, balance_after, created_by, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?) RETURNING id"
)


def pay(session: Session, cipher: FieldCipher, p: Payment) -> Paid:
    """The money and the record: transfer wallet -> the shop's payable (refused by the ledger
    if the wallet cannot cover it), the redemption row and its server-signed receipt. The
    statements go straight to the driver (``db.Raw``): this is the hot path."""
    owner_ = f"merchant:{p.merchant.id}"
    payable = ledger.find_account(session, "merchant_payable", owner_, p.program)
    if payable is None:
        payable = ledger.open_account(session, "merchant_payable", owner_, p.program).id
    try:
        spec = ledger.TransferSpec(f"r:{p.key}", p.wallet, payable, p.amount, "redemption",
                                   ref=owner_)  # fmt: skip
        moved = ledger.transfer(session, spec, p.username)
    except ledger.LedgerProblem as exc:
        if exc.code == "ledger.exceeds_credits":  # said in the till's terms, with the balance
            left = ledger.balance(session, p.wallet).available
            raise VoucherProblem("redemption.insufficient", balance=left) from None
        raise
    left = (moved.debit_available if moved.debit_available is not None
            else ledger.balance(session, p.wallet).available)  # fmt: skip
    stamp = now()
    categories = ",".join(sorted(p.categories))
    raw = Raw(session)
    inserted = raw.one(_INSERT_REDEMPTION, (
        p.key, p.digest, p.merchant.id, p.device_id, p.household_id, p.credential_id,
        p.claim_code_id, p.program, p.amount, categories, moved.transfer.id, p.channel, p.mode,
        raw.stamp(p.device_time), left, p.username, raw.stamp(stamp),
    ))  # fmt: skip
    assert inserted is not None
    redemption_id = int(inserted[0])
    kid, signer = signing_key(session, cipher)
    body = cbor2.dumps({1: redemption_id, 2: int(stamp.timestamp()), 3: p.merchant.id,
                        4: p.merchant.name, 5: p.program, 6: p.amount, 7: left,
                        8: categories})  # fmt: skip
    receipt = RECEIPT_PREFIX + b45encode(cose.sign(body, signer, kid))
    raw.run("UPDATE redemptions SET receipt = ? WHERE id = ?", (receipt, redemption_id))
    return Paid(redemption_id, stamp, p.program, p.amount, left, receipt)


@dataclass(frozen=True)
class QrisPayment:
    """The recipient pays a partner shop by scanning its QRIS sticker with her phone."""

    idempotency_key: str
    qris: str
    card: str  # her QR card, which her phone holds
    program: str
    amount: int
    categories: tuple[str, ...]
    pin_block: str  # sealed with ``qris_aad``


def qris_aad(idempotency_key: str) -> bytes:
    return f"qris|{idempotency_key}".encode()


def pay_by_qris(session: Session, cipher: FieldCipher, req: QrisPayment) -> Receipt:
    """Her card, her PIN and the shop's sticker: checked as at a till (the shop must be an
    active partner registered for what is bought), paid in one transaction with a receipt.
    The same idempotency key (per card) again returns the first receipt."""
    parsed = qris.parse_qris(req.qris)
    if parsed.nmid is None:
        raise merchants.MerchantProblem("merchant.qris_unknown", nmid="-")
    merchant = merchants.by_nmid(session, parsed.nmid)
    if merchant.status != "active":
        raise VoucherProblem("merchant.not_active", status=merchant.status)
    amount = ledger.check_amount(req.amount)
    if parsed.amount is not None and parsed.amount != amount:
        raise VoucherProblem("redemption.qris_amount", expected=parsed.amount)
    verified = qr.read(req.card, trusted_keys(session), (), int(now().timestamp()))
    cred = credential_of(session, verified, at=now())
    if not req.idempotency_key or len(req.idempotency_key) > 100:
        raise VoucherProblem("redemption.key")
    key = f"qris:{cred.cti.hex()}:{req.idempotency_key}"
    digest = hashlib.sha256(json.dumps([parsed.nmid, req.program, amount,
                                        sorted(req.categories)]).encode()).digest()  # fmt: skip
    done = _done(session, key)
    if done is not None:
        if done[0] != digest:
            raise VoucherProblem("redemption.key_reused")
        return _receipt(done[1], merchant, replayed=True)
    if req.program not in verified.claims.programs:
        raise VoucherProblem("redemption.program", program=req.program)
    wanted = check_categories(session, merchant, req.program, req.categories)
    typed = pin.open_block(req.pin_block, pin_key(session, cipher), qris_aad(req.idempotency_key))
    check_pin(session, cipher, cred.household_id, typed)
    wallet = wallet_of(session, cred.household_id, req.program)
    row = pay(session, cipher, Payment(
        key=key, digest=digest, merchant=merchant, device_id=None,
        household_id=cred.household_id, credential_id=cred.id, claim_code_id=None,
        program=req.program, amount=amount, categories=wanted, channel="qris",
        username="penerima", wallet=wallet))  # fmt: skip
    return _receipt(row, merchant)


def card_data(session: Session, credential_id: int) -> card.CardData:
    """What is printed on a household's card: the QR, the head's name and masked NIK, the
    programs' names, validity; the help text is part of the layout."""
    cred = session.get(Credential, credential_id)
    if cred is None:
        raise VoucherProblem("credential.not_found", credential_id=credential_id)
    head = registry.household_head(session, cred.household_id)
    names = []
    for code in cred.programs.split(","):
        try:
            names.append(programs.name_of(session, code))
        except Problem:  # a program removed since: print its code
            names.append(code)
    return card.CardData(
        qr_text=cred.qr_text, name=head.full_name if head else "-",
        masked_nik=head.nik_masked if head else "-", programs=tuple(names),
        valid_until=cred.expires_at.date(), card_id=f"K{cred.id:08d}", helpline=HELPLINE,
    )  # fmt: skip


# -- for settlement ------------------------------------------------------------------------


def unsettled(session: Session, before: datetime) -> list[tuple[int, str, int, int]]:
    """(merchant, program, redemptions, total) not yet paid to the shop, made before ``before``."""
    rows = session.execute(
        select(Redemption.merchant_id, Redemption.program_code, func.count(),
               func.sum(Redemption.amount))
        .where(Redemption.settlement_id.is_(None), Redemption.created_at < before)
        .group_by(Redemption.merchant_id, Redemption.program_code)
        .order_by(Redemption.merchant_id, Redemption.program_code)
    ).all()  # fmt: skip
    return [(int(m), str(p), int(n), int(t)) for m, p, n, t in rows]


def mark_settled(session: Session, merchant_id: int, program: str, before: datetime,
                 settlement_id: int) -> tuple[int, int]:  # fmt: skip
    """Tie the shop's unsettled redemptions (before ``before``) to a settlement; returns
    (count, total) of what was tied, which the caller checks against what it paid."""
    session.execute(
        update(Redemption)
        .where(Redemption.merchant_id == merchant_id, Redemption.program_code == program,
               Redemption.settlement_id.is_(None), Redemption.created_at < before)
        .values(settlement_id=settlement_id)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    n, total = session.execute(
        select(func.count(), func.coalesce(func.sum(Redemption.amount), 0))
        .where(Redemption.settlement_id == settlement_id)
    ).one()  # fmt: skip
    return int(n), int(total)


def statement(session: Session, settlement_ids: list[int]) -> list[dict[str, object]]:
    """Every redemption a shop's settlements paid: what the shop's statement lists."""
    if not settlement_ids:
        return []
    return [
        {"redemption_id": r.id, "settlement_id": r.settlement_id,
         "at": r.created_at.isoformat(),
         "device_time": r.device_time.isoformat() if r.device_time else "",
         "program": r.program_code, "amount": r.amount, "categories": r.categories,
         "channel": r.channel, "mode": r.mode, "device_id": r.device_id}
        for r in session.scalars(select(Redemption).where(
            Redemption.settlement_id.in_(settlement_ids)).order_by(Redemption.id))
    ]  # fmt: skip
