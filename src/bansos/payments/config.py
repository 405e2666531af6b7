"""The payout providers of one installation, from a YAML (or JSON) file, and the worker's policy.

The file is given by ``--providers FILE`` or ``BANSOS_PAYMENT_PROVIDERS``; it names no secret
itself, only where each one is (``*_file``, read relative to the file, or ``*_env``), so the
credentials never reach the database, a log or the file's own backups::

    providers:
      - name: bank                 # Provider.from_mapping ...
        kind: bank
        base_url: https://snap.bank.example
        path_prefix: /openapi
        partner_id: BANSOS
        client_key: BANSOS
        channel_id: "95221"
        private_key_file: keys/bank.pem
        client_secret_env: BANK_CLIENT_SECRET
        requests_per_second: 20
        source_account: "8880001234"      # ... RailOptions.from_mapping ...
        connect_timeout_seconds: 5
        read_timeout_seconds: 30
        not_found_grace_seconds: 120      # ... and ours: see below
    payouts:                       # optional: the worker's Policy
      first_check_seconds: 5
      max_check_seconds: 900
      max_attempts: 5
      lease_seconds: 120

``not_found_grace_seconds``: a status inquiry that says "no such payout" is believed only once
the send's connect and read timeouts plus this grace have passed since the send (a request may
still be on its way, or queued inside the provider); only then may the payout be sent again,
under the same reference.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from bansos.core.errors import Problem
from bansos.payments.outcomes import Policy
from bansos.payments.rails import MAX_ATTEMPT, Kind
from bansos.payments.snap_client import RailOptions, SnapRail

ENV = "BANSOS_PAYMENT_PROVIDERS"
DEFAULT_GRACE = 120.0
_POLICY_KEYS = ("first_check_seconds", "max_check_seconds", "max_attempts", "lease_seconds")


@dataclass
class PaymentsConfig:
    rails: dict[str, SnapRail]
    kinds: dict[str, Kind]
    policy: Policy

    def close(self) -> None:
        for rail in self.rails.values():
            rail.close()

    def bank_provider(self, name: str | None) -> str:
        """``name`` if it is a configured bank, or the only configured bank."""
        banks = sorted(n for n, kind in self.kinds.items() if kind == "bank")
        if name is None and len(banks) == 1:
            return banks[0]
        if name is None or name not in banks:
            raise Problem("payments.provider_unknown", provider=name or "-",
                          known=", ".join(banks) or "-")  # fmt: skip
        return name


def config_path(given: Path | None, env: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if env is None else env
    path = given or (Path(environ[ENV]) if environ.get(ENV) else None)
    if path is None:
        raise Problem("payments.providers_missing", variable=ENV)
    return path


def load(path: Path, env: Mapping[str, str] | None = None) -> PaymentsConfig:
    """Read and check the whole file; a Problem names what is wrong (never a secret)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise Problem(
            "payments.providers_invalid", detail=f"{path}: {type(exc).__name__}"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("providers"), list):
        raise Problem("payments.providers_invalid", detail=f"{path}: a list of providers")
    rails: dict[str, SnapRail] = {}
    kinds: dict[str, Kind] = {}
    waits: dict[str, float] = {}
    try:
        for entry in data["providers"]:
            if not isinstance(entry, dict):
                raise Problem("payments.providers_invalid", detail="each provider is a mapping")
            resolved = {k: _relative(v, path.parent) if k.endswith("_file") else v
                        for k, v in entry.items()}  # fmt: skip
            rail = SnapRail.from_mapping(resolved, env=env)
            name = rail.provider.name
            if name in rails:
                raise Problem("payments.providers_invalid", detail=f"{name} given twice")
            rails[name], kinds[name] = rail, rail.provider.kind
            options = RailOptions.from_mapping(resolved)
            grace = _number(entry, "not_found_grace_seconds", DEFAULT_GRACE)
            waits[name] = options.connect_timeout + options.read_timeout + grace
        policy = _policy(data.get("payouts") or {}, waits)
    except Problem:
        for rail in rails.values():
            rail.close()
        raise
    return PaymentsConfig(rails, kinds, policy)


def _policy(data: object, waits: dict[str, float]) -> Policy:
    if not isinstance(data, dict):
        raise Problem("payments.providers_invalid", detail="payouts: a mapping")
    unknown = set(data) - set(_POLICY_KEYS)
    if unknown:
        raise Problem("payments.providers_invalid", detail=f"payouts: {sorted(unknown)}")
    base = Policy()
    attempts = _number(data, "max_attempts", base.max_attempts)
    if attempts != int(attempts) or not 1 <= attempts <= MAX_ATTEMPT:
        raise Problem("payments.providers_invalid", detail=f"max_attempts: 1..{MAX_ATTEMPT}")
    return Policy(
        first_check=_number(data, "first_check_seconds", base.first_check),
        max_check=_number(data, "max_check_seconds", base.max_check),
        not_found_after=waits,
        max_attempts=int(attempts),
        lease=_number(data, "lease_seconds", base.lease),
    )


def _number(data: Mapping[str, object], key: str, default: float) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise Problem("payments.providers_invalid", detail=f"{key} must be a number >= 0")
    return float(value)


def _relative(value: object, base: Path) -> str:
    path = Path(str(value))
    return str(path if path.is_absolute() else base / path)
