"""Start the SNAP simulator as a real process for a test module, and talk to its /sim endpoints.

A helper module rather than fixtures imported from ``test_simulator``: each test module wants
its own providers and accounts, and importing a test module's fixtures would run its setup
rules in another module.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@dataclass
class RunningSim:
    url: str
    http: httpx.Client

    def books(self) -> dict[str, list[dict[str, object]]]:
        found: dict[str, list[dict[str, object]]] = self.http.get("/sim/books").json()
        return found

    def transactions(self, provider: str, reference: str) -> list[dict[str, object]]:
        return [
            t
            for t in self.books()["transactions"]
            if t["provider"] == provider and t["partner_reference_no"] == reference
        ]

    def funds(self, provider: str) -> int:
        rows = [p for p in self.books()["partners"] if p["provider"] == provider]
        return int(str(rows[0]["balance"]))

    def faults(self, **settings: object) -> None:
        response = self.http.post("/sim/faults", json=settings)
        assert response.status_code == 200, response.text

    def settings(self, **settings: object) -> None:
        response = self.http.post("/sim/settings", json=settings)
        assert response.status_code == 200, response.text


@contextmanager
def running_simulator(
    tmp: Path,
    config: Mapping[str, object],
    files: Mapping[str, bytes],
    extra: Sequence[str] = (),
) -> Iterator[RunningSim]:
    """``bansos.cli_payments sim-bank`` on a free port with ``config`` (files beside it) and
    ``extra`` command-line flags."""
    for name, content in files.items():
        (tmp / name).write_bytes(content)
    config_path = tmp / "sim.json"
    config_path.write_text(json.dumps(config))
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "bansos.cli_payments",
        "sim-bank",
        "--config",
        str(config_path),
        "--books",
        str(tmp / "books.sqlite3"),
        "--port",
        str(port),
        *extra,
    ]
    url = f"http://127.0.0.1:{port}"
    with (tmp / "sim.log").open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        http = httpx.Client(base_url=url, timeout=10.0)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while True:
                try:
                    if http.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("simulator did not start:\n" + (tmp / "sim.log").read_text())
                time.sleep(0.1)
            yield RunningSim(url, http)
        finally:
            http.close()
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:  # pragma: no cover - only when shutdown hangs
                process.kill()
                process.wait(10)
    assert "Traceback" not in (tmp / "sim.log").read_text()
