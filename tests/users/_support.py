"""Shared names and helpers of the user and credential tests."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

from ec_async import Credential, User, UserCreator
from ec_async.emulator import DEMO_PASSWORD, Emulator, Permission
from tests.sync.facades import AnyClient, Facade

__all__ = [
    "ADMIN",
    "ADMIN_PASSWORD",
    "NEW_PASSWORD",
    "USER_PASSWORD",
    "admin_client",
    "client_of",
    "limited_user",
    "new_user",
]

ADMIN = "acme-admin"
ADMIN_PASSWORD = DEMO_PASSWORD
# Both meet Kapua's rules: 12 or more characters, a digit, a lower and an upper
# case letter, and a symbol.
USER_PASSWORD = "Alice-Passw0rd!"
NEW_PASSWORD = "Alice-Newer-Passw0rd?"


def admin_client(
    facade: Facade, emulator: Emulator
) -> contextlib.AbstractContextManager[AnyClient]:
    """acme's administrator, who holds every permission on acme and below."""
    return facade.client(emulator.base_url, username=ADMIN, password=ADMIN_PASSWORD)


def client_of(
    facade: Facade, emulator: Emulator, username: str, **options: Any
) -> contextlib.AbstractContextManager[AnyClient]:
    """A client of ``username`` with ``USER_PASSWORD``, unless options say otherwise."""
    if not options:
        options = {"username": username, "password": USER_PASSWORD}
    return facade.client(emulator.base_url, **options)


def new_user(
    facade: Facade, ec: AnyClient, name: str, *, password: str | None = USER_PASSWORD
) -> tuple[User, Credential | None]:
    """Create a user in the client's account, with a password unless ``None``."""
    user = facade.run(ec.users.create(UserCreator(name=name)))
    credential = None
    if password is not None:
        credential = facade.run(ec.users.credentials(user.id).create_password(password))
    return user, credential


def limited_user(
    emulator: Emulator, name: str, grants: Sequence[tuple[str, str]]
) -> str:
    """A user of acme holding only ``(domain, action)`` grants on acme; its id."""
    acme = emulator.admin.account_id("acme")
    permissions = [
        Permission(domain=domain, action=action, target_scope_id=acme)
        for domain, action in grants
    ]
    return emulator.admin.create_user(acme, name, USER_PASSWORD, permissions)
