"""Engine, sessions and the SQLite/PostgreSQL differences, in one place.

SQLite (WAL, foreign keys on) is the embedded default; PostgreSQL is the production engine.
Only callers commit (a web request, a CLI command, one chunk of a batch job): see
``unit_of_work``.
"""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Dialect,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

#: Constraint names are fixed so that Alembic migrations are identical on both engines.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


#: 64-bit ids on PostgreSQL; on SQLite only ``INTEGER PRIMARY KEY`` is the fast rowid alias.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both engines (SQLite has no time zones and would drop them)."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        return dialect.type_descriptor(DateTime(timezone=dialect.name != "sqlite"))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: use bansos.core.clock.now()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class AppMeta(Base):
    """Small facts about the database itself, such as the master key's check value."""

    __tablename__ = "app_meta"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (the module's own
    # implicit BEGIN breaks SAVEPOINT and transactional DDL); see _sqlite_begin.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    # NORMAL is durable across application crashes in WAL mode; only an OS crash can lose the
    # last transactions, which the idempotent batch jobs then redo.
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    # 64 MB of page cache (the default is 2 MB): the blind-index B-trees take random inserts,
    # and a million-row import would otherwise read most index pages back from the OS.
    cur.execute("PRAGMA cache_size=-65536")
    # Checkpoint the write-ahead log every 10,000 pages (40 MB) rather than 1,000: each
    # checkpoint syncs the database file, and batch jobs (imports, disbursement) write much
    # more than 4 MB per transaction; at 1,000 the syncs took a third of a disbursement.
    cur.execute("PRAGMA wal_autocheckpoint=10000")
    cur.close()


#: Execution option: a transaction that only reads (on SQLite a plain deferred BEGIN, which
#: takes no write lock; it must not write).
READ_ONLY = "bansos_read_only"
BUSY_SECONDS = 30.0


class _WriteGate:
    """The write lock of one SQLite database, in this process.

    SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps in
    growing steps (up to 100 ms) and so turns a short queue of writers into long, jumpy waits
    (a p99 in seconds under 32 concurrent requests). Writers of this process queue here
    instead, on a plain lock that wakes the next one as soon as the holder commits or rolls
    back. Other processes (a CLI job beside the server) still meet at SQLite's own lock.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def connection_class(self) -> type[sqlite3.Connection]:
        gate = self

        class GatedConnection(sqlite3.Connection):
            holding = False

            def acquire(self) -> None:
                if not self.holding:
                    self.holding = gate.lock.acquire(timeout=BUSY_SECONDS)

            def _release(self) -> None:
                if self.holding:
                    self.holding = False
                    gate.lock.release()

            def commit(self) -> None:
                try:
                    super().commit()
                finally:
                    self._release()

            def rollback(self) -> None:
                try:
                    super().rollback()
                finally:
                    self._release()

            def close(self) -> None:
                try:
                    super().close()
                finally:
                    self._release()

        return GatedConnection


def _sqlite_begin(conn: Any) -> None:
    if conn.get_execution_options().get(READ_ONLY):
        # A reader that never writes cannot meet "database is locked": no write lock needed.
        conn.exec_driver_sql("BEGIN")
        return
    # IMMEDIATE takes the write lock at the start, waiting up to busy_timeout for it. A deferred
    # BEGIN that reads and then writes cannot wait: SQLite answers "database is locked" at once
    # when another writer got there first. Serialised writers suit the embedded pilot engine;
    # PostgreSQL is the engine for concurrency.
    raw = conn.connection.dbapi_connection
    if hasattr(raw, "acquire"):
        raw.acquire()
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except Exception:
        if hasattr(raw, "_release"):
            raw._release()
        raise


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the right settings for its dialect."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        connect_args = dict(kwargs.pop("connect_args", {}))
        connect_args.setdefault("factory", _WriteGate().connection_class())
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def database_of(session: Session) -> str:
    """Which database a session talks to (its URL): the key of per-database caches."""
    return str(session.get_bind().engine.url)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def insert_rows(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert plain tuples straight through the driver's ``executemany``.

    Bulk imports write millions of rows; SQLAlchemy's per-row parameter processing cost more
    than the database itself (see bench/import_civil.py), so this one path adapts dates and
    datetimes per column, once per dialect, and hands tuples to the driver. Everything else
    goes through the ORM or Core as usual.
    """
    if not rows:
        return
    conn = session.connection()
    dialect = conn.dialect
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "  # noqa: S608 (names are ours)
        f"VALUES ({', '.join([mark] * len(columns))})"
    )
    adapters = [(i, a) for i, name in enumerate(columns)
                if (a := _adapter(dialect, table.c[name].type)) is not None]  # fmt: skip
    if adapters:
        positions = [i for i, _ in adapters]
        funcs = [a for _, a in adapters]
        adapted: list[tuple[Any, ...]] = []
        for row in rows:
            values = list(row)
            for i, adapt in zip(positions, funcs, strict=True):
                value = values[i]
                if value is not None:
                    values[i] = adapt(value)
            adapted.append(tuple(values))
        rows = adapted
    conn.exec_driver_sql(sql, list(rows))


