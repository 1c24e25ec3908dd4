"""Service configurations per account, and the resource limits they set.

Each configurable service has a definition (its attributes, types and
defaults); an account's stored values override the defaults. The
resource-limited services cap how many entities an account may hold: its
``maxNumberChildEntities`` less what it uses and what it handed to its child
accounts, unless ``infiniteChildEntities`` is set, as Kapua's
``ResourceLimitedServiceConfigurationManagerImpl`` computes it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any

import attrs

from ec_async.emulator._errors import KapuaError, max_items_reached
from ec_async.emulator._records._rows import audit
from ec_async.emulator._records.accounts import find_account
from ec_async.emulator._wire import compact

__all__ = [
    "ACCOUNT_SERVICE",
    "COMPONENTS",
    "CREDENTIAL_SERVICE",
    "DEVICE_REGISTRY_SERVICE",
    "GROUP_SERVICE",
    "INFINITE",
    "JOB_SERVICE",
    "LIMITED_SERVICES",
    "ROLE_SERVICE",
    "TAG_SERVICE",
    "UNLIMITED",
    "USER_SERVICE",
    "AttributeDefinition",
    "Component",
    "allowed_entities",
    "check_allowed_entities",
    "check_coherence",
    "config_values",
    "format_value",
    "limit_exceeded",
    "parent_limit_exceeded",
    "parse_value",
    "store_config_values",
]

# What Kapua's allowedChildEntities returns for an unlimited scope.
UNLIMITED = 2**31 - 1

ACCOUNT_SERVICE = "org.eclipse.kapua.service.account.AccountService"
CREDENTIAL_SERVICE = (
    "org.eclipse.kapua.service.authentication.credential.CredentialService"
)
DEVICE_REGISTRY_SERVICE = (
    "org.eclipse.kapua.service.device.registry.DeviceRegistryService"
)
GROUP_SERVICE = "org.eclipse.kapua.service.authorization.group.GroupService"
JOB_SERVICE = "org.eclipse.kapua.service.job.JobService"
ROLE_SERVICE = "org.eclipse.kapua.service.authorization.role.RoleService"
TAG_SERVICE = "org.eclipse.kapua.service.tag.TagService"
USER_SERVICE = "org.eclipse.kapua.service.user.UserService"


@attrs.frozen
class AttributeDefinition:
    """One configuration property of a service (an OSGi metatype AD)."""

    id: str
    name: str
    type: str
    description: str
    default: str | None
    required: bool = True
    min: str | None = None
    max: str | None = None

    def to_wire(self) -> dict[str, Any]:
        """Return the AD as the server lists it in a definition."""
        wire: dict[str, Any] = {
            "Option": [],
            "cardinality": 0,
            "default": self.default,
            "description": self.description,
            "id": self.id,
            "max": self.max,
            "min": self.min,
            "name": self.name,
            "required": self.required,
            "type": self.type,
        }
        return {key: value for key, value in wire.items() if value is not None}


@attrs.frozen
class Component:
    """A configurable service: its pid, domain, attributes and what it counts."""

    pid: str
    name: str
    domain: str
    icon: str
    attributes: tuple[AttributeDefinition, ...]
    # The table whose rows in a scope are the entities the limit caps.
    counted_table: str | None = None
    # How Kapua names the entities in MAX_NUMBER_OF_ITEMS_REACHED.
    entity_label: str = ""

    @property
    def description(self) -> str:
        """Return the definition's description, as Kapua's metatypes word it."""
        return f"This is the configuration for the kapua {self.name}. "

    def attribute(self, attribute_id: str) -> AttributeDefinition | None:
        """Return the attribute with this id, if the service defines one."""
        for attribute in self.attributes:
            if attribute.id == attribute_id:
                return attribute
        return None


def _limits(noun: str) -> tuple[AttributeDefinition, ...]:
    title = noun[:1].upper() + noun[1:]
    return (
        AttributeDefinition(
            id="infiniteChildEntities",
            name=f"infiniteChild{title}",
            type="Boolean",
            description=f"Whether to allow infinite {noun} for this account or not.",
            default="false",
        ),
        AttributeDefinition(
            id="maxNumberChildEntities",
            name=f"maxNumberChild{title}",
            type="Integer",
            description=f"Maximum number of {noun} that are allowed to be created for"
            f" this account. Valid if infiniteChild{title} set to false.",
            default="0",
            min="0",
        ),
    )


def _limited(
    pid: str, domain: str, noun: str, table: str, label: str, icon: str
) -> Component:
    name = pid.rsplit(".", 1)[-1]
    return Component(
        pid=pid,
        name=name,
        domain=domain,
        icon=f"OSGI-INF/{icon}",
        attributes=_limits(noun),
        counted_table=table,
        entity_label=label,
    )


_LOCKOUT = (
    AttributeDefinition(
        "lockoutPolicy.enabled",
        "lockoutPolicy.enabled",
        "Boolean",
        "User lockout policy enable.",
        "true",
    ),
    AttributeDefinition(
        "lockoutPolicy.maxFailures",
        "lockoutPolicy.maxFailures",
        "Integer",
        "Number of consecutive login failures before the user gets locked. Valid if"
        " lockout policy is enabled.",
        "3",
        min="0",
    ),
    AttributeDefinition(
        "lockoutPolicy.resetAfter",
        "lockoutPolicy.resetAfter",
        "Integer",
        "The amount of time in seconds required after the last login failure to"
        " automatically reset the failure counter.",
        "3600",
        min="0",
    ),
    AttributeDefinition(
        "lockoutPolicy.lockDuration",
        "lockoutPolicy.lockDuration",
        "Integer",
        "For a locked user the amount of time in seconds required after the last"
        " login failure to automatically unlock the user.",
        "10800",
        min="0",
    ),
    AttributeDefinition(
        "password.minLength",
        "password.minLength",
        "Integer",
        "The minimum length of passwords; empty means the system default (12).",
        None,
        required=False,
        min="12",
        max="255",
    ),
)

COMPONENTS: Mapping[str, Component] = {
    component.pid: component
    for component in (
        _limited(
            ACCOUNT_SERVICE,
            "account",
            "child accounts",
            "accounts",
            "Accounts",
            "account-service.png",
        ),
        Component(
            pid=CREDENTIAL_SERVICE,
            name="CredentialService",
            domain="credential",
            icon="OSGI-INF/user-service.png",
            attributes=_LOCKOUT,
        ),
        _limited(
            DEVICE_REGISTRY_SERVICE,
            "device",
            "devices",
            "devices",
            "Devices",
            "device-service.png",
        ),
        _limited(
            GROUP_SERVICE, "group", "groups", "access_groups", "Groups", "group.png"
        ),
        _limited(JOB_SERVICE, "job", "jobs", "jobs", "Jobs", "job-service.png"),
        _limited(ROLE_SERVICE, "role", "roles", "roles", "Roles", "role.png"),
        _limited(TAG_SERVICE, "tag", "tags", "tags", "Tags", "tag.png"),
        _limited(USER_SERVICE, "user", "users", "users", "Users", "user-service.png"),
    )
}

LIMITED_SERVICES = tuple(
    pid for pid, component in COMPONENTS.items() if component.counted_table
)

# The values an unlimited account stores for every limited service.
INFINITE: Mapping[str, Any] = {
    "infiniteChildEntities": True,
    "maxNumberChildEntities": 0,
}


def parse_value(attribute_type: str, text: str) -> Any:
    """Return a property's text as the typed value Kapua reads it as.

    Raises ``ValueError`` when the text does not fit the type.
    """
    if attribute_type == "Boolean":
        lowered = text.strip().lower()
        if lowered not in {"true", "false"}:
            msg = f"{text!r} is not a Boolean"
            raise ValueError(msg)
        return lowered == "true"
    if attribute_type in {"Integer", "Long", "Short", "Byte"}:
        return int(text.strip())
    if attribute_type in {"Double", "Float"}:
        return float(text.strip())
    return text


def format_value(value: Any) -> str:
    """Return a typed value as the text a property carries."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _stored(db: sqlite3.Connection, scope_id: int, pid: str) -> dict[str, Any] | None:
    row = db.execute(
        "SELECT properties FROM service_configs WHERE scope_id = ? AND pid = ?",
        (scope_id, pid),
    ).fetchone()
    if row is None:
        return None
    stored: dict[str, Any] = json.loads(row["properties"])

    return stored


