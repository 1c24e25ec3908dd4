"""The emulated operations, one module per Kapua resource group."""

from __future__ import annotations

from ec_async.emulator._call import Route
from ec_async.emulator._resources import (
    accounts,
    authentication,
    data,
    device_connections,
    devices,
    job_runs,
    job_triggers,
    jobs,
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
    *data.ROUTES,
    # The job engine's literal paths (_isRunning, _start) before {jobId} ones.
    *job_runs.ROUTES,
    *jobs.ROUTES,
    *job_triggers.ROUTES,
)
