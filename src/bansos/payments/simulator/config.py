"""The simulator's configuration: which providers it plays, their partners and their customers.

A small YAML or JSON file (YAML is a superset of JSON, so one loader reads both)::

    zone: WIB                    # the simulated providers' clock zone
    token_ttl_seconds: 900
    max_skew_seconds: 300        # how far X-TIMESTAMP may be from the simulator's clock
    faults: {seed: 1, timeout: 0.0, error_5xx: 0.0, in_progress: 0.0, duplicate: 0.0,
             drop_after_booking: 0.0, timeout_seconds: 30, in_progress_seconds: 5,
             in_progress_queries: 0}
    providers:
      - name: bank               # one bank ...
        kind: bank
        path_prefix: /bank
        bank_code: "014"         # the BI code that reaches its accounts (beneficiaryBankCode)
        requests_per_second: 0   # 0: no limit; above it, 429xx00
        partners:
          - client_key: BANSOS   # X-CLIENT-KEY
            partner_id: BANSOS   # X-PARTNER-ID (defaults to client_key)
            channel_id: "95221"
            public_key_file: partner.pub.pem        # verifies the token request
            client_secret_file: partner.secret      # or client_secret_env: VAR
            source_account: "8880001234"
            balance: 1000000000  # whole rupiah
        accounts:
          - {number: "1234567890", name: SITI AMINAH, status: active}
      - name: wallet             # ... and one e-wallet
        kind: emoney
        path_prefix: /wallet
        max_balance: 20000000    # a top-up beyond it is refused (403xx23)
        partners: [...]
        accounts: [{number: "081234567890", name: BUDI, status: active}]

Relative file paths are read relative to the configuration file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timezone
from pathlib import Path
from typing import NoReturn

import yaml
from cryptography.hazmat.primitives.asymmetric import rsa

from bansos.core.errors import Problem
from bansos.payments import snap
from bansos.payments.provider import Secret, read_credential

_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
_PREFIX = re.compile(r"(/[A-Za-z0-9._~-]+)*")
_DIGITS = re.compile(r"[0-9]{1,34}")


@dataclass(frozen=True)
class SimAccount:
    number: str
    name: str
    status: str = "active"
    bank_code: str = ""


@dataclass(frozen=True)
class SimPartner:
    client_key: str
    partner_id: str
    channel_id: str
    public_key: rsa.RSAPublicKey = field(repr=False)
    client_secret: Secret = field(repr=False)
    source_account: str
    balance: int


@dataclass(frozen=True)
class SimProvider:
    name: str
    kind: str
    path_prefix: str
    partners: tuple[SimPartner, ...]
    accounts: tuple[SimAccount, ...]
    bank_code: str = "014"
    requests_per_second: float = 0.0
    max_balance: int = 20_000_000

    def partner_by_key(self, client_key: str) -> SimPartner | None:
        return next((p for p in self.partners if p.client_key == client_key), None)


@dataclass(frozen=True)
class SimConfig:
    providers: tuple[SimProvider, ...]
    zone: timezone = snap.WIB
    token_ttl_seconds: float = 900.0
    max_skew_seconds: float = 300.0
    faults: Mapping[str, object] = field(default_factory=dict)


def load_config(path: Path) -> SimConfig:
    return config_from_mapping(read_config_file(path), base=path.parent)


def read_config_file(path: Path) -> dict[str, object]:
    """The file's mapping, before validation (the CLI lays its flags over it)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise Problem("sim.config_invalid", detail=f"{path}: {exc}") from exc
    if not isinstance(data, dict):
        _invalid(f"{path} is not a mapping")
    return data


def config_from_mapping(
    data: Mapping[str, object], base: Path, env: Mapping[str, str] | None = None
) -> SimConfig:
    environ = os.environ if env is None else env
    providers = data.get("providers")
    if not isinstance(providers, list) or not providers:
        _invalid("providers: give at least one")
    built = tuple(_provider(p, base, environ) for p in providers)
    names = [p.name for p in built]
    prefixes = [p.path_prefix for p in built]
    if len(set(names)) != len(names) or len(set(prefixes)) != len(prefixes):
        _invalid("provider names and path prefixes must be unique")
    faults = data.get("faults", {}) or {}
    if not isinstance(faults, Mapping):
        _invalid("faults must be a mapping")
    return SimConfig(
        providers=built,
        zone=snap.parse_zone(str(data.get("zone", "WIB"))),
        token_ttl_seconds=_number(data, "token_ttl_seconds", 900.0),
        max_skew_seconds=_number(data, "max_skew_seconds", 300.0),
        faults=dict(faults),
    )


