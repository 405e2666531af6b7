"""One bank or e-wallet provider as configuration, so that their differences never fork code.

Credentials (the RSA private key that signs token requests, the client secret that keys the
HMAC of every service call) come from files or environment variables when the configuration is
loaded. They are never stored in the database and never printed: :class:`Secret` hides itself
in ``repr``/``str`` and refuses to be pickled, so a log line or a traceback cannot leak one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal, NoReturn

from cryptography.hazmat.primitives.asymmetric import rsa

from bansos.core.errors import Problem
from bansos.payments import snap

Kind = Literal["bank", "emoney"]
_PREFIX = re.compile(r"(/[A-Za-z0-9._~-]+)*")


class Secret:
    """Bytes that never print; ``reveal()`` is the one way out."""

    __slots__ = ("_value",)

    def __init__(self, value: bytes) -> None:
        self._value = value

    def reveal(self) -> bytes:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled")


@dataclass(frozen=True, repr=False)
class Credentials:
    """Loaded credentials plus where they came from (the source is safe to show, not the value)."""

    client_secret: Secret
    private_key: rsa.RSAPrivateKey
    sources: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"Credentials(client_secret=********, private_key=********, from={self.sources})"

    __str__ = __repr__


@dataclass(frozen=True)
class Provider:
    name: str
    kind: Kind
    #: ``https://api.bank.example`` (no trailing slash, no path).
    base_url: str
    #: X-PARTNER-ID on service calls.
    partner_id: str
    #: X-CLIENT-KEY on the token request.
    client_key: str
    #: CHANNEL-ID on service calls.
    channel_id: str
    credentials: Credentials = field(compare=False)
    #: Put before every SNAP path, e.g. ``/openapi``; it is part of the signed path.
    path_prefix: str = ""
    #: The zone of the X-TIMESTAMP we send (WIB unless the provider asks otherwise).
    zone: timezone = snap.WIB
    #: Our own courtesy limit towards this provider.
    requests_per_second: float = 10.0

    def endpoint(self, path: str) -> str:
        """The relative URL of a SNAP path at this provider: what is requested and signed."""
        return self.path_prefix + path

    def url(self, path: str) -> str:
        return self.base_url + self.endpoint(path)

    def timestamp(self, moment: datetime) -> str:
        return snap.format_timestamp(moment, self.zone)

    def token_headers(self, moment: datetime) -> dict[str, str]:
        timestamp = self.timestamp(moment)
        signature = snap.sign_token_request(
            self.credentials.private_key, self.client_key, timestamp
        )
        return snap.token_headers(self.client_key, timestamp, signature)

    def service_headers(
        self,
        method: str,
        path: str,
        access_token: str,
        body: bytes,
        moment: datetime,
        external_id: str,
    ) -> dict[str, str]:
        """Headers of a service call to SNAP ``path``; ``body`` is the minified body as sent."""
        timestamp = self.timestamp(moment)
        signature = snap.sign_service(
            self.credentials.client_secret.reveal(),
            method,
            self.endpoint(path),
            access_token,
            body,
            timestamp,
        )
        return snap.service_headers(
            access_token=access_token,
            timestamp=timestamp,
            signature=signature,
            partner_id=self.partner_id,
            external_id=external_id,
            channel_id=self.channel_id,
        )

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, object], env: Mapping[str, str] | None = None
    ) -> Provider:
        """Build from a YAML/JSON mapping; credentials are read now, from files or ``env``.

        Keys: ``name kind base_url partner_id client_key channel_id`` (text), ``path_prefix``,
        ``zone`` (``WIB``/``+07:00``), ``requests_per_second``, and for each credential a file
        or an environment variable: ``private_key_file``/``private_key_env``,
        ``client_secret_file``/``client_secret_env``.
        """
        environ = os.environ if env is None else env
        name = _text(data, "name", "?")
        kind = _text(data, "kind", name)
        if kind not in ("bank", "emoney"):
            _invalid(name, "kind")
        base_url = _text(data, "base_url", name).rstrip("/")
        if not base_url.startswith(("http://", "https://")):
            _invalid(name, "base_url")
        prefix = str(data.get("path_prefix", "") or "").rstrip("/")
        if _PREFIX.fullmatch(prefix) is None:
            _invalid(name, "path_prefix")
        rate = data.get("requests_per_second", 10.0)
        if isinstance(rate, bool) or not isinstance(rate, int | float) or rate <= 0:
            _invalid(name, "requests_per_second")
        secret, secret_from = read_credential(data, "client_secret", name, environ)
        pem, pem_from = read_credential(data, "private_key", name, environ)
        credentials = Credentials(
            Secret(secret.strip()),
            snap.load_private_key(pem, f"{name} private key"),
            (secret_from, pem_from),
        )
        return cls(
            name=name,
            kind="bank" if kind == "bank" else "emoney",
            base_url=base_url,
            partner_id=_text(data, "partner_id", name),
            client_key=_text(data, "client_key", name),
            channel_id=_text(data, "channel_id", name),
            credentials=credentials,
            path_prefix=prefix,
            zone=snap.parse_zone(str(data.get("zone", "WIB"))),
            requests_per_second=float(rate),
        )


def read_credential(
    data: Mapping[str, object], what: str, provider: str, env: Mapping[str, str]
) -> tuple[bytes, str]:
    """A credential's bytes from ``<what>_file`` or ``<what>_env``, and a printable source."""
    path = data.get(f"{what}_file")
    variable = data.get(f"{what}_env")
    if path:
        try:
            return Path(str(path)).read_bytes(), f"file:{path}"
        except OSError as exc:
            raise Problem("snap.credential_unreadable", path=str(path)) from exc
    if variable and env.get(str(variable)):
        return env[str(variable)].encode("utf-8"), f"env:{variable}"
    raise Problem("snap.credential_missing", what=what, provider=provider)


def _text(data: Mapping[str, object], key: str, provider: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        _invalid(provider, key)
    return value.strip()


def _invalid(provider: str, key: str) -> NoReturn:
    raise Problem("snap.provider_invalid", provider=provider, field=key)
