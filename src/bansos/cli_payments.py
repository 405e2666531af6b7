"""``bansos payments``: payout channels, queueing and the payout worker, and the SNAP bank and
e-wallet simulator (``sim-bank``).

The simulator stands for somebody else's system and must start without ours, so this module
imports nothing of the database or settings at the top: the payout commands import them (and
cli.py's helpers, which import this module at their end) inside their own bodies.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bansos.core.errors import Problem

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bansos.core.crypto import FieldCipher
    from bansos.payments.config import PaymentsConfig
    from bansos.payments.service import QueueReport

payments_cli = typer.Typer(
    help="Payouts to banks and e-wallets, and a SNAP bank/e-wallet simulator.",
    no_args_is_help=True,
)
channel_cli = typer.Typer(help="A household's payout channel per program.", no_args_is_help=True)
payments_cli.add_typer(channel_cli, name="channel")

_DEMO_ACCOUNTS = {
    "bank": [
        {"number": "1234567890", "name": "SITI AMINAH", "status": "active"},
        {"number": "1234567891", "name": "BUDI SANTOSO", "status": "blocked"},
    ],
    "emoney": [
        {"number": "081234567890", "name": "DEWI LESTARI", "status": "active"},
        {"number": "081234567891", "name": "AGUS SALIM", "status": "blocked"},
    ],
}


@payments_cli.callback()
def _group() -> None:
    """Payment rails."""


def _rate(name: str) -> object:
    return typer.Option(help=f"Share (0..1) of money-moving requests that get '{name}'.")


@payments_cli.command("sim-bank")
def sim_bank(
    config: Annotated[
        Path | None,
        typer.Option(
            help="YAML/JSON file: providers, partners, accounts (see simulator/config.py)."
        ),
    ] = None,
    books: Annotated[Path, typer.Option(help="The simulator's own SQLite books.")] = Path(
        "var/sim-books.sqlite3"
    ),
    host: Annotated[
        str, typer.Option(help="Bind address (the /sim endpoints need no login: keep 127.0.0.1).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8765,
    seed: Annotated[int | None, typer.Option(help="Seed of the fault RNG.")] = None,
    timeout_rate: Annotated[float | None, _rate("timeout")] = None,
    error_5xx_rate: Annotated[float | None, _rate("error_5xx")] = None,
    in_progress_rate: Annotated[float | None, _rate("in_progress")] = None,
    duplicate_rate: Annotated[float | None, _rate("duplicate")] = None,
    drop_rate: Annotated[float | None, _rate("drop_after_booking")] = None,
    timeout_seconds: Annotated[
        float | None, typer.Option(help="How long a 'timeout' answer is held back.")
    ] = None,
    in_progress_seconds: Annotated[
        float | None,
        typer.Option(help="A pending booking succeeds after this many seconds (0: never by time)."),
    ] = None,
    in_progress_queries: Annotated[
        int | None,
        typer.Option(help="... or after this many status inquiries (0: never by queries)."),
    ] = None,
    token_ttl: Annotated[float | None, typer.Option(help="Access token lifetime, seconds.")] = None,
    client_key: Annotated[
        str | None,
        typer.Option(
            help="Without --config: the partner's X-CLIENT-KEY (bank at /bank, wallet at /wallet, "
            "demo accounts)."
        ),
    ] = None,
    partner_id: Annotated[
        str | None, typer.Option(help="X-PARTNER-ID (default: client key).")
    ] = None,
    channel_id: Annotated[str, typer.Option(help="The partner's CHANNEL-ID.")] = "95221",
    public_key: Annotated[
        Path | None,
        typer.Option(help="The partner's RSA public key (PEM) that verifies token requests."),
    ] = None,
    client_secret_file: Annotated[Path | None, typer.Option(help="The client secret.")] = None,
    client_secret_env: Annotated[
        str | None, typer.Option(help="... or the environment variable that holds it.")
    ] = None,
    balance: Annotated[
        int, typer.Option(help="The partner's funding balance, rupiah.")
    ] = 1_000_000_000,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "warning",
) -> None:
    """Serve one simulated bank and one e-wallet provider speaking SNAP, strictly."""
    import uvicorn

    from bansos.payments.simulator.app import create_app
    from bansos.payments.simulator.config import config_from_mapping, read_config_file

    overrides = {
        "seed": seed,
        "timeout": timeout_rate,
        "error_5xx": error_5xx_rate,
        "in_progress": in_progress_rate,
        "duplicate": duplicate_rate,
        "drop_after_booking": drop_rate,
        "timeout_seconds": timeout_seconds,
        "in_progress_seconds": in_progress_seconds,
        "in_progress_queries": in_progress_queries,
    }
    try:
        if config is not None:
            data = read_config_file(config)
            base = config.parent
        else:
            data = _flags_config(
                client_key,
                partner_id,
                channel_id,
                public_key,
                client_secret_file,
                client_secret_env,
                balance,
            )
            base = Path.cwd()
        given = data.get("faults") or {}
        if not isinstance(given, dict):
            raise Problem("sim.config_invalid", detail="faults must be a mapping")
        faults: dict[str, object] = dict(given)
        faults.update({k: v for k, v in overrides.items() if v is not None})
        data["faults"] = faults
        if token_ttl is not None:
            data["token_ttl_seconds"] = token_ttl
        sim_config = config_from_mapping(data, base)
        books.parent.mkdir(parents=True, exist_ok=True)
        app = create_app(sim_config, books)
    except Problem as exc:
        texts = exc.messages()
        typer.echo(f"{texts['id']}\n{texts['en']}", err=True)
        raise typer.Exit(2) from exc
    prefixes = ", ".join(f"{p.name} at {p.path_prefix or '/'}" for p in sim_config.providers)
    typer.echo(f"SNAP simulator on http://{host}:{port} ({prefixes}); books: {books}")
    uvicorn.run(app, host=host, port=port, log_level=log_level)


def _flags_config(
    client_key: str | None,
    partner_id: str | None,
    channel_id: str,
    public_key: Path | None,
    secret_file: Path | None,
    secret_env: str | None,
    balance: int,
) -> dict[str, object]:
    if client_key is None or public_key is None or (secret_file is None and secret_env is None):
        raise Problem(
            "sim.config_invalid",
            detail="give --config, or --client-key, "
            "--public-key and --client-secret-file/--client-secret-env",
        )
    partner: dict[str, object] = {
        "client_key": client_key,
        "partner_id": partner_id or client_key,
        "channel_id": channel_id,
        "public_key_file": str(public_key.resolve()),
        "source_account": "8880001234",
        "balance": balance,
    }
    if secret_file is not None:
        partner["client_secret_file"] = str(secret_file.resolve())
    else:
        partner["client_secret_env"] = secret_env
    return {
        "providers": [
            {
                "name": "bank",
                "kind": "bank",
                "path_prefix": "/bank",
                "partners": [partner],
                "accounts": _DEMO_ACCOUNTS["bank"],
            },
            {
                "name": "wallet",
                "kind": "emoney",
                "path_prefix": "/wallet",
                "partners": [partner],
                "accounts": _DEMO_ACCOUNTS["emoney"],
            },
        ]
    }


# --- payouts ---------------------------------------------------------------------------------

ProvidersOpt = Annotated[
    Path | None,
    typer.Option("--providers", help="YAML file of the payout providers (or "
                 "BANSOS_PAYMENT_PROVIDERS); secrets are read from the files/variables it names."),
]  # fmt: skip
UserOpt = Annotated[str, typer.Option("--user", help="Staff username acting (its role applies).")]


@contextmanager
def _providers(path: Path | None) -> Iterator[PaymentsConfig]:
    from bansos.cli import fail
    from bansos.payments import config

    try:
        loaded = config.load(config.config_path(path))
    except Problem as exc:
        fail(exc.code, **exc.params)
    try:
        yield loaded
    finally:
        loaded.close()


@payments_cli.command("run")
def payments_run(
    providers: ProvidersOpt = None,
    once: Annotated[bool, typer.Option("--once", help="Do what is due now, then stop.")] = False,
    drain: Annotated[
        bool, typer.Option("--drain", help="Go on until no payout is open any more.")
    ] = False,
    threads: Annotated[
        int, typer.Option(min=1, max=64, help="Calls at once (a timeout holds one).")
    ] = 8,
    log_level: Annotated[str, typer.Option(help="Python log level of the rails.")] = "warning",
) -> None:
    """Send queued payouts and ask about unclear ones until each is confirmed or failed; after
    a crash, run it again: what was left in flight is asked about, never sent twice."""
    import logging
    import signal

    from bansos.cli import runtime
    from bansos.payments import worker

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    stopping: list[int] = []
    signal.signal(signal.SIGTERM, lambda signum, _frame: stopping.append(signum))
    until: worker.Until = "idle" if once else "drained" if drain else "forever"
    with _providers(providers) as loaded, runtime() as rt:
        try:
            done = worker.run(rt.factory, loaded.rails, cipher=rt.cipher, threads=threads,
                              policy=loaded.policy, until=until,
                              stop=lambda: bool(stopping))  # fmt: skip
        except KeyboardInterrupt:
            raise typer.Exit(130) from None
    results = ", ".join(f"{k} {v}" for k, v in sorted(done.results.items())) or "-"
    typer.echo(f"panggilan / calls {done.calls}; dipulihkan / recovered {done.recovered}; "
               f"hasil / results: {results}")  # fmt: skip


def _household(session: Session, cipher: FieldCipher, text: str) -> int:
    """A household id, or a 16-digit family card (KK) number."""
    from bansos.cli import fail
    from bansos.core.nik import InvalidNumber
    from bansos.registry import service as registry

    if len(text) == 16 and text.isdigit():
        try:
            found = registry.household_by_kk(session, cipher, text)
        except InvalidNumber as exc:
            fail(exc.code, **exc.params)
        if found is None:
            fail("payments.household_not_found", household_id="KK " + text[:4] + "********")
        return found
    if not text.isdigit():
        fail("payments.household_not_found", household_id=text[:20])
    return int(text)


@channel_cli.command("set")
def channel_set(
    household: Annotated[str, typer.Argument(help="Household id or family card (KK) number.")],
    program: Annotated[str, typer.Option(help="Program code, e.g. PKH.")],
    kind: Annotated[str, typer.Option(help="wallet, emoney or bank.")],
    user: UserOpt,
    provider: Annotated[str, typer.Option(help="Configured provider name.")] = "",
    account: Annotated[str, typer.Option(help="E-wallet (phone) or bank account number.")] = "",
    bank_code: Annotated[str, typer.Option(help="Beneficiary bank's BI code (bank).")] = "",
    providers: ProvidersOpt = None,
) -> None:
    """Set how a household receives a program's aid; an e-wallet or bank account is checked
    with the provider and its holder's name with the registry (a mismatch goes to review)."""
    from bansos.cli import _actor, fail, out, runtime
    from bansos.db import unit_of_work
    from bansos.payments import channels

    with runtime() as rt:
        with unit_of_work(rt.reads) as session:
            household_id = _household(session, rt.cipher, household)
        request = channels.ChannelRequest(household_id, program, kind, provider, account,
                                          bank_code)  # fmt: skip
        check = None
        try:
            if request.destination() is not None:
                with _providers(providers) as loaded:
                    check = channels.inquire(loaded.rails, request)
            with unit_of_work(rt.factory) as session:
                made = channels.set_channel(session, rt.cipher, request, check,
                                            _actor(session, user))  # fmt: skip
                line = (f"Saluran / channel {made.id}: keluarga / household {household_id}, "
                        f"{made.program_code}: {made.kind} {made.provider} {made.account_mask} "
                        f"{channels.mask_name(channels.holder_name(rt.cipher, made))}; "
                        f"nama / name {made.name_match or '-'}; status {made.status} "
                        f"{made.review_note}")  # fmt: skip
        except Problem as exc:
            fail(exc.code, **exc.params)
    out.print(" ".join(line.split()), highlight=False)


