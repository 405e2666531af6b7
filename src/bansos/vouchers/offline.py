"""Redemption without signal: what the POS may do offline, and what the server does with the
records when the device syncs.

Offline, the POS checks the card's signature against cached issuer keys and a cached
revocation list, enforces the limits below (like a card terminal's floor limits), seals the
PIN for the server as online, and keeps a record signed by its device key with its own
sequence number. Risk is bounded three ways: per transaction, per card per day, and in total
per device before it must sync.

At sync the server settles each record in order, in the batch's one transaction:

* same (device, seq) and same content as before: the first outcome again (a batch sent twice
  changes nothing); same seq with other content: refused and kept as evidence;
* a record whose device signature, card, limits, categories or PIN fail: ``rejected``, kept;
* otherwise paid up to what the wallet still holds: in full (``accepted``), or in part or not
  at all (``conflict``: the card was spent twice while offline) with the shortfall and the
  evidence, both devices' signed records or receipts, flagged for staff. The first record to
  sync is the one honoured; nothing is dropped and nothing is paid twice.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bansos.core.clock import now
from bansos.core.crypto import FieldCipher
from bansos.ledger import service as ledger
from bansos.merchants.models import Device, Merchant
from bansos.transparency import service as audit
from bansos.vouchers import pin, qr
from bansos.vouchers import service as vouchers
from bansos.vouchers.models import OfflineRecord, Redemption
from bansos.vouchers.qr import VoucherProblem

PER_TRANSACTION = 100_000
PER_CARD_PER_DAY = 200_000
MAX_BATCH = 500
FIELDS = {"device_id": int, "seq": int, "at": int, "qr": str, "program": str, "amount": int,
          "categories": list, "pin_block": str}  # fmt: skip


@dataclass(frozen=True)
class Policy:
    per_transaction: int
    per_card_per_day: int
    device_exposure: int


def policy(device: Device) -> Policy:
    return Policy(PER_TRANSACTION, PER_CARD_PER_DAY, device.offline_exposure_limit)


def canonical(record: dict[str, Any]) -> bytes:
    """The bytes a device signs: JSON with sorted keys and no spaces."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign_record(record: dict[str, Any], key: Ed25519PrivateKey) -> str:
    """What the POS does (the browser POS does the same with WebCrypto)."""
    return base64.urlsafe_b64encode(key.sign(canonical(record))).decode().rstrip("=")


def pin_aad(device_id: int, seq: int) -> bytes:
    return pin.associated_data(device_id, f"off:{seq}")


@dataclass(frozen=True)
class Outcome:
    seq: int
    status: str  # accepted, conflict, rejected
    reason: str
    honored: int
    shortfall: int
    redemption_id: int | None
    receipt: str | None
    duplicate: bool = False


def _outcome(row: OfflineRecord, receipt: str | None, duplicate: bool = False) -> Outcome:
    return Outcome(row.seq, row.status, row.reason, row.honored, row.shortfall,
                   row.redemption_id, receipt, duplicate)  # fmt: skip


def sync(
    session: Session,
    cipher: FieldCipher,
    device: Device,
    merchant: Merchant,
    username: str,
    records: list[tuple[dict[str, Any], str]],
) -> list[Outcome]:
    """Settle a device's offline records (``(record, signature)`` pairs), in sequence order."""
    if len(records) > MAX_BATCH:
        raise VoucherProblem("offline.batch_too_large", limit=MAX_BATCH)
    limits = policy(device)
    fresh_total = 0
    outcomes = []
    for record, signature in sorted(records, key=lambda r: _seq(r[0])):
        outcome, amount = _one(session, cipher, device, merchant, username, record, signature,
                               limits, fresh_total)  # fmt: skip
        fresh_total += amount
        outcomes.append(outcome)
    return outcomes


def _seq(record: dict[str, Any]) -> int:
    seq = record.get("seq") if isinstance(record, dict) else None
    return seq if isinstance(seq, int) else -1


