"""Settings of one emulator instance: token lifetimes, login policy, clock, latency."""

from __future__ import annotations

import attrs

from ec_async.emulator._faults import Fault

__all__ = ["EmulatorConfig"]


@attrs.frozen
class EmulatorConfig:
    """How an emulator behaves; the defaults are the Kapua server's defaults.

    Durations are in seconds. ``failed_login_delay`` is the upper bound of the
    random pause before a failed login is answered (Kapua waits 0 to 1 s), and
    ``clock_offset`` is added to the emulator's notion of now, to simulate a
    server whose clock differs from the client's. ``faults`` are injected
    from the start, drawn with ``fault_seed`` (``Emulator.faults`` changes
    them while it runs). ``password_min_length`` is Kapua's system-wide
    minimum (``...userpass.password.minlength``). ``device_response_delay``
    is how long a simulated device takes to answer a management request;
    ``job_target_delay`` how long a job step takes on each target.
    Every request is held for ``latency`` seconds plus a random share of
    ``latency_jitter`` before it is handled, to simulate a distant server.
    """

    access_token_ttl: float = 1800.0
    refresh_token_ttl: float = 18000.0
    failed_login_delay: float = 1.0
    lockout_max_failures: int = 3
    lockout_reset_after: float = 3600.0
    lockout_duration: float = 10800.0
    clock_offset: float = 0.0
    faults: tuple[Fault, ...] = ()
    fault_seed: int = 0
    password_min_length: int = 12
    device_response_delay: float = 0.05
    job_target_delay: float = 0.01
    latency: float = 0.0
    latency_jitter: float = 0.0

    def __attrs_post_init__(self) -> None:
        for name in ("latency", "latency_jitter"):
            if getattr(self, name) < 0:
                msg = f"EmulatorConfig.{name} must not be negative"
                raise ValueError(msg)