@channel_cli.command("decide")
def channel_decide(
    channel_id: int,
    user: UserOpt,
    reason: Annotated[str, typer.Option(help="Why (what was checked).")],
    approve: Annotated[bool, typer.Option("--approve/--reject", help="The decision.")] = True,
) -> None:
    """Approve or reject a channel in review (an approver other than whoever set it)."""
    from bansos.cli import _actor, fail, out, runtime
    from bansos.db import unit_of_work
    from bansos.payments import channels

    with runtime() as rt, unit_of_work(rt.factory) as session:
        try:
            made = channels.decide_channel(session, channel_id, _actor(session, user),
                                           approve=approve, reason=reason)  # fmt: skip
        except Problem as exc:
            fail(exc.code, **exc.params)
        out.print(f"Saluran / channel {made.id}: status {made.status}")


@channel_cli.command("review")
def channel_review() -> None:
    """The channels waiting for an approver (account numbers and names masked)."""
    from rich.table import Table

    from bansos.cli import out, runtime
    from bansos.db import unit_of_work
    from bansos.payments import channels

    with runtime() as rt, unit_of_work(rt.reads) as session:
        table = Table("id", "household", "program", "kind", "provider", "account", "holder",
                      "name", "why", "set by")  # fmt: skip
        for c in channels.in_review(session):
            table.add_row(str(c.id), str(c.household_id), c.program_code, c.kind, c.provider,
                          c.account_mask, channels.mask_name(channels.holder_name(rt.cipher, c)),
                          c.name_match, c.review_note, c.requested_by)  # fmt: skip
        out.print(table)


