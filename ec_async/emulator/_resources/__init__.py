"""The emulated operations, one module per Kapua resource group."""

from __future__ import annotations

from ec_async.emulator._call import Route
from ec_async.emulator._resources import (
    access_infos,
    accounts,
    authentication,
    credentials,
    data,
    device_connections,
    device_events,
    device_management,
    device_operations,
    devices,
    domains,
    endpoint_infos,
    groups_tags,
    job_runs,
    job_triggers,
    jobs,
    mfa,
    roles,
    service_configurations,
    system_info,
    user_profile,
    users,
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
    *access_infos.ROUTES,
    *roles.ROUTES,
    *domains.ROUTES,
    *groups_tags.ROUTES,
    *endpoint_infos.ROUTES,
    *service_configurations.ROUTES,
    *user_profile.ROUTES,
    *mfa.ROUTES,
    *credentials.ROUTES,
    *users.ROUTES,
    *device_events.ROUTES,
    *device_operations.ROUTES,
    *device_management.ROUTES,
    *data.ROUTES,
    # The job engine's literal paths (_isRunning, _start) before {jobId} ones.
    *job_runs.ROUTES,
    *jobs.ROUTES,
    *job_triggers.ROUTES,
)
