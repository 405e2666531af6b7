"""Partner shops: onboarding with maker-checker, shop staff, POS devices and their signatures.

A device proves itself by signing each request with its Ed25519 key (the server keeps only the
public key): ``METHOD \\n path \\n timestamp \\n hex(SHA-256(body))``. A request is accepted
within five minutes of its timestamp; a replay inside that window is the same request again,
which the redemption's idempotency key answers with the first result.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from bansos.auth import service as auth
from bansos.auth.service import Actor
from bansos.core.clock import now
from bansos.core.errors import Problem
from bansos.db import Raw
from bansos.merchants.models import Device, Merchant
from bansos.programs import service as programs
from bansos.registry import service as registry
from bansos.transparency import service as audit

KINDS = ("e_warong", "warung", "bank_agent")
#: The QRIS National Merchant ID: "ID" and 13 digits, as on every QRIS sticker.
NMID = re.compile(r"ID\d{13}")
CLOCK_SKEW_SECONDS = 300


class MerchantProblem(Problem):
    pass


@dataclass(frozen=True)
class MerchantIn:
    name: str
    owner_name: str
    kind: str
    region_code: str
    address: str
    bank_code: str
    bank_account: str
    bank_account_name: str
    #: program code -> categories the shop may sell under it
    categories: dict[str, list[str]]
    nmid: str | None = None


def _check(session: Session, data: MerchantIn) -> dict[str, list[str]]:
    for field, value, limit in (("name", data.name, 120), ("owner_name", data.owner_name, 120),
                                ("address", data.address, 300)):  # fmt: skip
        if not value.strip() or len(value) > limit:
            raise MerchantProblem("merchant.field", field=field, limit=limit)
    if data.kind not in KINDS:
        raise MerchantProblem("merchant.kind", kind=data.kind, allowed=", ".join(KINDS))
    if registry.region_level(session, data.region_code) != 3:
        raise MerchantProblem("merchant.region", region=data.region_code)
    account = data.bank_account.replace(" ", "").replace("-", "")
    if not (6 <= len(account) <= 34 and account.isdigit()) or not data.bank_code.strip():
        raise MerchantProblem("merchant.bank_account")
    if data.nmid is not None and not NMID.fullmatch(data.nmid):
        raise MerchantProblem("merchant.nmid", nmid=data.nmid[:20])
    if not data.categories:
        raise MerchantProblem("merchant.no_program")
    clean: dict[str, list[str]] = {}
    for code, wanted in data.categories.items():
        allowed = set(programs.restrictions(session, code).categories)
        unknown = sorted(set(wanted) - allowed) if allowed else []
        if unknown:
            raise MerchantProblem("merchant.category", program=code, category=unknown[0])
        clean[code] = sorted(set(wanted))
    return clean


def onboard(session: Session, data: MerchantIn, actor: Actor) -> Merchant:
    """A shop proposed by staff; it can redeem nothing until another staff member approves."""
    auth.need(actor, "merchants.manage")
    categories = _check(session, data)
    if data.nmid and session.scalar(select(Merchant.id).where(Merchant.nmid == data.nmid)):
        raise MerchantProblem("merchant.nmid_taken", nmid=data.nmid)
    merchant = Merchant(
        name=data.name.strip(), owner_name=data.owner_name.strip(), kind=data.kind,
        region_code=data.region_code, address=data.address.strip(), bank_code=data.bank_code,
        bank_account=data.bank_account.replace(" ", "").replace("-", ""),
        bank_account_name=data.bank_account_name.strip(), nmid=data.nmid,
        categories=categories, created_by=actor.username,
    )  # fmt: skip
    session.add(merchant)
    session.flush()
    audit.record(session, actor.username, "merchant.onboarded", "merchant", str(merchant.id),
                 name=merchant.name, region=merchant.region_code)  # fmt: skip
    return merchant


def get(session: Session, merchant_id: int) -> Merchant:
    merchant = session.get(Merchant, merchant_id)
    if merchant is None:
        raise MerchantProblem("merchant.not_found", merchant_id=merchant_id)
    return merchant


def by_nmid(session: Session, nmid: str) -> Merchant:
    merchant = session.scalar(select(Merchant).where(Merchant.nmid == nmid))
    if merchant is None:
        raise MerchantProblem("merchant.qris_unknown", nmid=nmid[:20])
    return merchant


def decide(session: Session, merchant_id: int, actor: Actor, *, approve: bool,
           reason: str) -> Merchant:  # fmt: skip
    """Approve (pending -> active) or reject a shop; never by the staff member who onboarded it."""
    auth.need(actor, "merchants.decide")
    merchant = get(session, merchant_id)
    if merchant.status != "pending":
        raise MerchantProblem("merchant.wrong_status", status=merchant.status, expected="pending")
    if merchant.created_by == actor.username:
        raise MerchantProblem("merchant.own_onboarding")
    merchant.status = "active" if approve else "rejected"
    merchant.status_reason, merchant.decided_by, merchant.decided_at = reason, actor.username, now()
    audit.record(session, actor.username, f"merchant.{'approved' if approve else 'rejected'}",
                 "merchant", str(merchant.id), reason=reason)  # fmt: skip
    return merchant


def set_suspended(session: Session, merchant_id: int, actor: Actor, *, suspended: bool,
                  reason: str) -> Merchant:  # fmt: skip
    """Suspend an active shop (it can redeem nothing) or lift the suspension."""
    auth.need(actor, "merchants.decide")
    merchant = get(session, merchant_id)
    expected = "active" if suspended else "suspended"
    if merchant.status != expected:
        raise MerchantProblem("merchant.wrong_status", status=merchant.status, expected=expected)
    merchant.status, merchant.status_reason = ("suspended" if suspended else "active"), reason
    audit.record(session, actor.username,
                 f"merchant.{'suspended' if suspended else 'reinstated'}", "merchant",
                 str(merchant.id), reason=reason)  # fmt: skip
    return merchant


def add_staff(session: Session, merchant_id: int, username: str, password: str,
              full_name: str, actor: Actor) -> int:  # fmt: skip
    """A login for someone who works at the shop (role ``merchant``, bound to this shop)."""
    auth.need(actor, "merchants.manage")
    get(session, merchant_id)
    user = auth.create_user(session, username, password, "merchant", full_name,
                            merchant_id=merchant_id)  # fmt: skip
    audit.record(session, actor.username, "merchant.staff_added", "merchant", str(merchant_id),
                 username=username)  # fmt: skip
    return user.id


def decode_public_key(text: str) -> bytes:
    """A device's Ed25519 public key as base64url (raw 32 bytes, as WebCrypto exports it)."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        Ed25519PublicKey.from_public_bytes(raw)
    except (ValueError, TypeError):
        raise MerchantProblem("device.public_key") from None
    return raw


