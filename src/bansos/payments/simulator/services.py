"""The six SNAP services the simulator offers, with the request and response fields the specs name.

Bank: account inquiry external (16), interbank transfer (18), transfer status (36). E-wallet:
account inquiry (37), top-up (38), top-up status (39). Field names and sizes follow Midtrans'
published SNAP pages (interbank-transfer, transfer-status-inquiry, customer-top-up,
customer-top-up-account-inquiry at https://docs.midtrans.com/reference/) and Finpay's/Paydia's
e-money pages; every provider copies them from BI's service specifications.

Checks run in a provider's order: field formats, then the idempotency key (a repeated
partnerReferenceNo is 409xx01 whatever else is wrong), then accounts and funds, then the
booking. Only a request that would succeed draws a fault (see ``faults``), so a test can aim one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from bansos.payments import snap
from bansos.payments.codes import Service
from bansos.payments.simulator.books import DuplicateReference, InsufficientFunds
from bansos.payments.simulator.config import SimAccount, SimPartner, SimProvider
from bansos.payments.simulator.protocol import Fields, Refusal, invalid_format

if TYPE_CHECKING:
    from bansos.payments.simulator.app import Simulator

_BANK_CODE = r"[0-9]{3,8}"
_STATUS_DESC = {"success": ("00", "Success"), "pending": ("03", "Pending")}


@dataclass(frozen=True)
class Context:
    sim: Simulator
    provider: SimProvider
    partner: SimPartner
    external_id: str
    now: datetime


@dataclass(frozen=True)
class Reply:
    http_status: int
    case: str
    fields: dict[str, object] = field(default_factory=dict)
    #: A fault to act out after booking: "timeout" (answer late) or "drop" (never answer).
    after: str | None = None


Handler = Callable[[Context, dict[str, object]], Reply]


def account_inquiry_external(ctx: Context, body: dict[str, object]) -> Reply:
    f = Fields(body)
    bank_code = f.text("beneficiaryBankCode", max_len=8, pattern=_BANK_CODE)
    number = f.digits("beneficiaryAccountNo", max_len=34)
    reference = f.text("partnerReferenceNo", max_len=64, required=False)
    f.mapping("additionalInfo")
    account = _customer(ctx, number, bank_code)
    return Reply(
        200,
        "00",
        {
            "referenceNo": _inquiry_reference(ctx.now),
            "partnerReferenceNo": reference,
            "beneficiaryAccountName": account.name,
            "beneficiaryAccountNo": account.number,
            "beneficiaryBankCode": bank_code,
            "currency": snap.CURRENCY,
        },
    )


def transfer_interbank(ctx: Context, body: dict[str, object]) -> Reply:
    f = Fields(body)
    reference = f.text("partnerReferenceNo", max_len=64)
    amount = f.amount("amount")
    f.text("beneficiaryAccountName", max_len=100)
    number = f.digits("beneficiaryAccountNo", max_len=34)
    bank_code = f.text("beneficiaryBankCode", max_len=8, pattern=_BANK_CODE)
    source = f.digits("sourceAccountNo", max_len=19)
    transaction_date = f.timestamp("transactionDate")
    f.text("beneficiaryEmail", max_len=50, required=False)
    f.text("customerReference", max_len=64, required=False)
    f.mapping("additionalInfo")
    assert amount is not None
    _refuse_repeat(ctx, reference)
    if amount <= 0:
        raise Refusal(404, "13")
    if source != ctx.partner.source_account:
        raise Refusal(404, "11", "[sourceAccountNo]")
    account = _customer(ctx, number, bank_code)
    return _book(
        ctx,
        Service.TRANSFER_INTERBANK,
        reference,
        account,
        bank_code,
        amount,
        {
            "beneficiaryAccountNo": number,
            "beneficiaryBankCode": bank_code,
            "sourceAccountNo": source,
            "transactionDate": transaction_date,
        },
    )


def transfer_status(ctx: Context, body: dict[str, object]) -> Reply:
    return _status(ctx, body, Service.TRANSFER_INTERBANK)


def emoney_account_inquiry(ctx: Context, body: dict[str, object]) -> Reply:
    f = Fields(body)
    number = f.digits("customerNumber", max_len=20)
    amount = f.amount("amount")
    reference = f.text("partnerReferenceNo", max_len=64, required=False)
    f.timestamp("transactionDate", required=False)
    f.mapping("additionalInfo")
    account = _customer(ctx, number, None)
    room = max(ctx.provider.max_balance - ctx.sim.books.balance(ctx.provider.name, number), 0)
    return Reply(
        200,
        "00",
        {
            "referenceNo": _inquiry_reference(ctx.now),
            "partnerReferenceNo": reference,
            "customerNumber": account.number,
            "customerName": account.name,
            "minAmount": snap.format_amount(1),
            "maxAmount": snap.format_amount(room),
            "amount": snap.format_amount(amount or 0),
            "feeAmount": snap.format_amount(0),
        },
    )


def emoney_topup(ctx: Context, body: dict[str, object]) -> Reply:
    f = Fields(body)
    reference = f.text("partnerReferenceNo", max_len=64)
    number = f.digits("customerNumber", max_len=20)
    f.text("customerName", max_len=255, required=False)
    amount = f.amount("amount")
    f.amount("feeAmount", required=False)
    f.timestamp("transactionDate", required=False)
    f.text("notes", max_len=256, required=False)
    f.mapping("additionalInfo")
    assert amount is not None
    _refuse_repeat(ctx, reference)
    if amount <= 0:
        raise Refusal(404, "13")
    account = _customer(ctx, number, None)
    if ctx.sim.books.balance(ctx.provider.name, number) + amount > ctx.provider.max_balance:
        raise Refusal(403, "23")
    return _book(
        ctx,
        Service.EMONEY_TOPUP,
        reference,
        account,
        "",
        amount,
        {
            "customerNumber": number,
        },
    )


def emoney_topup_status(ctx: Context, body: dict[str, object]) -> Reply:
    return _status(ctx, body, Service.EMONEY_TOPUP)


# --- Shared steps ----------------------------------------------------------------------------


def _customer(ctx: Context, number: str, bank_code: str | None) -> SimAccount:
    """The beneficiary: unknown (or at another bank) is 404xx11, blocked is 403xx18."""
    account = ctx.sim.books.account(ctx.provider.name, number)
    if account is None or (bank_code is not None and bank_code[:3] != account.bank_code[:3]):
        raise Refusal(404, "11")
    if account.status != "active":
        raise Refusal(403, "18")
    return account


def _refuse_repeat(ctx: Context, reference: str) -> None:
    if ctx.sim.books.transaction(ctx.provider.name, ctx.partner.partner_id, reference):
        raise Refusal(409, "01")


def _book(
    ctx: Context,
    service: Service,
    reference: str,
    account: SimAccount,
    bank_code: str,
    amount: int,
    echo: dict[str, object],
) -> Reply:
    books = ctx.sim.books
    if books.partner_balance(ctx.provider.name, ctx.partner.partner_id) < amount:
        raise Refusal(403, "14")
    fault = ctx.sim.faults.draw()
    if fault == "error_5xx":
        raise Refusal(500, "00")
    if fault == "duplicate":
        raise Refusal(409, "01")
    try:
        booked = books.book(
            provider=ctx.provider.name,
            partner_id=ctx.partner.partner_id,
            partner_reference_no=reference,
            external_id=ctx.external_id,
            service_code=str(service),
            account_number=account.number,
            bank_code=bank_code,
            amount=amount,
            pending=fault == "in_progress",
            now=ctx.now,
        )
    except DuplicateReference as exc:
        raise Refusal(409, "01") from exc
    except InsufficientFunds as exc:
        raise Refusal(403, "14") from exc
    fields: dict[str, object] = {
        "referenceNo": booked.reference_no,
        "partnerReferenceNo": reference,
        "amount": snap.format_amount(amount),
        **echo,
    }
    if fault == "in_progress":
        return Reply(202, "00", fields)
    after = {"timeout": "timeout", "drop_after_booking": "drop"}.get(fault or "")
    return Reply(200, "00", fields, after=after)


def _status(ctx: Context, body: dict[str, object], original: Service) -> Reply:
    f = Fields(body)
    reference = f.text("originalPartnerReferenceNo", max_len=64)
    service_code = f.text("serviceCode", max_len=2, pattern=r"[0-9]{2}")
    provider_reference = f.text("originalReferenceNo", max_len=64, required=False)
    external_id = f.text("originalExternalId", max_len=36, required=False)
    f.timestamp("transactionDate", required=False)
    f.mapping("additionalInfo")
    if service_code != str(original):
        raise invalid_format("serviceCode")
    books, sim = ctx.sim.books, ctx.sim
    books.note_status_query(ctx.provider.name, ctx.partner.partner_id, reference)
    books.settle_due(ctx.now, sim.faults.in_progress_seconds, sim.faults.in_progress_queries)
    found = books.transaction(ctx.provider.name, ctx.partner.partner_id, reference)
    if (
        found is None
        or found.service_code != service_code
        or (provider_reference and provider_reference != found.reference_no)
        or (external_id and external_id != found.external_id)
    ):
        raise Refusal(404, "01")
    status, description = _STATUS_DESC[found.status]
    fields: dict[str, object] = {
        "originalReferenceNo": found.reference_no,
        "originalPartnerReferenceNo": found.partner_reference_no,
        "originalExternalId": found.external_id,
        "serviceCode": found.service_code,
        "transactionDate": found.booked_at,
        "amount": snap.format_amount(found.amount),
        "latestTransactionStatus": status,
        "transactionStatusDesc": description,
    }
    if original is Service.TRANSFER_INTERBANK:
        fields["beneficiaryAccountNo"] = found.account_number
        fields["beneficiaryBankCode"] = found.bank_code
        fields["sourceAccountNo"] = ctx.partner.source_account
    return Reply(200, "00", fields)


def _inquiry_reference(now: datetime) -> str:
    return now.strftime("%Y%m%d%H%M%S") + uuid.uuid4().hex[:10].upper()


BANK: dict[str, tuple[Service, Handler]] = {
    "/v1.0/account-inquiry-external": (Service.ACCOUNT_INQUIRY_EXTERNAL, account_inquiry_external),
    "/v1.0/transfer-interbank": (Service.TRANSFER_INTERBANK, transfer_interbank),
    "/v1.0/transfer/status": (Service.TRANSFER_STATUS, transfer_status),
}
EMONEY: dict[str, tuple[Service, Handler]] = {
    "/v1.0/emoney/account-inquiry": (Service.EMONEY_ACCOUNT_INQUIRY, emoney_account_inquiry),
    "/v1.0/emoney/topup": (Service.EMONEY_TOPUP, emoney_topup),
    "/v1.0/emoney/topup-status": (Service.EMONEY_TOPUP_STATUS, emoney_topup_status),
}