def _report(report: QueueReport) -> None:
    from bansos.cli import out
    from bansos.core.money import format_rupiah

    out.print(f"Diantrekan / queued {report.queued}, {format_rupiah(report.total)}")
    for reason, count in sorted(report.skipped.items()):
        out.print(f"  dilewati / skipped ({reason}): {count}", highlight=False)


@payments_cli.command("queue-cycle")
def queue_cycle(cycle_id: int, user: UserOpt) -> None:
    """Queue a payout for every household of a disbursed cycle with a verified e-wallet or bank
    channel (the money is reserved in the ledger); again queues nobody twice."""
    from bansos.cli import _actor, fail, runtime
    from bansos.db import unit_of_work
    from bansos.payments import service

    with runtime() as rt, unit_of_work(rt.factory) as session:
        try:
            made = service.queue_cycle(session, rt.cipher, cycle_id, _actor(session, user))
        except Problem as exc:
            fail(exc.code, **exc.params)
        _report(made)


@payments_cli.command("queue-settlements")
def queue_settlements(
    user: UserOpt,
    day: Annotated[
        str | None, typer.Option("--date", help="Business day (WIB); default: every day.")
    ] = None,
    provider: Annotated[
        str | None, typer.Option(help="The bank rail (default: the only bank configured).")
    ] = None,
    providers: ProvidersOpt = None,
) -> None:
    """Queue a bank payout for each shop settlement instruction not yet paid."""
    from datetime import date

    from bansos.cli import _actor, fail, runtime
    from bansos.db import unit_of_work
    from bansos.payments import service

    try:
        business = date.fromisoformat(day) if day else None
    except ValueError:
        fail("value.date_format")
    with _providers(providers) as loaded, runtime() as rt, unit_of_work(rt.factory) as session:
        try:
            made = service.queue_settlements(session, rt.cipher, business, _actor(session, user),
                                             provider=loaded.bank_provider(provider))  # fmt: skip
        except Problem as exc:
            fail(exc.code, **exc.params)
        _report(made)


