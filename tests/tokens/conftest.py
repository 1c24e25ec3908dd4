"""Fixtures of the token tests: a record of every wall-clock read the token code makes."""

from __future__ import annotations

import datetime as dt
import time
import types
from typing import Any

import pytest

import ec_async._auth
import ec_async._tokens

_WALL_CLOCK = frozenset({"time", "time_ns", "localtime", "gmtime", "ctime", "asctime"})


class _CountingTime(types.ModuleType):
    """The ``time`` module, noting every read of the wall clock."""

    def __init__(self, reads: list[str]) -> None:
        super().__init__("time")
        self._reads = reads

    def __getattr__(self, name: str) -> Any:
        if name in _WALL_CLOCK:
            self._reads.append(f"time.{name}")
        return getattr(time, name)


def _counting_datetime(reads: list[str]) -> types.ModuleType:
    """The ``datetime`` module whose ``datetime`` notes every read of now."""

    class CountingDatetime(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> CountingDatetime:
            reads.append("datetime.now")
            return super().now(tz)

        @classmethod
        def utcnow(cls) -> CountingDatetime:
            reads.append("datetime.utcnow")
            return super().now(dt.UTC).replace(tzinfo=None)

        @classmethod
        def today(cls) -> CountingDatetime:
            reads.append("datetime.today")
            return super().now()

    module = types.ModuleType("datetime")
    module.__dict__.update(
        {name: getattr(dt, name) for name in dir(dt) if not name.startswith("__")}
    )
    module.datetime = CountingDatetime  # type: ignore[attr-defined]
    return module


@pytest.fixture
def wall_clock_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every wall-clock read the token manager and login calls make, by name.

    The modules see ``time`` and ``datetime`` that note each read of local
    time; the monotonic clock passes through unnoted.
    """
    reads: list[str] = []
    monkeypatch.setattr(ec_async._tokens, "time", _CountingTime(reads))
    monkeypatch.setattr(ec_async._tokens, "dt", _counting_datetime(reads))
    monkeypatch.setattr(ec_async._auth, "time", _CountingTime(reads))
    return reads
