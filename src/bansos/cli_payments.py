"""``bansos payments``: the SNAP bank and e-wallet simulator (``sim-bank``).

Kept out of cli.py and free of its imports (database, settings): the simulator stands for
somebody else's system and must start without ours.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from bansos.core.errors import Problem

payments_cli = typer.Typer(
    help="Payment rails: a SNAP bank/e-wallet simulator.", no_args_is_help=True
)

_DEMO_ACCOUNTS = {
    "bank": [
        {"number": "1234567890", "name": "SITI AMINAH", "status": "active"},
        {"number": "1234567891", "name": "BUDI SANTOSO", "status": "blocked"},
    ],
    "emoney": [
        {"number": "081234567890", "name": "DEWI LESTARI", "status": "active"},
        {"number": "081234567891", "name": "AGUS SALIM", "status": "blocked"},
    ],
}


@payments_cli.callback()
def _group() -> None:
    """Payment rails."""


def _rate(name: str) -> object:
    return typer.Option(help=f"Share (0..1) of money-moving requests that get '{name}'.")


@payments_cli.command("sim-bank")
def sim_bank(
    config: Annotated[
        Path | None,
        typer.Option(
            help="YAML/JSON file: providers, partners, accounts (see simulator/config.py)."
        ),
    ] = None,
    books: Annotated[Path, typer.Option(help="The simulator's own SQLite books.")] = Path(
        "var/sim-books.sqlite3"
    ),
    host: Annotated[
        str, typer.Option(help="Bind address (the /sim endpoints need no login: keep 127.0.0.1).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8765,
    seed: Annotated[int | None, typer.Option(help="Seed of the fault RNG.")] = None,
    timeout_rate: Annotated[float | None, _rate("timeout")] = None,
    error_5xx_rate: Annotated[float | None, _rate("error_5xx")] = None,
    in_progress_rate: Annotated[float | None, _rate("in_progress")] = None,
    duplicate_rate: Annotated[float | None, _rate("duplicate")] = None,
    drop_rate: Annotated[float | None, _rate("drop_after_booking")] = None,
    timeout_seconds: Annotated[
        float | None, typer.Option(help="How long a 'timeout' answer is held back.")
    ] = None,
    in_progress_seconds: Annotated[
        float | None,
        typer.Option(help="A pending booking succeeds after this many seconds (0: never by time)."),
    ] = None,
    in_progress_queries: Annotated[
        int | None,
        typer.Option(help="... or after this many status inquiries (0: never by queries)."),
    ] = None,
    token_ttl: Annotated[float | None, typer.Option(help="Access token lifetime, seconds.")] = None,
    client_key: Annotated[
        str | None,
        typer.Option(
            help="Without --config: the partner's X-CLIENT-KEY (bank at /bank, wallet at /wallet, "
            "demo accounts)."
        ),
    ] = None,
    partner_id: Annotated[
        str | None, typer.Option(help="X-PARTNER-ID (default: client key).")
    ] = None,
    channel_id: Annotated[str, typer.Option(help="The partner's CHANNEL-ID.")] = "95221",
    public_key: Annotated[
        Path | None,
        typer.Option(help="The partner's RSA public key (PEM) that verifies token requests."),
    ] = None,
    client_secret_file: Annotated[Path | None, typer.Option(help="The client secret.")] = None,
    client_secret_env: Annotated[
        str | None, typer.Option(help="... or the environment variable that holds it.")
    ] = None,
    balance: Annotated[
        int, typer.Option(help="The partner's funding balance, rupiah.")
    ] = 1_000_000_000,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "warning",
) -> None:
    """Serve one simulated bank and one e-wallet provider speaking SNAP, strictly."""
    import uvicorn

    from bansos.payments.simulator.app import create_app
    from bansos.payments.simulator.config import config_from_mapping, read_config_file

    overrides = {
        "seed": seed,
        "timeout": timeout_rate,
        "error_5xx": error_5xx_rate,
        "in_progress": in_progress_rate,
        "duplicate": duplicate_rate,
        "drop_after_booking": drop_rate,
        "timeout_seconds": timeout_seconds,
        "in_progress_seconds": in_progress_seconds,
        "in_progress_queries": in_progress_queries,
    }
    try:
        if config is not None:
            data = read_config_file(config)
            base = config.parent
        else:
            data = _flags_config(
                client_key,
                partner_id,
                channel_id,
                public_key,
                client_secret_file,
                client_secret_env,
                balance,
            )
            base = Path.cwd()
        given = data.get("faults") or {}
        if not isinstance(given, dict):
            raise Problem("sim.config_invalid", detail="faults must be a mapping")
        faults: dict[str, object] = dict(given)
        faults.update({k: v for k, v in overrides.items() if v is not None})
        data["faults"] = faults
        if token_ttl is not None:
            data["token_ttl_seconds"] = token_ttl
        sim_config = config_from_mapping(data, base)
        books.parent.mkdir(parents=True, exist_ok=True)
        app = create_app(sim_config, books)
    except Problem as exc:
        texts = exc.messages()
        typer.echo(f"{texts['id']}\n{texts['en']}", err=True)
        raise typer.Exit(2) from exc
    prefixes = ", ".join(f"{p.name} at {p.path_prefix or '/'}" for p in sim_config.providers)
    typer.echo(f"SNAP simulator on http://{host}:{port} ({prefixes}); books: {books}")
    uvicorn.run(app, host=host, port=port, log_level=log_level)


def _flags_config(
    client_key: str | None,
    partner_id: str | None,
    channel_id: str,
    public_key: Path | None,
    secret_file: Path | None,
    secret_env: str | None,
    balance: int,
) -> dict[str, object]:
    if client_key is None or public_key is None or (secret_file is None and secret_env is None):
        raise Problem(
            "sim.config_invalid",
            detail="give --config, or --client-key, "
            "--public-key and --client-secret-file/--client-secret-env",
        )
    partner: dict[str, object] = {
        "client_key": client_key,
        "partner_id": partner_id or client_key,
        "channel_id": channel_id,
        "public_key_file": str(public_key.resolve()),
        "source_account": "8880001234",
        "balance": balance,
    }
    if secret_file is not None:
        partner["client_secret_file"] = str(secret_file.resolve())
    else:
        partner["client_secret_env"] = secret_env
    return {
        "providers": [
            {
                "name": "bank",
                "kind": "bank",
                "path_prefix": "/bank",
                "partners": [partner],
                "accounts": _DEMO_ACCOUNTS["bank"],
            },
            {
                "name": "wallet",
                "kind": "emoney",
                "path_prefix": "/wallet",
                "partners": [partner],
                "accounts": _DEMO_ACCOUNTS["emoney"],
            },
        ]
    }


if __name__ == "__main__":
    payments_cli(prog_name=f"{Path(sys.argv[0]).name}")
