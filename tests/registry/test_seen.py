"""The disk-backed set that finds duplicate keys anywhere in a file."""

from __future__ import annotations

import sqlite3

import pytest

from bansos.registry.seen import SeenKeys


@pytest.mark.parametrize("old_sqlite", [False, True])
def test_claim_reports_only_keys_seen_before(
    old_sqlite: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if old_sqlite:  # the two-statement path for SQLite without RETURNING
        monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 31, 1))
    with SeenKeys() as seen:
        assert seen.claim([b"a", b"b"]) == set()
        assert seen.claim([b"b", b"c"]) == {b"b"}
        many = [i.to_bytes(4, "big") for i in range(70_000)]  # more than one batch
        assert seen.claim(many) == set()
        assert seen.claim([*many[-3:], b"a", b"z"]) == {*many[-3:], b"a"}
        assert seen.already_seen([b"z", b"y"]) == {b"z"}
