"""A disk-backed set of keys seen in one import, to find duplicates anywhere in a file.

An in-memory set would grow with the file (tens of millions of rows at national scale); a
throw-away SQLite file keeps memory bounded whatever the file size, at a few microseconds a key.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterable
from pathlib import Path


class SeenKeys:
    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="bansos-seen-")
        self._db = sqlite3.connect(Path(self._dir.name) / "seen.db", isolation_level=None)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("PRAGMA cache_size=-16000")  # 16 MB page cache, then disk
        self._db.execute("CREATE TABLE seen (k BLOB PRIMARY KEY) WITHOUT ROWID")

    def claim(self, keys: Iterable[bytes]) -> set[bytes]:
        """Mark ``keys`` as seen; return those that already were, in one statement per batch."""
        keys = list(keys)
        if sqlite3.sqlite_version_info < (3, 35):  # no RETURNING: two statements
            earlier = self.already_seen(keys)
            self.add(keys)
            return earlier
        found: set[bytes] = set(keys)
        self._db.execute("BEGIN")
        for i in range(0, len(keys), 30_000):
            part = keys[i : i + 30_000]
            marks = ",".join(["(?)"] * len(part))
            sql = f"INSERT INTO seen (k) VALUES {marks} ON CONFLICT DO NOTHING RETURNING k"  # noqa: S608
            found.difference_update(r[0] for r in self._db.execute(sql, part).fetchall())
        self._db.execute("COMMIT")
        return found

    def already_seen(self, keys: Iterable[bytes]) -> set[bytes]:
        """Which of ``keys`` were added before this call."""
        keys = list(keys)
        found: set[bytes] = set()
        for i in range(0, len(keys), 30_000):
            part = keys[i : i + 30_000]
            marks = ",".join("?" * len(part))
            found.update(
                r[0]
                for r in self._db.execute(f"SELECT k FROM seen WHERE k IN ({marks})", part)  # noqa: S608
            )
        return found

    def add(self, keys: Iterable[bytes]) -> None:
        self._db.execute("BEGIN")
        self._db.executemany("INSERT OR IGNORE INTO seen (k) VALUES (?)", ((k,) for k in keys))
        self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()

    def __enter__(self) -> SeenKeys:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
