"""The real ``bansos`` command, run as a subprocess against SQLite and PostgreSQL.

Each installation gets its own environment: ``BANSOS_DATA_DIR`` and ``BANSOS_DATABASE_URL``
point at a fresh data folder and database, and every ``BANSOS_*`` variable of the calling shell
(notably ``BANSOS_SECRET_KEY``) is removed, so the key comes from ``<data_dir>/secret.key``.

Starting the command costs most of a second of CPU, so the module-scoped fixtures below run the
commands (one "lane" per engine, in order within a lane, the two lanes side by side on this
two-core machine) and the tests check what they printed and what the database holds.
"""

from __future__ import annotations

import base64
import csv
import os
import re
import stat
import subprocess
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bansos.db import make_engine
from tests.commands import BANSOS, cli_env
from tests.conftest import ENGINES, FreshDatabases

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

Result = subprocess.CompletedProcess[str]


@dataclass(frozen=True)
class Call:
    env: dict[str, str]
    args: tuple[str, ...]
    stdin: str | None = None


def run(call: Call) -> Result:
    return subprocess.run(
        [*BANSOS, *call.args],
        env=call.env,
        input=call.stdin,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def run_many(calls: Sequence[Call]) -> list[Result]:
    """Commands that touch no database, all at once."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(run, calls))


def run_lanes(
    lanes: Mapping[str, Sequence[Call | Callable[[], None]]],
) -> dict[str, list[Result]]:
    """Each lane (one per engine) runs its steps in order; the lanes run side by side. A step
    is a command, or a plain function run between two commands (e.g. a chmod)."""

    def lane(steps: Sequence[Call | Callable[[], None]]) -> list[Result]:
        results = []
        for step in steps:
            if isinstance(step, Call):
                results.append(run(step))
            else:
                step()
        return results

    with ThreadPoolExecutor(max_workers=len(lanes)) as pool:
        futures = {kind: pool.submit(lane, steps) for kind, steps in lanes.items()}
        return {kind: f.result() for kind, f in futures.items()}


def assert_clean_failure(result: Result, id_text: str, en_text: str) -> None:
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


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


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
    results: dict[tuple[str, ...], Result]


@pytest.fixture(scope="module")
def help_runs(tmp_path_factory: pytest.TempPathFactory) -> HelpRuns:
    tmp = tmp_path_factory.mktemp("help")
    env = cli_env(tmp / "data", f"sqlite:///{tmp / 'never-created.db'}")
    results = run_many([Call(env, (*c, "--help")) for c in HELP_COMMANDS])
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


# -- one installation per engine --------------------------------------------------------------


@dataclass
class Installation:
    kind: str
    data: Path
    env: dict[str, str]
    engine: Engine
    #: The first ``db upgrade``, on an empty data folder and an empty database.
    first_upgrade: Result | None = None

    def call(self, *args: str, stdin: str | None = None, **env: str) -> Call:
        return Call({**self.env, **env}, args, stdin)

    def count(self, sql: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())

    @property
    def people(self) -> int:
        return self.count("SELECT count(*) FROM people")


Installations = dict[str, Installation]


@pytest.fixture(scope="module")
def installations(
    fresh_databases: FreshDatabases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Installations]:
    found: Installations = {}
    for kind in ENGINES:
        url = fresh_databases.url(kind)
        data = tmp_path_factory.mktemp(f"cli-{kind}") / "data"
        found[kind] = Installation(kind, data, cli_env(data, url), make_engine(url))
    for kind, (first,) in run_lanes(
        {k: [i.call("db", "upgrade")] for k, i in found.items()}
    ).items():
        found[kind].first_upgrade = first
        assert first.returncode == 0, first.stderr  # every other test needs it
    yield found
    for inst in found.values():
        inst.engine.dispose()


# -- db upgrade and the master key ------------------------------------------------------------


@dataclass
class UpgradeRuns:
    key_before: dict[str, str]
    results: dict[str, list[Result]]


@pytest.fixture(scope="module")
def upgrade_runs(installations: Installations) -> UpgradeRuns:
    key_before = {
        kind: (inst.data / "secret.key").read_text(encoding="ascii")
        for kind, inst in installations.items()
    }
    lanes = {
        kind: [
            inst.call("db", "upgrade"),
            inst.call("users", "list", BANSOS_SECRET_KEY=new_key()),
        ]
        for kind, inst in installations.items()
    }
    return UpgradeRuns(key_before, run_lanes(lanes))


@pytest.mark.parametrize("kind", ENGINES)
def test_db_upgrade_on_an_empty_data_dir(installations: Installations, kind: str) -> None:
    inst = installations[kind]
    first = inst.first_upgrade
    assert first is not None
    assert first.returncode == 0, first.stderr
    assert "38 provinsi" in first.stdout
    assert "514 kabupaten/kota" in first.stdout
    assert "7277 kecamatan" in first.stdout
    assert "(7829 baru/new)" in first.stdout
    key_file = inst.data / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text(encoding="ascii").strip()
    assert len(base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))) == 32
    assert inst.count("SELECT count(*) FROM regions") == 38 + 514 + 7277


@pytest.mark.parametrize("kind", ENGINES)
def test_db_upgrade_again_and_a_different_key(
    installations: Installations, upgrade_runs: UpgradeRuns, kind: str
) -> None:
    inst = installations[kind]
    again, wrong_key = upgrade_runs.results[kind]
    assert again.returncode == 0, again.stderr
    assert "38 provinsi" in again.stdout and "(0 baru/new)" in again.stdout
    assert (inst.data / "secret.key").read_text(encoding="ascii") == upgrade_runs.key_before[kind]
    assert inst.count("SELECT count(*) FROM regions") == 38 + 514 + 7277
    # Another key than the one the database was written with is refused, not used.
    assert_clean_failure(wrong_key, "Kunci utama tidak cocok", "does not match this database")


@pytest.fixture(scope="module")
def key_runs(
    installations: Installations,
    fresh_databases: FreshDatabases,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, list[Result]]]:
    """Per engine: a database never upgraded, db upgrade with another key, a malformed key, a
    key file others can read."""

    def lane(inst: Installation) -> list[Call | Callable[[], None]]:
        key_file = inst.data / "secret.key"
        empty = tmp_path_factory.mktemp(f"empty-{inst.kind}")
        return [
            Call(cli_env(empty / "data", fresh_databases.url(inst.kind)), ("users", "list")),
            inst.call("db", "upgrade", BANSOS_SECRET_KEY=new_key()),
            inst.call("users", "list", BANSOS_SECRET_KEY="dGVsYWx1LXBlbmRlaw"),
            lambda: key_file.chmod(0o644),
            inst.call("users", "list"),
            lambda: key_file.chmod(0o600),
        ]

    try:
        yield run_lanes({kind: lane(inst) for kind, inst in installations.items()})
    finally:
        for inst in installations.values():
            (inst.data / "secret.key").chmod(0o600)


@pytest.mark.slow  # eight more start-ups, for failures beyond the different-key case above
@pytest.mark.parametrize("kind", ENGINES)
def test_key_problems_are_clean_errors(key_runs: dict[str, list[Result]], kind: str) -> None:
    not_migrated, wrong_upgrade, malformed, readable = key_runs[kind]
    # Before any upgrade, a command that needs the database says what to do.
    assert_clean_failure(not_migrated, "bansos db upgrade", "bansos db upgrade")
    assert_clean_failure(wrong_upgrade, "Kunci utama tidak cocok", "does not match this database")
    assert_clean_failure(malformed, "Kunci utama harus 32 bita", "must be 32 bytes")
    assert_clean_failure(readable, "jalankan chmod 600", "chmod 600")


# -- synth and imports ------------------------------------------------------------------------


@dataclass
class ImportRuns:
    synth: Result
    civil: list[dict[str, str]]
    social: list[dict[str, str]]
    folder: Path
    people_before: dict[str, int]
    results: dict[str, list[Result]] = field(default_factory=dict)


@pytest.fixture(scope="module")
def import_runs(
    installations: Installations, tmp_path_factory: pytest.TempPathFactory
) -> ImportRuns:
    """``synth`` once, then per engine: import-civil, the same again, import-social."""
    folder = tmp_path_factory.mktemp("imports")
    out = folder / "synth"
    any_inst = installations[ENGINES[0]]
    synth = run(any_inst.call("synth", "--households", "50", "--seed", "1", "--out", str(out)))
    assert synth.returncode == 0, synth.stderr
    runs = ImportRuns(
        synth,
        read_rows(out / "civil.csv"),
        read_rows(out / "social.csv"),
        folder,
        {k: i.people for k, i in installations.items()},
    )

    def steps(kind: str, inst: Installation) -> list[Call | Callable[[], None]]:
        def importing(what: str, n: int) -> Call:
            reports = ("--rejects", str(folder / f"{kind}-{what}-{n}.rejects.csv"),
                       "--warnings", str(folder / f"{kind}-{what}-{n}.warnings.csv"))  # fmt: skip
            return inst.call("registry", f"import-{what}", str(out / f"{what}.csv"), *reports)

        return [importing("civil", 1), importing("civil", 2), importing("social", 1)]

    runs.results = run_lanes({k: steps(k, i) for k, i in installations.items()})
    return runs


def test_synth_writes_the_files(import_runs: ImportRuns) -> None:
    assert "50 KK" in import_runs.synth.stdout
    assert len(import_runs.social) == 50
    assert len({r["kk_number"] for r in import_runs.civil}) == 50
    assert len(import_runs.civil) > 50


@pytest.mark.parametrize("kind", ENGINES)
def test_import_civil_twice_then_social(
    installations: Installations, import_runs: ImportRuns, kind: str
) -> None:
    inst = installations[kind]
    civil, social = import_runs.civil, import_runs.social
    first, second, social_run = import_runs.results[kind]

    assert first.returncode == 0, first.stderr
    assert summary_value(first.stdout, "dibaca / read") == len(civil)
    added = len(civil) - import_runs.people_before[kind]
    assert summary_value(first.stdout, "ditambah / added") == added
    assert summary_value(first.stdout, "ditolak / rejected") == 0
    rejects = import_runs.folder / f"{kind}-civil-1.rejects.csv"
    assert read_rows(rejects) == []
    assert str(rejects) in first.stdout

    assert second.returncode == 0, second.stderr
    assert summary_value(second.stdout, "ditambah / added") == 0
    assert summary_value(second.stdout, "diperbarui / updated") == 0
    assert summary_value(second.stdout, "tidak berubah / unchanged") == len(civil)
    assert inst.people == len(civil)

    assert social_run.returncode == 0, social_run.stderr
    assert summary_value(social_run.stdout, "ditambah / added") == len(social)
    assert summary_value(social_run.stdout, "ditolak / rejected") == 0
    decided = inst.count("SELECT count(*) FROM households WHERE welfare_decile IS NOT NULL")
    assert decided == len(social)
    assert inst.count("SELECT count(*) FROM import_runs WHERE status = 'done'") >= 3
    # The clear numbers never reach the database in clear.
    with inst.engine.connect() as conn:
        dump = " ".join(str(r) for r in conn.execute(text("SELECT * FROM people")))
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
    results: dict[str, dict[str, Result]]
    people_before: dict[str, int]
    people_after: dict[str, int]
    runs_done: dict[str, int]


@pytest.fixture(scope="module")
def bad_imports(
    installations: Installations, tmp_path_factory: pytest.TempPathFactory
) -> BadImports:
    """Every bad file imported once into each database."""
    folder = tmp_path_factory.mktemp("bad")
    for case, (content, _, _) in BAD_FILES.items():
        if content is not None:
            (folder / f"{case}.csv").write_bytes(content)

    def importing(kind: str, case: str) -> Call:
        reports = ("--rejects", str(folder / f"{kind}-{case}.rejects.csv"),
                   "--warnings", str(folder / f"{kind}-{case}.warnings.csv"))  # fmt: skip
        return installations[kind].call(
            "registry", "import-civil", str(folder / f"{case}.csv"), *reports
        )

    before = {k: i.people for k, i in installations.items()}
    last_run = {
        k: i.count("SELECT coalesce(max(id), 0) FROM import_runs") for k, i in installations.items()
    }
    results = run_lanes({k: [importing(k, c) for c in BAD_FILES] for k in installations})
    return BadImports(
        folder,
        {k: dict(zip(BAD_FILES, r, strict=True)) for k, r in results.items()},
        before,
        {k: i.people for k, i in installations.items()},
        {
            k: i.count(
                f"SELECT count(*) FROM import_runs WHERE id > {last_run[k]} AND status = 'done'"
            )
            for k, i in installations.items()
        },
    )


@pytest.mark.parametrize("case", list(BAD_FILES))
@pytest.mark.parametrize("kind", ENGINES)
def test_bad_file_is_a_clean_bilingual_error_and_imports_nothing(
    bad_imports: BadImports, kind: str, case: str
) -> None:
    _, id_text, en_text = BAD_FILES[case]
    assert_clean_failure(bad_imports.results[kind][case], id_text, en_text)
    assert bad_imports.people_after[kind] == bad_imports.people_before[kind]
    assert bad_imports.runs_done[kind] == 0


@pytest.mark.parametrize("kind", ENGINES)
def test_file_of_bad_niks_lists_every_row_in_the_rejects_file(
    bad_imports: BadImports, installations: Installations, kind: str
) -> None:
    result = bad_imports.results[kind]["bad_niks"]
    assert result.returncode == 1
    assert summary_value(result.stdout, "ditolak / rejected") == len(BAD_NIKS)
    assert summary_value(result.stdout, "ditambah / added") == 0
    rejects = bad_imports.folder / f"{kind}-bad_niks.rejects.csv"
    rows = read_rows(rejects)
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
    rejected_runs = installations[kind].count(
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
    created: Result
    listed: Result
    refused: dict[str, Result]


def _create(inst: Installation, username: str, role: str, password: str) -> Call:
    args = ("users", "create", username, "--role", role, "--password-stdin")
    return inst.call(*args, stdin=password + "\n")


@pytest.fixture(scope="module")
def user_runs(installations: Installations) -> dict[str, UserRuns]:
    """Per engine: create alice, list the users, then every refused creation."""
    lanes = {
        kind: [
            _create(inst, "alice", "operator", PASSWORD),
            inst.call("users", "list"),
            *(_create(inst, *case[:3]) for case in REFUSED_USERS.values()),
        ]
        for kind, inst in installations.items()
    }
    return {
        kind: UserRuns(created, listed, dict(zip(REFUSED_USERS, refused, strict=True)))
        for kind, (created, listed, *refused) in run_lanes(lanes).items()
    }


def _users(inst: Installation, username: str) -> int:
    return inst.count(f"SELECT count(*) FROM users WHERE username = '{username}'")


@pytest.mark.parametrize("kind", ENGINES)
def test_users_create(
    user_runs: dict[str, UserRuns], installations: Installations, kind: str
) -> None:
    inst = installations[kind]
    created = user_runs[kind].created
    assert created.returncode == 0, created.stderr
    assert "alice (operator)" in created.stdout
    assert PASSWORD not in created.stdout + created.stderr
    with inst.engine.connect() as conn:
        role, password_hash = conn.execute(
            text("SELECT role, password_hash FROM users WHERE username = 'alice'")
        ).one()
    assert role == "operator"  # not overwritten by the refused duplicate
    assert password_hash.startswith("$argon2") and PASSWORD not in password_hash
    audited = inst.count(
        "SELECT count(*) FROM audit_events WHERE action = 'users.create' AND object_id = 'alice'"
    )
    assert audited == 1


@pytest.mark.parametrize("kind", ENGINES)
def test_users_list_shows_alice(user_runs: dict[str, UserRuns], kind: str) -> None:
    listed = user_runs[kind].listed
    assert listed.returncode == 0, listed.stderr
    line = next(ln for ln in listed.stdout.splitlines() if "alice" in ln)
    assert "operator" in line


@pytest.mark.parametrize("case", list(REFUSED_USERS))
@pytest.mark.parametrize("kind", ENGINES)
def test_users_create_refuses(
    user_runs: dict[str, UserRuns], installations: Installations, kind: str, case: str
) -> None:
    username, _, _, id_text, en_text = REFUSED_USERS[case]
    assert_clean_failure(user_runs[kind].refused[case], id_text, en_text)
    # The duplicate is alice herself, still there once; the others were never created.
    assert _users(installations[kind], username) == (1 if case == "duplicate" else 0)
