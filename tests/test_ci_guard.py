"""With CI=true, an unreachable PostgreSQL fails the run instead of skipping its tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_without_postgres_fails_loudly() -> None:
    env = dict(os.environ)
    env.update(CI="true", BANSOS_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:1/x")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--no-cov",
         "tests/core/test_crypto.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode != 0
    assert "CI=true but PostgreSQL is not reachable" in done.stdout + done.stderr
