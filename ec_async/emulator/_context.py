"""Everything a request handler may need, shared by one emulator instance."""

from __future__ import annotations

import random

import attrs

from ec_async.emulator._clock import Clock
from ec_async.emulator._config import EmulatorConfig
from ec_async.emulator._counters import EmulatorCounters, IssuedSecrets
from ec_async.emulator._faults import Faults
from ec_async.emulator._fleet import DeviceFleet
from ec_async.emulator._job_engine import JobEngine
from ec_async.emulator._store import Store
from ec_async.emulator._tokens import TokenSigner

__all__ = ["EmulatorContext"]


@attrs.frozen
class EmulatorContext:
    """The store, settings, clock, counters, key, faults, devices and jobs of an emulator."""

    store: Store
    config: EmulatorConfig
    clock: Clock
    counters: EmulatorCounters
    signer: TokenSigner
    random: random.Random = attrs.field(factory=random.Random)
    faults: Faults = attrs.field(factory=Faults)
    issued: IssuedSecrets = attrs.field(factory=IssuedSecrets)
    fleet: DeviceFleet = attrs.field(factory=DeviceFleet)
    jobs: JobEngine = attrs.field(
        default=attrs.Factory(
            lambda self: JobEngine(self.store, self.clock, self.config), takes_self=True
        )
    )
