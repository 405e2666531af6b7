"""The ``bansos`` command: set up the database, import registries, manage staff, serve."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text
from sqlalchemy import select
from sqlalchemy.orm import Session

from bansos.core.clock import now
from bansos.core.crypto import MasterKeyError
from bansos.core.errors import Problem
from bansos.core.messages import message
from bansos.core.money import format_number, format_rupiah
from bansos.db import make_engine, session_factory, unit_of_work
from bansos.keys import bind_key, load_cipher
from bansos.runtime import NotMigrated, Runtime, open_runtime
from bansos.settings import get_settings
from bansos.targeting import service as targeting

app = typer.Typer(help="Bansos: digital social assistance tied to the civil registry.",
                  no_args_is_help=True, pretty_exceptions_enable=False)  # fmt: skip
db_app = typer.Typer(help="Database schema and reference data.", no_args_is_help=True)
registry_app = typer.Typer(help="Civil and social registry imports.", no_args_is_help=True)
users_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
demo_app = typer.Typer(help="Demo data for a local try-out.", no_args_is_help=True)
targeting_app = typer.Typer(help="Candidate lists and their approval.", no_args_is_help=True)
programs_app = typer.Typer(help="Assistance programs (eligibility, benefit).", no_args_is_help=True)
ledger_app = typer.Typer(help="Accounts, balances and the ledger check.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(registry_app, name="registry")
app.add_typer(users_app, name="users")
app.add_typer(demo_app, name="demo")
app.add_typer(programs_app, name="programs")
app.add_typer(targeting_app, name="targeting")
app.add_typer(ledger_app, name="ledger")
cycles_app = typer.Typer(
    help="Disbursement cycles: compute, approve, fund, pay.", no_args_is_help=True
)
app.add_typer(cycles_app, name="cycles")

out = Console()
err = Console(stderr=True)


def fail(code: str, **params: object) -> NoReturn:
    err.print(f"[bold red]Galat:[/] {message(code, 'id', **params)}", highlight=False)
    err.print(f"[bold red]Error:[/] {message(code, 'en', **params)}", highlight=False)
    raise typer.Exit(1)


@contextmanager
def runtime() -> Iterator[Runtime]:
    try:
        rt = open_runtime()
    except NotMigrated:
        fail("db.not_migrated")
    except MasterKeyError as exc:
        fail(exc.code, **exc.params)
    try:
        yield rt
    finally:
        rt.close()


# -- db ---------------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema, load the region codes, and create the key file if needed."""
    from bansos.migrate import upgrade
    from bansos.registry.regions import count_by_level

    settings = get_settings()
    engine = make_engine(settings.resolved_database_url)
    try:
        with engine.begin() as conn:
            added = upgrade(conn)
        try:
            cipher = load_cipher(settings, create=True)
        except MasterKeyError as exc:
            fail(exc.code, **exc.params)
        with unit_of_work(session_factory(engine)) as session:
            try:
                bind_key(session, cipher)
            except MasterKeyError as exc:
                fail(exc.code, **exc.params)
            levels = count_by_level(session)
    finally:
        engine.dispose()
    out.print(
        f"Skema mutakhir / schema up to date. Wilayah / regions: {levels.get(1, 0)} provinsi, "
        f"{levels.get(2, 0)} kabupaten/kota, {levels.get(3, 0)} kecamatan ({added} baru/new)."
    )


# -- registry ---------------------------------------------------------------------------------


def _default_report_path(kind: str, suffix: str) -> Path:
    stamp = now().strftime("%Y%m%dT%H%M%S")
    return get_settings().data_dir / "imports" / f"{stamp}-{kind}.{suffix}.csv"


