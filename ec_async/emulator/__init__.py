"""An embedded Eclipse Kapua / Everyware Cloud REST server for tests and demos.

``Emulator`` serves ``/v1`` the way the real server does (authentication,
scopes, permissions, lists and errors) from an SQLite store seeded with
accounts, users and devices, and injects faults (``Fault``) when asked.
"""

from ec_async.emulator._admin import EmulatorAdmin
from ec_async.emulator._config import EmulatorConfig
from ec_async.emulator._counters import EmulatorCounters
from ec_async.emulator._exchange import Exchange, ExchangeObserver
from ec_async.emulator._faults import Fault, Faults
from ec_async.emulator._permissions import Permission
from ec_async.emulator._seed import (
    DEMO_API_KEY,
    DEMO_PASSWORD,
    DEMO_USERNAME,
    NAMED_SEEDS,
    SYSTEM_PASSWORD,
    SYSTEM_USERNAME,
    SeedSpec,
)
from ec_async.emulator._server import Emulator

__all__ = [
    "DEMO_API_KEY",
    "DEMO_PASSWORD",
    "DEMO_USERNAME",
    "NAMED_SEEDS",
    "SYSTEM_PASSWORD",
    "SYSTEM_USERNAME",
    "Emulator",
    "EmulatorAdmin",
    "EmulatorConfig",
    "EmulatorCounters",
    "Exchange",
    "ExchangeObserver",
    "Fault",
    "Faults",
    "Permission",
    "SeedSpec",
]
