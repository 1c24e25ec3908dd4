"""The emulated operations, one module per Kapua resource group."""

from __future__ import annotations

from ec_async.emulator._call import Route
from ec_async.emulator._resources import (
    accounts,
    authentication,
    device_connections,
    device_events,
    device_management,
    device_operations,
    devices,
    system_info,
)

__all__ = ["ROUTES"]

# Order matters where paths overlap: each module lists its literal paths
# (``_query``, ``_count``) before the ``{id}`` templates that would match them.
ROUTES: tuple[Route, ...] = (
    *authentication.ROUTES,
    *system_info.ROUTES,
    *accounts.ROUTES,
    *devices.ROUTES,
    *device_connections.ROUTES,
    *device_events.ROUTES,
    *device_operations.ROUTES,
    *device_management.ROUTES,
)
