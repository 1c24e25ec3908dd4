"""Everything a request handler may need, shared by one emulator instance."""

from __future__ import annotations

import random

import attrs

from ec_async.emulator._clock import Clock
from ec_async.emulator._config import EmulatorConfig
from ec_async.emulator._counters import EmulatorCounters
from ec_async.emulator._fleet import DeviceFleet
from ec_async.emulator._store import Store
from ec_async.emulator._tokens import TokenSigner

__all__ = ["EmulatorContext"]


@attrs.frozen
class EmulatorContext:
    """The store, settings, clock, counters, signing key and devices of one emulator."""

    store: Store
    config: EmulatorConfig
    clock: Clock
    counters: EmulatorCounters
    signer: TokenSigner
    random: random.Random = attrs.field(factory=random.Random)
    fleet: DeviceFleet = attrs.field(factory=DeviceFleet)
