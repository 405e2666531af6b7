"""The set that finds duplicate keys anywhere in a file, in memory and spilled to disk."""

from __future__ import annotations

import sqlite3

import pytest

from bansos.registry.seen import SeenKeys


@pytest.mark.parametrize(
    ("memory_keys", "old_sqlite"), [(1_000_000, False), (3, False), (3, True), (0, False)]
)
def test_claim_reports_only_keys_seen_before(
    memory_keys: int, old_sqlite: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if old_sqlite:  # the two-statement path for SQLite without RETURNING
        monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 31, 1))
    with SeenKeys(memory_keys=memory_keys) as seen:
        assert seen.claim([b"a", b"b"]) == set()
        assert seen.claim([b"b", b"c"]) == {b"b"}
        many = [i.to_bytes(4, "big") for i in range(70_000)]  # more than one disk batch
        assert seen.claim(many) == set()
        assert seen.claim([*many[-3:], b"a", b"z"]) == {*many[-3:], b"a"}
        assert seen.claim([b"z", b"y"]) == {b"z"}
        assert seen.on_disk is (memory_keys < 70_000)
