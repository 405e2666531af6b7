"""Schema migrations (Alembic) and reference data, run by ``bansos db upgrade`` and tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection
from sqlalchemy.orm import Session

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(connection: Connection) -> int:
    """Bring the schema to the newest revision and load missing reference data (region codes),
    inside the caller's transaction; returns how many regions were added."""
    from bansos.registry.regions import load_regions

    command.upgrade(alembic_config(connection=connection), "head")
    with Session(bind=connection) as session:
        added = load_regions(session)
        session.flush()
    return added
