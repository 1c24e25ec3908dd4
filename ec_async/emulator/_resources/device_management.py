"""Device management: configurations, snapshots, bundles, packages, commands,
inventory, keystores, assets and generic requests (``/devices/{deviceId}/...``).

Every operation that reaches the device goes through ``_device_gateway``;
the two ``_settings`` pairs are platform-side and answer even for a
disconnected device.
"""

from __future__ import annotations

import base64
import shlex
import sqlite3
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from ec_async._guards import is_list, is_mapping
from ec_async.emulator._call import Call, Handler, Route
from ec_async.emulator._device_gateway import (
    Answer,
    DeviceRequest,
    OperationStep,
    exchange,
    load_device,
    start_operation,
    timeout_param,
)
from ec_async.emulator._errors import (
    entity_not_found,
    illegal_argument,
    illegal_null_argument,
)
from ec_async.emulator._records.device_management import save_contents
from ec_async.emulator._records.devices import find_device
from ec_async.emulator._resources.device_operations import operation_json
from ec_async.emulator._simulated_device import (
    DeviceRefusal,
    SimulatedDevice,
    summary,
)
from ec_async.emulator._wire import compact, format_date, json_response

__all__ = ["ROUTES"]

_DEVICE = "/{scopeId}/devices/{deviceId}"

_CONF_READ = DeviceRequest("CONF", "READ", "read")
_CONF_WRITE = DeviceRequest("CONF", "WRITE", "write")
_CONF_EXECUTE = DeviceRequest("CONF", "EXECUTE", "execute")
_DEPLOY_READ = DeviceRequest("DEPLOY", "READ", "read")
_DEPLOY_EXECUTE = DeviceRequest("DEPLOY", "EXECUTE", "execute")
_COMMAND = DeviceRequest("CMD", "EXECUTE", "execute")
_INVENTORY_READ = DeviceRequest("INVENTORY", "READ", "read")
_INVENTORY_EXECUTE = DeviceRequest("INVENTORY", "EXECUTE", "execute")
_KEYS_READ = DeviceRequest("KEYS", "READ", "read")
_KEYS_CREATE = DeviceRequest("KEYS", "CREATE", "write")
_KEYS_DELETE = DeviceRequest("KEYS", "DELETE", "write")
_ASSET_READ = DeviceRequest("ASSET", "READ", "read")
_ASSET_WRITE = DeviceRequest("ASSET", "WRITE", "write")

_POLICIES = frozenset({"ENABLED", "DISABLED", "INHERITED"})
_METHOD_PERMISSIONS = {
    "READ": "read",
    "OPTIONS": "read",
    "CREATE": "write",
    "WRITE": "write",
    "DELETE": "write",
    "EXECUTE": "execute",
}

Act = Callable[[SimulatedDevice, int], Answer]


def _document(produce: Callable[[SimulatedDevice, int], Any]) -> Act:
    """An act whose answer is the document ``produce`` returns."""
    return lambda device, now: Answer(produce(device, now))


def _done(change: Callable[[SimulatedDevice, int], object]) -> Act:
    """An act that changes the device and answers with no document."""

    def act(device: SimulatedDevice, now: int) -> Answer:
        change(device, now)
        return Answer()

    return act


async def _ask(call: Call, request: DeviceRequest, act: Act) -> web.StreamResponse:
    """Send the request to the device; 200 with its document, or 204 without one."""
    timeout_ms = timeout_param(call)
    document = await exchange(call, request, act, timeout_ms=timeout_ms)
    if document is None:
        return web.Response(status=204)

    return json_response(document)


async def _body(call: Call) -> dict[str, Any]:
    timeout_param(call)
    return await call.json_body()


def _text(body: Mapping[str, Any], name: str, prefix: str) -> str:
    value = body.get(name)
    if value is None or value == "":
        raise illegal_null_argument(f"{prefix}.{name}")
    if not isinstance(value, str):
        raise illegal_argument(f"{prefix}.{name}", None)

    return value


