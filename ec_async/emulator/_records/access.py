"""Access infos: a user's direct permissions and roles, and checking them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from ec_async.emulator._permissions import Grant
from ec_async.emulator._records._rows import RowLike, audit

__all__ = [
    "access_permission_rows",
    "add_access_permissions",
    "add_access_role",
    "add_role",
    "create_access_info",
    "find_access_info",
    "grant_of",
    "grants_of_user",
    "role_permission_rows",
]


def create_access_info(
    db: sqlite3.Connection, *, access_info_id: int, user: RowLike, now: int
) -> sqlite3.Row:
    """Give a user the one AccessInfo every Kapua user has, and return it."""
    columns = {
        "id": access_info_id,
        "scope_id": user["scope_id"],
        "user_id": user["id"],
        **audit(now, user["created_by"]),
    }
    db.execute(
        "INSERT INTO access_infos (id, scope_id, user_id, created_on, created_by,"
        " modified_on, modified_by, optlock) VALUES (:id, :scope_id, :user_id,"
        " :created_on, :created_by, :modified_on, :modified_by, :optlock)",
        columns,
    )
    access_info = find_access_info(db, user["id"])
    if access_info is None:
        msg = "the access info just inserted is missing"
        raise RuntimeError(msg)

    return access_info


def find_access_info(db: sqlite3.Connection, user_id: int) -> sqlite3.Row | None:
    """Return the user's AccessInfo."""
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM access_infos WHERE user_id = ?", (user_id,)
    ).fetchone()

    return row


def _permission_values(
    ids: Iterable[int], owner_id: int, scope_id: int, grants: Iterable[Grant], now: int
) -> list[tuple[object, ...]]:
    return [
        (
            entity_id,
            scope_id,
            owner_id,
            grant.domain,
            grant.action,
            grant.target_scope_id,
            grant.group_id,
            int(grant.forwardable),
            now,
            None,
        )
        for entity_id, grant in zip(ids, grants, strict=True)
    ]


def add_access_permissions(
    db: sqlite3.Connection,
    *,
    ids: Iterable[int],
    access_info: sqlite3.Row,
    grants: Iterable[Grant],
    now: int,
) -> None:
    """Attach direct permissions to an AccessInfo."""
    db.executemany(
        "INSERT INTO access_permissions (id, scope_id, access_info_id, domain, action,"
        " target_scope_id, group_id, forwardable, created_on, created_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        _permission_values(
            ids, access_info["id"], access_info["scope_id"], grants, now
        ),
    )


def add_role(
    db: sqlite3.Connection,
    *,
    role_id: int,
    scope_id: int,
    name: str,
    permission_ids: Iterable[int],
    grants: Iterable[Grant],
    now: int,
) -> None:
    """Create a role holding ``grants``."""
    db.execute(
        "INSERT INTO roles (id, scope_id, name, created_on, created_by, modified_on,"
        " modified_by, optlock) VALUES (?, ?, ?, ?, NULL, ?, NULL, 1)",
        (role_id, scope_id, name, now, now),
    )
    db.executemany(
        "INSERT INTO role_permissions (id, scope_id, role_id, domain, action,"
        " target_scope_id, group_id, forwardable, created_on, created_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        _permission_values(permission_ids, role_id, scope_id, grants, now),
    )


def add_access_role(
    db: sqlite3.Connection,
    *,
    access_role_id: int,
    access_info: sqlite3.Row,
    role_id: int,
    now: int,
) -> None:
    """Give an AccessInfo a role."""
    db.execute(
        "INSERT INTO access_roles (id, scope_id, access_info_id, role_id, created_on)"
        " VALUES (?, ?, ?, ?, ?)",
        (access_role_id, access_info["scope_id"], access_info["id"], role_id, now),
    )


def access_permission_rows(db: sqlite3.Connection, user_id: int) -> list[sqlite3.Row]:
    """Return the user's direct AccessPermissions."""
    return db.execute(
        "SELECT p.* FROM access_permissions p"
        " JOIN access_infos i ON i.id = p.access_info_id"
        " WHERE i.user_id = ? ORDER BY p.id",
        (user_id,),
    ).fetchall()


def role_permission_rows(db: sqlite3.Connection, user_id: int) -> list[sqlite3.Row]:
    """Return the RolePermissions of every role the user holds."""
    return db.execute(
        "SELECT p.* FROM role_permissions p"
        " JOIN access_roles r ON r.role_id = p.role_id"
        " JOIN access_infos i ON i.id = r.access_info_id"
        " WHERE i.user_id = ? ORDER BY p.id",
        (user_id,),
    ).fetchall()


def grant_of(row: sqlite3.Row) -> Grant:
    """Return the permission an AccessPermission or RolePermission row holds."""
    return Grant(
        domain=row["domain"],
        action=row["action"],
        target_scope_id=row["target_scope_id"],
        group_id=row["group_id"],
        forwardable=bool(row["forwardable"]),
    )


def grants_of_user(db: sqlite3.Connection, user_id: int) -> list[Grant]:
    """Return every permission the user holds, directly or through roles."""
    rows = [*access_permission_rows(db, user_id), *role_permission_rows(db, user_id)]

    return [grant_of(row) for row in rows]
