"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

Each engine gets a schema migrated once per test session (SQLite in a temporary file, PostgreSQL
in a database created for this run and dropped after it). A test then works inside an outer
transaction that is rolled back afterwards; the code under test may still "commit" units of
work, which become savepoints (``join_transaction_mode="create_savepoint"``), as in
pypi/warehouse's test suite.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bansos.core.crypto import FieldCipher
from bansos.db import make_engine
from bansos.migrate import upgrade

PG_URL = os.environ.get(
    "BANSOS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ENGINES = ("sqlite", "postgresql")
#: A fixed test key: tests check behaviour, not secrecy.
TEST_KEY = bytes(range(32))


def _postgres_available() -> str | None:
    """None when reachable, else why not."""
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    return None


_PG_PROBLEM = _postgres_available()


def pytest_sessionstart(session: pytest.Session) -> None:
    if _PG_PROBLEM and os.environ.get("CI") == "true":
        raise pytest.UsageError(
            f"CI=true but PostgreSQL is not reachable at {PG_URL}: {_PG_PROBLEM}"
        )


@dataclass
class FreshDatabases:
    """Creates empty PostgreSQL databases (dropped at the end) or SQLite files on demand."""

    tmp: Path
    created: list[str]

    def url(self, kind: str) -> str:
        if kind == "sqlite":
            return f"sqlite:///{self.tmp / f'db-{uuid.uuid4().hex[:8]}.sqlite3'}"
        if _PG_PROBLEM:
            pytest.skip(f"PostgreSQL not reachable: {_PG_PROBLEM}")
        name = f"bansos_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        self.created.append(name)
        return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if not self.created:
            return
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def fresh_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FreshDatabases]:
    dbs = FreshDatabases(tmp_path_factory.mktemp("databases"), [])
    yield dbs
    dbs.drop_all()


def migrated_engine(url: str) -> Engine:
    engine = make_engine(url)
    with engine.begin() as conn:
        upgrade(conn)
    return engine


@pytest.fixture(scope="session", params=ENGINES)
def engine(request: pytest.FixtureRequest, fresh_databases: FreshDatabases) -> Iterator[Engine]:
    """A migrated engine with the region codes loaded, one per database kind."""
    eng = migrated_engine(fresh_databases.url(request.param))
    yield eng
    eng.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    conn = engine.connect()
    outer = conn.begin()
    yield conn
    outer.rollback()
    conn.close()


@pytest.fixture
def factory(connection: Connection) -> sessionmaker[Session]:
    """Sessions whose commits are savepoints of the test's outer transaction."""
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def db(factory: sessionmaker[Session]) -> Iterator[Session]:
    with factory() as session:
        yield session


@pytest.fixture(scope="session")
def cipher() -> FieldCipher:
    return FieldCipher(TEST_KEY)
