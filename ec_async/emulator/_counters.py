"""Counts of what the emulator has seen, for tests to assert on."""

from __future__ import annotations

import collections

import attrs

__all__ = ["EmulatorCounters"]


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
    rejected: collections.Counter[str] = attrs.field(factory=collections.Counter)
    device_requests: collections.Counter[str] = attrs.field(factory=collections.Counter)

    def reject(self, reason: str) -> None:
        """Count one request rejected for ``reason``."""
        self.rejected[reason] += 1

    def device_request(self, device_id: str) -> None:
        """Count one management request that reached the device ``device_id``."""
        self.device_requests[device_id] += 1
