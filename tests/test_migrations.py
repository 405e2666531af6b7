"""The Alembic migrations build exactly the schema the models describe, on both engines."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

import bansos.all_models  # noqa: F401
from bansos.db import Base
from bansos.registry.models import Region
from bansos.registry.regions import count_by_level, load_regions


def test_migrated_schema_matches_models(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_all_regions_are_loaded(db: Session) -> None:
    assert count_by_level(db) == {1: 38, 2: 514, 3: 7277}
    assert load_regions(db) == 0  # idempotent
    gunungkidul = db.get_one(Region, "340301")
    assert (gunungkidul.name, gunungkidul.parent_code, gunungkidul.level) == ("Wonosari", "3403", 3)
    assert db.get_one(Region, "3403").parent_code == "34"
    # Every district hangs under a regency that hangs under a province.
    orphans = db.scalar(
        select(func.count())
        .select_from(Region)
        .where(Region.level > 1, Region.parent_code.is_(None))
    )
    assert orphans == 0


def test_sqlite_pragmas(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