def _one(
    session: Session, cipher: FieldCipher, device: Device, merchant: Merchant, username: str,
    record: dict[str, Any], signature: str, limits: Policy, batch_total: int,
) -> tuple[Outcome, int]:  # fmt: skip
    shape_ok = isinstance(record, dict) and set(record) == set(FIELDS) and all(
        type(record[k]) is t for k, t in FIELDS.items())  # fmt: skip
    if not shape_ok or record["seq"] < 0:
        audit.record(session, username, "offline.malformed", "device", str(device.id),
                     record=str(record)[:2000], signature=signature[:200])  # fmt: skip
        return Outcome(_seq(record), "rejected", "offline.malformed", 0, 0, None, None), 0
    body = canonical(record)
    digest = hashlib.sha256(body).digest()
    try:
        sig = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    except (ValueError, TypeError):
        sig = b""
    seen = session.scalar(select(OfflineRecord).where(
        OfflineRecord.device_id == device.id, OfflineRecord.seq == record["seq"]))  # fmt: skip
    if seen is not None:
        if seen.digest == digest:
            receipt = None
            if seen.redemption_id is not None:
                paid = session.get(Redemption, seen.redemption_id)
                receipt = paid.receipt if paid else None
            return _outcome(seen, receipt, duplicate=True), 0
        audit.record(session, username, "offline.seq_reused", "device", str(device.id),
                     seq=record["seq"], record=record, signature=signature[:200],
                     first_record=seen.id)  # fmt: skip
        return Outcome(record["seq"], "rejected", "offline.seq_reused", 0, 0, None, None), 0

    def keep(status: str, reason: str, **extra: Any) -> tuple[Outcome, int]:
        row = OfflineRecord(device_id=device.id, seq=record["seq"], digest=digest,
                            signature=sig[:64].ljust(64, b"\0"), record=record, status=status,
                            reason=reason, synced_by=username, **extra)  # fmt: skip
        session.add(row)
        session.flush()
        receipt = None
        if row.redemption_id is not None:
            paid = session.get(Redemption, row.redemption_id)
            receipt = paid.receipt if paid else None
        return _outcome(row, receipt), row.honored

    try:
        Ed25519PublicKey.from_public_bytes(device.public_key).verify(sig, body)
    except (InvalidSignature, ValueError):
        return keep("rejected", "offline.signature")
    if record["device_id"] != device.id:
        return keep("rejected", "offline.signature")
    at = datetime.fromtimestamp(record["at"], UTC)
    if at > now() + timedelta(minutes=5) or at < now() - timedelta(days=30):
        return keep("rejected", "offline.time")
    sp = session.begin_nested()
    try:
        amount = ledger.check_amount(record["amount"])
        if amount > limits.per_transaction:
            raise VoucherProblem("offline.limit_transaction")
        if batch_total + amount > limits.device_exposure:
            raise VoucherProblem("offline.limit_device")
        verified = qr.read(record["qr"], vouchers.trusted_keys(session), (), record["at"])
        cred = vouchers.credential_of(session, verified, at=at)
        program = record["program"]
        if program not in verified.claims.programs:
            raise VoucherProblem("redemption.program", program=program)
        day_start = at.replace(hour=0, minute=0, second=0, microsecond=0)
        spent_today = session.scalar(
            select(func.coalesce(func.sum(Redemption.amount), 0)).where(
                Redemption.credential_id == cred.id, Redemption.mode == "offline",
                Redemption.device_time >= day_start,
                Redemption.device_time < day_start + timedelta(days=1)))  # fmt: skip
        if int(spent_today or 0) + amount > limits.per_card_per_day:
            raise VoucherProblem("offline.limit_card")
        wanted = vouchers.check_categories(session, merchant, program,
                                           tuple(record["categories"]))  # fmt: skip
        typed = pin.open_block(record["pin_block"], vouchers.pin_key(session, cipher),
                               pin_aad(device.id, record["seq"]))  # fmt: skip
        vouchers.check_pin(session, cipher, cred.household_id, typed)
        wallet = vouchers.wallet_of(session, cred.household_id, program)
    except vouchers.WrongPin as exc:
        sp.rollback()
        problem = vouchers.count_wrong_pin(session, exc.household_id)
        return keep("rejected", problem.code)
    except VoucherProblem as exc:
        sp.rollback()
        return keep("rejected", exc.code)
    except ledger.LedgerProblem as exc:
        sp.rollback()
        return keep("rejected", exc.code)
    sp.commit()
    available = ledger.balance(session, wallet).available
    honored = min(amount, max(0, available))
    redemption_id = None
    if honored:
        row = vouchers.pay(session, cipher, vouchers.Payment(
            key=f"{device.id}:off:{record['seq']}", digest=digest, merchant=merchant,
            device_id=device.id, household_id=cred.household_id, credential_id=cred.id,
            claim_code_id=None, program=program, amount=honored, categories=wanted,
            channel="qr", username=username, wallet=wallet, mode="offline",
            device_time=at))  # fmt: skip
        redemption_id = row.id
    if honored == amount:
        return keep("accepted", "", honored=honored, redemption_id=redemption_id)
    evidence = _evidence(session, cred.id, device.id, record, signature)
    audit.record(session, username, "offline.conflict", "credential", str(cred.id),
                 seq=record["seq"], device=device.id, shortfall=amount - honored)  # fmt: skip
    return keep(
        "conflict",
        "offline.double_spend",
        honored=honored,
        shortfall=amount - honored,
        redemption_id=redemption_id,
        evidence=evidence,
    )


def _evidence(session: Session, credential_id: int, device_id: int, record: dict[str, Any],
              signature: str) -> dict[str, Any]:  # fmt: skip
    """This record and the redemptions that spent the card's money first, with what each
    device signed (offline) or the server signed (online)."""
    earlier = []
    for r in session.scalars(select(Redemption).where(Redemption.credential_id == credential_id)
                             .order_by(Redemption.id.desc()).limit(10)):  # fmt: skip
        signed = None
        if r.mode == "offline":
            off = session.scalar(select(OfflineRecord).where(
                OfflineRecord.redemption_id == r.id))  # fmt: skip
            if off is not None:
                signed = base64.urlsafe_b64encode(off.signature).decode().rstrip("=")
        earlier.append({"redemption_id": r.id, "device_id": r.device_id, "mode": r.mode,
                        "amount": r.amount, "at": (r.device_time or r.created_at).isoformat(),
                        "device_signature": signed, "receipt": r.receipt})  # fmt: skip
    return {"record": record, "device_id": device_id, "device_signature": signature,
            "earlier": earlier}  # fmt: skip


def flagged(session: Session, *, limit: int = 200) -> list[OfflineRecord]:
    """Conflicts and refusals not yet looked at by staff, oldest first."""
    return list(session.scalars(
        select(OfflineRecord).where(OfflineRecord.status != "accepted",
                                    OfflineRecord.resolved_by.is_(None))
        .order_by(OfflineRecord.id).limit(limit)))  # fmt: skip


def resolve(session: Session, record_id: int, username: str, note: str) -> OfflineRecord:
    """Staff have dealt with a flagged record (e.g. recovered the shortfall from the shop)."""
    row = session.get(OfflineRecord, record_id)
    if row is None or row.status == "accepted":
        raise VoucherProblem("offline.not_flagged", record_id=record_id)
    if row.resolved_by is None:
        row.resolved_by = username
        audit.record(session, username, "offline.resolved", "offline_record", str(row.id),
                     note=note)  # fmt: skip
    return row