def register_device(session: Session, merchant_id: int, label: str, public_key: str,
                    actor: Actor, merchant_user: int | None = None) -> Device:  # fmt: skip
    """Register a POS by its public key: shop staff for their own shop, or staff."""
    if actor.role == "merchant":
        if merchant_user != merchant_id:
            raise MerchantProblem("auth.forbidden")
    else:
        auth.need(actor, "merchants.manage")
    merchant = get(session, merchant_id)
    if merchant.status != "active":
        raise MerchantProblem("merchant.not_active", status=merchant.status)
    if not label.strip() or len(label) > 80:
        raise MerchantProblem("merchant.field", field="label", limit=80)
    raw = decode_public_key(public_key)
    if session.scalar(select(Device.id).where(Device.public_key == raw)) is not None:
        raise MerchantProblem("device.key_taken")
    device = Device(merchant_id=merchant_id, label=label.strip(), public_key=raw,
                    registered_by=actor.username)  # fmt: skip
    session.add(device)
    session.flush()
    audit.record(session, actor.username, "device.registered", "device", str(device.id),
                 merchant=merchant_id)  # fmt: skip
    return device


def revoke_device(session: Session, device_id: int, actor: Actor,
                  merchant_user: int | None = None) -> Device:  # fmt: skip
    device = session.get(Device, device_id)
    if device is None:
        raise MerchantProblem("device.not_found", device_id=device_id)
    if actor.role == "merchant":
        if merchant_user != device.merchant_id:
            raise MerchantProblem("auth.forbidden")
    else:
        auth.need(actor, "merchants.manage")
    if device.status == "active":
        device.status, device.revoked_at, device.revoked_by = "revoked", now(), actor.username
        audit.record(session, actor.username, "device.revoked", "device", str(device.id))
    return device