@payments_cli.command("reconcile")
def reconcile(
    day: Annotated[str, typer.Option("--date", help="The WIB day of the payouts, YYYY-MM-DD.")],
    provider: Annotated[str, typer.Option(help="The rail (provider name) to reconcile.")],
    statement: Annotated[
        Path | None,
        typer.Option(help="The provider's statement for the day: camt.053 (XML) or MT940."),
    ] = None,
    providers: ProvidersOpt = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Write every item here.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the report here.")] = None,
) -> None:
    """Our payouts of a day on one rail against what the provider says (its statement file,
    or else its status API, asked payout by payout): sent, confirmed, failed, returned, open,
    and every disagreement, worst first. Changes nothing; exits 1 when anything disagrees."""
    from datetime import date

    from rich.table import Table

    from bansos.cli import fail, out, runtime
    from bansos.core.money import format_number, format_rupiah
    from bansos.db import unit_of_work
    from bansos.payments import reconcile as rec

    try:
        when = date.fromisoformat(day)
    except ValueError:
        fail("payments.date_invalid", value=day)
    with runtime() as rt, unit_of_work(rt.reads) as session:
        rows = rec.ours_of_day(session, when, provider)
        try:
            if statement is not None:
                theirs = rec.from_file(statement, provider)
            else:
                with _providers(providers) as loaded:
                    if provider not in loaded.rails:
                        fail("payments.provider_unknown", provider=provider,
                             known=", ".join(sorted(loaded.rails)) or "-")  # fmt: skip
                    theirs = rec.from_status_api(loaded.rails[provider], rt.cipher, rows, when)
        except Problem as exc:
            fail(exc.code, **exc.params)
        report = rec.reconcile(rec.as_ours(rows, when), theirs)
    table = Table("day", "rail", "sent", *[k.replace("_", " ") for k in rec.KINDS])
    for line in report.lines:
        table.add_row(line.day.isoformat(), line.provider,
                      f"{format_number(line.sent)}\n{format_rupiah(line.sent_amount)}",
                      *[f"{format_number(line.counts[k])}\n{format_rupiah(line.amounts[k])}"
                        for k in rec.KINDS])  # fmt: skip
    out.print(table)
    for item in report.problems:
        ours = "-" if item.ours_amount is None else format_rupiah(item.ours_amount)
        theirs_ = "-" if item.theirs_amount is None else format_rupiah(item.theirs_amount)
        out.print(f"[red]{item.kind}[/red] {item.reference}: kami / ours {item.ours_status} "
                  f"{ours}, mereka / theirs {item.theirs_status} {theirs_}")  # fmt: skip
    if csv_out is not None:
        csv_out.write_text(rec.to_csv(report))
    if json_out is not None:
        json_out.write_text(rec.to_json(report))
    verdict = "cocok / all agree" if report.ok else f"{len(report.problems)} selisih / disagree"
    out.print(f"rekonsiliasi / reconciliation: {verdict}")
    if not report.ok:
        raise typer.Exit(1)


