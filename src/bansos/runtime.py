"""Wiring for the CLI and the web app: settings -> engine, sessions and the field cipher."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import Engine, inspect
from sqlalchemy.orm import Session, sessionmaker

import bansos.all_models  # noqa: F401 - every table known, so foreign keys across capabilities resolve
from bansos.core.crypto import FieldCipher
from bansos.db import READ_ONLY, make_engine, session_factory, unit_of_work
from bansos.keys import bind_key, load_cipher
from bansos.settings import Settings, get_settings


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]
    cipher: FieldCipher

    def close(self) -> None:
        self.engine.dispose()

    @functools.cached_property
    def reads(self) -> sessionmaker[Session]:
        """Sessions for transactions that only read (on SQLite they take no write lock)."""
        return sessionmaker(bind=self.engine.execution_options(**{READ_ONLY: True}),
                            expire_on_commit=False)  # fmt: skip


class NotMigrated(RuntimeError):
    pass


def open_runtime(settings: Settings | None = None, *, create_key: bool = False) -> Runtime:
    """Open the database and the key; refuses a database that was never migrated or a key that
    is not the one the database was written with."""
    settings = settings or get_settings()
    engine = make_engine(settings.resolved_database_url)
    if not inspect(engine).has_table("alembic_version"):
        engine.dispose()
        raise NotMigrated("the database has no schema yet: run `bansos db upgrade`")
    cipher = load_cipher(settings, create=create_key)
    factory = session_factory(engine)
    with unit_of_work(factory) as session:
        bind_key(session, cipher)
    return Runtime(settings, engine, factory, cipher)
