"""The demo's payment rails: a bank and an e-wallet simulated by ``bansos sim-bank``, and our
providers file pointing at them, written by ``bansos demo load`` so that ``make run`` can pay a
demo household's e-wallet or bank account over real HTTP.

Two directories, as in production the two sides never share one: ``sim/`` is the providers'
(their configuration and our public key), ``ours/`` is ours (the providers file, our private
key and the client secret, in files of their own, never in the database).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

PORT = 8765
SOURCE_ACCOUNT = "8880001234"  # the ministry's funding account at the demo bank
BANK_CODE = "014"


@dataclass(frozen=True)
class DemoAccount:
    household_id: int
    provider: str  # "bank" or "wallet"
    number: str
    holder: str


def write(directory: Path, accounts: list[DemoAccount], *, port: int = PORT) -> Path:
    """Write both sides' files under ``directory``; returns the simulator's config file."""
    sim, ours = directory / "sim", directory / "ours"
    sim.mkdir(parents=True, exist_ok=True)
    ours.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    secret = secrets.token_urlsafe(32).encode() + b"\n"
    (ours / "partner.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))  # fmt: skip
    (ours / "partner.pem").chmod(0o600)
    (ours / "partner.secret").write_bytes(secret)
    (ours / "partner.secret").chmod(0o600)
    (sim / "partner.pub.pem").write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))  # fmt: skip
    (sim / "partner.secret").write_bytes(secret)
    partner = {
        "client_key": "BANSOS-DEMO", "partner_id": "BANSOS", "channel_id": "95221",
        "public_key_file": "partner.pub.pem", "client_secret_file": "partner.secret",
        "source_account": SOURCE_ACCOUNT, "balance": 10**12,
    }  # fmt: skip
    mine = {
        provider: [{"number": a.number, "name": a.holder} for a in accounts
                   if a.provider == provider]
        for provider in ("bank", "wallet")
    }  # fmt: skip
    config = {"providers": [
        {"name": "bank", "kind": "bank", "path_prefix": "/bank", "bank_code": BANK_CODE,
         "partners": [partner], "accounts": mine["bank"]},
        {"name": "wallet", "kind": "emoney", "path_prefix": "/wallet", "max_balance": 10**10,
         "partners": [partner], "accounts": mine["wallet"]},
    ]}  # fmt: skip
    (sim / "sim.json").write_text(json.dumps(config, indent=1, ensure_ascii=False))
    common = {
        "base_url": f"http://127.0.0.1:{port}", "partner_id": "BANSOS",
        "client_key": "BANSOS-DEMO", "channel_id": "95221",
        "private_key_file": "partner.pem", "client_secret_file": "partner.secret",
    }  # fmt: skip
    providers = {"providers": [
        {"name": "bank", "kind": "bank", "path_prefix": "/bank",
         "source_account": SOURCE_ACCOUNT, **common},
        {"name": "wallet", "kind": "emoney", "path_prefix": "/wallet", **common},
    ]}  # fmt: skip
    (ours / "providers.yaml").write_text(json.dumps(providers, indent=1))  # JSON is YAML
    lines = [
        "Demo payment rails. Start the simulator (make run does):",
        f"  bansos sim-bank --config {sim / 'sim.json'} --books {sim / 'books.sqlite3'}",
        f"Then, with --providers {ours / 'providers.yaml'} (or BANSOS_PAYMENT_PROVIDERS):",
    ]
    for a in accounts:
        kind = "bank --bank-code " + BANK_CODE if a.provider == "bank" else "emoney"
        lines.append(f"  bansos payments channel set {a.household_id} --program PKH "
                     f"--kind {kind} --provider {a.provider} --account {a.number} "
                     "--user operator")  # fmt: skip
    (directory / "README.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return sim / "sim.json"
