"""A simulator with one bank and one e-wallet for many households, and the providers file that
points our ``bansos payments`` commands at it, for the CLI and fault tests.

Household ``h`` banks at account ``1<h:09d>`` when ``h`` is even and tops up e-wallet
``08<h:010d>`` when it is odd, so each payout's destination is known without decrypting.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.payments.simulator_proc import public_pem

SECRET = b"rahasia-payout-bansos-0123456789"
SOURCE = "8880001234"
BANK_CODE = "014"


def account_of(household: int) -> tuple[str, str]:
    """(provider, account number) of a household's channel."""
    if household % 2 == 0:
        return "bank", f"1{household:09d}"
    return "wallet", f"08{household:010d}"


def holder_of(household: int) -> str:
    return f"WARGA NOMOR {household}"


@dataclass
class Keys:
    private_pem: bytes
    public_pem: bytes

    @classmethod
    def new(cls) -> Keys:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private = key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())  # fmt: skip
        return cls(private, public_pem(key))


def sim_config(
    households: Iterable[int],
    faults: Mapping[str, object],
    holders: Mapping[int, str] | None = None,
) -> dict[str, object]:
    """Each household's account (``account_of``) in the holder's name (``holders`` or
    ``holder_of``)."""
    partner = {
        "client_key": "BANSOS", "partner_id": "BANSOS", "channel_id": "95221",
        "public_key_file": "partner.pub.pem", "client_secret_file": "partner.secret",
        "source_account": SOURCE, "balance": 10**13,
    }  # fmt: skip
    accounts: dict[str, list[dict[str, str]]] = {"bank": [], "wallet": []}
    for h in households:
        provider, number = account_of(h)
        name = (holders or {}).get(h) or holder_of(h)
        accounts[provider].append({"number": number, "name": name})
    return {
        "faults": dict(faults),
        "providers": [
            {"name": "bank", "kind": "bank", "path_prefix": "/bank", "bank_code": BANK_CODE,
             "partners": [partner], "accounts": accounts["bank"]},
            {"name": "wallet", "kind": "emoney", "path_prefix": "/wallet",
             "max_balance": 10**12, "partners": [partner], "accounts": accounts["wallet"]},
        ],
    }  # fmt: skip


def sim_files(keys: Keys) -> dict[str, bytes]:
    return {"partner.pub.pem": keys.public_pem, "partner.secret": SECRET + b"\n"}


def providers_file(
    directory: Path, keys: Keys, url: str, *, read_timeout: float = 5.0,
    grace: float = 1.0, payouts: Mapping[str, object] | None = None,
) -> Path:  # fmt: skip
    """Our side's configuration: the secrets in files beside it, never in the YAML itself."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "partner.pem").write_bytes(keys.private_pem)
    (directory / "partner.secret").write_bytes(SECRET + b"\n")
    common = {
        "base_url": url, "partner_id": "BANSOS", "client_key": "BANSOS", "channel_id": "95221",
        "private_key_file": "partner.pem", "client_secret_file": "partner.secret",
        "requests_per_second": 5000, "connect_timeout_seconds": 1.0,
        "read_timeout_seconds": read_timeout, "not_found_grace_seconds": grace,
    }  # fmt: skip
    data = {
        "providers": [
            {"name": "bank", "kind": "bank", "path_prefix": "/bank", "source_account": SOURCE,
             **common},
            {"name": "wallet", "kind": "emoney", "path_prefix": "/wallet", **common},
        ],
        "payouts": dict(payouts or {}),
    }  # fmt: skip
    path = directory / "providers.yaml"
    path.write_text(json.dumps(data, indent=1))  # JSON is YAML
    return path