def config_values(db: sqlite3.Connection, scope_id: int, pid: str) -> dict[str, Any]:
    """Return a scope's values of a service: stored ones, else the defaults."""
    component = COMPONENTS[pid]
    stored = _stored(db, scope_id, pid) or {}
    values: dict[str, Any] = {}
    for attribute in component.attributes:
        if attribute.id in stored:
            values[attribute.id] = stored[attribute.id]
        elif attribute.default is not None:
            values[attribute.id] = parse_value(attribute.type, attribute.default)
        else:
            values[attribute.id] = None

    return values


def store_config_values(
    db: sqlite3.Connection,
    *,
    scope_id: int,
    pid: str,
    values: Mapping[str, Any],
    config_id: int,
    now: int,
    by: int | None,
) -> None:
    """Write a scope's values of a service, replacing what was stored."""
    properties = json.dumps(
        {name: value for name, value in values.items() if value is not None}
    )
    updated = db.execute(
        "UPDATE service_configs SET properties = ?, modified_on = ?, modified_by = ?,"
        " optlock = optlock + 1 WHERE scope_id = ? AND pid = ?",
        (properties, now, by, scope_id, pid),
    ).rowcount
    if updated:
        return
    columns = {
        "id": config_id,
        "scope_id": scope_id,
        "pid": pid,
        "properties": properties,
        **audit(now, by),
    }
    db.execute(
        "INSERT INTO service_configs (id, scope_id, pid, properties, created_on,"
        " created_by, modified_on, modified_by, optlock) VALUES (:id, :scope_id,"
        " :pid, :properties, :created_on, :created_by, :modified_on, :modified_by,"
        " :optlock)",
        columns,
    )