def string_to_sign(method: str, path: str, timestamp: str, body: bytes) -> bytes:
    return f"{method.upper()}\n{path}\n{timestamp}\n{hashlib.sha256(body).hexdigest()}".encode()


def authenticate_device(
    session: Session,
    *,
    device_id: str,
    timestamp: str,
    signature: str,
    method: str,
    path: str,
    body: bytes,
    merchant_user: int | None,
) -> tuple[Device, Merchant]:
    """The device that signed this request, checked: registered and active, of an active shop,
    and of the same shop as the logged-in shop user."""
    if not device_id.isdigit() or not timestamp.lstrip("-").isdigit() or not signature:
        raise MerchantProblem("device.signature_missing")
    device = _device_ref(session, int(device_id))
    if device is None or device.status != "active":
        raise MerchantProblem("device.unknown")
    if merchant_user is None or device.merchant_id != merchant_user:
        raise MerchantProblem("device.other_merchant")
    skew = abs(now().timestamp() - int(timestamp))
    if skew > CLOCK_SKEW_SECONDS:
        raise MerchantProblem("device.timestamp", limit=CLOCK_SKEW_SECONDS)
    try:
        sig = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
        Ed25519PublicKey.from_public_bytes(device.public_key).verify(
            sig, string_to_sign(method, path, timestamp, body)
        )
    except (InvalidSignature, ValueError, TypeError):
        raise MerchantProblem("device.signature") from None
    merchant = _merchant_ref(session, device.merchant_id)
    if merchant.status != "active":
        raise MerchantProblem("merchant.not_active", status=merchant.status)
    return device, merchant


# Every signed device request looks up its device and shop: on the driver (``db.Raw``), as
# detached objects that carry what a payment or an offline sync reads of them, and no more.


def _device_ref(session: Session, device_id: int) -> Device | None:
    row = Raw(session).one(
        "SELECT id, merchant_id, status, public_key, offline_exposure_limit "
        "FROM merchant_devices WHERE id = ?",
        (device_id,),
    )
    if row is None:
        return None
    return Device(id=row[0], merchant_id=row[1], status=row[2], public_key=bytes(row[3]),
                  offline_exposure_limit=row[4])  # fmt: skip


def _merchant_ref(session: Session, merchant_id: int) -> Merchant:
    row = Raw(session).one(
        "SELECT id, name, status, categories FROM merchants WHERE id = ?", (merchant_id,)
    )
    if row is None:
        raise MerchantProblem("merchant.not_found", merchant_id=merchant_id)
    categories = row[3] if isinstance(row[3], dict) else json.loads(row[3])
    return Merchant(id=row[0], name=row[1], status=row[2], categories=categories)


def summary(merchant: Merchant) -> dict[str, Any]:
    """What a shop looks like in listings: the bank account is masked but for its last four."""
    return {
        "id": merchant.id, "name": merchant.name, "kind": merchant.kind,
        "region_code": merchant.region_code, "address": merchant.address,
        "status": merchant.status, "nmid": merchant.nmid, "categories": merchant.categories,
        "bank_code": merchant.bank_code,
        "bank_account": "*" * max(0, len(merchant.bank_account) - 4) + merchant.bank_account[-4:],
        "created_by": merchant.created_by, "decided_by": merchant.decided_by,
    }  # fmt: skip
