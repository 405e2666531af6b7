"""QR cards, claim codes and redemption: staff issue and revoke; shops redeem from a
registered, signing device; anyone may fetch the public keys and the revocation list."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, StrictInt, ValidationError
from sqlalchemy.orm import Session

from bansos.auth.service import StaffIdentity
from bansos.core.clock import now
from bansos.core.errors import Problem
from bansos.db import unit_of_work
from bansos.merchants import service as merchants
from bansos.merchants.models import Device, Merchant
from bansos.vouchers import card, offline, qris
from bansos.vouchers import service as vouchers
from bansos.web.deps import (
    DbSession,
    Staff,
    get_runtime,
    http_problem,
    identify,
    require,
)
from bansos.web.limits import PaymentLane

router = APIRouter(tags=["vouchers"])
Manager = Annotated[StaffIdentity, Depends(require("credentials.manage"))]


class CredentialOut(BaseModel):
    id: int
    household_id: int
    programs: str
    qr_text: str
    status: str
    issued_at: datetime
    expires_at: datetime


class ReasonBody(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class QrisBody(BaseModel):
    qris: str = Field(min_length=1, max_length=600)


class ClaimCodeBody(BaseModel):
    program: str = Field(min_length=2, max_length=32)


class RedeemBody(BaseModel):
    idempotency_key: str = Field(min_length=1, max_length=100)
    program: str = Field(min_length=2, max_length=32)
    amount: StrictInt = Field(description="whole rupiah")
    categories: list[Annotated[str, Field(max_length=40)]] = Field(default=[], max_length=20)
    pin_block: str = Field(max_length=200, description="the PIN sealed to the server's PIN key")
    qr: str | None = Field(None, max_length=400)
    claim_code: str | None = Field(None, max_length=40)


class ReceiptOut(BaseModel):
    redemption_id: int
    at: datetime
    merchant_id: int
    merchant_name: str
    program: str
    amount: int
    balance_after: int
    signed: str
    replayed: bool


@router.post("/api/households/{household_id}/credentials", status_code=201,
             response_model=CredentialOut)  # fmt: skip
def issue(household_id: int, request: Request, session: DbSession, staff: Manager) -> Any:
    """A new QR card for the household (an earlier card is replaced and revoked)."""
    try:
        return vouchers.issue_credential(session, get_runtime(request).cipher, household_id,
                                         staff.actor)  # fmt: skip
    except Problem as exc:
        raise http_problem(exc) from None


@router.get("/api/credentials/{credential_id}/card.{fmt}")
def printable_card(credential_id: int, fmt: str, session: DbSession, staff: Manager) -> Response:
    """The card to print and hand over: PNG (300 dpi) or PDF (front and back, ID-1 size)."""
    if fmt not in ("png", "pdf"):
        raise http_problem(Problem("http.not_found"))
    try:
        data = vouchers.card_data(session, credential_id)
    except Problem as exc:
        raise http_problem(exc) from None
    if fmt == "png":
        return Response(card.render_png(data), media_type="image/png")
    return Response(
        card.render_pdf(data),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{data.card_id}.pdf"'},
    )


@router.post("/api/qris/resolve")
def resolve_qris(body: QrisBody, session: DbSession) -> dict[str, Any]:
    """Which partner shop a scanned QRIS sticker belongs to (what the recipient app shows
    before she pays); a QRIS of no partner shop, or a malformed one, is refused."""
    try:
        parsed = qris.parse_qris(body.qris)
        if parsed.nmid is None:
            raise merchants.MerchantProblem("merchant.qris_unknown", nmid="-")
        shop = merchants.by_nmid(session, parsed.nmid)
    except Problem as exc:
        raise http_problem(exc) from None
    if shop.status != "active":
        raise http_problem(merchants.MerchantProblem("merchant.not_active", status=shop.status))
    return {
        "merchant_id": shop.id,
        "name": shop.name,
        "region_code": shop.region_code,
        "address": shop.address,
        "categories": shop.categories,
        "nmid": parsed.nmid,
    }


class QrisPayBody(BaseModel):
    idempotency_key: str = Field(min_length=1, max_length=100)
    qris: str = Field(min_length=1, max_length=600, description="the shop's QRIS, as scanned")
    card: str = Field(max_length=400, description="her QR card (BS1:...)")
    program: str = Field(min_length=2, max_length=32)
    amount: StrictInt = Field(description="whole rupiah")
    categories: list[Annotated[str, Field(max_length=40)]] = Field(default=[], max_length=20)
    pin_block: str = Field(max_length=200, description='PIN sealed with "qris|<key>" as AAD')


@router.post("/api/qris/pay", status_code=201, response_model=ReceiptOut)
def qris_pay(body: QrisPayBody, request: Request, response: Response,
             session: DbSession) -> Any:  # fmt: skip
    """The recipient pays a partner shop by scanning its QRIS with her phone: her card and her
    PIN authorise it (five wrong PINs lock it, as at a till); same key again, same receipt."""
    req = vouchers.QrisPayment(
        idempotency_key=body.idempotency_key, qris=body.qris, card=body.card,
        program=body.program, amount=body.amount, categories=tuple(body.categories),
        pin_block=body.pin_block,
    )  # fmt: skip
    cipher = get_runtime(request).cipher
    return _paid(session, response, lambda: vouchers.pay_by_qris(session, cipher, req))


def _paid(session: DbSession, response: Response,
          pay: Callable[[], vouchers.Receipt]) -> vouchers.Receipt:  # fmt: skip
    """Run a payment and commit it here, in the handler's own turn on the thread pool (on
    SQLite the write lock is then held for this turn only, not until the dependency's teardown
    turn). A wrong PIN undoes the payment and is counted in a transaction of its own; a retry
    answers 200 with the first receipt."""
    try:
        receipt = pay()
        session.commit()
    except vouchers.WrongPin as exc:
        session.rollback()
        problem = vouchers.count_wrong_pin(session, exc.household_id)
        session.commit()
        raise http_problem(problem) from None
    except Problem as exc:
        session.rollback()
        raise http_problem(exc) from None
    if receipt.replayed:
        response.status_code = 200
    return receipt


@router.post("/api/credentials/{credential_id}/revoke", response_model=CredentialOut)
def revoke(credential_id: int, body: ReasonBody, session: DbSession, staff: Manager) -> Any:
    """Block a lost or stolen card."""
    try:
        return vouchers.revoke_credential(session, credential_id, staff.actor, body.reason)
    except Problem as exc:
        raise http_problem(exc) from None


@router.post("/api/households/{household_id}/claim-codes", status_code=201)
def claim_code(household_id: int, body: ClaimCodeBody, request: Request, session: DbSession,
               staff: Manager) -> dict[str, Any]:  # fmt: skip
    """Send the household a single-use claim code by SMS (the code goes to the outbox only)."""
    try:
        vouchers.issue_claim_code(session, get_runtime(request).cipher, household_id,
                                  body.program, staff.actor)  # fmt: skip
    except Problem as exc:
        raise http_problem(exc) from None
    return {"sent": True, "hours_valid": vouchers.CLAIM_CODE_HOURS}


@router.get("/api/public/keys")
def keys(session: DbSession) -> dict[str, Any]:
    """The issuer's public keys (for offline verifiers and PIN sealing), no login needed."""
    return {"issuer": "ID-KEMENSOS", "keys": vouchers.published_keys(session)}


