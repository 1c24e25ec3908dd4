"""The emulator's clock: wall time plus an offset tests can move forward."""

from __future__ import annotations

import threading
import time

__all__ = ["Clock"]


class Clock:
    """Now, as the emulated server sees it, in epoch milliseconds."""

    def __init__(self, offset: float = 0.0) -> None:
        self._offset = offset
        self._lock = threading.Lock()

    def now_ms(self) -> int:
        """Return the current emulated time in milliseconds since the epoch."""
        with self._lock:
            offset = self._offset

        return int((time.time() + offset) * 1000)

    def advance(self, seconds: float) -> None:
        """Move the emulated time forward (or back, if negative)."""
        with self._lock:
            self._offset += seconds
