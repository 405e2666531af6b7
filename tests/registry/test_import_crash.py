"""A real import process killed with SIGKILL mid-way, then run again: nobody twice, nobody lost."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from bansos.db import make_engine
from bansos.registry.models import Person
from bansos.registry.synth import generate
from tests.commands import BANSOS, cli_env
from tests.conftest import ENGINES, FreshDatabases


@pytest.mark.slow
@pytest.mark.parametrize("kind", ENGINES)
def test_killed_import_resumes_exactly_once(
    kind: str, tmp_path: Path, fresh_databases: FreshDatabases
) -> None:
    url = fresh_databases.url(kind)
    env = cli_env(tmp_path / "var", url)
    subprocess.run([*BANSOS, "db", "upgrade"], env=env, check=True, capture_output=True)
    summary = generate(tmp_path / "synth", households=6000, seed=11, districts=("340301", "520302"))
    civil = tmp_path / "synth" / "civil.csv"
    args = [*BANSOS, "registry", "import-civil", str(civil), "--chunk", "500"]

    engine = make_engine(url)
    victim = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        done = 0
        while time.monotonic() < deadline and victim.poll() is None:
            with engine.connect() as conn:
                done = conn.execute(text("SELECT coalesce(max(rows_read), 0) FROM import_runs"))
                done = int(done.scalar() or 0)
            if done >= 3000:
                break
            time.sleep(0.05)
        assert victim.poll() is None, "the import finished before it could be killed"
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
    finally:
        if victim.poll() is None:
            victim.kill()
    with engine.connect() as conn:
        partial = conn.execute(select(func.count()).select_from(Person)).scalar_one()
        status = conn.execute(text("SELECT status FROM import_runs")).scalar_one()
    assert 3000 <= partial < summary.people
    assert partial % 500 == 0 or partial == summary.people  # whole chunks only
    assert status == "running"  # the killed run never got to say anything else

    again = subprocess.run(args, env=env, capture_output=True, text=True, check=True)
    assert "rejected" in again.stdout
    with engine.connect() as conn:
        people = conn.execute(select(func.count()).select_from(Person)).scalar_one()
        distinct = conn.execute(select(func.count(func.distinct(Person.nik_index)))).scalar_one()
        last = conn.execute(
            text("SELECT added, unchanged, rejected FROM import_runs ORDER BY id DESC LIMIT 1")
        ).one()
    engine.dispose()
    assert people == distinct == summary.people
    assert (last.added, last.unchanged, last.rejected) == (summary.people - partial, partial, 0)