@router.get("/api/public/revocations")
def revocations(session: DbSession, response: Response) -> dict[str, Any]:
    """Ids of blocked cards not yet expired: what an offline POS checks against."""
    response.headers["Cache-Control"] = "public, max-age=300"
    return {"generated_at": now().isoformat(), "revoked": vouchers.revocation_list(session)}


async def raw_body(request: Request) -> bytes:
    return await request.body()


_REDEEM_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": RedeemBody.model_json_schema()}}}}  # fmt: skip


@router.post("/api/redemptions", status_code=201, response_model=ReceiptOut,
             openapi_extra=_REDEEM_BODY)  # fmt: skip
async def redeem(
    request: Request,
    response: Response,
    x_device_id: Annotated[str, Header(max_length=20)] = "",
    x_timestamp: Annotated[str, Header(max_length=20)] = "",
    x_signature: Annotated[str, Header(max_length=200)] = "",
) -> Any:
    """Aid taken at a shop, from a registered device that signs the request (body:
    ``RedeemBody``). The same ``idempotency_key`` again returns the first receipt (status
    200, ``replayed``).

    The national peak is of the order of a thousand redemptions a second, so this route does
    its work in one turn on the payments' lane of the thread pool (``limits.PaymentLane``):
    who is calling, the device, then the payment and its commit, rather than one turn per
    dependency. Each turn is a hand-over of the GIL and, on SQLite, a longer hold of the
    write lock by whoever waits for it.
    """
    raw = await request.body()
    try:
        body = RedeemBody.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        ) from None
    req = vouchers.RedeemRequest(
        idempotency_key=body.idempotency_key, program=body.program, amount=body.amount,
        categories=tuple(body.categories), pin_block=body.pin_block, qr_text=body.qr,
        claim_code=body.claim_code,
    )  # fmt: skip
    headers = (x_device_id, x_timestamp, x_signature)
    lane: PaymentLane = request.app.state.payments
    return await lane.run(_redeem, request, response, raw, req, headers)


