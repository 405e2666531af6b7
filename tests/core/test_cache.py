"""The expiring cache: a value is served until its time is up, then asked for again."""

from __future__ import annotations

from bansos.core.cache import Expiring


def test_values_expire_and_clear_forgets_them() -> None:
    kept: Expiring[str, int] = Expiring(3600)
    assert kept.get("a") is None
    assert kept.put("a", 1) == 1 and kept.get("a") == 1
    kept.clear()
    assert kept.get("a") is None
    gone: Expiring[str, int] = Expiring(0)
    gone.put("a", 1)
    assert gone.get("a") is None
