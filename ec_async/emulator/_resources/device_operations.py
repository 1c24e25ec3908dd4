"""Device management operations and their notifications, as the registry keeps them.

``/{scopeId}/devices/{deviceId}/operations[/{operationId}/notifications]``:
database entities, so they answer whether the device is connected or not.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from aiohttp import web

from ec_async.emulator._call import Call, Route
from ec_async.emulator._errors import entity_not_found
from ec_async.emulator._listing import (
    Filter,
    ListQuery,
    Table,
    count_result,
    count_rows,
    fetch_page,
    list_query_from_body,
    list_query_from_params,
    list_result,
)
from ec_async.emulator._records.device_management import (
    find_notification,
    find_operation,
)
from ec_async.emulator._wire import (
    Field,
    Kind,
    entity,
    json_response,
    updatable_entity,
)

__all__ = ["ROUTES", "notification_json", "operation_json"]

_DOMAIN = "device_management_registry"
_OPERATIONS = "/{scopeId}/devices/{deviceId}/operations"
_NOTIFICATIONS = _OPERATIONS + "/{operationId}/notifications"

_OPERATION_FIELDS: tuple[Field, ...] = (
    ("action", Kind.TEXT),
    ("appId", Kind.TEXT),
    ("deviceId", Kind.ID),
    ("endedOn", Kind.DATE),
    ("operationProperties", Kind.JSON),
    ("log", Kind.TEXT),
    ("operationId", Kind.ID),
    ("resource", Kind.TEXT),
    ("startedOn", Kind.DATE),
    ("status", Kind.TEXT),
)
_NOTIFICATION_FIELDS: tuple[Field, ...] = (
    ("operationId", Kind.ID),
    ("progress", Kind.INT),
    ("resource", Kind.TEXT),
    ("sentOn", Kind.DATE),
    ("status", Kind.TEXT),
)

OPERATIONS = Table(
    name="device_operations",
    default_sort=("startedOn",),
    sortable=frozenset(
        (
            "id",
            "createdOn",
            "modifiedOn",
            *(n for n, k in _OPERATION_FIELDS if k is not Kind.JSON),
        )
    ),
)
NOTIFICATIONS = Table(
    name="device_notifications",
    default_sort=("sentOn",),
    sortable=frozenset(("id", "createdOn", *(n for n, _ in _NOTIFICATION_FIELDS))),
)


def operation_json(row: sqlite3.Row) -> dict[str, Any]:
    """Return a DeviceManagementOperation as the API writes it."""
    return updatable_entity("deviceManagementOperation", row, _OPERATION_FIELDS)


def notification_json(row: sqlite3.Row) -> dict[str, Any]:
    """Return a ManagementOperationNotification as the API writes it."""
    return entity("managementOperationNotification", row, _NOTIFICATION_FIELDS)


def _resource_filter(call: Call) -> list[Filter]:
    resource = call.query.get("resource")

    return [Filter("resource = ?", (resource,))] if resource else []


# --- operations ------------------------------------------------------------------


def _operation_scope(call: Call) -> tuple[int, list[Filter]]:
    scope_id = call.scope_id()
    device_id = call.path_id("deviceId")

    return scope_id, [
        Filter("scope_id = ?", (scope_id,)),
        Filter("device_id = ?", (device_id,)),
    ]


def _operation_page(
    call: Call, filters: list[Filter], query: ListQuery
) -> web.Response:
    with call.context.store.transaction() as db:
        page = fetch_page(db, OPERATIONS, filters, query)
    items = [operation_json(row) for row in page.rows]

    return json_response(
        list_result("deviceManagementOperationListResult", items, page)
    )


async def list_operations(call: Call) -> web.StreamResponse:
    """GET .../operations, oldest first unless sorted otherwise."""
    scope_id, filters = _operation_scope(call)
    query = list_query_from_params(call.query)
    call.require(_DOMAIN, "read", scope_id)

    return _operation_page(call, [*filters, *_resource_filter(call)], query)


async def query_operations(call: Call) -> web.StreamResponse:
    """POST .../operations/_query."""
    scope_id, filters = _operation_scope(call)
    query = list_query_from_body(await call.json_body(allow_empty=True))
    call.require(_DOMAIN, "read", scope_id)

    return _operation_page(call, filters, query)


async def count_operations(call: Call) -> web.StreamResponse:
    """POST .../operations/_count."""
    scope_id, filters = _operation_scope(call)
    list_query_from_body(await call.json_body(allow_empty=True))
    call.require(_DOMAIN, "read", scope_id)
    with call.context.store.transaction() as db:
        count = count_rows(db, OPERATIONS, filters)

    return json_response(count_result(count))


def _existing_operation(call: Call, scope_id: int) -> sqlite3.Row:
    device_id = call.path_id("deviceId")
    operation_id = call.path_id("operationId")
    with call.context.store.transaction() as db:
        operation = find_operation(db, scope_id, device_id, operation_id)
    if operation is None:
        raise entity_not_found("deviceManagementOperation", operation_id)

    return operation


async def get_operation(call: Call) -> web.StreamResponse:
    """GET .../operations/{operationId}."""
    scope_id = call.scope_id()
    call.require(_DOMAIN, "read", scope_id)

    return json_response(operation_json(_existing_operation(call, scope_id)))


async def delete_operation(call: Call) -> web.StreamResponse:
    """DELETE .../operations/{operationId}: 204, its notifications go with it."""
    scope_id = call.scope_id()
    call.require(_DOMAIN, "delete", scope_id)
    operation = _existing_operation(call, scope_id)
    with call.context.store.transaction() as db:
        db.execute(
            "DELETE FROM device_notifications WHERE operation_id = ?",
            (operation["id"],),
        )
        db.execute("DELETE FROM device_operations WHERE id = ?", (operation["id"],))

    return web.Response(status=204)


# --- notifications ----------------------------------------------------------------


def _notification_scope(call: Call) -> tuple[int, list[Filter]]:
    scope_id = call.scope_id()
    call.path_id("deviceId")
    operation_id = call.path_id("operationId")

    return scope_id, [
        Filter("scope_id = ?", (scope_id,)),
        Filter("operation_id = ?", (operation_id,)),
    ]


def _notification_page(
    call: Call, filters: list[Filter], query: ListQuery
) -> web.Response:
    with call.context.store.transaction() as db:
        page = fetch_page(db, NOTIFICATIONS, filters, query)
    items = [notification_json(row) for row in page.rows]

    return json_response(
        list_result("managementOperationNotificationListResult", items, page)
    )


async def list_notifications(call: Call) -> web.StreamResponse:
    """GET .../notifications, in the order the device sent them."""
    scope_id, filters = _notification_scope(call)
    query = list_query_from_params(call.query)
    call.require(_DOMAIN, "read", scope_id)

    return _notification_page(call, [*filters, *_resource_filter(call)], query)


async def query_notifications(call: Call) -> web.StreamResponse:
    """POST .../notifications/_query."""
    scope_id, filters = _notification_scope(call)
    query = list_query_from_body(await call.json_body(allow_empty=True))
    call.require(_DOMAIN, "read", scope_id)

    return _notification_page(call, filters, query)


async def count_notifications(call: Call) -> web.StreamResponse:
    """POST .../notifications/_count."""
    scope_id, filters = _notification_scope(call)
    list_query_from_body(await call.json_body(allow_empty=True))
    call.require(_DOMAIN, "read", scope_id)
    with call.context.store.transaction() as db:
        count = count_rows(db, NOTIFICATIONS, filters)

    return json_response(count_result(count))


def _existing_notification(call: Call, scope_id: int) -> sqlite3.Row:
    operation_id = call.path_id("operationId")
    notification_id = call.path_id("notificationId")
    with call.context.store.transaction() as db:
        notification = find_notification(db, scope_id, operation_id, notification_id)
    if notification is None:
        raise entity_not_found("managementOperationNotification", notification_id)

    return notification


async def get_notification(call: Call) -> web.StreamResponse:
    """GET .../notifications/{notificationId}."""
    scope_id = call.scope_id()
    call.require(_DOMAIN, "read", scope_id)

    return json_response(notification_json(_existing_notification(call, scope_id)))


async def delete_notification(call: Call) -> web.StreamResponse:
    """DELETE .../notifications/{notificationId}: 204."""
    scope_id = call.scope_id()
    call.require(_DOMAIN, "delete", scope_id)
    notification = _existing_notification(call, scope_id)
    with call.context.store.transaction() as db:
        db.execute(
            "DELETE FROM device_notifications WHERE id = ?", (notification["id"],)
        )

    return web.Response(status=204)


ROUTES = (
    Route("GET", _OPERATIONS, list_operations),
    Route("POST", _OPERATIONS + "/_query", query_operations),
    Route("POST", _OPERATIONS + "/_count", count_operations),
    Route("GET", _NOTIFICATIONS, list_notifications),
    Route("POST", _NOTIFICATIONS + "/_query", query_notifications),
    Route("POST", _NOTIFICATIONS + "/_count", count_notifications),
    Route("GET", _NOTIFICATIONS + "/{notificationId}", get_notification),
    Route("DELETE", _NOTIFICATIONS + "/{notificationId}", delete_notification),
    Route("GET", _OPERATIONS + "/{operationId}", get_operation),
    Route("DELETE", _OPERATIONS + "/{operationId}", delete_operation),
)