def _redeem(request: Request, response: Response, raw: bytes, req: vouchers.RedeemRequest,
            headers: tuple[str, str, str]) -> vouchers.Receipt:  # fmt: skip
    rt = get_runtime(request)
    with rt.reads() as reader:  # one read transaction for the caller and the device
        staff = identify(request, reader)
        device, merchant = _signed_by(reader, request, staff, raw, headers)
    with unit_of_work(rt.factory) as session:
        return _paid(
            session,
            response,
            lambda: vouchers.redeem(session, rt.cipher, req, device, merchant, staff.username),
        )


class OfflineItem(BaseModel):
    record: dict[str, Any] = Field(description="the device's record, as it signed it")
    signature: str = Field(max_length=200, description="Ed25519 over the canonical JSON")


class OfflineBatch(BaseModel):
    records: list[OfflineItem] = Field(max_length=offline.MAX_BATCH)


class ResolveBody(BaseModel):
    note: str = Field(min_length=1, max_length=2000)


def _device_of(request: Request, staff: StaffIdentity, raw: bytes,
               headers: tuple[str, str, str]) -> tuple[Device, Merchant]:  # fmt: skip
    """The shop user's registered device that signed this request, checked in a read-only
    transaction of its own (on SQLite the write lock is left to the payment itself)."""
    with get_runtime(request).reads() as reader:
        return _signed_by(reader, request, staff, raw, headers)


def _signed_by(reader: Session, request: Request, staff: StaffIdentity, raw: bytes,
               headers: tuple[str, str, str]) -> tuple[Device, Merchant]:  # fmt: skip
    if not staff.can("redeem"):
        raise http_problem(Problem("auth.forbidden"))
    try:
        return merchants.authenticate_device(
            reader, device_id=headers[0], timestamp=headers[1], signature=headers[2],
            method=request.method, path=request.url.path, body=raw,
            merchant_user=staff.merchant_id,
        )  # fmt: skip
    except Problem as exc:
        raise http_problem(exc) from None


@router.get("/api/pos/offline-kit")
def offline_kit(
    request: Request, session: DbSession, staff: Staff,
    x_device_id: Annotated[str, Header(max_length=20)] = "",
    x_timestamp: Annotated[str, Header(max_length=20)] = "",
    x_signature: Annotated[str, Header(max_length=200)] = "",
) -> dict[str, Any]:  # fmt: skip
    """What a POS caches to redeem without signal: the issuer keys, the revocation list and
    its offline limits (a signed device request)."""
    device, _ = _device_of(request, staff, b"", (x_device_id, x_timestamp, x_signature))
    limits = offline.policy(device)
    return {"issued_at": now().isoformat(), "keys": vouchers.published_keys(session),
            "revoked": vouchers.revocation_list(session),
            "limits": {"per_transaction": limits.per_transaction,
                       "per_card_per_day": limits.per_card_per_day,
                       "device_exposure": limits.device_exposure}}  # fmt: skip


@router.post("/api/redemptions/offline-batch")
def offline_batch(
    body: OfflineBatch,
    request: Request,
    session: DbSession,
    staff: Staff,
    raw: Annotated[bytes, Depends(raw_body)],
    x_device_id: Annotated[str, Header(max_length=20)] = "",
    x_timestamp: Annotated[str, Header(max_length=20)] = "",
    x_signature: Annotated[str, Header(max_length=200)] = "",
) -> dict[str, Any]:
    """Sync what the device recorded offline. Idempotent: the same batch again changes nothing
    and answers the same outcomes (``duplicate``: true)."""
    device, merchant = _device_of(request, staff, raw, (x_device_id, x_timestamp, x_signature))
    try:
        outcomes = offline.sync(
            session,
            get_runtime(request).cipher,
            device,
            merchant,
            staff.username,
            [(item.record, item.signature) for item in body.records],
        )
    except Problem as exc:
        raise http_problem(exc) from None
    return {"outcomes": [o.__dict__ for o in outcomes]}


@router.get("/api/offline/flagged")
def flagged(session: DbSession, staff: Annotated[StaffIdentity, Depends(
        require("merchants.manage"))]) -> list[dict[str, Any]]:  # fmt: skip
    """Offline records refused or in conflict, not yet dealt with, with their evidence."""
    return [{"id": r.id, "device_id": r.device_id, "seq": r.seq, "status": r.status,
             "reason": r.reason, "honored": r.honored, "shortfall": r.shortfall,
             "record": r.record, "evidence": r.evidence, "synced_at": r.synced_at.isoformat()}
            for r in offline.flagged(session)]  # fmt: skip


@router.post("/api/offline/records/{record_id}/resolve")
def resolve_flagged(record_id: int, body: ResolveBody, session: DbSession, staff: Annotated[
        StaffIdentity, Depends(require("merchants.manage"))]) -> dict[str, Any]:  # fmt: skip
    try:
        row = offline.resolve(session, record_id, staff.username, body.note)
    except Problem as exc:
        raise http_problem(exc) from None
    return {"id": row.id, "status": row.status, "resolved_by": row.resolved_by}
