"""Service configurations (``/{scopeId}/serviceConfigurations``) and their limits.

Reading needs ``<domain>:read`` of each service's domain on the scope; writing
needs ``<domain>:write``, and a user other than kapua-sys may not change a
value of its own account (Kapua's internal error, a 500). A write that puts
an account, or its parent, over its limit is a 400 naming the service.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

from aiohttp import web

from ec_async._guards import is_list, is_mapping
from ec_async.emulator._call import Call, Route
from ec_async.emulator._errors import (
    EmptyError,
    entity_not_found,
    illegal_argument,
    illegal_null_argument,
    internal_error,
)
from ec_async.emulator._records.accounts import find_account
from ec_async.emulator._records.service_configs import (
    COMPONENTS,
    Component,
    check_coherence,
    config_values,
    format_value,
    parse_value,
    store_config_values,
)
from ec_async.emulator._store import new_id
from ec_async.emulator._wire import json_response

__all__ = ["ROUTES", "component_json"]

# Kapua's RootUserTester: the kapua-sys user may change any configuration.
_ROOT_USER_ID = 1


def _definition_json(component: Component) -> dict[str, Any]:
    return {
        "id": component.pid,
        "name": component.name,
        "description": component.description,
        "AD": [attribute.to_wire() for attribute in component.attributes],
        "Icon": [{"resource": component.icon, "size": 32}],
    }


def _properties_json(component: Component, values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "property": [
            {
                "name": attribute.id,
                "array": False,
                "encrypted": False,
                "type": attribute.type,
                "value": [format_value(values[attribute.id])],
            }
            for attribute in component.attributes
            if values.get(attribute.id) is not None
        ]
    }


def component_json(
    db: sqlite3.Connection, component: Component, scope_id: int
) -> dict[str, Any]:
    """Return one service's configuration in a scope, as the API writes it."""
    return {
        "type": "serviceComponentConfiguration",
        "id": component.pid,
        "name": component.name,
        "definition": _definition_json(component),
        "properties": _properties_json(
            component, config_values(db, scope_id, component.pid)
        ),
    }


def _sorted_components() -> list[Component]:
    return sorted(COMPONENTS.values(), key=lambda component: component.name)


async def read_all(call: Call) -> web.StreamResponse:
    """GET /{scopeId}/serviceConfigurations: every service, by name."""
    scope_id = call.scope_id()
    components = _sorted_components()
    for component in components:
        call.require(component.domain, "read", scope_id)
    with call.context.store.transaction() as db:
        configurations = [
            component_json(db, component, scope_id) for component in components
        ]

    return json_response(
        {"type": "serviceConfiguration", "configuration": configurations}
    )


def _component(pid: str, argument: str) -> Component:
    component = COMPONENTS.get(pid)
    if component is None:
        raise illegal_argument(argument, pid)

    return component


async def read_one(call: Call) -> web.StreamResponse:
    """GET /{scopeId}/serviceConfigurations/{componentId}: one service."""
    scope_id = call.scope_id()
    component = _component(call.request.match_info["componentId"], "service.pid")
    call.require(component.domain, "read", scope_id)
    with call.context.store.transaction() as db:
        body = component_json(db, component, scope_id)

    return json_response(body)


def _sent_values(component: Component, body: Mapping[str, Any]) -> dict[str, Any]:
    """Read a component's ``properties.property`` list into typed values."""
    wrapper: object = body.get("properties") or {}
    if not is_mapping(wrapper):
        raise EmptyError(400)
    properties: object = wrapper.get("property") or []
    if not is_list(properties):
        raise EmptyError(400)

    values: dict[str, Any] = {}
    for prop in properties:
        if not is_mapping(prop):
            raise EmptyError(400)
        if not isinstance(prop.get("name"), str):
            # Unmarshalled fine, but Kapua's validation finds the name null.
            raise illegal_null_argument("serviceConfiguration.property.name")
        values[prop["name"]] = _typed(component, prop)

    return values


