"""Kapua's permission domains: their actions, and which of them take groups.

The server registers these at start-up and lists them at
``/{scopeId}/domains``; a permission naming a groupable domain may be limited
to one group, the other domains ignore a permission's group.
"""

from __future__ import annotations

import datetime
import json

import attrs

__all__ = [
    "ANY_ID",
    "DOMAINS",
    "REGISTERED_ON",
    "DomainEntry",
    "domain_named",
    "domain_rows_sql",
    "is_groupable",
]

# KapuaId.ANY (and Group.ANY): -1, written "_w". A check asking for it is
# satisfied by a grant on any scope (or group).
ANY_ID = -1

_READ_WRITE_DELETE = ("read", "write", "delete")


@attrs.frozen
class DomainEntry:
    """One domain: its name, the actions a permission may name, groupability."""

    id: int
    name: str
    actions: tuple[str, ...]
    groupable: bool


def _entries() -> tuple[DomainEntry, ...]:
    special = {
        "broker": (("connect",), False),
        "device": (_READ_WRITE_DELETE, True),
        "device_management": ((*_READ_WRITE_DELETE, "execute"), True),
        "job": ((*_READ_WRITE_DELETE, "execute"), False),
        "stream": (("write",), False),
    }
    names = (
        "access_info",
        "access_token",
        "account",
        "broker",
        "certificate",
        "credential",
        "datastore",
        "device",
        "device_connection",
        "device_event",
        "device_lifecycle",
        "device_management",
        "device_management_registry",
        "domain",
        "endpoint_info",
        "event_store",
        "group",
        "job",
        "role",
        "scheduler",
        "stream",
        "tag",
        "user",
    )
    return tuple(
        DomainEntry(position, name, *special.get(name, (_READ_WRITE_DELETE, False)))
        for position, name in enumerate(names, start=1)
    )


DOMAINS: tuple[DomainEntry, ...] = _entries()
_BY_NAME = {entry.name: entry for entry in DOMAINS}

# When the emulated build registered its domains (the reference's commit date).
REGISTERED_ON = round(
    datetime.datetime(2024, 10, 17, tzinfo=datetime.UTC).timestamp() * 1000
)


def domain_named(name: str | None) -> DomainEntry | None:
    """Return the domain called ``name``, if the server has one."""
    return None if name is None else _BY_NAME.get(name)


def is_groupable(name: str | None) -> bool:
    """Return whether permissions of this domain may be limited to a group."""
    entry = domain_named(name)
    return entry is not None and entry.groupable


def domain_rows_sql() -> str:
    """Return the INSERTs that register every domain in a fresh store."""
    values = ",\n    ".join(
        f"({entry.id}, '{entry.name}', '{json.dumps(list(entry.actions))}',"
        f" {int(entry.groupable)}, {REGISTERED_ON})"
        for entry in DOMAINS
    )
    return (
        "INSERT OR IGNORE INTO domains (id, name, actions, groupable, created_on)"
        f" VALUES\n    {values};\n"
    )
