"""The one place that reads the wall clock, so that tests and batch jobs agree on "now"."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

#: WIT (UTC+9, Papua) is Indonesia's easternmost zone: its calendar day is the latest one
#: anywhere in the country, so a baby born "today" in Jayapura is never "in the future".
WIT = timezone(timedelta(hours=9), "WIT")
#: Western Indonesian time (UTC+7, Java and Sumatra): the zone of business days (settlement,
#: bank statements, reconciliation) and of the SNAP timestamps most providers expect.
WIB = timezone(timedelta(hours=7), "WIB")


def now() -> datetime:
    """Timezone-aware UTC now."""
    return datetime.now(UTC)


def today() -> date:
    """The latest calendar date anywhere in Indonesia, for "not in the future" checks."""
    return datetime.now(WIT).date()
