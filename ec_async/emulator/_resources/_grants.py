"""Permissions in request and response bodies, checked as Kapua checks them.

A permission names a domain the server knows, an action of that domain, and
a group only for a groupable domain. Granting a permission outside the scope
it is granted in needs the caller to hold that permission itself.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ec_async._guards import is_mapping
from ec_async.emulator._call import Call
from ec_async.emulator._domains import domain_named
from ec_async.emulator._errors import (
    EmptyError,
    entity_not_found,
    illegal_argument,
    illegal_null_argument,
)
from ec_async.emulator._permissions import Grant
from ec_async.emulator._records.access import grant_of
from ec_async.emulator._resources._bodies import bool_field, id_field, text_field
from ec_async.emulator._wire import Field, Kind, compact, row_fields

__all__ = [
    "check_grantable",
    "permission_entity_json",
    "permission_from_body",
    "uniqueness_values",
]

_ENTITY_FIELDS: tuple[Field, ...] = (
    ("id", Kind.ID),
    ("scopeId", Kind.ID),
    ("createdOn", Kind.DATE),
    ("createdBy", Kind.ID),
)


def permission_from_body(value: Any, argument: str) -> Grant:
    """Read a ``permission`` object; a missing one is an illegal null argument."""
    if value is None:
        raise illegal_null_argument(argument)
    if not is_mapping(value):
        raise EmptyError(400)

    return Grant(
        domain=text_field(value, "domain"),
        action=text_field(value, "action"),
        target_scope_id=id_field(value, "targetScopeId"),
        group_id=id_field(value, "groupId"),
        forwardable=bool_field(value, "forwardable"),
    )


def _validate(db: sqlite3.Connection, grant: Grant) -> None:
    """Check the permission names a real domain, action and group."""
    domain = domain_named(grant.domain)
    if grant.domain is not None and domain is None:
        raise illegal_argument("permission.domain", grant.domain)
    known_action = domain is None or grant.action in (None, *domain.actions)
    if not known_action:
        raise illegal_argument("permission.action", grant.action)
    if grant.group_id is None:
        return
    if domain is not None and not domain.groupable:
        raise illegal_argument("permission.groupId", compact(grant.group_id))
    group = db.execute(
        "SELECT 1 FROM access_groups WHERE id = ? AND scope_id IS ?",
        (grant.group_id, grant.target_scope_id),
    ).fetchone()
    if group is None:
        raise entity_not_found("group", grant.group_id)


def check_grantable(call: Call, scope_id: int, grant: Grant) -> None:
    """Refuse a permission the caller may not hand out in ``scope_id``.

    A grant on the scope itself needs only the write permission already
    checked; one on another scope (or on every scope) needs the caller to
    hold it, so nobody grants more than they have.
    """
    if grant.target_scope_id is None or grant.target_scope_id != scope_id:
        call.require_permission(grant)
    with call.context.store.transaction() as db:
        _validate(db, grant)


def permission_entity_json(
    type_name: str, owner: Field, row: sqlite3.Row
) -> dict[str, Any]:
    """Return an AccessPermission or RolePermission as the API writes it."""
    return {
        "type": type_name,
        **row_fields(row, (*_ENTITY_FIELDS, owner)),
        "permission": grant_of(row).to_wire(),
    }


def uniqueness_values(
    scope_id: int, owner: tuple[str, int], grant: Grant
) -> list[tuple[str, object]]:
    """Return the fields Kapua lists when a permission is granted twice."""
    return [
        ("scopeId", scope_id),
        owner,
        ("permission.domain", grant.domain),
        ("permission.action", grant.action),
        ("permission.targetScopeId", grant.target_scope_id),
        ("permission.groupId", grant.group_id),
        ("permission.forwardable", grant.forwardable),
    ]