def _import(kind: str, file: Path, rejects: Path | None, warnings: Path | None,
            chunk: int | None, actor: str) -> None:  # fmt: skip
    from bansos.registry import service as registry
    from bansos.registry.reader import estimate_rows

    with runtime() as rt:
        total = estimate_rows(file) if file.exists() else None
        columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn())  # fmt: skip
        with Progress(*columns, console=err, transient=False) as bar:
            task = bar.add_task(f"impor {kind}", total=total)
            opts = registry.ImportOptions(
                actor=actor,
                rejects_path=rejects or _default_report_path(kind, "rejects"),
                warnings_path=warnings or _default_report_path(kind, "warnings"),
                chunk_rows=chunk or rt.settings.import_chunk_rows,
                progress=lambda n: bar.update(task, completed=n),
            )
            fn = registry.import_civil if kind == "civil" else registry.import_social
            try:
                report = fn(rt.factory, file, rt.cipher, opts)
            except Problem as exc:
                bar.stop()
                fail(exc.code, **exc.params)
    table = Table(title=f"Impor {kind} (run {report.run_id})", show_header=False)
    rows = [
        ("dibaca / read", report.rows_read),
        ("ditambah / added", report.added),
        ("diperbarui / updated", report.updated),
        ("tidak berubah / unchanged", report.unchanged),
    ]
    if kind == "civil":
        rows.append(("baru meninggal / newly deceased", report.newly_deceased))
    rows += [("ditolak / rejected", report.rejected), ("peringatan / warnings", report.warnings)]
    for label, value in rows:
        table.add_row(label, format_number(value))
    out.print(table)
    out.print(f"Penolakan / rejects: {report.rejects_path}")
    out.print(f"Peringatan / warnings: {report.warnings_path}")
    if report.accepted == 0 and report.rejected:
        fail("file.nothing_imported")


ChunkOpt = Annotated[int | None, typer.Option(help="Rows per committed chunk.")]
RejectsOpt = Annotated[Path | None, typer.Option(help="Rejects CSV (default under var/imports).")]
WarningsOpt = Annotated[Path | None, typer.Option(help="Warnings CSV (default under var/imports).")]
ActorOpt = Annotated[str, typer.Option(help="Who runs the import, for the audit trail.")]


@registry_app.command("import-civil")
def import_civil(
    file: Annotated[Path, typer.Argument(help="CSV or Parquet civil-registry extract.")],
    rejects: RejectsOpt = None,
    warnings: WarningsOpt = None,
    chunk: ChunkOpt = None,
    actor: ActorOpt = getpass.getuser(),
) -> None:
    """Import or sync the civil registry (upsert by NIK); bad rows go to the rejects file."""
    _import("civil", file, rejects, warnings, chunk, actor)


@registry_app.command("import-social")
def import_social(
    file: Annotated[Path, typer.Argument(help="CSV or Parquet social-registry file.")],
    rejects: RejectsOpt = None,
    warnings: WarningsOpt = None,
    chunk: ChunkOpt = None,
    actor: ActorOpt = getpass.getuser(),
) -> None:
    """Import or sync welfare data per KK (deciles and further typed attributes)."""
    _import("social", file, rejects, warnings, chunk, actor)


# -- users ------------------------------------------------------------------------------------


@users_app.command("create")
def users_create(
    username: str,
    role: Annotated[str, typer.Option(help="admin, operator, approver, auditor or field_officer.")],
    full_name: Annotated[str, typer.Option(help="Display name.")] = "",
    password_stdin: Annotated[
        bool, typer.Option(help="Read the password from standard input instead of a prompt.")
    ] = False,
) -> None:
    """Create a staff account (the password is asked for, never passed on the command line)."""
    from bansos.auth import service as auth
    from bansos.transparency import service as audit

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Kata sandi / password", hide_input=True,
                                confirmation_prompt=True)  # fmt: skip
    with runtime() as rt:
        try:
            with unit_of_work(rt.factory) as session:
                user = auth.create_user(session, username, password, role, full_name)
                audit.record(session, getpass.getuser(), "users.create", "user", username,
                             role=role)  # fmt: skip
        except Problem as exc:
            fail(exc.code, **exc.params)
    out.print(f"Pengguna / user {user.username} ({user.role}) dibuat / created.")


