"""The real ``bansos`` command, run as a subprocess against SQLite and PostgreSQL.

Each run gets its own environment: ``BANSOS_DATA_DIR`` and ``BANSOS_DATABASE_URL`` point at a
fresh data folder and database, and any ``BANSOS_*`` variable of the calling shell (notably
``BANSOS_SECRET_KEY``) is removed, so the key comes from ``<data_dir>/secret.key``.
"""

from __future__ import annotations

import base64
import csv
import os
import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bansos.db import make_engine
from tests.conftest import ENGINES, FreshDatabases

_SCRIPT = Path(sys.executable).with_name("bansos")
BANSOS = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "bansos.cli"]
PASSWORD = "kata-sandi-alice-123"
CIVIL_HEADER = (
    "nik,kk_number,full_name,birth_place,birth_date,sex,relationship,region_code,address,"
    "occupation,death_date"
)
#: A valid civil-registry row after the NIK column.
CIVIL_REST = (
    "3403011812230001,Dirja Iswahyudi,Gunungkidul,1974-04-03,M,head,340301,"
    '"Jl. Hasanuddin No. 132, Wonosari",BURUH HARIAN LEPAS,'
)


def cli_env(data_dir: Path, url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANSOS_")}
    # Wide and plain output, so that messages are not wrapped or coloured.
    env.update(COLUMNS="200", NO_COLOR="1", TERM="dumb")
    env.update(BANSOS_DATA_DIR=str(data_dir), BANSOS_DATABASE_URL=url, **extra)
    return env


def run(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*BANSOS, *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def run_many(
    calls: list[tuple[dict[str, str], tuple[str, ...], str | None]],
) -> list[subprocess.CompletedProcess[str]]:
    """Run independent commands at the same time (each start-up costs most of a second of CPU;
    this machine has two cores). Only for commands that do not write to the same database."""
    procs = [
        (
            args,
            subprocess.Popen(
                [*BANSOS, *args],
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ),
            stdin,
        )
        for env, args, stdin in calls
    ]
    results = []
    for args, proc, stdin in procs:
        out, err = proc.communicate(stdin, timeout=180)
        results.append(subprocess.CompletedProcess([*BANSOS, *args], proc.returncode, out, err))
    return results


def run_writers(
    kind: str, calls: list[tuple[dict[str, str], tuple[str, ...], str | None]]
) -> list[subprocess.CompletedProcess[str]]:
    """Commands that may write to the database: side by side on PostgreSQL, one after another
    on SQLite (one writer at a time; see the report on concurrent SQLite writers)."""
    if kind == "postgresql":
        return run_many(calls)
    return [run(env, *args, stdin=stdin) for env, args, stdin in calls]


def assert_clean_failure(
    result: subprocess.CompletedProcess[str], id_text: str, en_text: str
) -> None:
    """Exit 1 with the message in Bahasa Indonesia and in English on stderr, no traceback."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Galat:" in result.stderr and "Error:" in result.stderr, result.stderr
    assert id_text in result.stderr, result.stderr
    assert en_text in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def summary_value(output: str, label: str) -> int:
    """A number from the import summary table (``.`` groups thousands)."""
    match = re.search(rf"{re.escape(label)}\W+([\d.]+)", output)
    assert match, output
    return int(match.group(1).replace(".", ""))


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


# -- help -------------------------------------------------------------------------------------


HELP_COMMANDS = [
    (),
    ("db", "upgrade"),
    ("registry", "import-civil"),
    ("registry", "import-social"),
    ("users", "create"),
    ("users", "list"),
    ("synth",),
    ("demo", "load"),
    ("serve",),
]


@dataclass
class HelpRuns:
    tmp: Path
    results: dict[tuple[str, ...], subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def help_runs(tmp_path_factory: pytest.TempPathFactory) -> HelpRuns:
    tmp = tmp_path_factory.mktemp("help")
    env = cli_env(tmp / "data", f"sqlite:///{tmp / 'never-created.db'}")
    results = run_many([(env, (*c, "--help"), None) for c in HELP_COMMANDS])
    return HelpRuns(tmp, dict(zip(HELP_COMMANDS, results, strict=True)))


@pytest.mark.parametrize("command", HELP_COMMANDS, ids=lambda c: " ".join(c) or "bansos")
def test_help(help_runs: HelpRuns, command: tuple[str, ...]) -> None:
    result = help_runs.results[command]
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout
    assert "--help" in result.stdout
    if command:
        assert " ".join(command) in result.stdout  # the usage line names the subcommand
    else:
        assert all(group in result.stdout for group in ("db", "registry", "users", "serve"))
    assert result.stderr == ""
    # Asking for help touches nothing.
    assert not (help_runs.tmp / "data").exists()
    assert not (help_runs.tmp / "never-created.db").exists()


# -- db upgrade and the master key ------------------------------------------------------------


@pytest.mark.parametrize("kind", ENGINES)
def test_db_upgrade_creates_schema_regions_and_key(
    kind: str, tmp_path: Path, fresh_databases: FreshDatabases
) -> None:
    data = tmp_path / "data"
    env = cli_env(data, fresh_databases.url(kind))

    # Before any upgrade, a command that needs the database says what to do.
    early = run(env, "users", "list")
    assert_clean_failure(early, "bansos db upgrade", "bansos db upgrade")

    first = run(env, "db", "upgrade")
    assert first.returncode == 0, first.stderr
    assert "38 provinsi" in first.stdout
    assert "514 kabupaten/kota" in first.stdout
    assert "7277 kecamatan" in first.stdout
    assert "(7829 baru/new)" in first.stdout
    key_file = data / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text(encoding="ascii")
    assert len(base64.urlsafe_b64decode(key.strip() + "==")) == 32

    again = run(env, "db", "upgrade")
    assert again.returncode == 0, again.stderr
    assert "38 provinsi" in again.stdout and "(0 baru/new)" in again.stdout
    assert key_file.read_text(encoding="ascii") == key

    listed, wrong = run_many(
        [
            (env, ("users", "list"), None),
            ({**env, "BANSOS_SECRET_KEY": new_key()}, ("users", "list"), None),
        ]
    )
    assert listed.returncode == 0, listed.stderr
    assert "username" in listed.stdout
    # Another key than the one the database was written with is refused, not used.
    assert_clean_failure(wrong, "Masalah kunci enkripsi", "does not match this database")


def test_key_problems_are_clean_errors(tmp_path: Path, fresh_databases: FreshDatabases) -> None:
    """Key handling happens before the database is touched, so SQLite stands for both."""
    data = tmp_path / "data"
    env = cli_env(data, fresh_databases.url("sqlite"))
    assert run(env, "db", "upgrade").returncode == 0
    wrong_upgrade, malformed = run_many(
        [
            ({**env, "BANSOS_SECRET_KEY": new_key()}, ("db", "upgrade"), None),
            ({**env, "BANSOS_SECRET_KEY": "dGVsYWx1LXBlbmRlaw"}, ("users", "list"), None),
        ]
    )
    assert_clean_failure(wrong_upgrade, "Masalah kunci enkripsi", "does not match this database")
    assert_clean_failure(malformed, "Masalah kunci enkripsi", "must be 32 bytes")
    (data / "secret.key").chmod(0o644)
    readable = run(env, "users", "list")
    assert_clean_failure(readable, "Masalah kunci enkripsi", "chmod 600")


# -- an installation per engine for imports and users -----------------------------------------


@dataclass
class Installation:
    kind: str
    data: Path
    env: dict[str, str]
    engine: Engine

    def count(self, sql: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())

    @property
    def people(self) -> int:
        return self.count("SELECT count(*) FROM people")


@pytest.fixture(scope="module", params=ENGINES)
def installation(
    request: pytest.FixtureRequest,
    fresh_databases: FreshDatabases,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Installation]:
    kind: str = request.param
    url = fresh_databases.url(kind)
    data = tmp_path_factory.mktemp(f"cli-{kind}") / "data"
    env = cli_env(data, url)
    result = run(env, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    engine = make_engine(url)
    yield Installation(kind, data, env, engine)
    engine.dispose()


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_synth_then_import_civil_and_social(installation: Installation, tmp_path: Path) -> None:
    out = tmp_path / "synth"
    synth = run(installation.env, "synth", "--households", "50", "--seed", "1", "--out", str(out))
    assert synth.returncode == 0, synth.stderr
    assert "50 KK" in synth.stdout
    civil = _rows(out / "civil.csv")
    social = _rows(out / "social.csv")
    assert len(social) == 50 and len(civil) >= 50
    people_before = installation.people

    rejects, warnings = tmp_path / "civil.rejects.csv", tmp_path / "civil.warnings.csv"
    args = ("registry", "import-civil", str(out / "civil.csv"))
    opts = ("--rejects", str(rejects), "--warnings", str(warnings))
    first = run(installation.env, *args, *opts)
    assert first.returncode == 0, first.stderr
    assert summary_value(first.stdout, "dibaca / read") == len(civil)
    assert summary_value(first.stdout, "ditambah / added") == len(civil) - people_before
    assert summary_value(first.stdout, "ditolak / rejected") == 0
    assert installation.people == len(civil)
    assert _rows(rejects) == []
    assert str(rejects) in first.stdout

    second = run(installation.env, *args, *opts)
    assert second.returncode == 0, second.stderr
    assert summary_value(second.stdout, "ditambah / added") == 0
    assert summary_value(second.stdout, "diperbarui / updated") == 0
    assert summary_value(second.stdout, "tidak berubah / unchanged") == len(civil)
    assert installation.people == len(civil)

    social_run = run(
        installation.env,
        "registry",
        "import-social",
        str(out / "social.csv"),
        "--rejects",
        str(tmp_path / "social.rejects.csv"),
        "--warnings",
        str(tmp_path / "social.warnings.csv"),
    )
    assert social_run.returncode == 0, social_run.stderr
    assert summary_value(social_run.stdout, "ditambah / added") == len(social)
    assert summary_value(social_run.stdout, "ditolak / rejected") == 0
    with_decile = installation.count(
        "SELECT count(*) FROM households WHERE welfare_decile IS NOT NULL"
    )
    assert with_decile == len(social)
    # The clear numbers never reach the database in clear.
    with installation.engine.connect() as conn:
        dump = " ".join(str(r) for r in conn.execute(text("SELECT * FROM people LIMIT 20")))
    assert not any(r["nik"] in dump for r in civil)


BAD_NIKS = ("34030103047400O1", "ABCDEFGHIJKLMNOP", "3403 0103 0474 1", "3403010304740001x")
#: case -> (file content or None for no file at all, Indonesian text, English text)
BAD_FILES: dict[str, tuple[bytes | None, str, str]] = {
    "empty": (b"", "Berkas kosong.", "The file is empty."),
    "zip": (
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00" + bytes(range(256)) * 8,
        "Berkas ini bukan CSV",
        "This is not a CSV file",
    ),
    "utf16": (
        (CIVIL_HEADER + "\n3403010304740001," + CIVIL_REST + "\n").encode("utf-16"),
        "Pengodean UTF-16 tidak didukung",
        "The UTF-16 encoding is not supported",
    ),
    "no_such_file": (None, "Berkas tidak ditemukan", "File not found"),
    "missing_nik_column": (
        (CIVIL_HEADER.replace("nik,", "", 1) + "\n" + CIVIL_REST + "\n").encode(),
        "Kolom wajib tidak ada: nik.",
        "Required columns are missing: nik.",
    ),
    "bad_niks": (
        "\n".join([CIVIL_HEADER, *(f"{nik},{CIVIL_REST}" for nik in BAD_NIKS)]).encode() + b"\n",
        "Tidak ada baris yang dapat diimpor",
        "No row could be imported",
    ),
}


@dataclass
class BadImports:
    folder: Path
    results: dict[str, subprocess.CompletedProcess[str]]
    people_before: int
    people_after: int
    runs_done: int


@pytest.fixture(scope="module")
def bad_imports(installation: Installation, tmp_path_factory: pytest.TempPathFactory) -> BadImports:
    """Every bad file imported once (a failed import still records its run)."""
    folder = tmp_path_factory.mktemp(f"bad-{installation.kind}")

    def call(case: str) -> tuple[dict[str, str], tuple[str, ...], None]:
        content = BAD_FILES[case][0]
        path = folder / f"{case}.csv"
        if content is not None:
            path.write_bytes(content)
        reports = ("--rejects", str(folder / f"{case}.rejects.csv"),
                   "--warnings", str(folder / f"{case}.warnings.csv"))  # fmt: skip
        return installation.env, ("registry", "import-civil", str(path), *reports), None

    before = installation.people
    last_run = installation.count("SELECT coalesce(max(id), 0) FROM import_runs")
    runs = run_writers(installation.kind, [call(c) for c in BAD_FILES])
    results = dict(zip(BAD_FILES, runs, strict=True))
    runs_done = installation.count(
        f"SELECT count(*) FROM import_runs WHERE id > {last_run} AND status = 'done'"
    )
    return BadImports(folder, results, before, installation.people, runs_done)


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_is_a_clean_bilingual_error_and_imports_nothing(
    bad_imports: BadImports, case: str
) -> None:
    _, id_text, en_text = BAD_FILES[case]
    assert_clean_failure(bad_imports.results[case], id_text, en_text)
    assert bad_imports.people_after == bad_imports.people_before
    assert bad_imports.runs_done == 0


def test_file_of_bad_niks_lists_every_row_in_the_rejects_file(
    bad_imports: BadImports, installation: Installation
) -> None:
    result = bad_imports.results["bad_niks"]
    assert result.returncode == 1
    assert summary_value(result.stdout, "ditolak / rejected") == len(BAD_NIKS)
    assert summary_value(result.stdout, "ditambah / added") == 0
    rejects = bad_imports.folder / "bad_niks.rejects.csv"
    rows = _rows(rejects)
    assert [(r["row"], r["column"], r["code"]) for r in rows] == [
        (str(line), "nik", "nik.not_digits") for line in range(2, 2 + len(BAD_NIKS))
    ]
    assert all(
        r["reason_id"] == "NIK hanya boleh berisi angka."
        and r["reason_en"] == "NIK must contain digits only."
        for r in rows
    )
    # Even a malformed NIK may be someone's number with a typo: it is not echoed in clear.
    assert not {r["value"] for r in rows} & set(BAD_NIKS)
    assert stat.S_IMODE(rejects.stat().st_mode) == 0o600
    rejected_runs = installation.count(
        "SELECT count(*) FROM import_runs "
        f"WHERE status = 'rejected' AND rejected = {len(BAD_NIKS)} AND added = 0"
    )
    assert rejected_runs == 1


# -- users ------------------------------------------------------------------------------------

#: name -> (username, role, password, Indonesian text, English text)
REFUSED_USERS = {
    "duplicate": ("alice", "admin", "another-long-password", "alice sudah dipakai",
                  "Username alice is taken"),
    "short-password": ("bob", "operator", "pendek", "minimal 12 karakter",
                       "at least 12 characters"),
    "empty-password": ("bob2", "operator", "", "minimal 12 karakter", "at least 12 characters"),
    "bad-role": ("carol", "superuser", PASSWORD, "Peran tidak dikenal: superuser",
                 "Unknown role: superuser"),
}  # fmt: skip


@dataclass
class UserRuns:
    created: subprocess.CompletedProcess[str]
    listed: subprocess.CompletedProcess[str]
    refused: dict[str, subprocess.CompletedProcess[str]]


def _create(env: dict[str, str], username: str, role: str, password: str) -> tuple[
    dict[str, str], tuple[str, ...], str
]:  # fmt: skip
    return env, ("users", "create", username, "--role", role, "--password-stdin"), password + "\n"


@pytest.fixture(scope="module")
def user_runs(installation: Installation) -> UserRuns:
    """alice is created first; then the listing and every refused creation."""
    env = installation.env
    _, args, stdin = _create(env, "alice", "operator", PASSWORD)
    created = run(env, *args, stdin=stdin)
    calls = [(env, ("users", "list"), None)]
    calls += [_create(env, *case[:3]) for case in REFUSED_USERS.values()]
    listed, *refused = run_writers(installation.kind, calls)
    return UserRuns(created, listed, dict(zip(REFUSED_USERS, refused, strict=True)))


def _users(installation: Installation, username: str) -> int:
    return installation.count(f"SELECT count(*) FROM users WHERE username = '{username}'")


def test_users_create(user_runs: UserRuns, installation: Installation) -> None:
    created = user_runs.created
    assert created.returncode == 0, created.stderr
    assert "alice (operator)" in created.stdout
    assert PASSWORD not in created.stdout + created.stderr
    with installation.engine.connect() as conn:
        role, password_hash = conn.execute(
            text("SELECT role, password_hash FROM users WHERE username = 'alice'")
        ).one()
    assert role == "operator"
    assert password_hash.startswith("$argon2") and PASSWORD not in password_hash
    audited = installation.count(
        "SELECT count(*) FROM audit_events WHERE action = 'users.create' AND object_id = 'alice'"
    )
    assert audited == 1


def test_users_list_shows_alice(user_runs: UserRuns) -> None:
    listed = user_runs.listed
    assert listed.returncode == 0, listed.stderr
    line = next(ln for ln in listed.stdout.splitlines() if "alice" in ln)
    assert "operator" in line


@pytest.mark.parametrize("case", list(REFUSED_USERS))
def test_users_create_refuses(user_runs: UserRuns, installation: Installation, case: str) -> None:
    username, _, _, id_text, en_text = REFUSED_USERS[case]
    assert_clean_failure(user_runs.refused[case], id_text, en_text)
    expected = 1 if case == "duplicate" else 0  # the duplicate is alice herself, unchanged
    assert _users(installation, username) == expected
    if case == "duplicate":
        with installation.engine.connect() as conn:
            assert (
                conn.execute(text("SELECT role FROM users WHERE username = 'alice'")).scalar_one()
                == "operator"
            )