@functools.lru_cache(maxsize=64)
def _sqlite_datetime(value: datetime) -> str:
    """Cached: a chunk stamps all its rows with the same instant."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def select_in(
    session: Session, table: Table, columns: Sequence[str], key: str, values: Sequence[Any]
) -> list[tuple[Any, ...]]:
    """``SELECT columns FROM table WHERE key IN values`` straight through the driver.

    The bulk-import lookup of 5,000 keys a chunk: SQLAlchemy's expanding IN renders and
    processes one bind parameter per key; here SQLite gets ``?`` marks in batches under its
    parameter limit and PostgreSQL one array (``= ANY(%s)``). Values come back as the driver
    returns them (bytes for binary columns; dates as ISO text on SQLite).
    """
    if not values:
        return []
    conn = session.connection()
    names = ", ".join(columns)
    if conn.dialect.paramstyle != "qmark":
        sql = f"SELECT {names} FROM {table.name} WHERE {key} = ANY(%s)"  # noqa: S608 (ours)
        return [tuple(r) for r in conn.exec_driver_sql(sql, (list(values),))]
    rows: list[tuple[Any, ...]] = []
    for i in range(0, len(values), 30_000):
        part = tuple(values[i : i + 30_000])
        marks = ", ".join("?" * len(part))
        sql = f"SELECT {names} FROM {table.name} WHERE {key} IN ({marks})"  # noqa: S608 (ours)
        rows.extend(tuple(r) for r in conn.exec_driver_sql(sql, part))
    return rows


def _adapter(dialect: Dialect, type_: Any) -> Callable[[Any], Any] | None:
    """SQLite stores dates and datetimes as text in SQLAlchemy's format; psycopg adapts them."""
    if dialect.name != "sqlite":
        return None
    if isinstance(type_, UTCDateTime):
        return _sqlite_datetime
    if isinstance(type_, Date):
        return date.isoformat
    return None


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit once at the end, roll back on any exception."""
    with factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def insert_or_skip(session: Session, model: Any, conflict: Sequence[str]) -> Any:
    """``INSERT ... ON CONFLICT (conflict) DO NOTHING`` in the session's dialect: rows whose
    unique key exists are skipped by the index probe the insert makes anyway (cheaper than a
    NOT EXISTS subquery per row). With ``from_select``, give the SELECT a WHERE clause: SQLite
    needs one before ON CONFLICT."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(model).on_conflict_do_nothing(index_elements=list(conflict))
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(model).on_conflict_do_nothing(index_elements=list(conflict))


class zero_pad(FunctionElement[str]):  # noqa: N801 - reads like the SQL function it renders
    """``zero_pad(expr, width)``: an integer as text, left-padded with zeros, in SQL. Keys built
    from ascending ids then sort in insertion order, so a bulk insert appends to the end of
    their unique index instead of touching pages all over it."""

    type = String()
    inherit_cache = True
    name = "zero_pad"


@compiles(zero_pad, "sqlite")
def _zero_pad_sqlite(element: zero_pad, compiler: Any, **kw: Any) -> str:
    expr, width = list(element.clauses)
    return f"printf('%0{width.value}d', {compiler.process(expr, **kw)})"


@compiles(zero_pad)
def _zero_pad_default(element: zero_pad, compiler: Any, **kw: Any) -> str:
    expr, width = list(element.clauses)
    return f"lpad(CAST({compiler.process(expr, **kw)} AS TEXT), {width.value}, '0')"


class Raw:
    """Hand-written SQL on a session's own connection, inside its transaction: for the few hot
    paths where SQLAlchemy's per-statement work costs more than the database.

    Measured on the online redemption (bench/redeem_http.py): about 20 ORM statements took
    6.3 ms of Python for 0.35 ms of SQLite; the same statements straight on the driver take a
    few hundredths of a millisecond each. Statements are written once with ``?`` marks and
    turned into psycopg's ``%s`` here (cached), datetimes go in as SQLAlchemy stores them
    (naive UTC text on SQLite, aware values on PostgreSQL) and come back aware; both engines
    support ``RETURNING``. Everything else keeps the ORM.
    """

    __slots__ = ("cursor", "pg")

    def __init__(self, session: Session) -> None:
        # What the ORM holds back must reach the database first, as its autoflush would do
        # before a query of its own (cheap when nothing is pending).
        session.flush()
        conn = session.connection()
        self.pg = conn.dialect.name != "sqlite"
        raw = conn.connection.dbapi_connection
        assert raw is not None
        self.cursor: Any = raw.cursor()

    def _sql(self, sql: str) -> str:
        return _pg_marks(sql) if self.pg else sql

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """The first row (or None)."""
        self.cursor.execute(self._sql(sql), params)
        row = self.cursor.fetchone()
        return None if row is None else tuple(row)

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """A statement without result rows; how many rows it changed."""
        self.cursor.execute(self._sql(sql), params)
        return int(self.cursor.rowcount)

    def stamp(self, value: datetime | None) -> Any:
        """A datetime as a parameter, stored as SQLAlchemy's ``UTCDateTime`` stores it."""
        if value is None or self.pg:
            return value
        return _sqlite_datetime(value)

    def when(self, value: Any) -> datetime | None:
        """A datetime read back, aware and in UTC."""
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    @property
    def integrity_error(self) -> type[Exception]:
        """The driver's exception for a broken unique or foreign key constraint."""
        if self.pg:
            import psycopg

            return psycopg.IntegrityError
        return sqlite3.IntegrityError


@functools.lru_cache(maxsize=256)
def _pg_marks(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")
