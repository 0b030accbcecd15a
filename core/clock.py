"""Timestamps as the warehouse stores them: naive UTC (TIMESTAMP columns), one convention for every writer."""

from __future__ import annotations

from datetime import UTC, datetime


def naive_utc(moment: datetime) -> datetime:
    """`moment` in UTC without its zone, as a TIMESTAMP column holds it."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def utc_now() -> datetime:
    """Now, as a TIMESTAMP column holds it."""
    return naive_utc(datetime.now(UTC))