@users_app.command("list")
def users_list() -> None:
    """List staff accounts and their roles."""
    from bansos.auth import service as auth

    with runtime() as rt, unit_of_work(rt.factory) as session:
        table = Table("username", "role", "name", "active")
        for u in auth.list_users(session):
            table.add_row(u.username, u.role, u.full_name, "ya" if u.active else "tidak")
    out.print(table)


# -- programs ---------------------------------------------------------------------------------


@programs_app.command("load")
def programs_load(
    file: Annotated[Path, typer.Argument(help="Program definition (.toml or .yaml).")],
    actor: ActorOpt = getpass.getuser(),
) -> None:
    """Validate a program file and store it (a changed definition becomes a new version)."""
    from bansos.programs import service as programs
    from bansos.programs.definition import ProgramProblem, read_file

    with runtime() as rt:
        try:
            data = read_file(file)
            with unit_of_work(rt.factory) as session:
                result = programs.load(session, data, actor)
                code, version = result.record.code, result.record.version
        except ProgramProblem as exc:
            for e in exc.errors:
                texts = f"{message(e['code'], 'id')} / {message(e['code'], 'en')}"
                err.print(f"  {e['field']}: {texts} ({e['detail']})", highlight=False)
            fail(exc.code, **exc.params)
    labels = {"created": "dibuat / created", "updated": "diperbarui / updated",
              "unchanged": "tidak berubah / unchanged"}  # fmt: skip
    out.print(f"Program {code} v{version}: {labels[result.status]}.")


@programs_app.command("list")
def programs_list() -> None:
    """List the stored programs."""
    from bansos.programs import service as programs

    with runtime() as rt, unit_of_work(rt.factory) as session:
        table = Table("code", "name", "unit", "period", "version", "budget cap (Rp)")
        for r in programs.list_programs(session):
            table.add_row(r.code, r.name, r.unit, r.period, str(r.version),
                          format_number(r.budget_cap))  # fmt: skip
    out.print(table)


# -- targeting --------------------------------------------------------------------------------

UserOpt = Annotated[str, typer.Option("--user", help="Staff username acting (its role applies).")]


def _actor(session: Session, username: str) -> targeting.Actor:
    from bansos.auth.models import User

    user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None:
        fail("targeting.unknown_user", username=username)
    return targeting.Actor(user.username, user.role)


def _show_list(session: Session, list_id: int) -> None:
    cl = session.get(targeting.CandidateList, list_id)
    if cl is None:
        fail("targeting.list_not_found", list_id=list_id)
    out.print(
        f"Daftar / list {cl.id}: {cl.program_code} v{cl.program_version} {cl.period}, "
        f"status {cl.status}; layak / eligible {format_number(cl.eligible_count)}, "
        f"dikecualikan / excluded {format_number(cl.excluded_count)}, "
        f"total {format_rupiah(cl.total_benefit)}"
    )
    for level in ("province", "regency"):
        table = Table(level, "reason", "households", "benefit (Rp)")
        for code, reason, n, total in targeting.summary(session, list_id, level=level):
            label = message(reason, "id") if reason else "layak / eligible"
            table.add_row(code, label, format_number(n), format_number(total))
        out.print(table)


