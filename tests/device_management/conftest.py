"""Fixtures for device management: a spec-checked emulator and gateways in it."""

from __future__ import annotations

import contextlib

import pytest

from ec_async.emulator import DEMO_PASSWORD, Emulator
from tests.sync.facades import AnyClient, Facade

__all__ = ["ADMIN", "admin_client", "new_gateway"]

ADMIN = "acme-admin"


@pytest.fixture
def emulator(served: Emulator) -> Emulator:
    """A fresh "minimal" emulator on its own thread, every exchange spec-checked."""
    return served


def new_gateway(emulator: Emulator, client_id: str, *, connected: bool = True) -> str:
    """A new gateway in acme; connected ones have announced themselves (BIRTH)."""
    admin = emulator.admin
    device_id = admin.create_device(admin.account_id("acme"), client_id, connected=None)
    if connected:
        admin.connect_device(device_id)
    else:
        admin.connect_device(device_id)
        admin.disconnect_device(device_id)

    return device_id


def admin_client(
    facade: Facade, emulator: Emulator, **options: object
) -> contextlib.AbstractContextManager[AnyClient]:
    """acme's admin, through the facade under test."""
    return facade.client(
        emulator.base_url, username=ADMIN, password=DEMO_PASSWORD, **options
    )
