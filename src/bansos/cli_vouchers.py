"""``bansos vouchers``: issuer keys, QR cards (with the printable card) and claim codes.

Kept out of cli.py (already ~800 lines); registered by it as a sub-command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from bansos.cli import UserOpt, _actor, fail, out, runtime
from bansos.core.crypto import FieldCipher
from bansos.core.errors import Problem
from bansos.db import unit_of_work
from bansos.registry import service as registry

vouchers_app = typer.Typer(help="QR cards, claim codes and issuer keys.", no_args_is_help=True)
KkArg = Annotated[str, typer.Argument(help="The household's family card (KK) number.")]


def _household(session: Session, cipher: FieldCipher, kk: str) -> int:
    from bansos.core.nik import InvalidNumber

    try:
        found = registry.household_by_kk(session, cipher, kk)
    except InvalidNumber as exc:
        fail(exc.code, **exc.params)
    if found is None:
        fail("credential.household_not_found", household_id="KK " + kk[:4] + "********" + kk[-4:])
    return found


@vouchers_app.command("keys")
def keys(
    user: Annotated[str | None, typer.Option("--user", help="Admin acting (to rotate).")] = None,
    rotate: Annotated[str | None, typer.Option(help="Rotate the 'sign' or 'pin' key.")] = None,
    retire: Annotated[str | None, typer.Option(help="Retire this key id (hex).")] = None,
    reason: Annotated[str, typer.Option(help="Why a key is retired.")] = "",
) -> None:
    """List the issuer keys (created on first use); --rotate makes a new active key, --retire
    trusts a key for nothing any more (its cards must be reissued)."""
    from bansos.vouchers import service as vouchers

    with runtime() as rt, unit_of_work(rt.factory) as session:
        vouchers.ensure_keys(session, rt.cipher)
        if rotate is not None or retire is not None:
            if user is None:
                fail("auth.forbidden")
            actor = _actor(session, user)
            try:
                if rotate is not None:
                    vouchers.rotate_keys(session, rt.cipher, actor, rotate)
                if retire is not None:
                    vouchers.retire_key(session, retire, actor, reason or "-")
            except Problem as exc:
                fail(exc.code, **exc.params)
        table = Table("kid", "purpose", "status", "public key (base64url)")
        for k in vouchers.published_keys(session):
            table.add_row(k["kid"], k["purpose"], k["status"], k["public_key"])
        out.print(table)


@vouchers_app.command("issue")
def issue(
    kk: KkArg,
    user: UserOpt,
    png: Annotated[Path | None, typer.Option(help="Write the printable card as PNG.")] = None,
    pdf: Annotated[Path | None, typer.Option(help="Write the printable card as PDF.")] = None,
) -> None:
    """A new QR card for a household with a program wallet (an older card is revoked)."""
    from bansos.vouchers import card
    from bansos.vouchers import service as vouchers

    with runtime() as rt:
        with unit_of_work(rt.factory) as session:
            household = _household(session, rt.cipher, kk)
            vouchers.ensure_keys(session, rt.cipher)
            try:
                cred = vouchers.issue_credential(session, rt.cipher, household,
                                                 _actor(session, user))  # fmt: skip
            except Problem as exc:
                fail(exc.code, **exc.params)
            cred_id, text, programs = cred.id, cred.qr_text, cred.programs
        with unit_of_work(rt.factory) as session:
            data = vouchers.card_data(session, cred_id)
    if png is not None:
        png.write_bytes(card.render_png(data))
    if pdf is not None:
        pdf.write_bytes(card.render_pdf(data))
    out.print(f"Kartu / card {cred_id} ({programs}), berlaku s.d. / valid until "
              f"{data.valid_until.isoformat()}:")  # fmt: skip
    out.print(text, highlight=False, soft_wrap=True)


@vouchers_app.command("revoke")
def revoke(
    credential_id: int,
    user: UserOpt,
    reason: Annotated[str, typer.Option(help="Why (e.g. hilang / lost).")],
) -> None:
    """Block a lost or stolen card."""
    from bansos.vouchers import service as vouchers

    with runtime() as rt, unit_of_work(rt.factory) as session:
        try:
            cred = vouchers.revoke_credential(session, credential_id, _actor(session, user),
                                              reason)  # fmt: skip
        except Problem as exc:
            fail(exc.code, **exc.params)
        out.print(f"Kartu / card {cred.id}: {cred.status}")


@vouchers_app.command("claim-code")
def claim_code(
    kk: KkArg,
    user: UserOpt,
    program: Annotated[str, typer.Option(help="Program code, e.g. SEMBAKO.")],
) -> None:
    """Send the household a single-use claim code by SMS (it goes to the outbox only)."""
    from bansos.vouchers import service as vouchers

    with runtime() as rt, unit_of_work(rt.factory) as session:
        household = _household(session, rt.cipher, kk)
        try:
            vouchers.issue_claim_code(session, rt.cipher, household, program,
                                      _actor(session, user))  # fmt: skip
        except Problem as exc:
            fail(exc.code, **exc.params)
        out.print(f"Kode klaim dikirim lewat SMS / claim code queued for SMS "
                  f"({vouchers.CLAIM_CODE_HOURS} h).")  # fmt: skip


settlement_app = typer.Typer(help="Daily settlement of partner shops.", no_args_is_help=True)


@settlement_app.command("run")
def settlement_run(
    user: UserOpt,
    day: Annotated[
        str | None, typer.Option("--date", help="Business day (WIB), default yesterday.")
    ] = None,
) -> None:
    """Move each shop's payable for the day to settlement clearing, one payout instruction per
    shop and program; again for the same day moves nothing."""
    from datetime import date, timedelta

    from bansos.core.money import format_rupiah
    from bansos.merchants import settlement

    try:
        business = date.fromisoformat(day) if day else settlement.business_day() - timedelta(1)
    except ValueError:
        fail("value.date_format")
    with runtime() as rt, unit_of_work(rt.factory) as session:
        try:
            made = settlement.run(session, business, _actor(session, user))
        except Problem as exc:
            fail(exc.code, **exc.params)
        table = Table("reference", "shop", "program", "redemptions", "amount", "bank account",
                      title=f"Penyelesaian / settlement {business.isoformat()}")  # fmt: skip
        for s in made:
            table.add_row(s.reference, str(s.merchant_id), s.program_code, str(s.redemptions),
                          format_rupiah(s.amount), f"{s.bank_code} {s.bank_account}")  # fmt: skip
        out.print(table)