@targeting_app.command("match")
def targeting_match(
    proposals: Annotated[Path, typer.Argument(help="Proposals CSV or Parquet.")],
    out_path: Annotated[Path, typer.Option("--out", help="Resolved CSV to write.")],
    user: UserOpt,
    rejects: RejectsOpt = None,
    model: Annotated[
        Path | None, typer.Option(help="Use this saved model (JSON) instead of training.")
    ] = None,
    save_model: Annotated[
        Path | None, typer.Option(help="Also write the trained model (JSON) here.")
    ] = None,
) -> None:
    """Match proposed recipients to the civil registry (Splink): one resolved row per input row,
    ambiguous rows to the review queue; the run and its model are kept."""
    import json

    from bansos.targeting import matches

    with runtime() as rt:
        try:
            with unit_of_work(rt.factory) as session:
                params = json.loads(model.read_text(encoding="utf-8")) if model else None
                with err.status("mencocokkan / matching...") as status:
                    report = matches.run_match(
                        session, rt.cipher, proposals, _actor(session, user),
                        out_path=out_path,
                        rejects_path=rejects or _default_report_path("proposals", "rejects"),
                        model=params,
                        progress=lambda step: status.update(f"mencocokkan / matching: {step}"),
                    )  # fmt: skip
                run_id, model_text = report.run.id, report.run.model
        except Problem as exc:
            fail(exc.code, **exc.params)
    if save_model is not None:
        save_model.write_text(model_text, encoding="utf-8")
    table = Table(title=f"Pencocokan / match run {run_id}", show_header=False)
    for status_code, n in report.counts.items():
        table.add_row(status_code, format_number(n))
    table.add_row("ditolak / rejected", format_number(report.rejected))
    table.add_row("peringatan / warnings", format_number(report.warnings))
    table.add_row("pasangan dinilai / pairs scored", format_number(report.pairs))
    out.print(table)
    out.print(f"Hasil / resolved: {out_path}")


@targeting_app.command("review")
def targeting_review(
    run_id: int,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
) -> None:
    """The review queue of a match run: ambiguous rows and their candidates (NIK masked)."""
    from bansos.targeting import matches

    with runtime() as rt, unit_of_work(rt.factory) as session:
        try:
            items = matches.review_queue(session, run_id, limit=limit)
        except Problem as exc:
            fail(exc.code, **exc.params)
        table = Table("row_id", "p", "reason", "candidate", "NIK", "name", "born", "region")
        for item in items:
            for i, c in enumerate(item.candidates):
                head = (
                    (item.row_id, f"{item.probability:.3f}", item.reason) if i == 0 else ("",) * 3
                )
                who = c.person
                table.add_row(
                    *head, f"{c.person_id} ({c.probability:.3f})",
                    who.nik_masked if who else "", who.full_name if who else "",
                    who.birth_date.isoformat() if who else "", who.region_code if who else "",
                )  # fmt: skip
        out.print(table)
        out.print(f"{len(items)} baris menunggu / rows waiting (max {limit}).")


@targeting_app.command("resolve")
def targeting_resolve(
    run_id: int,
    row_id: str,
    user: UserOpt,
    note: Annotated[str, typer.Option(help="Why (what was checked).")],
    person: Annotated[int | None, typer.Option(help="The candidate's person id.")] = None,
    none: Annotated[bool, typer.Option("--none", help="None of the candidates.")] = False,
) -> None:
    """Decide a row of the review queue: one of its candidates, or none (audited)."""
    from bansos.targeting import matches

    if (person is None) == (not none):
        fail("match.choose_one")
    with runtime() as rt:
        try:
            with unit_of_work(rt.factory) as session:
                result = matches.review(session, run_id, row_id, person, note,
                                        _actor(session, user))  # fmt: skip
                status = result.status
        except Problem as exc:
            fail(exc.code, **exc.params)
    out.print(f"Baris / row {row_id}: {status}")


@targeting_app.command("run")
def targeting_run(
    program: Annotated[str, typer.Argument(help="Program code, e.g. SEMBAKO.")],
    period: Annotated[str, typer.Option(help="Period, YYYY-MM.")],
    user: UserOpt,
    region: Annotated[str, typer.Option(help="Only this region code prefix.")] = "",
    match_run: Annotated[
        int | None, typer.Option(help="Only the households of the people this match run found.")
    ] = None,
) -> None:
    """Build a draft candidate list from the civil and social registries (and a match run)."""
    with runtime() as rt:
        try:
            with unit_of_work(rt.factory) as session:
                cl = targeting.build_list(session, program, period, _actor(session, user),
                                          region_prefix=region, match_run=match_run)  # fmt: skip
                list_id = cl.id
        except Problem as exc:
            fail(exc.code, **exc.params)
        with unit_of_work(rt.factory) as session:
            _show_list(session, list_id)


