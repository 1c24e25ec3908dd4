"""Building stored-data histories in an emulator for the data tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from ec_async import DataMessage, DataPayload, MetricValue
from ec_async.emulator import DEMO_PASSWORD, Emulator

__all__ = ["ADMIN", "BASE", "PASSWORD", "at", "devices_account", "message"]

ADMIN = "acme-admin"
PASSWORD = DEMO_PASSWORD
BASE = dt.datetime(2024, 3, 1, 12, 0, tzinfo=dt.UTC)


def at(milliseconds: int) -> dt.datetime:
    """The moment ``milliseconds`` after BASE."""
    return BASE + dt.timedelta(milliseconds=milliseconds)


def devices_account(emulator: Emulator, name: str, size: int) -> tuple[str, list[str]]:
    """A new child account of acme with ``size`` connected devices; id, client ids."""
    admin = emulator.admin
    scope_id = admin.create_account(admin.account_id("acme"), name)
    clients = [f"{name}-{index:02d}" for index in range(size)]
    for client_id in clients:
        admin.create_device(scope_id, client_id)
    return scope_id, clients


def message(
    client_id: str,
    milliseconds: int,
    metrics: Mapping[str, MetricValue] | None = None,
    *,
    channel: str = "sensors/env",
) -> DataMessage:
    """A message as the broker would store it, ``milliseconds`` after BASE."""
    return DataMessage(
        client_id=client_id,
        channel=channel,
        timestamp=at(milliseconds),
        captured_on=at(milliseconds),
        payload=DataPayload.of(metrics or {}),
    )


def spread(
    clients: Sequence[str], stamps: Sequence[int], metrics: Mapping[str, MetricValue]
) -> list[DataMessage]:
    """One message per timestamp, the clients taking turns."""
    return [
        message(clients[index % len(clients)], stamp, metrics)
        for index, stamp in enumerate(stamps)
    ]