def _typed(component: Component, prop: Mapping[str, Any]) -> Any:
    name = prop["name"]
    attribute = component.attribute(name)
    declared = prop.get("type") or (attribute.type if attribute else "String")
    texts: object = prop.get("value") or []
    if not is_list(texts):
        texts = [texts]
    if not texts:
        return None
    try:
        parsed = [parse_value(str(declared), format_value(text)) for text in texts]
    except ValueError:
        raise illegal_argument(name, format_value(texts[0])) from None

    return parsed if prop.get("array") else parsed[0]


def _check_values(component: Component, values: Mapping[str, Any]) -> None:
    """Apply each attribute's bounds, then demand the required ones."""
    for attribute in component.attributes:
        value = values.get(attribute.id)
        if value is None or not isinstance(value, int | float):
            continue
        if attribute.min is not None and value < float(attribute.min):
            raise illegal_argument(attribute.id, f"{value} is below {attribute.min}")
        if attribute.max is not None and value > float(attribute.max):
            raise illegal_argument(attribute.id, f"{value} is above {attribute.max}")
    for attribute in component.attributes:
        if attribute.required and values.get(attribute.id) is None:
            raise illegal_null_argument(attribute.id)


def _write(
    call: Call, scope_id: int, component: Component, values: Mapping[str, Any]
) -> None:
    """Kapua's setConfigValues: read checks, self-edit rule, write check, validation."""
    call.require(component.domain, "read", scope_id)
    with call.context.store.transaction() as db:
        current = config_values(db, scope_id, component.pid)
    own_account = call.session.scope_id == scope_id
    if call.session.user_id != _ROOT_USER_ID and own_account:
        for attribute in component.attributes:
            if current.get(attribute.id) != values.get(attribute.id):
                raise internal_error(
                    f'The configuration "{attribute.id}" cannot be changed by this'
                    " user in this account"
                )
    call.require(component.domain, "write", scope_id)
    _check_values(component, values)

    with call.context.store.transaction() as db:
        check_coherence(db, scope_id, component.pid, values)
        store_config_values(
            db,
            scope_id=scope_id,
            pid=component.pid,
            values=values,
            config_id=new_id(db, "service_configs"),
            now=call.now_ms(),
            by=call.session.user_id,
        )


def _existing_account(call: Call, scope_id: int) -> None:
    """Load the account as Kapua's resource does, with its read check."""
    with call.context.store.transaction() as db:
        account = find_account(db, scope_id)
    if account is None:
        raise entity_not_found("account", scope_id)
    own = scope_id == call.session.scope_id
    call.require("account", "read", scope_id if own else account["scope_id"])


async def write_one(call: Call) -> web.StreamResponse:
    """PUT /{scopeId}/serviceConfigurations/{componentId}: 204, as the server answers."""
    scope_id = call.scope_id()
    body = await call.json_body()
    _existing_account(call, scope_id)
    component = _component(call.request.match_info["componentId"], "service.pid")
    _write(call, scope_id, component, _sent_values(component, body))

    return web.Response(status=204)


def _configurations(body: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    configurations: object = body.get("configuration") or []
    if not is_list(configurations) or not all(
        isinstance(item, Mapping) for item in configurations
    ):
        raise EmptyError(400)

    return configurations


async def write_all(call: Call) -> web.StreamResponse:
    """PUT /{scopeId}/serviceConfigurations: each component in turn, 204.

    Components are written one by one, so a failing one leaves the ones
    before it written, as on the server.
    """
    scope_id = call.scope_id()
    configurations = _configurations(await call.json_body())
    _existing_account(call, scope_id)
    for configuration in configurations:
        pid = configuration.get("id")
        component = _component(
            pid if isinstance(pid, str) else "",
            "serviceConfiguration.componentConfiguration.id",
        )
        _write(call, scope_id, component, _sent_values(component, configuration))

    return web.Response(status=204)


_PATH = "/{scopeId}/serviceConfigurations"

ROUTES = (
    Route("GET", _PATH, read_all),
    Route("PUT", _PATH, write_all),
    Route("GET", _PATH + "/{componentId}", read_one),
    Route("PUT", _PATH + "/{componentId}", write_one),
)