def _decision(list_id: int, user: str, action: str, reason: str = "") -> None:
    with runtime() as rt:
        try:
            with unit_of_work(rt.factory) as session:
                actor = _actor(session, user)
                if action == "submit":
                    targeting.submit(session, list_id, actor)
                else:
                    targeting.decide(session, list_id, actor, approve=action == "approve",
                                     reason=reason)  # fmt: skip
        except Problem as exc:
            fail(exc.code, **exc.params)
        with unit_of_work(rt.factory) as session:
            _show_list(session, list_id)


@targeting_app.command("submit")
def targeting_submit(list_id: int, user: UserOpt) -> None:
    """Submit a draft list for approval (operator)."""
    _decision(list_id, user, "submit")


@targeting_app.command("approve")
def targeting_approve(
    list_id: int, user: UserOpt, reason: Annotated[str, typer.Option(help="Why.")]
) -> None:
    """Approve a submitted list (approver; never the submitter). The list is then frozen."""
    _decision(list_id, user, "approve", reason)


@targeting_app.command("reject")
def targeting_reject(
    list_id: int, user: UserOpt, reason: Annotated[str, typer.Option(help="Why.")]
) -> None:
    """Reject a submitted list (approver), with the reason."""
    _decision(list_id, user, "reject", reason)


@targeting_app.command("verify")
def targeting_verify(
    list_id: int,
    user: UserOpt,
    kk: Annotated[str, typer.Option("--kk", help="Family card (KK) number of the household.")],
    verdict: Annotated[str, typer.Option(help="verified, moved, deceased, not_found, wrong_data")],
    note: Annotated[str, typer.Option(help="What the officer found.")] = "",
) -> None:
    """Record a field-verification verdict on a draft list (changes the list; audited)."""
    from bansos.registry import service as registry

    with runtime() as rt:
        try:
            with unit_of_work(rt.factory) as session:
                household = registry.household_by_kk(session, rt.cipher, kk)
                if household is None:
                    fail("targeting.not_on_list")
                targeting.record_verdict(session, list_id, household, verdict, note,
                                         _actor(session, user))  # fmt: skip
        except Problem as exc:
            fail(exc.code, **exc.params)
        with unit_of_work(rt.factory) as session:
            _show_list(session, list_id)


@targeting_app.command("show")
def targeting_show(list_id: int) -> None:
    """A list's status and its summary by regency and reason."""
    with runtime() as rt, unit_of_work(rt.factory) as session:
        _show_list(session, list_id)


# -- ledger -----------------------------------------------------------------------------------


@ledger_app.command("verify")
def ledger_verify() -> None:
    """Recompute every account's totals from the transfers and check the invariants (balances
    add up to zero, no restricted account below zero); exit 1 listing the faults."""
    from bansos.ledger import service as ledger

    with runtime() as rt, unit_of_work(rt.factory) as session:
        report = ledger.verify(session)
    out.print(
        f"Diperiksa / checked: {format_number(report.accounts)} rekening / accounts, "
        f"{format_number(report.transfers)} transfer / transfers; "
        f"jumlah saldo / sum of balances {format_rupiah(report.total_posted)}."
    )
    if not report.ok:
        count = len(report.faults)
        err.print(f"[bold red]Galat:[/] {message('ledger.inconsistent', 'id', count=count)}",
                  highlight=False)  # fmt: skip
        err.print(f"[bold red]Error:[/] {message('ledger.inconsistent', 'en', count=count)}",
                  highlight=False)  # fmt: skip
        for fault in report.faults:
            err.print(f"  {fault}", highlight=False, markup=False)
        raise typer.Exit(1)
    out.print("Buku besar konsisten / the ledger is consistent.")


