"""What the benchmarks share: the fixed key, peak memory, and running a phase in a process of
its own (so that its peak RSS is its own)."""

from __future__ import annotations

import json
import resource
import subprocess
import sys

KEY = "0" * 43  # a fixed base64url key: the benchmarks measure speed and quality, not secrecy


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_phase(script: str, *args: str) -> dict[str, float]:
    """Run ``script --phase ARGS`` and return the JSON its last line prints."""
    done = subprocess.run([sys.executable, script, "--phase", *args], check=True,
                          capture_output=True, text=True)  # fmt: skip
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
