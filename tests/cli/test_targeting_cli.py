"""Programs and candidate lists through the real `bansos` command (both engines)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ENGINES, FreshDatabases

_SCRIPT = Path(sys.executable).with_name("bansos")
BANSOS = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "bansos.cli"]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.slow
@pytest.mark.parametrize("kind", ENGINES)
def test_program_list_and_maker_checker(
    kind: str, tmp_path: Path, fresh_databases: FreshDatabases
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANSOS_")}
    env.update(BANSOS_DATA_DIR=str(tmp_path / "var"), BANSOS_DATABASE_URL=fresh_databases.url(kind),
               COLUMNS="200", NO_COLOR="1")  # fmt: skip

    def bansos(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*BANSOS, *args], env=env, input=stdin, capture_output=True,
                              text=True, timeout=120, check=False)  # fmt: skip

    synth = tmp_path / "synth"
    steps = [
        ("db", "upgrade"),
        ("synth", "--households", "60", "--seed", "4", "--out", str(synth)),
        ("registry", "import-civil", str(synth / "civil.csv")),
        ("registry", "import-social", str(synth / "social.csv")),
        ("programs", "load", str(EXAMPLES / "sembako.toml")),
    ]
    for step in steps:
        done = bansos(*step)
        assert done.returncode == 0, (step, done.stderr)
    for user, role in [("siti", "operator"), ("budi", "approver")]:
        done = bansos("users", "create", user, "--role", role, "--password-stdin",
                      stdin="kata-sandi-yang-panjang\n")  # fmt: skip
        assert done.returncode == 0, done.stderr
    built = bansos("targeting", "run", "SEMBAKO", "--period", "2026-12", "--user", "siti")
    assert built.returncode == 0, built.stderr
    assert "status draft" in built.stdout and "layak / eligible" in built.stdout
    assert bansos("targeting", "submit", "1", "--user", "siti").returncode == 0
    own = bansos("targeting", "approve", "1", "--user", "siti", "--reason", "ok")
    assert own.returncode == 1
    assert "Your role is not allowed" in own.stderr  # siti is an operator, not an approver
    approved = bansos("targeting", "approve", "1", "--user", "budi", "--reason", "Sesuai")
    assert approved.returncode == 0, approved.stderr
    assert "status approved" in approved.stdout
    bad = bansos("targeting", "run", "SEMBAKO", "--period", "2026-13", "--user", "siti")
    assert bad.returncode == 1 and "YYYY-MM" in bad.stderr and "TTTT-BB" in bad.stderr