@ledger_app.command("balance")
def ledger_balance(account_id: Annotated[int, typer.Argument(help="Account id.")]) -> None:
    """An account's balance: posted, available, and what pending transfers hold."""
    from bansos.ledger import service as ledger

    with runtime() as rt, unit_of_work(rt.factory) as session:
        try:
            b = ledger.balance(session, account_id)
        except Problem as exc:
            fail(exc.code, **exc.params)
    table = Table(title=f"Rekening / account {b.account_id}", show_header=False)
    rows = [
        ("jenis / kind", b.kind),
        ("pemilik / owner", b.owner),
        ("program", b.program_code or "-"),
        ("saldo / posted", format_rupiah(b.posted)),
        ("tersedia / available", format_rupiah(b.available)),
        ("debit tertunda / pending debits", format_rupiah(b.debits_pending)),
        ("kredit tertunda / pending credits", format_rupiah(b.credits_pending)),
    ]
    for label, value in rows:
        table.add_row(label, Text(value))  # Text: an owner is data, never rich markup
    out.print(table)


@ledger_app.command("history")
def ledger_history(
    account_id: Annotated[int, typer.Argument(help="Account id.")],
    limit: Annotated[int, typer.Option(min=1, max=500, help="At most this many lines.")] = 50,
    before: Annotated[
        int | None, typer.Option(help="Only transfers older than this transfer id (paging).")
    ] = None,
) -> None:
    """An account's transfers, newest first (+ credit to the account, - debit)."""
    from bansos.ledger import service as ledger

    with runtime() as rt, unit_of_work(rt.factory) as session:
        try:
            ledger.balance(session, account_id)  # an unknown account is an error, not empty
        except Problem as exc:
            fail(exc.code, **exc.params)
        entries = ledger.history(session, account_id, limit=limit, before_id=before)
    table = Table("transfer", "waktu / at (UTC)", "jenis / code", "jumlah / amount",
                  "status / state", "ref", "alasan / reason",
                  title=f"Rekening / account {account_id}")  # fmt: skip
    for e in entries:
        table.add_row(str(e.transfer_id), e.at.strftime("%Y-%m-%d %H:%M:%S"), e.code,
                      format_rupiah(e.amount), e.state, Text(e.ref), Text(e.reason))  # fmt: skip
    out.print(table)
    out.print(f"{len(entries)} baris / lines (max {limit}).")


# -- cycles -----------------------------------------------------------------------------------


def _show_cycle(session: Session, cycle_id: int) -> None:
    from bansos.programs import cycles

    c = cycles.get(session, cycle_id)
    out.print(
        f"Siklus / cycle {c.id}: {c.program_code} {c.period}, status {c.status}; penerima / "
        f"recipients {format_number(c.recipients)}, total {format_rupiah(c.total)}; dibayar / "
        f"paid {format_number(c.paid_recipients)}, {format_rupiah(c.paid_total)}"
    )
    if c.submitted_by:
        out.print(f"diajukan / submitted by {c.submitted_by}; diputuskan / decided by "
                  f"{c.decided_by or '-'}")  # fmt: skip


def _cycle_step(cycle_id: int, user: str, step: str, reason: str = "") -> None:
    from bansos.programs import cycles

    with runtime() as rt:
        try:
            with unit_of_work(rt.factory) as session:
                actor = _actor(session, user)
                if step == "compute":
                    cycles.compute(session, cycle_id, actor)
                elif step == "submit":
                    cycles.submit(session, cycle_id, actor)
                elif step in ("approve", "reject"):
                    cycles.decide(session, cycle_id, actor, approve=step == "approve",
                                  reason=reason)  # fmt: skip
                elif step == "fund":
                    cycles.fund(session, cycle_id, actor)
                else:
                    cycles.close(session, cycle_id, actor)
        except Problem as exc:
            fail(exc.code, **exc.params)
        with unit_of_work(rt.factory) as session:
            _show_cycle(session, cycle_id)


