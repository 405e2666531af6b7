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


@pytest.mark.parametrize(
    "command",
    [
        (),
        ("db", "upgrade"),
        ("registry", "import-civil"),
        ("registry", "import-social"),
        ("users", "create"),
        ("users", "list"),
        ("synth",),
        ("demo", "load"),
        ("serve",),
    ],
    ids=lambda c: " ".join(c) or "bansos",
)
def test_help(tmp_path: Path, command: tuple[str, ...]) -> None:
    env = cli_env(tmp_path / "data", f"sqlite:///{tmp_path / 'never-created.db'}")
    result = run(env, *command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout
    assert "--help" in result.stdout
    assert result.stderr == ""
    # Asking for help touches nothing.
    assert not (tmp_path / "data").exists() and not (tmp_path / "never-created.db").exists()


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

    listed = run(env, "users", "list")
    assert listed.returncode == 0, listed.stderr
    assert "username" in listed.stdout

    wrong = run({**env, "BANSOS_SECRET_KEY": new_key()}, "users", "list")
    assert_clean_failure(wrong, "Masalah kunci enkripsi", "does not match this database")
    upgrade_wrong = run({**env, "BANSOS_SECRET_KEY": new_key()}, "db", "upgrade")
    assert_clean_failure(upgrade_wrong, "Masalah kunci enkripsi", "does not match this database")
    malformed = run({**env, "BANSOS_SECRET_KEY": "dGVsYWx1LXBlbmRlaw"}, "users", "list")
    assert_clean_failure(malformed, "Masalah kunci enkripsi", "must be 32 bytes")


def test_key_file_readable_by_others_is_refused(
    tmp_path: Path, fresh_databases: FreshDatabases
) -> None:
    data = tmp_path / "data"
    env = cli_env(data, fresh_databases.url("sqlite"))
    assert run(env, "db", "upgrade").returncode == 0
    (data / "secret.key").chmod(0o644)
    result = run(env, "users", "list")
    assert_clean_failure(result, "Masalah kunci enkripsi", "chmod 600")


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


BAD_FILES: dict[str, tuple[bytes, str, str]] = {
    "empty": (b"", "Berkas kosong.", "The file is empty."),
    "missing_nik_column": (
        (CIVIL_HEADER.replace("nik,", "", 1) + "\n" + CIVIL_REST + "\n").encode(),
        "Kolom wajib tidak ada: nik.",
        "Required columns are missing: nik.",
    ),
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
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_unreadable_file_imports_nothing(
    installation: Installation, tmp_path: Path, case: str
) -> None:
    content, id_text, en_text = BAD_FILES[case]
    path = tmp_path / "civil.csv"
    path.write_bytes(content)
    before = installation.people
    last_run = installation.count("SELECT coalesce(max(id), 0) FROM import_runs")
    result = run(
        installation.env,
        "registry",
        "import-civil",
        str(path),
        "--rejects",
        str(tmp_path / "rejects.csv"),
        "--warnings",
        str(tmp_path / "warnings.csv"),
    )
    assert_clean_failure(result, id_text, en_text)
    assert installation.people == before
    done = installation.count(
        f"SELECT count(*) FROM import_runs WHERE id > {last_run} AND status = 'done'"
    )
    assert done == 0


def test_missing_file_is_a_clean_error(installation: Installation, tmp_path: Path) -> None:
    missing = tmp_path / "tidak-ada.csv"
    result = run(installation.env, "registry", "import-civil", str(missing))
    assert_clean_failure(result, "Berkas tidak ditemukan", "File not found")


BAD_NIKS = ("34030103047400O1", "ABCDEFGHIJKLMNOP", "3403 0103 0474 1", "3403010304740001x")


def test_file_of_bad_niks_rejects_every_row_and_imports_nothing(
    installation: Installation, tmp_path: Path
) -> None:
    path = tmp_path / "civil.csv"
    lines = [CIVIL_HEADER, *(f"{nik},{CIVIL_REST}" for nik in BAD_NIKS)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rejects = tmp_path / "rejects.csv"
    before = installation.people
    result = run(
        installation.env,
        "registry",
        "import-civil",
        str(path),
        "--rejects",
        str(rejects),
        "--warnings",
        str(tmp_path / "warnings.csv"),
    )
    assert_clean_failure(result, "Tidak ada baris yang dapat diimpor", "No row could be imported")
    assert summary_value(result.stdout, "ditolak / rejected") == len(BAD_NIKS)
    assert installation.people == before
    rows = _rows(rejects)
    assert [(r["row"], r["column"], r["code"]) for r in rows] == [
        (str(line), "nik", "nik.not_digits") for line in range(2, 2 + len(BAD_NIKS))
    ]
    assert all(r["reason_id"] and r["reason_en"] for r in rows)
    # Even a malformed NIK may be someone's number with a typo: it is not echoed in clear.
    assert not {r["value"] for r in rows} & set(BAD_NIKS)
    assert stat.S_IMODE(rejects.stat().st_mode) == 0o600
    status = installation.count(
        "SELECT count(*) FROM import_runs WHERE status = 'rejected' AND rejected = 4"
    )
    assert status >= 1


# -- users ------------------------------------------------------------------------------------


def _users(installation: Installation, username: str) -> int:
    return installation.count(f"SELECT count(*) FROM users WHERE username = '{username}'")


def test_users_create_and_list(installation: Installation) -> None:
    created = run(
        installation.env,
        "users",
        "create",
        "alice",
        "--role",
        "operator",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
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

    duplicate = run(
        installation.env,
        "users",
        "create",
        "alice",
        "--role",
        "admin",
        "--password-stdin",
        stdin="another-long-password\n",
    )
    assert_clean_failure(duplicate, "alice sudah dipakai", "Username alice is taken")
    assert _users(installation, "alice") == 1

    listed = run(installation.env, "users", "list")
    assert listed.returncode == 0, listed.stderr
    line = next(ln for ln in listed.stdout.splitlines() if "alice" in ln)
    assert "operator" in line


@pytest.mark.parametrize(
    ("username", "role", "password", "id_text", "en_text"),
    [
        ("bob", "operator", "pendek", "minimal 12 karakter", "at least 12 characters"),
        ("bob2", "operator", "", "minimal 12 karakter", "at least 12 characters"),
        (
            "carol",
            "superuser",
            PASSWORD,
            "Peran tidak dikenal: superuser",
            "Unknown role: superuser",
        ),
    ],
    ids=["short-password", "empty-password", "bad-role"],
)
def test_users_create_refuses(
    installation: Installation, username: str, role: str, password: str, id_text: str, en_text: str
) -> None:
    result = run(
        installation.env,
        "users",
        "create",
        username,
        "--role",
        role,
        "--password-stdin",
        stdin=password + "\n",
    )
    assert_clean_failure(result, id_text, en_text)
    assert _users(installation, username) == 0