def _table_exists(db: sqlite3.Connection, table: str) -> bool:
    row = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    return row is not None


def _used(db: sqlite3.Connection, component: Component, scope_id: int) -> int:
    table = component.counted_table
    # Jobs live in another part of the emulator; without it a scope has none.
    if table is None or not _table_exists(db, table):
        return 0
    row = db.execute(f"SELECT COUNT(*) FROM {table} WHERE scope_id = ?", (scope_id,))

    return int(row.fetchone()[0])


def _allowance(values: Mapping[str, Any]) -> int:
    if values.get("infiniteChildEntities"):
        return UNLIMITED
    maximum = values.get("maxNumberChildEntities")

    return maximum if isinstance(maximum, int) else 0


def allowed_entities(
    db: sqlite3.Connection,
    scope_id: int,
    pid: str,
    *,
    excluded_child: int | None = None,
    values: Mapping[str, Any] | None = None,
) -> int:
    """Return how many more entities ``scope_id`` may create under ``pid``.

    Negative when the scope is over its limit. ``values`` checks a proposed
    configuration instead of the stored one; ``excluded_child`` leaves one
    child account's allowance out (the one being reconfigured).
    """
    component = COMPONENTS[pid]
    current = values if values is not None else config_values(db, scope_id, pid)
    if current.get("infiniteChildEntities"):
        return UNLIMITED

    children = db.execute(
        "SELECT id FROM accounts WHERE scope_id = ?", (scope_id,)
    ).fetchall()
    handed_out = sum(
        _allowance(config_values(db, child["id"], pid))
        for child in children
        if child["id"] != excluded_child
    )

    return _allowance(current) - _used(db, component, scope_id) - handed_out


def check_allowed_entities(db: sqlite3.Connection, scope_id: int, pid: str) -> None:
    """Refuse a create in ``scope_id`` once its limit is reached (Kapua's 500)."""
    if allowed_entities(db, scope_id, pid) <= 0:
        raise max_items_reached(COMPONENTS[pid].entity_label)


def limit_exceeded(pid: str, scope_id: int, by: int) -> KapuaError:
    """Return the 400 for a configuration below what the account already uses."""
    return KapuaError(
        400,
        "LIMIT_EXCEEDED",
        f"The maximum of resources for the {pid} service for the account {scope_id}"
        f" has been exceeded. The resource limit is exceeded by {by}.",
        type_name="serviceConfigurationLimitExceededExceptionInfo",
        fields={"servicePid": pid, "scopeId": compact(scope_id), "limitExceededBy": by},
    )


def parent_limit_exceeded(pid: str, parent_id: int, by: int) -> KapuaError:
    """Return the 400 for a configuration asking more than the parent can give."""
    return KapuaError(
        400,
        "PARENT_LIMIT_EXCEEDED",
        f"The maximum of resources for the {pid} service for the parent account"
        f" {parent_id} has been exceeded. The resource limit is exceeded by {by}.",
        type_name="serviceConfigurationParentLimitExceededExceptionInfo",
        fields={
            "servicePid": pid,
            "parentScopeId": compact(parent_id),
            "limitExceededBy": by,
        },
    )


def check_coherence(
    db: sqlite3.Connection, scope_id: int, pid: str, values: Mapping[str, Any]
) -> None:
    """Refuse new limits the account, or its parent, cannot honour."""
    if not COMPONENTS[pid].counted_table:
        return
    available = allowed_entities(db, scope_id, pid, values=values)
    if available < 0:
        raise limit_exceeded(pid, scope_id, -available)

    account = find_account(db, scope_id)
    parent_id = None if account is None else account["scope_id"]
    if parent_id is None:
        return
    parent_available = allowed_entities(db, parent_id, pid, excluded_child=scope_id)
    if parent_available - available < 0:
        raise parent_limit_exceeded(pid, parent_id, available - parent_available)
