"""Counts of what the emulator has seen, for tests to assert on."""

from __future__ import annotations

import collections
import threading

import attrs

__all__ = ["EmulatorCounters", "IssuedSecrets"]


@attrs.define
class EmulatorCounters:
    """Authentication events and rejected requests since the emulator started.

    ``rejected`` maps a reason to a count. Token reasons are ``missing``,
    ``malformed``, ``expired``, ``invalidated`` and ``unknown`` (well formed
    but not issued here); ``forbidden`` counts 403 permission failures.
    ``device_requests`` maps a device's compact id to the management requests
    that reached it, answered or not.
    """

    logins: int = 0
    failed_logins: int = 0
    refreshes: int = 0
    failed_refreshes: int = 0
    logouts: int = 0
    rejected: collections.Counter[str] = attrs.field(factory=collections.Counter[str])
    device_requests: collections.Counter[str] = attrs.field(
        factory=collections.Counter[str]
    )

    def reject(self, reason: str) -> None:
        """Count one request rejected for ``reason``."""
        self.rejected[reason] += 1

    def device_request(self, device_id: str) -> None:
        """Count one management request that reached the device ``device_id``."""
        self.device_requests[device_id] += 1


class IssuedSecrets:
    """Every secret an emulator handed out: access tokens, refresh tokens, API keys.

    Tests search logs and output for each of them, to prove none leaked.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()

    def add(self, *values: str) -> None:
        """Remember secrets just issued."""
        with self._lock:
            self._values.update(values)

    def snapshot(self) -> frozenset[str]:
        """Every secret issued so far."""
        with self._lock:
            return frozenset(self._values)