@cycles_app.command("create")
def cycles_create(
    program: Annotated[str, typer.Argument(help="Program code, e.g. SEMBAKO.")],
    period: Annotated[str, typer.Option(help="Period, YYYY-MM.")],
    user: UserOpt,
) -> None:
    """A draft cycle paying the program's approved list for the period."""
    from bansos.programs import cycles

    with runtime() as rt:
        try:
            with unit_of_work(rt.factory) as session:
                cycle_id = cycles.create(session, program, period, _actor(session, user)).id
        except Problem as exc:
            fail(exc.code, **exc.params)
        with unit_of_work(rt.factory) as session:
            _show_cycle(session, cycle_id)


@cycles_app.command("compute")
def cycles_compute(cycle_id: int, user: UserOpt) -> None:
    """Entitlements and wallets from the approved list (operator)."""
    _cycle_step(cycle_id, user, "compute")


@cycles_app.command("submit")
def cycles_submit(cycle_id: int, user: UserOpt) -> None:
    """Submit the computed cycle for approval (operator)."""
    _cycle_step(cycle_id, user, "submit")


@cycles_app.command("approve")
def cycles_approve(
    cycle_id: int, user: UserOpt, reason: Annotated[str, typer.Option(help="Why.")]
) -> None:
    """Approve a submitted cycle (approver; never the submitter)."""
    _cycle_step(cycle_id, user, "approve", reason)


@cycles_app.command("reject")
def cycles_reject(
    cycle_id: int, user: UserOpt, reason: Annotated[str, typer.Option(help="Why.")]
) -> None:
    """Reject a submitted cycle (approver), with the reason."""
    _cycle_step(cycle_id, user, "reject", reason)


@cycles_app.command("fund")
def cycles_fund(cycle_id: int, user: UserOpt) -> None:
    """Move the cycle's total from the program budget to its pool (within the budget cap)."""
    _cycle_step(cycle_id, user, "fund")


@cycles_app.command("disburse")
def cycles_disburse(
    cycle_id: int,
    user: UserOpt,
    chunk: Annotated[int, typer.Option(min=1, help="Entitlements per transaction.")] = 50_000,
) -> None:
    """Pay every unpaid entitlement, a chunk per transaction; run it again after any crash."""
    from bansos.programs import cycles

    with runtime() as rt:
        with unit_of_work(rt.factory) as session:
            actor = _actor(session, user)
        columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn())  # fmt: skip
        with Progress(*columns, console=err) as bar:
            task = bar.add_task("bayar / disburse", total=None)
            try:
                cycles.disburse(rt.factory, cycle_id, actor, chunk=chunk,
                                progress=lambda done, total: bar.update(
                                    task, completed=done, total=total))  # fmt: skip
            except Problem as exc:
                bar.stop()
                fail(exc.code, **exc.params)
        with unit_of_work(rt.factory) as session:
            _show_cycle(session, cycle_id)


@cycles_app.command("expire")
def cycles_expire(
    cycle_id: int,
    user: UserOpt,
    on: Annotated[str, typer.Option(help="As of this day, YYYY-MM-DD (default: today).")] = "",
) -> None:
    """Return unspent money to the pool once the program's expiry rule has passed (visible
    transfers; safe to run again)."""
    from datetime import date

    from bansos.programs import cycles

    with runtime() as rt:
        with unit_of_work(rt.factory) as session:
            actor = _actor(session, user)
        try:
            day = date.fromisoformat(on) if on else None
        except ValueError:
            fail("value.date_format")
        try:
            returned = cycles.expire(rt.factory, cycle_id, actor, on=day)
        except Problem as exc:
            fail(exc.code, **exc.params)
    out.print(f"Dikembalikan ke pool / returned to the pool: {format_rupiah(returned)}")


