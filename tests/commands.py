"""Running the real ``bansos`` command in tests: which executable, and a clean environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

_SCRIPT = Path(sys.executable).with_name("bansos")
BANSOS = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "bansos.cli"]


def cli_env(data_dir: Path, url: str) -> dict[str, str]:
    """This installation only: every ``BANSOS_*`` of the calling shell (notably the secret key)
    removed, so the key comes from ``<data_dir>/secret.key``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANSOS_")}
    # Wide and plain output, so that messages are neither wrapped nor coloured.
    env.update(COLUMNS="200", NO_COLOR="1", TERM="dumb")
    env.update(BANSOS_DATA_DIR=str(data_dir), BANSOS_DATABASE_URL=url)
    return env


def upgraded(data_dir: Path, url: str) -> dict[str, str]:
    """``cli_env`` for a database that ``bansos db upgrade`` (the real command) has migrated."""
    env = cli_env(data_dir, url)
    done = subprocess.run([*BANSOS, "db", "upgrade"], env=env, capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return env
