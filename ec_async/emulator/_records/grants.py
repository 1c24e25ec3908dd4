"""Permission rows of access infos and roles, and the links between them.

Access permissions and role permissions share one shape (a permission and its
owner); access roles link an access info to a role. Deleting an owner takes
its rows with it, as Kapua's services do.
"""

from __future__ import annotations

import sqlite3

import attrs

from ec_async.emulator._permissions import Grant

__all__ = [
    "ACCESS_PERMISSIONS",
    "ROLE_PERMISSIONS",
    "PermissionTable",
    "delete_access_info",
    "delete_role_links",
    "find_access_info_in",
    "find_permission",
    "insert_access_role",
    "insert_permission",
    "permission_taken",
]


@attrs.frozen
class PermissionTable:
    """A table of permissions and the column naming their owner."""

    name: str
    owner_column: str


ACCESS_PERMISSIONS = PermissionTable("access_permissions", "access_info_id")
ROLE_PERMISSIONS = PermissionTable("role_permissions", "role_id")


def insert_permission(
    db: sqlite3.Connection,
    table: PermissionTable,
    *,
    permission_id: int,
    scope_id: int,
    owner_id: int,
    grant: Grant,
    now: int,
    by: int | None,
) -> None:
    """Store one permission of an access info or a role."""
    db.execute(
        f"INSERT INTO {table.name} (id, scope_id, {table.owner_column}, domain,"
        " action, target_scope_id, group_id, forwardable, created_on, created_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            permission_id,
            scope_id,
            owner_id,
            grant.domain,
            grant.action,
            grant.target_scope_id,
            grant.group_id,
            int(grant.forwardable),
            now,
            by,
        ),
    )


def permission_taken(
    db: sqlite3.Connection,
    table: PermissionTable,
    scope_id: int,
    owner_id: int,
    grant: Grant,
) -> bool:
    """Return whether the owner holds exactly this permission already."""
    row = db.execute(
        f"SELECT 1 FROM {table.name} WHERE scope_id = ? AND {table.owner_column} = ?"
        " AND domain IS ? AND action IS ? AND target_scope_id IS ? AND group_id IS ?"
        " AND forwardable = ?",
        (
            scope_id,
            owner_id,
            grant.domain,
            grant.action,
            grant.target_scope_id,
            grant.group_id,
            int(grant.forwardable),
        ),
    ).fetchone()

    return row is not None


def find_permission(
    db: sqlite3.Connection,
    table: PermissionTable,
    scope_id: int,
    owner_id: int,
    permission_id: int,
) -> sqlite3.Row | None:
    """Return one permission of an owner in a scope."""
    row: sqlite3.Row | None = db.execute(
        f"SELECT * FROM {table.name} WHERE id = ? AND scope_id = ?"
        f" AND {table.owner_column} = ?",
        (permission_id, scope_id, owner_id),
    ).fetchone()

    return row


def find_access_info_in(
    db: sqlite3.Connection, scope_id: int, access_info_id: int
) -> sqlite3.Row | None:
    """Return the access info with this id in this scope."""
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM access_infos WHERE id = ? AND scope_id = ?",
        (access_info_id, scope_id),
    ).fetchone()

    return row


def insert_access_role(
    db: sqlite3.Connection,
    *,
    access_role_id: int,
    scope_id: int,
    access_info_id: int,
    role_id: int,
    now: int,
    by: int | None,
) -> None:
    """Link an access info to a role."""
    db.execute(
        "INSERT INTO access_roles (id, scope_id, access_info_id, role_id, created_on,"
        " created_by) VALUES (?, ?, ?, ?, ?, ?)",
        (access_role_id, scope_id, access_info_id, role_id, now, by),
    )


def delete_access_info(db: sqlite3.Connection, access_info_id: int) -> None:
    """Delete an access info with its permissions and role links."""
    db.execute(
        "DELETE FROM access_permissions WHERE access_info_id = ?", (access_info_id,)
    )
    db.execute("DELETE FROM access_roles WHERE access_info_id = ?", (access_info_id,))
    db.execute("DELETE FROM access_infos WHERE id = ?", (access_info_id,))


def delete_role_links(db: sqlite3.Connection, role_id: int) -> None:
    """Delete a role's permissions and every access info's link to it."""
    db.execute("DELETE FROM role_permissions WHERE role_id = ?", (role_id,))
    db.execute("DELETE FROM access_roles WHERE role_id = ?", (role_id,))