@payments_cli.command("decide")
def payout_decide(
    reference: Annotated[str, typer.Argument(help="The payout's reference (D<cycle>-<hh>...).")],
    user: UserOpt,
    reason: Annotated[str, typer.Option(help="Why (what reconciliation or the bank showed).")],
    retry: Annotated[
        bool, typer.Option("--retry/--void", help="Send again (next attempt) or release it.")
    ] = True,
) -> None:
    """Decide a payout in ``review`` (approver): send it again under the same reference, or
    void it (the money back in the wallet) once reconciliation shows it was never booked."""
    from bansos.cli import _actor, fail, out, runtime
    from bansos.db import unit_of_work
    from bansos.payments import service

    with runtime() as rt, unit_of_work(rt.factory) as session:
        try:
            made = service.decide_review(session, reference, "retry" if retry else "void",
                                         reason, _actor(session, user))  # fmt: skip
        except Problem as exc:
            fail(exc.code, **exc.params)
        out.print(f"Pembayaran / payout {made.reference}: status {made.status}, "
                  f"percobaan / attempt {made.attempt}")  # fmt: skip


@payments_cli.command("show")
def show(
    status: Annotated[str | None, typer.Option(help="Only payouts in this status.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="How many, newest first.")] = 50,
) -> None:
    """Payouts, newest first, with totals per status (destinations masked)."""
    from rich.table import Table

    from bansos.cli import out, runtime
    from bansos.core.money import format_number, format_rupiah
    from bansos.db import unit_of_work
    from bansos.payments import service

    with runtime() as rt, unit_of_work(rt.reads) as session:
        table = Table("reference", "purpose", "household", "amount", "destination", "status",
                      "attempt", "checks", "last code")  # fmt: skip
        for p in service.listing(session, status, limit=limit):
            table.add_row(p.reference, p.purpose, str(p.household_id or "-"),
                          format_rupiah(p.amount), p.destination_mask, p.status, str(p.attempt),
                          str(p.checks), p.last_code or "-")  # fmt: skip
        out.print(table)
        for name, (count, total) in sorted(service.counts(session).items()):
            out.print(f"{name}: {format_number(count)}, {format_rupiah(total)}")


if __name__ == "__main__":
    payments_cli(prog_name=f"{Path(sys.argv[0]).name}")
