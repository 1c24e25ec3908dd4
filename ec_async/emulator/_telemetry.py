"""Plausible telemetry history for seeded devices, generated in bulk.

Each device publishes an environment reading every ``interval`` seconds
(temperature and humidity drifting, battery draining, a door now and then)
and a diagnostics message every twelfth time. The same seed gives the same
messages; only the timestamps follow the clock. Rows come out roughly in time
order, which keeps the store's time index cheap to build.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Sequence

import attrs

from ec_async.emulator._records.data import MessageRow

__all__ = ["SENSOR_CHANNEL", "STATUS_CHANNEL", "TelemetryDevice", "telemetry"]

SENSOR_CHANNEL = "sensors/environment"
STATUS_CHANNEL = "diagnostics/status"
_STATUS_EVERY = 12
# Broker and datastore latency between capture and indexing, in ms.
_LATENCY = (5, 400)
_SENSOR_TYPES = (
    ("temperature", "double"),
    ("humidity", "double"),
    ("battery", "integer"),
    ("door_open", "boolean"),
)
_STATUS_TYPES = (("uptime", "long"), ("rssi", "integer"), ("firmware", "string"))


@attrs.frozen
class TelemetryDevice:
    """A device that sends telemetry: its ids and firmware."""

    device_id: int
    client_id: str
    firmware: str


@attrs.define
class _State:
    """What one device's sensors read last."""

    phase: int
    firmware: str
    temperature: float
    humidity: float
    battery: int


def _datastore_id(rng: random.Random) -> str:
    # A version-4 UUID's text, without building a UUID object.
    text = f"{rng.getrandbits(128):032x}"
    return f"{text[:8]}-{text[8:12]}-4{text[13:16]}-a{text[17:20]}-{text[20:]}"


def telemetry(
    rng: random.Random,
    scope_id: int,
    devices: Sequence[TelemetryDevice],
    *,
    now: int,
    hours: float,
    interval: float,
) -> Iterator[MessageRow]:
    """The messages ``devices`` sent over the ``hours`` before ``now`` (epoch ms)."""
    period = max(int(interval * 1000), 1)
    span = int(hours * 3_600_000)
    states = [
        _State(
            phase=rng.randrange(period),
            firmware=json.dumps(device.firmware),
            temperature=rng.uniform(18.0, 28.0),
            humidity=rng.uniform(30.0, 60.0),
            battery=rng.randint(60, 100),
        )
        for device in devices
    ]
    started = now - span
    for sample in range(span // period):
        for device, state in zip(devices, states, strict=True):
            captured = started + state.phase + sample * period
            received = captured + rng.randint(*_LATENCY)
            state.temperature = min(max(state.temperature + rng.gauss(0, 0.3), -20), 60)
            state.humidity = min(max(state.humidity + rng.gauss(0, 0.8), 5), 95)
            if rng.random() < 0.02:
                state.battery = max(state.battery - 1, 0)
            door = "true" if rng.random() < 0.03 else "false"
            yield MessageRow(
                datastore_id=_datastore_id(rng),
                scope_id=scope_id,
                timestamp=received,
                client_id=device.client_id,
                channel=SENSOR_CHANNEL,
                device_id=device.device_id,
                received_on=received,
                sent_on=captured,
                captured_on=captured,
                metrics=(
                    f'[["temperature","double","{state.temperature:.2f}"],'
                    f'["humidity","double","{state.humidity:.1f}"],'
                    f'["battery","integer","{state.battery}"],'
                    f'["door_open","boolean","{door}"]]'
                ),
                metric_types=_SENSOR_TYPES,
            )
            if sample % _STATUS_EVERY:
                continue
            uptime = (captured - started) // 1000 + 3600
            yield MessageRow(
                datastore_id=_datastore_id(rng),
                scope_id=scope_id,
                timestamp=received + 1,
                client_id=device.client_id,
                channel=STATUS_CHANNEL,
                device_id=device.device_id,
                received_on=received + 1,
                sent_on=captured,
                captured_on=captured,
                metrics=(
                    f'[["uptime","long","{uptime}"],'
                    f'["rssi","integer","{rng.randint(-95, -45)}"],'
                    f'["firmware","string",{state.firmware}]]'
                ),
                metric_types=_STATUS_TYPES,
            )
