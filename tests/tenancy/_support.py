"""Who is who in the "minimal" seed, and a client logged in as one of them."""

from __future__ import annotations

import contextlib

from ec_async._ids import decode_compact_id
from ec_async.emulator import DEMO_PASSWORD, SYSTEM_PASSWORD, SYSTEM_USERNAME, Emulator
from tests.sync.facades import AnyClient, Facade

__all__ = [
    "ADMIN",
    "AUDITOR",
    "OBSERVER",
    "OPERATOR",
    "SYSTEM",
    "client_as",
    "decimal",
]

# The tenant acme's users in the seed, each with other permissions.
ADMIN = "acme-admin"  # *:* on acme, forwardable
OPERATOR = "acme-operator"  # role device-reader: device:read on acme only
OBSERVER = "acme-observer"  # account:read on acme, nothing on devices
AUDITOR = "acme-auditor"  # account:read and device:read on acme, forwardable
SYSTEM = SYSTEM_USERNAME


def client_as(
    facade: Facade, emulator: Emulator, username: str
) -> contextlib.AbstractContextManager[AnyClient]:
    """A client of the facade under test, logged in as a seeded user."""
    password = SYSTEM_PASSWORD if username == SYSTEM else DEMO_PASSWORD
    return facade.client(emulator.base_url, username=username, password=password)


def decimal(compact_id: str) -> str:
    """The decimal form of a compact id, as parentAccountPath writes ids."""
    return str(decode_compact_id(compact_id))
