"""Programs and candidate lists through the real `bansos` command (both engines)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.commands import BANSOS, cli_env
from tests.conftest import ENGINES, FreshDatabases

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.slow
@pytest.mark.parametrize("kind", ENGINES)
def test_program_list_and_maker_checker(
    kind: str, tmp_path: Path, fresh_databases: FreshDatabases
) -> None:
    env = cli_env(tmp_path / "var", fresh_databases.url(kind))

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
