"""The set of keys seen so far in one import, to find a duplicate anywhere in a file.

Keys live in memory up to ``memory_keys`` (1 million by default, about 75 MB), which covers a
regency's extract at a fraction of a microsecond a key; past that they spill to a throw-away
SQLite file, so memory stays bounded whatever the file size (a national extract has hundreds of
millions of rows) at a few microseconds a key.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterable
from pathlib import Path

MEMORY_KEYS = 1_000_000
_BATCH = 30_000  # under SQLite's limit of bound parameters per statement


class SeenKeys:
    def __init__(self, memory_keys: int = MEMORY_KEYS) -> None:
        self.memory_keys = memory_keys
        self._memory: set[bytes] | None = set()
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self._db: sqlite3.Connection | None = None

    @property
    def on_disk(self) -> bool:
        return self._db is not None

    def claim(self, keys: Iterable[bytes]) -> set[bytes]:
        """Mark ``keys`` as seen; return those that already were."""
        keys = list(keys)
        if self._memory is not None:
            if len(self._memory) + len(keys) <= self.memory_keys:
                earlier = self._memory.intersection(keys)
                self._memory.update(keys)
                return earlier
            self._spill()
        return self._claim_on_disk(keys)

    def _spill(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="bansos-seen-")
        self._db = sqlite3.connect(Path(self._dir.name) / "seen.db", isolation_level=None)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("PRAGMA cache_size=-65536")  # 64 MB of pages, then the OS cache
        self._db.execute("CREATE TABLE seen (k BLOB PRIMARY KEY) WITHOUT ROWID")
        memory, self._memory = self._memory or set(), None
        self._db.execute("BEGIN")
        self._db.executemany("INSERT INTO seen (k) VALUES (?)", ((k,) for k in sorted(memory)))
        self._db.execute("COMMIT")

    def _claim_on_disk(self, keys: list[bytes]) -> set[bytes]:
        assert self._db is not None
        found: set[bytes] = set()
        self._db.execute("BEGIN")
        for i in range(0, len(keys), _BATCH):
            part = keys[i : i + _BATCH]
            if sqlite3.sqlite_version_info >= (3, 35):
                marks = ",".join(["(?)"] * len(part))
                sql = f"INSERT INTO seen (k) VALUES {marks} ON CONFLICT DO NOTHING RETURNING k"  # noqa: S608
                inserted = {r[0] for r in self._db.execute(sql, part).fetchall()}
                found.update(k for k in part if k not in inserted)
            else:  # no RETURNING before SQLite 3.35: ask, then insert
                marks = ",".join("?" * len(part))
                sql = f"SELECT k FROM seen WHERE k IN ({marks})"  # noqa: S608
                found.update(r[0] for r in self._db.execute(sql, part))
                self._db.executemany(
                    "INSERT OR IGNORE INTO seen (k) VALUES (?)", ((k,) for k in part)
                )
        self._db.execute("COMMIT")
        return found

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
        if self._dir is not None:
            self._dir.cleanup()
        self._memory = set()

    def __enter__(self) -> SeenKeys:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