def _list(body: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    value: object = body.get(name) or []
    if not is_list(value) or not all(isinstance(v, Mapping) for v in value):
        raise illegal_argument(name, None)

    return value


# --- configurations, snapshots and the store settings ---------------------------


async def read_configurations(call: Call) -> web.StreamResponse:
    """GET .../configurations: every component's configuration and metatype."""
    return await _ask(
        call, _CONF_READ, _document(lambda device, _: device.configurations())
    )


async def read_configuration(call: Call) -> web.StreamResponse:
    """GET .../configurations/{componentId}: one component, in a list of one."""
    component_id = call.request.match_info["componentId"]

    return await _ask(
        call,
        _CONF_READ,
        _document(lambda device, _: device.configurations(component_id)),
    )


async def write_configurations(call: Call) -> web.StreamResponse:
    """PUT .../configurations: apply several components' new values; 204."""
    components = _list(await _body(call), "configuration")

    return await _ask(
        call,
        _CONF_WRITE,
        _done(lambda device, now: device.write_configurations(components, now)),
    )


async def write_configuration(call: Call) -> web.StreamResponse:
    """PUT .../configurations/{componentId}: the path names the component; 204."""
    body = await _body(call)
    component = {**body, "id": call.request.match_info["componentId"]}

    return await _ask(
        call,
        _CONF_WRITE,
        _done(lambda device, now: device.write_configurations([component], now)),
    )


async def list_snapshots(call: Call) -> web.StreamResponse:
    """GET .../snapshots: the snapshot ids, oldest first."""
    return await _ask(call, _CONF_READ, _document(lambda device, _: device.snapshots()))


async def get_snapshot(call: Call) -> web.StreamResponse:
    """GET .../snapshots/{snapshotId}: the configuration values it holds."""
    snapshot_id = call.request.match_info["snapshotId"]

    return await _ask(
        call, _CONF_READ, _document(lambda device, _: device.snapshot(snapshot_id))
    )


async def rollback_snapshot(call: Call) -> web.StreamResponse:
    """POST .../snapshots/{snapshotId}/_rollback: restore its values; 204."""
    snapshot_id = call.request.match_info["snapshotId"]

    return await _ask(
        call, _CONF_EXECUTE, _done(lambda device, _: device.rollback(snapshot_id))
    )


def _store_handlers(store: str, type_name: str) -> tuple[Handler, Handler]:
    """The GET and PUT of a store's per-device settings, kept by the platform."""

    def lookup(call: Call, action: str) -> tuple[int, sqlite3.Row]:
        scope_id = call.scope_id()
        device_id = call.path_id("deviceId")
        call.require("device_management", action, scope_id)
        with call.context.store.transaction() as db:
            device = find_device(db, scope_id, device_id)
        if device is None:
            raise entity_not_found("device", device_id)

        return scope_id, device

    async def read(call: Call) -> web.StreamResponse:
        scope_id, device = lookup(call, "read")
        with call.context.store.transaction() as db:
            simulated = load_device(db, device, call.now_ms())
            save_contents(db, device["id"], simulated.contents)

        return json_response(
            {
                "type": type_name,
                "scopeId": compact(scope_id),
                "deviceId": compact(device["id"]),
                "enablementPolicy": simulated.store_policy(store),
            }
        )

    async def update(call: Call) -> web.StreamResponse:
        body = await call.json_body()
        policy = body.get("enablementPolicy")
        if policy is None:
            raise illegal_null_argument(f"{type_name}.enablementPolicy")
        if policy not in _POLICIES:
            raise illegal_argument(f"{type_name}.enablementPolicy", str(policy))
        _, device = lookup(call, "write")
        with call.context.store.transaction() as db:
            simulated = load_device(db, device, call.now_ms())
            simulated.set_store_policy(store, policy)
            save_contents(db, device["id"], simulated.contents)

        return web.Response(status=204)

    return read, update


read_configuration_settings, update_configuration_settings = _store_handlers(
    "configurations", "deviceConfigurationStoreSettings"
)
read_asset_settings, update_asset_settings = _store_handlers(
    "assets", "deviceAssetStoreSettings"
)


# --- bundles, commands and packages -------------------------------------------


async def list_bundles(call: Call) -> web.StreamResponse:
    """GET .../bundles, sorted by ``sortParam`` (a bundle attribute) if given."""
    sort_param = call.query.get("sortParam")
    descending = call.query.get("sortDir", "").upper() == "DESCENDING"

    return await _ask(
        call,
        _DEPLOY_READ,
        _document(lambda device, _: device.bundles(sort_param, descending)),
    )


def _bundle_action(start: bool) -> Handler:
    async def handle(call: Call) -> web.StreamResponse:
        bundle_id = call.request.match_info["bundleId"]

        return await _ask(
            call,
            _DEPLOY_EXECUTE,
            _done(lambda device, _: device.set_bundle_state(bundle_id, start)),
        )

    return handle


def _command_input(body: Mapping[str, Any]) -> dict[str, Any]:
    """Read a commandInput; the server binds ``arguments`` as a plain array."""
    arguments: object = body.get("arguments") or []
    environment: object = body.get("environment") or []
    if not is_list(arguments) or not is_list(environment):
        raise illegal_argument("commandInput.arguments", None)
    if body.get("body") is not None:
        try:
            base64.b64decode(str(body["body"]), validate=True)
        except ValueError:
            raise illegal_argument("commandInput.body", None) from None

    return {**body, "arguments": arguments, "environment": environment}


def _command_act(command_input: Mapping[str, Any]) -> Act:
    def act(device: SimulatedDevice, now: int) -> Answer:
        result = device.run_command(command_input, now)
        output = result.output
        text = summary(
            [
                ("command.exit.code", output.get("exitCode")),
                ("command.timedout", str(output.get("hasTimedout")).lower()),
            ]
        )

        return Answer(output, text, result.busy_seconds)

    return act


async def execute_command(call: Call) -> web.StreamResponse:
    """POST .../commands/_execute: run a command and return its output."""
    command_input = _command_input(await _body(call))

    return await _ask(call, _COMMAND, _command_act(command_input))


async def list_packages(call: Call) -> web.StreamResponse:
    """GET .../packages: the installed deployment packages."""
    return await _ask(
        call, _DEPLOY_READ, _document(lambda device, _: device.packages())
    )


def _download_steps(uri: str, install: bool) -> list[OperationStep]:
    if urlsplit(uri).scheme not in {"http", "https"}:
        return [
            OperationStep("download", "RUNNING", 0),
            OperationStep("download", "FAILED", 0),
        ]
    steps = [
        OperationStep("download", "RUNNING", 0),
        OperationStep("download", "RUNNING", 50),
        OperationStep("download", "COMPLETED", 100),
    ]
    if install:
        steps += [
            OperationStep("install", "RUNNING", 0),
            OperationStep("install", "COMPLETED", 100),
        ]

    return steps


async def download_package(call: Call) -> web.StreamResponse:
    """POST .../packages/_download: the device accepts, then works in the background.

    The answer is the running operation; its notifications and outcome follow
    one device delay apart.
    """
    body = await _body(call)
    uri = _text(body, "uri", "packageDownloadRequest")
    name = _text(body, "name", "packageDownloadRequest")
    version = _text(body, "version", "packageDownloadRequest")
    install = body.get("install", True) is not False
    await exchange(
        call,
        _DEPLOY_EXECUTE,
        _done(lambda device, now: None),
        timeout_ms=timeout_param(call),
    )

    def finish(device: SimulatedDevice, now: int) -> str:
        if not install:
            return f"Downloaded {name} {version}"
        device.install_package(name, version, now)
        return f"Installed {name} {version}"

    operation = start_operation(
        call,
        resource="download",
        properties=[
            ("kapua.package.download.uri", "java.net.URI", uri),
            ("kapua.package.download.name", "string", name),
            ("kapua.package.download.version", "string", version),
            ("kapua.package.download.install", "boolean", str(install).lower()),
        ],
        steps=_download_steps(uri, install),
        finish=finish,
    )

    return json_response(operation_json(operation))


async def uninstall_package(call: Call) -> web.StreamResponse:
    """POST .../packages/_uninstall: the device removes the package in the background."""
    body = await _body(call)
    name = _text(body, "name", "packageUninstallRequest")
    version = _text(body, "version", "packageUninstallRequest")

    def check(device: SimulatedDevice, now: int) -> None:
        if not device.has_package(name, version):
            raise DeviceRefusal(
                "NOT_FOUND", f"Package {name} {version} is not installed"
            )

    await exchange(call, _DEPLOY_EXECUTE, _done(check), timeout_ms=timeout_param(call))

    def finish(device: SimulatedDevice, now: int) -> str:
        device.uninstall_package(name, version)
        return f"Uninstalled {name} {version}"

    operation = start_operation(
        call,
        resource="uninstall",
        properties=[
            ("kapua.package.uninstall.name", "string", name),
            ("kapua.package.uninstall.version", "string", version),
        ],
        steps=[
            OperationStep("uninstall", "RUNNING", 0),
            OperationStep("uninstall", "COMPLETED", 100),
        ],
        finish=finish,
    )

    return json_response(operation_json(operation))


# --- inventory ---------------------------------------------------------------


def _inventory_reader(produce: Callable[[SimulatedDevice], Any]) -> Handler:
    async def handle(call: Call) -> web.StreamResponse:
        return await _ask(
            call, _INVENTORY_READ, _document(lambda device, _: produce(device))
        )

    return handle


def _inventory_action(
    change: Callable[[SimulatedDevice, Mapping[str, Any]], None],
) -> Handler:
    async def handle(call: Call) -> web.StreamResponse:
        body = await _body(call)

        return await _ask(
            call, _INVENTORY_EXECUTE, _done(lambda device, _: change(device, body))
        )

    return handle


# --- keystores -----------------------------------------------------------------


def _required_query(call: Call, name: str) -> str:
    value = call.query.get(name)
    if not value:
        raise illegal_null_argument(name)

    return value


async def list_keystores(call: Call) -> web.StreamResponse:
    """GET .../keystore: the keystores and their sizes."""
    return await _ask(call, _KEYS_READ, _document(lambda device, _: device.keystores()))


async def list_keystore_items(call: Call) -> web.StreamResponse:
    """GET .../keystore/items, filtered by ``keystoreId`` and ``alias``."""
    keystore_id = call.query.get("keystoreId") or None
    alias = call.query.get("alias") or None

    return await _ask(
        call,
        _KEYS_READ,
        _document(lambda device, _: device.keystore_items(keystore_id, alias)),
    )


async def get_keystore_item(call: Call) -> web.StreamResponse:
    """GET .../keystore/item?keystoreId=&alias=: one item."""
    keystore_id = _required_query(call, "keystoreId")
    alias = _required_query(call, "alias")

    return await _ask(
        call,
        _KEYS_READ,
        _document(lambda device, _: device.keystore_item(keystore_id, alias)),
    )


async def delete_keystore_item(call: Call) -> web.StreamResponse:
    """DELETE .../keystore/item?keystoreId=&alias=: 204."""
    keystore_id = _required_query(call, "keystoreId")
    alias = _required_query(call, "alias")

    return await _ask(
        call,
        _KEYS_DELETE,
        _done(lambda device, _: device.delete_keystore_item(keystore_id, alias)),
    )


def _keystore_creator(
    change: Callable[[SimulatedDevice, Mapping[str, Any], int], Any],
    *,
    answers: bool = False,
) -> Handler:
    async def handle(call: Call) -> web.StreamResponse:
        body = await _body(call)
        _text(body, "keystoreId", "keystoreItem")
        _text(body, "alias", "keystoreItem")
        if answers:
            act = _document(lambda device, now: change(device, body, now))
        else:
            act = _done(lambda device, now: change(device, body, now))

        return await _ask(call, _KEYS_CREATE, act)

    return handle


# --- assets --------------------------------------------------------------------


async def list_assets(call: Call) -> web.StreamResponse:
    """GET .../assets: every asset with its channel definitions."""
    return await _ask(
        call, _ASSET_READ, _document(lambda device, _: device.asset_definitions([]))
    )


async def list_assets_filtered(call: Call) -> web.StreamResponse:
    """POST .../assets: the named assets; the server reads the ``deviceAsset`` list."""
    wanted = _list(await _body(call), "deviceAsset")

    return await _ask(
        call, _ASSET_READ, _document(lambda device, _: device.asset_definitions(wanted))
    )


async def read_assets(call: Call) -> web.StreamResponse:
    """POST .../assets/_read: channel values of the assets asked for (all by default)."""
    wanted = _list(await _body(call), "deviceAsset")

    return await _ask(
        call,
        _ASSET_READ,
        _document(lambda device, now: device.read_assets(wanted, now)),
    )


async def write_assets(call: Call) -> web.StreamResponse:
    """POST .../assets/_write: write channel values; each channel reports its outcome."""
    wanted = _list(await _body(call), "deviceAsset")

    return await _ask(
        call,
        _ASSET_WRITE,
        _document(lambda device, now: device.write_assets(wanted, now)),
    )


# --- generic requests --------------------------------------------------------------

_VALUE_TYPES: dict[str, Callable[[str], Any]] = {
    "string": str,
    "integer": int,
    "long": int,
    "float": float,
    "double": float,
    "boolean": lambda text: text == "true",
}


def _metric_values(payload: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for metric in payload.get("metrics") or ():
        if not is_mapping(metric) or not isinstance(metric.get("name"), str):
            raise illegal_argument("payload.metrics.name", None)
        convert = _VALUE_TYPES.get(str(metric.get("valueType")), str)
        try:
            values[metric["name"]] = convert(str(metric.get("value", "")))
        except ValueError:
            raise illegal_argument("payload.metrics.value", None) from None

    return values


def _metric(name: str, value: Any) -> dict[str, str]:
    if isinstance(value, bool):
        return {"name": name, "valueType": "boolean", "value": str(value).lower()}
    if isinstance(value, int):
        return {"name": name, "valueType": "integer", "value": str(value)}

    return {"name": name, "valueType": "string", "value": str(value)}


def _generic_act(
    channel: Mapping[str, Any], metrics: Mapping[str, Any], call: Call
) -> Act:
    app_name = str(channel.get("appName"))
    resources = [str(each) for each in channel.get("resources") or ()]

    def act(device: SimulatedDevice, now: int) -> Answer:
        if (app_name, channel.get("method"), resources) != (
            "CMD",
            "EXECUTE",
            ["command"],
        ):
            raise DeviceRefusal(
                "NOT_FOUND", f"No resource {'/'.join(resources)} in {app_name}"
            )
        command_input = {
            "command": metrics.get("command.command"),
            "arguments": shlex.split(str(metrics.get("command.argument", ""))),
            "workingDir": metrics.get("command.working.directory"),
            "environment": str(metrics.get("command.environment.pair", "")).split(),
            "stdin": metrics.get("command.stdin"),
            "timeout": metrics.get("command.timeout"),
            "runAsynch": metrics.get("command.run.async", False),
        }
        result = device.run_command(command_input, now)
        output = result.output
        response = [
            _metric("command.stderr", output.get("stderr", "")),
            _metric("command.stdout", output.get("stdout", "")),
            _metric("command.timedout", bool(output.get("hasTimedout"))),
            _metric("response.code", 200),
        ]
        if output.get("exitCode") is not None:
            response.append(_metric("command.exit.code", output["exitCode"]))
        document = {
            "id": str(uuid.UUID(int=call.context.random.getrandbits(128), version=4)),
            "scopeId": compact(device.device["scope_id"]),
            "deviceId": compact(device.device["id"]),
            "clientId": device.device["client_id"],
            "receivedOn": format_date(now),
            "sentOn": format_date(now),
            "capturedOn": format_date(now),
            "channel": {"appName": app_name, "version": channel.get("version") or "V1"},
            "payload": {"metrics": response},
        }
        text = summary((metric["name"], metric["value"]) for metric in response)

        return Answer(document, text, result.busy_seconds)

    return act


async def send_request(call: Call) -> web.StreamResponse:
    """POST .../requests: a raw request to a device application (JSON variant)."""
    body = await _body(call)
    channel = body.get("channel")
    payload: object = body.get("payload") or {}
    if not is_mapping(channel) or not is_mapping(payload):
        raise illegal_null_argument("requestMessage.channel")
    method = str(channel.get("method") or "")
    if method not in _METHOD_PERMISSIONS or not channel.get("appName"):
        raise illegal_null_argument("requestMessage.channel.method")
    metrics = _metric_values(payload)
    request = DeviceRequest(
        str(channel["appName"]), method, _METHOD_PERMISSIONS[method]
    )

    return await _ask(call, request, _generic_act(channel, metrics, call))


def _routes(prefix: str, entries: Sequence[tuple[str, str, Handler]]) -> list[Route]:
    return [Route(method, prefix + path, handler) for method, path, handler in entries]


ROUTES = tuple(
    _routes(
        _DEVICE,
        (
            ("GET", "/configurations", read_configurations),
            ("PUT", "/configurations", write_configurations),
            ("GET", "/configurations/_settings", read_configuration_settings),
            ("PUT", "/configurations/_settings", update_configuration_settings),
            ("GET", "/configurations/{componentId}", read_configuration),
            ("PUT", "/configurations/{componentId}", write_configuration),
            ("GET", "/snapshots", list_snapshots),
            ("GET", "/snapshots/{snapshotId}", get_snapshot),
            ("POST", "/snapshots/{snapshotId}/_rollback", rollback_snapshot),
            ("GET", "/bundles", list_bundles),
            ("POST", "/bundles/{bundleId}/_start", _bundle_action(start=True)),
            ("POST", "/bundles/{bundleId}/_stop", _bundle_action(start=False)),
            ("POST", "/commands/_execute", execute_command),
            ("GET", "/packages", list_packages),
            ("POST", "/packages/_download", download_package),
            ("POST", "/packages/_uninstall", uninstall_package),
            ("GET", "/inventory", _inventory_reader(SimulatedDevice.inventory)),
            (
                "GET",
                "/inventory/bundles",
                _inventory_reader(SimulatedDevice.inventory_bundles),
            ),
            (
                "POST",
                "/inventory/bundles/_start",
                _inventory_action(lambda d, b: d.set_inventory_bundle_state(b, True)),
            ),
            (
                "POST",
                "/inventory/bundles/_stop",
                _inventory_action(lambda d, b: d.set_inventory_bundle_state(b, False)),
            ),
            (
                "GET",
                "/inventory/containers",
                _inventory_reader(SimulatedDevice.inventory_containers),
            ),
            (
                "POST",
                "/inventory/containers/_start",
                _inventory_action(lambda d, b: d.set_container_state(b, True)),
            ),
            (
                "POST",
                "/inventory/containers/_stop",
                _inventory_action(lambda d, b: d.set_container_state(b, False)),
            ),
            (
                "GET",
                "/inventory/system",
                _inventory_reader(SimulatedDevice.inventory_system_packages),
            ),
            (
                "GET",
                "/inventory/packages",
                _inventory_reader(SimulatedDevice.inventory_deployment_packages),
            ),
            ("GET", "/keystore", list_keystores),
            ("GET", "/keystore/items", list_keystore_items),
            ("GET", "/keystore/item", get_keystore_item),
            ("DELETE", "/keystore/item", delete_keystore_item),
            (
                "POST",
                "/keystore/items/certificateInfo",
                _keystore_creator(SimulatedDevice.add_certificate_info),
            ),
            (
                "POST",
                "/keystore/items/certificateRaw",
                _keystore_creator(SimulatedDevice.add_certificate),
            ),
            (
                "POST",
                "/keystore/items/keypair",
                _keystore_creator(SimulatedDevice.create_keypair),
            ),
            (
                "POST",
                "/keystore/items/csr",
                _keystore_creator(
                    lambda device, body, _: device.certificate_signing_request(body),
                    answers=True,
                ),
            ),
            ("GET", "/assets", list_assets),
            ("POST", "/assets", list_assets_filtered),
            ("GET", "/assets/_settings", read_asset_settings),
            ("PUT", "/assets/_settings", update_asset_settings),
            ("POST", "/assets/_read", read_assets),
            ("POST", "/assets/_write", write_assets),
            ("POST", "/requests", send_request),
        ),
    )
)
