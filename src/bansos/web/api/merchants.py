"""Staff API for partner shops: onboarding (maker-checker), suspension, shop staff, devices."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from bansos.auth.service import StaffIdentity
from bansos.core.errors import Problem
from bansos.merchants import service as merchants
from bansos.merchants import settlement
from bansos.merchants.models import Device, Merchant
from bansos.web.deps import DbSession, Staff, http_problem, require

router = APIRouter(tags=["merchants"])
Reader = Annotated[StaffIdentity, Depends(require("registry.read"))]


class MerchantBody(BaseModel):
    name: str = Field(max_length=120)
    owner_name: str = Field(max_length=120)
    kind: Literal["e_warong", "warung", "bank_agent"]
    region_code: str = Field(min_length=6, max_length=6)
    address: str = Field(max_length=300)
    bank_code: str = Field(min_length=1, max_length=20)
    bank_account: str = Field(max_length=40)
    bank_account_name: str = Field(max_length=120)
    categories: dict[str, list[str]] = Field(description="program code -> categories sold")
    nmid: str | None = Field(None, max_length=20, description="QRIS NMID of the shop's sticker")


class ReasonBody(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class StaffBody(BaseModel):
    username: str = Field(min_length=3, max_length=60)
    password: str = Field(min_length=12, max_length=200)
    full_name: str = Field("", max_length=120)


class DeviceBody(BaseModel):
    label: str = Field(min_length=1, max_length=80)
    public_key: str = Field(max_length=64, description="Ed25519 public key, raw, base64url")


class DeviceOut(BaseModel):
    id: int
    merchant_id: int
    label: str
    status: str


def _run(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except Problem as exc:
        raise http_problem(exc) from None


def _may_see(staff: StaffIdentity, merchant_id: int) -> None:
    """A shop user sees only her own shop; staff need registry access."""
    allowed = (staff.merchant_id == merchant_id if staff.role == "merchant"
               else staff.can("registry.read"))  # fmt: skip
    if not allowed:
        raise http_problem(Problem("auth.forbidden"))


@router.post("/api/merchants", status_code=201)
def onboard(body: MerchantBody, session: DbSession, staff: Staff) -> dict[str, Any]:
    """Propose a partner shop (operator); another staff member approves it."""
    data = merchants.MerchantIn(**body.model_dump())
    merchant = _run(merchants.onboard, session, data, staff.actor)
    return merchants.summary(merchant)


@router.get("/api/merchants")
def listing(
    session: DbSession, staff: Reader,
    status: Annotated[str | None, Query(max_length=10)] = None,
    region: Annotated[str | None, Query(max_length=6)] = None,
) -> list[dict[str, Any]]:  # fmt: skip
    query = select(Merchant).order_by(Merchant.id).limit(1000)
    if status:
        query = query.where(Merchant.status == status)
    if region:
        query = query.where(Merchant.region_code.startswith(region))
    return [merchants.summary(m) for m in session.scalars(query)]


@router.get("/api/merchants/{merchant_id}")
def show(merchant_id: int, session: DbSession, staff: Staff) -> dict[str, Any]:
    _may_see(staff, merchant_id)
    return merchants.summary(_run(merchants.get, session, merchant_id))


@router.post("/api/merchants/{merchant_id}/{decision}")
def decide(
    merchant_id: int,
    decision: Literal["approve", "reject", "suspend", "reinstate"],
    body: ReasonBody, session: DbSession, staff: Staff,
) -> dict[str, Any]:  # fmt: skip
    """Approve or reject a proposed shop, suspend or reinstate one (approver)."""
    actor = staff.actor
    if decision in ("approve", "reject"):
        m = _run(merchants.decide, session, merchant_id, actor, approve=decision == "approve",
                 reason=body.reason)  # fmt: skip
    else:
        m = _run(merchants.set_suspended, session, merchant_id, actor,
                 suspended=decision == "suspend", reason=body.reason)  # fmt: skip
    return merchants.summary(m)


@router.post("/api/merchants/{merchant_id}/staff", status_code=201)
def add_staff(merchant_id: int, body: StaffBody, session: DbSession,
              staff: Staff) -> dict[str, Any]:  # fmt: skip
    """A login for someone working at the shop (operator)."""
    uid = _run(merchants.add_staff, session, merchant_id, body.username, body.password,
               body.full_name, staff.actor)  # fmt: skip
    return {"user_id": uid, "username": body.username, "merchant_id": merchant_id}


@router.post("/api/merchants/{merchant_id}/devices", status_code=201, response_model=DeviceOut)
def register_device(merchant_id: int, body: DeviceBody, session: DbSession,
                    staff: Staff) -> Device:  # fmt: skip
    """Register a POS by its public key (shop staff for their shop, or operator)."""
    device: Device = _run(merchants.register_device, session, merchant_id, body.label,
                          body.public_key, staff.actor, staff.merchant_id)  # fmt: skip
    return device


@router.post("/api/devices/{device_id}/revoke", response_model=DeviceOut)
def revoke_device(device_id: int, session: DbSession, staff: Staff) -> Device:
    device: Device = _run(merchants.revoke_device, session, device_id, staff.actor,
                          staff.merchant_id)  # fmt: skip
    return device


class SettleBody(BaseModel):
    date: dt.date = Field(description="the business day (WIB) to settle; it must have ended")


@router.post("/api/settlements/run")
def run_settlement(body: SettleBody, session: DbSession, staff: Staff) -> list[dict[str, Any]]:
    """Settle every shop for a business day (operator): payable -> clearing, one payout
    instruction per shop and program. Running it again for the same day moves nothing."""
    made = _run(settlement.run, session, body.date, staff.actor)
    return [{"id": s.id, "merchant_id": s.merchant_id, "program": s.program_code,
             "amount": s.amount, "redemptions": s.redemptions, "reference": s.reference,
             "bank_code": s.bank_code, "bank_account": s.bank_account,
             "bank_account_name": s.bank_account_name, "status": s.status}
            for s in made]  # fmt: skip


@router.get("/api/merchants/{merchant_id}/statement", response_model=None)
def merchant_statement(
    merchant_id: int, session: DbSession, staff: Staff,
    date: Annotated[dt.date, Query(description="business day (WIB)")],
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> Any:  # fmt: skip
    """The shop's statement for a day: its payout instructions and every redemption paid."""
    _may_see(staff, merchant_id)
    _run(merchants.get, session, merchant_id)
    data = settlement.statement(session, merchant_id, date)
    if format == "csv":
        return PlainTextResponse(settlement.statement_csv(data), media_type="text/csv",
                                 headers={"Content-Disposition": "attachment; filename="
                                          f'"statement-{merchant_id}-{date}.csv"'})  # fmt: skip
    return data