@cycles_app.command("close")
def cycles_close(cycle_id: int, user: UserOpt) -> None:
    """Close a disbursed cycle."""
    _cycle_step(cycle_id, user, "close")


@cycles_app.command("show")
def cycles_show(cycle_id: int) -> None:
    """A cycle's status, totals and maker-checker trail."""
    with runtime() as rt, unit_of_work(rt.factory) as session:
        try:
            _show_cycle(session, cycle_id)
        except Problem as exc:
            fail(exc.code, **exc.params)


# -- synthetic data, demo, serve --------------------------------------------------------------


@app.command("synth")
def synth(
    households: Annotated[int, typer.Option(min=1, help="Number of households.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder.")],
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same files).")] = 1,
    max_people: Annotated[int | None, typer.Option(help="Stop after this many people.")] = None,
    messy: Annotated[
        bool, typer.Option(help="Proposals as bad as the worst real lists (more NIK errors).")
    ] = False,
) -> None:
    """Write a synthetic civil registry, social registry, proposals list and ground truth."""
    from bansos.registry.synth import generate

    columns = (TextColumn("[bold]synth"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err) as bar:
        task = bar.add_task("synth", total=households)
        summary = generate(out_dir, households=households, seed=seed, max_people=max_people,
                           progress=lambda n: bar.update(task, completed=n),
                           messy=messy)  # fmt: skip
        bar.update(task, completed=summary.households)
    out.print(
        f"{summary.households} KK, {summary.people} penduduk/people "
        f"({summary.deceased} meninggal/deceased), {summary.proposals} usulan/proposals "
        f"in {len(summary.districts)} districts -> {out_dir}"
    )


@demo_app.command("load")
def demo_load() -> None:
    """Load the demo population and demo staff logins into an empty database."""
    from bansos import demo

    with runtime() as rt:
        result = demo.load(rt, rt.settings.data_dir / "demo")
    if result.loaded:
        out.print(f"Data demo dimuat / demo data loaded: {result.people} people, "
                  f"{result.households} households.")  # fmt: skip
    else:
        out.print(f"Basis data sudah berisi data / database already has data "
                  f"({result.people} people); demo not loaded.")  # fmt: skip
    out.print("Login demo / demo logins (username / password):")
    for username, role, password in demo.DEMO_USERS:
        out.print(f"  {role:<9} {username} / {password}")
    out.print(f"  {'merchant':<9} {demo.SHOP_USER[0]} / {demo.SHOP_USER[1]}  (E-Warong Sejahtera)")
    out.print(f"Kartu QR contoh / sample QR cards: {rt.settings.data_dir / 'demo' / 'cards'}")


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1, max=64, help="Server processes (one per core; each opens the database itself)."
        ),
    ] = 1,
) -> None:
    """Serve the web app and API."""
    import uvicorn

    from bansos.web.app import create_app

    settings = get_settings()
    h, p = host or settings.host, port or settings.port
    with runtime() as rt:  # checks the database and the key before anything is served
        out.print(f"Bansos: http://{h}:{p}/  API docs: http://{h}:{p}/docs")
        if workers == 1:
            uvicorn.run(create_app(rt), host=h, port=p, log_level="info")
            return
    uvicorn.run("bansos.web.app:create_app", factory=True, workers=workers, host=h, port=p,
                log_level="info")  # fmt: skip


# -- vouchers (in their own module) -----------------------------------------------------------
from bansos.cli_vouchers import (  # noqa: E402 - needs the helpers defined above
    settlement_app,
    vouchers_app,
)

app.add_typer(vouchers_app, name="vouchers")
app.add_typer(settlement_app, name="settlement")

# -- payments: rails to banks and e-wallets, and their simulator -----------------------------
from bansos.cli_payments import payments_cli, sim_bank  # noqa: E402

app.add_typer(payments_cli, name="payments")
app.command("sim-bank")(sim_bank)  # the other side's process: `bansos sim-bank`


if __name__ == "__main__":
    app()
