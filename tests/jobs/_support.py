"""Fleets and jobs for the job tests."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from ec_async import JobCreator, JobStepCreator, StepProperty
from ec_async.emulator import DEMO_PASSWORD, Emulator, EmulatorConfig
from tests.sync.facades import AnyClient, Facade

__all__ = [
    "ADMIN",
    "COMMAND",
    "PASSWORD",
    "SLOW",
    "build_job",
    "eventually",
    "fleet",
]

ADMIN = "acme-admin"
PASSWORD = DEMO_PASSWORD
# Slow enough that a 10-device job is seen running for a while.
SLOW = EmulatorConfig(failed_login_delay=0, job_target_delay=0.05)
COMMAND = (
    '<?xml version="1.0" encoding="UTF-8"?><commandInput>'
    "<command>uptime</command><timeout>10000</timeout></commandInput>"
)


def fleet(
    emulator: Emulator, name: str, size: int, offline: Sequence[int] = ()
) -> tuple[str, list[str]]:
    """A child account of acme with ``size`` devices; its id and the device ids.

    Devices at the ``offline`` positions are disconnected, the others connected.
    """
    admin = emulator.admin
    scope_id = admin.create_account(admin.account_id("acme"), name)
    device_ids = [
        admin.create_device(
            scope_id, f"{name}-{index:02d}", connected=index not in offline
        )
        for index in range(size)
    ]
    return scope_id, device_ids


def build_job(
    facade: Facade,
    ec: AnyClient,
    scope_id: str,
    name: str,
    device_ids: Sequence[str],
    *,
    steps: int = 1,
) -> str:
    """A job running ``steps`` command steps on the devices; its id."""
    jobs = ec.scope(scope_id).jobs
    job = facade.run(jobs.create(JobCreator(name=name, description="test job")))
    definitions = ec.scope(scope_id).job_step_definitions
    command = facade.run(definitions.find("Command Execution"))
    for index in range(steps):
        facade.run(
            jobs.steps(job.id).create(
                JobStepCreator(
                    name=f"command {index}",
                    job_step_definition_id=command.id,
                    step_properties=[
                        StepProperty(name="commandInput", property_value=COMMAND)
                    ],
                )
            )
        )
    facade.run(jobs.targets(job.id).add_devices(device_ids))
    return job.id


def eventually(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Whether ``condition`` holds within ``timeout`` seconds, polling it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()
