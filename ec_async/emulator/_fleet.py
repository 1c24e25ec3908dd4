"""How simulated devices behave right now: latency, silence, lost answers.

This is runtime state only (tests change it through ``emulator.admin``); what
a device holds, its configurations and packages, lives in the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any

import attrs

__all__ = ["DeviceBehaviour", "DeviceFleet"]


@attrs.frozen
class DeviceBehaviour:
    """How one device answers management requests.

    ``delay`` overrides the emulator's ``device_response_delay`` (seconds);
    an ``unresponsive`` device never answers, so every request times out;
    ``dropped_answers`` counts answers still to be lost: the device acts, but
    the connection to the caller is reset instead of answering.
    """

    delay: float | None = None
    unresponsive: bool = False
    dropped_answers: int = 0


class DeviceFleet:
    """The behaviour of every simulated device, and their background work.

    Safe to change from any thread; background work (a package download
    running after the request was answered) runs on the emulator's loop and
    is cancelled when the emulator closes.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._behaviours: dict[int, DeviceBehaviour] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def behaviour(self, device_id: int) -> DeviceBehaviour:
        """Return how the device ``device_id`` behaves now."""
        with self._lock:
            return self._behaviours.get(device_id, DeviceBehaviour())

    def change(self, device_id: int, **changes: Any) -> None:
        """Change some of a device's behaviour, keeping the rest."""
        with self._lock:
            current = self._behaviours.get(device_id, DeviceBehaviour())
            self._behaviours[device_id] = attrs.evolve(current, **changes)

    def drop_answers(self, device_id: int, count: int) -> None:
        """Lose the device's next ``count`` answers, on top of those already due."""
        with self._lock:
            current = self._behaviours.get(device_id, DeviceBehaviour())
            self._behaviours[device_id] = attrs.evolve(
                current, dropped_answers=current.dropped_answers + count
            )

    def take_dropped_answer(self, device_id: int) -> bool:
        """Return whether this answer is to be lost, counting it if so."""
        with self._lock:
            current = self._behaviours.get(device_id, DeviceBehaviour())
            if current.dropped_answers < 1:
                return False
            self._behaviours[device_id] = attrs.evolve(
                current, dropped_answers=current.dropped_answers - 1
            )

        return True

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` in the background on the running loop."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        """Cancel the background work still running and wait for it to stop."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