def _provider(data: object, base: Path, env: Mapping[str, str]) -> SimProvider:
    if not isinstance(data, Mapping):
        _invalid("each provider must be a mapping")
    name = str(data.get("name", ""))
    if _NAME.fullmatch(name) is None:
        _invalid(f"provider name {name!r}")
    kind = data.get("kind")
    if kind not in ("bank", "emoney"):
        _invalid(f"{name}: kind must be bank or emoney")
    prefix = str(data.get("path_prefix", "") or "").rstrip("/")
    if _PREFIX.fullmatch(prefix) is None or prefix.startswith("/sim"):
        _invalid(f"{name}: path_prefix {prefix!r}")
    bank_code = str(data.get("bank_code", "014"))
    if re.fullmatch(r"[0-9]{3}", bank_code) is None:
        _invalid(f"{name}: bank_code must be 3 digits")
    partners = data.get("partners")
    accounts = data.get("accounts", []) or []
    if not isinstance(partners, list) or not partners or not isinstance(accounts, list):
        _invalid(f"{name}: partners (at least one) and accounts must be lists")
    built = tuple(_partner(p, name, base, env) for p in partners)
    if len({p.client_key for p in built}) != len(built) or len(
        {p.partner_id for p in built}
    ) != len(built):
        _invalid(f"{name}: client keys and partner ids must be unique")
    return SimProvider(
        name=name,
        kind=str(kind),
        path_prefix=prefix,
        partners=built,
        accounts=tuple(account_from_mapping(a, bank_code) for a in accounts),
        bank_code=bank_code,
        requests_per_second=_number(data, "requests_per_second", 0.0),
        max_balance=int(_number(data, "max_balance", 20_000_000)),
    )


def _partner(data: object, provider: str, base: Path, env: Mapping[str, str]) -> SimPartner:
    if not isinstance(data, Mapping):
        _invalid(f"{provider}: each partner must be a mapping")
    client_key = str(data.get("client_key", "")).strip()
    channel_id = str(data.get("channel_id", "")).strip()
    source = str(data.get("source_account", "")).strip()
    if not client_key or not channel_id or _DIGITS.fullmatch(source) is None:
        _invalid(f"{provider}: a partner needs client_key, channel_id and a numeric source_account")
    resolved = {k: _resolve(v, base) if k.endswith("_file") else v for k, v in data.items()}
    pem, _ = read_credential(resolved, "public_key", provider, env)
    secret, _ = read_credential(resolved, "client_secret", provider, env)
    balance = data.get("balance", 0)
    if isinstance(balance, bool) or not isinstance(balance, int) or balance < 0:
        _invalid(f"{provider}: partner balance must be whole rupiah")
    return SimPartner(
        client_key=client_key,
        partner_id=str(data.get("partner_id", client_key)).strip() or client_key,
        channel_id=channel_id,
        public_key=snap.load_public_key(pem, f"{provider}/{client_key} public key"),
        client_secret=Secret(secret.strip()),
        source_account=source,
        balance=balance,
    )


def account_from_mapping(data: object, bank_code: str) -> SimAccount:
    """A customer account (from the file or from ``POST /sim/accounts``)."""
    if not isinstance(data, Mapping):
        _invalid("each account must be a mapping")
    number = str(data.get("number", "")).strip()
    name = str(data.get("name", "")).strip()
    status = str(data.get("status", "active"))
    code = str(data.get("bank_code", bank_code))
    if _DIGITS.fullmatch(number) is None or not name or len(name) > 100:
        _invalid(f"account {number!r}: a numeric number and a name are needed")
    if status not in ("active", "blocked") or re.fullmatch(r"[0-9]{3,8}", code) is None:
        _invalid(f"account {number}: status active|blocked, bank_code of 3-8 digits")
    return SimAccount(number=number, name=name, status=status, bank_code=code)


def _resolve(value: object, base: Path) -> str:
    path = Path(str(value))
    return str(path if path.is_absolute() else base / path)


def _number(data: Mapping[str, object], key: str, default: float) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        _invalid(f"{key} must be a number >= 0")
    return float(value)


def _invalid(detail: str) -> NoReturn:
    raise Problem("sim.config_invalid", detail=detail)
