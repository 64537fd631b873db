"""`modified_at` / `expires_at` are written in the server's local zone as Go's time.Local does:
with the offset in force at that instant (DST), not today's (the 0135 recordings: +03:00 and +02:00
from one server)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from ollama_conformance.mock_server.clock import Clock, format_local

BERLIN = "CET-1CEST,M3.5.0,M10.5.0/3"  # a POSIX rule: no tz database needed


@pytest.fixture
def berlin() -> Iterator[None]:
    saved = os.environ.get("TZ")
    os.environ["TZ"] = BERLIN
    time.tzset()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = saved
        time.tzset()


def test_each_instant_gets_the_offset_in_force_then(berlin: None) -> None:
    zone = Clock().local_zone()
    summer = datetime(2025, 8, 21, 10, 15, 30, 500000, tzinfo=UTC)
    winter = datetime(2025, 11, 21, 10, 15, 30, tzinfo=UTC)
    assert format_local(summer, zone) == "2025-08-21T12:15:30.5+02:00"
    assert format_local(winter, zone) == "2025-11-21T11:15:30+01:00"


def test_a_fixed_clock_writes_utc(berlin: None) -> None:
    zone = Clock(datetime(2026, 1, 1, tzinfo=UTC)).local_zone()
    assert format_local(datetime(2025, 8, 21, 10, 15, 30, tzinfo=UTC), zone) == "2025-08-21T10:15:30Z"


def test_a_year_before_1000_is_written_with_four_digits() -> None:
    # Go's RFC3339Nano pads the year; glibc's strftime("%Y") writes year 1 as "1"
    moment = datetime(1, 1, 1, 0, 5, tzinfo=UTC)
    assert format_local(moment, UTC) == "0001-01-01T00:05:00Z"
