"""Shared constants and small helpers of the sync facade's tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from ec_async.emulator import DEMO_PASSWORD, Emulator, EmulatorConfig

__all__ = [
    "ADMIN",
    "FAST",
    "LOOP_THREAD",
    "PASSWORD",
    "eventually",
    "fleet",
    "loop_threads",
]

# The real server's settings, minus the random pause after a failed login.
FAST = EmulatorConfig(failed_login_delay=0)
ADMIN = "acme-admin"
PASSWORD = DEMO_PASSWORD
LOOP_THREAD = "ec_sync.Client event loop"


def loop_threads() -> list[threading.Thread]:
    """The private loop threads of every ec_sync client alive in this process."""
    return [thread for thread in threading.enumerate() if thread.name == LOOP_THREAD]


def eventually(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Whether ``condition`` holds within ``timeout`` seconds, polling it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def fleet(emulator: Emulator, name: str, size: int) -> tuple[str, list[str]]:
    """A new child account of acme holding ``size`` devices; its id and client ids.

    Devices at even positions are connected, the others disconnected.
    """
    admin = emulator.admin
    scope_id = admin.create_account(admin.account_id("acme"), name)
    client_ids = [f"{name}-{index:02d}" for index in range(size)]
    for index, client_id in enumerate(client_ids):
        admin.create_device(scope_id, client_id, connected=index % 2 == 0)
    return scope_id, client_ids
