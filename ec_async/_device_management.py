"""Managing one device: ``ec.device(device_id)`` and its management applications.

Every call that reaches the device sends the server's ``timeout`` (how long
it waits for the device) and stretches the client's own read and total
timeouts past it, so a slow device never looks like a dead connection.
Reads may be retried; actions (writes, commands, installs) never are.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import attrs

from ._convert import expect_model, structure, unstructure
from ._device_events import DeviceEvents
from ._device_models import (
    CommandOutput,
    ComponentConfiguration,
    DeploymentPackage,
    DeviceAsset,
    DeviceBundle,
    DeviceKeystore,
    DevicePackage,
    DeviceResponse,
    InventoryBundle,
    InventoryContainer,
    InventoryItem,
    InventoryPackage,
    KeystoreItem,
    PackageDownload,
    Snapshot,
    StoreEnablementPolicy,
    StoreSettings,
    metric_of,
)
from ._device_operations import DeviceOperation, DeviceOperations
from ._errors import ConfigurationError, DecodeError
from ._guards import is_dict
from ._http import Timeouts
from ._pipeline import Operation
from ._resources import Collection, ScopeBinding, check_id, operation, sort_params

__all__ = [
    "DEFAULT_DEVICE_TIMEOUT",
    "DeviceAssets",
    "DeviceBundles",
    "DeviceCommands",
    "DeviceConfigurations",
    "DeviceInventory",
    "DeviceKeystores",
    "DevicePackages",
    "DeviceRequests",
    "DeviceSnapshots",
    "ManagedDevice",
    "device_call_timeouts",
]

T = TypeVar("T")

# How long the server waits for a device unless told otherwise (seconds).
DEFAULT_DEVICE_TIMEOUT = 30.0
# How much longer than the server the client waits, for the server's own work.
DEVICE_TIMEOUT_GRACE = 10.0

_DEVICE = "/{scopeId}/devices/{deviceId}"


def _op(operation_id: str, method: str, path: str, *, safe: bool) -> Operation:
    return Operation(operation_id, method, _DEVICE + path, safe=safe)


CONFIGURATIONS_READ = _op(
    "deviceConfigurationsRead", "GET", "/configurations", safe=True
)
CONFIGURATIONS_WRITE = _op(
    "deviceConfigurationsWrite", "PUT", "/configurations", safe=False
)
CONFIGURATION_READ = _op(
    "deviceConfigurationRead", "GET", "/configurations/{componentId}", safe=True
)
CONFIGURATION_WRITE = _op(
    "deviceConfigurationWrite", "PUT", "/configurations/{componentId}", safe=False
)
CONFIGURATION_SETTINGS_GET = _op(
    "getDeviceConfigurationsStoreSettings",
    "GET",
    "/configurations/_settings",
    safe=True,
)
CONFIGURATION_SETTINGS_PUT = _op(
    "putDeviceConfigurationsStoreSettings",
    "PUT",
    "/configurations/_settings",
    safe=False,
)
SNAPSHOT_LIST = _op("deviceSnapshotList", "GET", "/snapshots", safe=True)
SNAPSHOT_GET = _op("deviceSnapshotGet", "GET", "/snapshots/{snapshotId}", safe=True)
SNAPSHOT_ROLLBACK = _op(
    "deviceSnapshotRollback", "POST", "/snapshots/{snapshotId}/_rollback", safe=False
)
BUNDLE_LIST = _op("deviceBundleList", "GET", "/bundles", safe=True)
BUNDLE_START = _op(
    "deviceBundleStart", "POST", "/bundles/{bundleId}/_start", safe=False
)
BUNDLE_STOP = _op("deviceBundleStop", "POST", "/bundles/{bundleId}/_stop", safe=False)
COMMAND_EXECUTE = _op("deviceCommandExecute", "POST", "/commands/_execute", safe=False)
PACKAGE_LIST = _op("devicePackageList", "GET", "/packages", safe=True)
PACKAGE_DOWNLOAD = _op(
    "devicePackageDownload", "POST", "/packages/_download", safe=False
)
PACKAGE_UNINSTALL = _op(
    "devicePackageUninstall", "POST", "/packages/_uninstall", safe=False
)
REQUEST_EXEC = _op("deviceRequestExec", "POST", "/requests", safe=False)
INVENTORY_GET = _op("deviceInventoryGet", "GET", "/inventory", safe=True)
INVENTORY_BUNDLES = _op(
    "deviceInventoryBundleGet", "GET", "/inventory/bundles", safe=True
)
INVENTORY_BUNDLE_START = _op(
    "deviceInventoryBundleStart", "POST", "/inventory/bundles/_start", safe=False
)
INVENTORY_BUNDLE_STOP = _op(
    "deviceInventoryBundleStop", "POST", "/inventory/bundles/_stop", safe=False
)
INVENTORY_CONTAINERS = _op(
    "deviceInventoryContainerGet", "GET", "/inventory/containers", safe=True
)
INVENTORY_CONTAINER_START = _op(
    "deviceInventoryContainerStart",
    "POST",
    "/inventory/containers/_start",
    safe=False,
)
INVENTORY_CONTAINER_STOP = _op(
    "deviceInventoryContainerStop", "POST", "/inventory/containers/_stop", safe=False
)
INVENTORY_SYSTEM = _op(
    "deviceInventorySystemGet", "GET", "/inventory/system", safe=True
)
INVENTORY_PACKAGES = _op(
    "deviceInventoryPackagesGet", "GET", "/inventory/packages", safe=True
)
KEYSTORES_GET = _op("deviceKeystoresGet", "GET", "/keystore", safe=True)
KEYSTORE_ITEMS_GET = _op("deviceKeystoreItemsGet", "GET", "/keystore/items", safe=True)
KEYSTORE_ITEM_GET = _op("deviceKeystoreItemGet", "GET", "/keystore/item", safe=True)
KEYSTORE_ITEM_DELETE = _op(
    "deviceKeystoreItemDelete", "DELETE", "/keystore/item", safe=False
)
KEYSTORE_CERTIFICATE_INFO = _op(
    "deviceKeystoreCertificateInfoCreate",
    "POST",
    "/keystore/items/certificateInfo",
    safe=False,
)
KEYSTORE_CERTIFICATE_RAW = _op(
    "deviceKeystoreCertificateRawCreate",
    "POST",
    "/keystore/items/certificateRaw",
    safe=False,
)
KEYSTORE_KEYPAIR = _op(
    "deviceKeystoreKeypairCreate", "POST", "/keystore/items/keypair", safe=False
)
KEYSTORE_CSR = _op("deviceKeystoreCSR", "POST", "/keystore/items/csr", safe=False)
ASSET_LIST = _op("deviceAssetList", "GET", "/assets", safe=True)
# A read, though a POST: the body only names the assets wanted.
ASSET_LIST_FILTERED = _op("deviceAssetListFiltered", "POST", "/assets", safe=True)
ASSET_READ = _op("deviceAssetRead", "POST", "/assets/_read", safe=True)
ASSET_WRITE = _op("deviceAssetWrite", "POST", "/assets/_write", safe=False)
ASSET_SETTINGS_GET = _op(
    "getDeviceAssetStoreSettings", "GET", "/assets/_settings", safe=True
)
ASSET_SETTINGS_PUT = _op(
    "putDeviceAssetStoreSettings", "PUT", "/assets/_settings", safe=False
)


def device_call_timeouts(base: Timeouts, device_timeout: float) -> Timeouts:
    """The client's timeouts for a call the server may hold ``device_timeout`` s.

    Read and total timeouts grow to outlast the server's wait plus a margin;
    they never shrink, and ``connect`` is untouched.
    """
    needed = device_timeout + DEVICE_TIMEOUT_GRACE
    total = None if base.total is None else max(base.total, needed + base.connect)

    return attrs.evolve(base, read=max(base.read, needed), total=total)


def _milliseconds(name: str, seconds: object) -> int:
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, int | float)
        or not math.isfinite(seconds)
        or seconds <= 0
    ):
        msg = f"{name} must be a positive number of seconds, got {seconds!r}"
        raise ConfigurationError(msg)

    return max(1, round(seconds * 1000))


def _policy(enablement_policy: StoreEnablementPolicy) -> str:
    try:
        return StoreEnablementPolicy(enablement_policy).value
    except ValueError:
        allowed = ", ".join(policy.value for policy in StoreEnablementPolicy)
        msg = f"enablement_policy must be one of {allowed}, got {enablement_policy!r}"
        raise ConfigurationError(msg) from None


def _member(document: Any, key: str, op: Operation) -> Any:
    """The list a device-management answer carries under ``key``."""
    if not is_dict(document):
        msg = f"{op.method} {op.path}: expected a JSON object with {key!r}"
        raise DecodeError(msg)

    return document.get(key) or []


def _configuration_input(configuration: ComponentConfiguration) -> dict[str, Any]:
    """What a write sends of a configuration: its id and properties, no metatype."""
    configuration = expect_model(configuration, ComponentConfiguration)
    return {
        "id": configuration.id,
        "properties": {
            "property": [unstructure(prop) for prop in configuration.properties]
        },
    }


class _DeviceApplication(Collection[Any]):
    """A management application of one device; its calls reach the device."""

    def __init__(self, binding: ScopeBinding, device_id: str) -> None:
        super().__init__(binding, {"deviceId": device_id})

    @property
    def device_id(self) -> str:
        """The device this application manages."""
        return self._parent_ids["deviceId"]

    async def _ask(
        self,
        op: Operation,
        timeout: float,
        *,
        path_params: Mapping[str, str] | None = None,
        query: Sequence[tuple[str, str]] = (),
        body: Any = None,
    ) -> Any:
        """Send a request the server forwards to the device, waiting ``timeout`` s."""
        milliseconds = _milliseconds("timeout", timeout)
        for name, value in (path_params or {}).items():
            check_id(name, value)

        return await self._send(
            op,
            path_params=dict(path_params or {}),
            query=[*query, ("timeout", str(milliseconds))],
            body=body,
            timeouts=device_call_timeouts(self._binding.pipeline.timeouts, timeout),
        )

    async def _ask_for_list(
        self,
        op: Operation,
        timeout: float,
        key: str,
        model: type[T],
        **kwargs: Any,
    ) -> list[T]:
        document = await self._ask(op, timeout, **kwargs)
        return structure(_member(document, key, op), list[model])  # type: ignore[valid-type]


class DeviceConfigurations(_DeviceApplication):
    """The configurations of a device's components, with their metatypes.

    To change one: ``get`` it, make a copy with ``with_values``, ``update``
    with the copy. The device checks each value against the metatype.
    """

    @operation(CONFIGURATIONS_READ)
    async def list(
        self, *, timeout: float = DEFAULT_DEVICE_TIMEOUT
    ) -> Sequence[ComponentConfiguration]:
        """Every component's configuration."""
        return await self._ask_for_list(
            CONFIGURATIONS_READ, timeout, "configuration", ComponentConfiguration
        )

    @operation(CONFIGURATION_READ)
    async def get(
        self, component_id: str, *, timeout: float = DEFAULT_DEVICE_TIMEOUT
    ) -> ComponentConfiguration:
        """One component's configuration, by its PID."""
        found = await self._ask_for_list(
            CONFIGURATION_READ,
            timeout,
            "configuration",
            ComponentConfiguration,
            path_params={"componentId": component_id},
        )
        if len(found) != 1:
            msg = f"the device answered {len(found)} configurations for {component_id}"
            raise DecodeError(msg)
        return found[0]

    @operation(CONFIGURATION_WRITE)
    async def update(
        self,
        configuration: ComponentConfiguration,
        *,
        timeout: float = DEFAULT_DEVICE_TIMEOUT,
    ) -> None:
        """Write one component's properties; those not sent keep their values."""
        body = _configuration_input(configuration)
        await self._ask(
            CONFIGURATION_WRITE,
            timeout,
            path_params={"componentId": body["id"]},
            body=body,
        )

    @operation(CONFIGURATIONS_WRITE)
    async def update_all(
        self,
        configurations: Sequence[ComponentConfiguration],
        *,
        timeout: float = DEFAULT_DEVICE_TIMEOUT,
    ) -> None:
        """Write several components at once; the device applies all or none."""
        body = {"configuration": [_configuration_input(c) for c in configurations]}
        await self._ask(CONFIGURATIONS_WRITE, timeout, body=body)

    @operation(CONFIGURATION_SETTINGS_GET)
    async def settings(self) -> StoreSettings:
        """Whether the platform stores this device's configurations."""
        document = await self._send(CONFIGURATION_SETTINGS_GET)
        return structure(document, StoreSettings)

    @operation(CONFIGURATION_SETTINGS_PUT)
    async def update_settings(self, enablement_policy: StoreEnablementPolicy) -> None:
        """Set whether the platform stores this device's configurations."""
        body = {"enablementPolicy": _policy(enablement_policy)}
        await self._send(CONFIGURATION_SETTINGS_PUT, body=body)


class DeviceSnapshots(_DeviceApplication):
    """The configuration snapshots a device keeps, and rolling back to one."""

    @operation(SNAPSHOT_LIST)
    async def list(
        self, *, timeout: float = DEFAULT_DEVICE_TIMEOUT
    ) -> Sequence[Snapshot]:
        """The snapshots, oldest first."""
        return await self._ask_for_list(SNAPSHOT_LIST, timeout, "snapshotId", Snapshot)

    @operation(SNAPSHOT_GET)
    async def get(
        self, snapshot_id: str, *, timeout: float = DEFAULT_DEVICE_TIMEOUT
    ) -> Sequence[ComponentConfiguration]:
        """The configuration values a snapshot holds (without metatypes)."""
        return await self._ask_for_list(
            SNAPSHOT_GET,
            timeout,
            "configuration",
            ComponentConfiguration,
            path_params={"snapshotId": snapshot_id},
        )

    @operation(SNAPSHOT_ROLLBACK)
    async def rollback(
        self, snapshot_id: str, *, timeout: float = DEFAULT_DEVICE_TIMEOUT
    ) -> None:
        """Restore the configuration values of a snapshot; never retried."""
        await self._ask(
            SNAPSHOT_ROLLBACK, timeout, path_params={"snapshotId": snapshot_id}
        )


class DeviceBundles(_DeviceApplication):
    """The OSGi bundles of a device: list, start, stop."""

    @operation(BUNDLE_LIST)
    async def list(
        self,
        *,
        sort_by: str | None = None,
        sort_dir: str | None = None,
        timeout: float = DEFAULT_DEVICE_TIMEOUT,
    ) -> Sequence[DeviceBundle]:
        """The bundles, by id unless sorted by another bundle attribute."""
        query = sort_params(sort_by, sort_dir)
        return await self._ask_for_list(
            BUNDLE_LIST, timeout, "bundle", DeviceBundle, query=query
        )

    @operation(BUNDLE_START)
    async def start(
        self, bundle_id: int, *, timeout: float = DEFAULT_DEVICE_TIMEOUT
    ) -> None:
        """Start a bundle; never retried."""
        await self._ask(BUNDLE_START, timeout, path_params=_bundle_path(bundle_id))

    @operation(BUNDLE_STOP)
    async def stop(
        self, bundle_id: int, *, timeout: float = DEFAULT_DEVICE_TIMEOUT
    ) -> None:
        """Stop a bundle; never retried."""
        await self._ask(BUNDLE_STOP, timeout, path_params=_bundle_path(bundle_id))


def _bundle_path(bundle_id: object) -> dict[str, str]:
    if isinstance(bundle_id, bool) or not isinstance(bundle_id, int) or bundle_id < 0:
        msg = f"bundle_id must be a bundle's number, got {bundle_id!r}"
        raise ConfigurationError(msg)

    return {"bundleId": str(bundle_id)}


class DevicePackages(_DeviceApplication):
    """The deployment packages of a device: list, download and install, uninstall.

    Installs and uninstalls run on after the call returns: follow them with
    ``device.operations.wait(operation.id)``.
    """

    @operation(PACKAGE_LIST)
    async def list(
        self, *, timeout: float = DEFAULT_DEVICE_TIMEOUT
    ) -> Sequence[DevicePackage]:
        """The installed packages."""
        return await self._ask_for_list(
            PACKAGE_LIST, timeout, "devicePackage", DevicePackage
        )

    @operation(PACKAGE_DOWNLOAD)
    async def download(
        self, package: PackageDownload, *, timeout: float = DEFAULT_DEVICE_TIMEOUT
    ) -> DeviceOperation | None:
        """Have the device download a package and (by default) install it.

        Returns the running operation, or ``None`` if the server registered
        none. Never retried: a lost answer does not start a second install.
        """
        document = await self._ask(PACKAGE_DOWNLOAD, timeout, body=unstructure(package))
        return None if document is None else structure(document, DeviceOperation)

    @operation(PACKAGE_UNINSTALL)
    async def uninstall(
        self,
        name: str,
        version: str,
        *,
        reboot: bool = False,
        reboot_delay: int | None = None,
        timeout: float = DEFAULT_DEVICE_TIMEOUT,
    ) -> DeviceOperation | None:
        """Have the device uninstall a package; returns the running operation."""
        body: dict[str, Any] = {"name": name, "version": version, "reboot": reboot}
        if reboot_delay is not None:
            body["rebootDelay"] = reboot_delay
        document = await self._ask(PACKAGE_UNINSTALL, timeout, body=body)
        return None if document is None else structure(document, DeviceOperation)


class DeviceCommands(_DeviceApplication):
    """Shell commands on a device."""

    @operation(COMMAND_EXECUTE)
    async def execute(
        self,
        command: str,
        arguments: Sequence[str] = (),
        *,
        working_dir: str | None = None,
        environment: Mapping[str, str] | None = None,
        stdin: str | None = None,
        body: bytes | None = None,
        password: str | None = None,
        command_timeout: float | None = None,
        in_background: bool = False,
        timeout: float = DEFAULT_DEVICE_TIMEOUT,
    ) -> CommandOutput:
        """Run ``command`` with ``arguments`` and return what it printed.

        ``command_timeout`` is the device's limit for the command itself
        (seconds); ``timeout`` is how long the server waits for the answer.
        ``in_background`` returns at once, without output. Never retried.
        """
        command_input: dict[str, Any] = {
            "command": command,
            "arguments": [str(argument) for argument in arguments],
        }
        if working_dir is not None:
            command_input["workingDir"] = working_dir
        if environment:
            command_input["environment"] = [f"{k}={v}" for k, v in environment.items()]
        if stdin is not None:
            command_input["stdin"] = stdin
        if body is not None:
            command_input["body"] = base64.b64encode(body).decode()
        if password is not None:
            command_input["password"] = password
        if command_timeout is not None:
            command_input["timeout"] = _milliseconds("command_timeout", command_timeout)
        if in_background:
            command_input["runAsynch"] = True
        document = await self._ask(COMMAND_EXECUTE, timeout, body=command_input)
        return structure(document, CommandOutput)


class DeviceRequests(_DeviceApplication):
    """Raw requests to any application of a device (the JSON request form)."""

    @operation(REQUEST_EXEC)
    async def send(
        self,
        app_name: str,
        method: str,
        resources: Sequence[str] = (),
        *,
        version: str = "V1",
        metrics: Mapping[str, Any] | None = None,
        body: bytes | None = None,
        timeout: float = DEFAULT_DEVICE_TIMEOUT,
    ) -> DeviceResponse:
        """Send ``method`` (READ, WRITE, EXECUTE, ...) to ``app_name``'s ``resources``.

        ``metrics`` values are typed by their Python type (str, int, float,
        bool, bytes). Never retried, whatever the method.
        """
        payload: dict[str, Any] = {
            "metrics": [
                metric_of(name, value) for name, value in (metrics or {}).items()
            ]
        }
        if body is not None:
            payload["body"] = base64.b64encode(body).decode()
        request = {
            "channel": {
                "appName": app_name,
                "version": version,
                "method": method.upper(),
                "resources": list(resources),
            },
            "payload": payload,
        }
        document = await self._ask(REQUEST_EXEC, timeout, body=request)
        return structure(document, DeviceResponse)


class DeviceInventory(_DeviceApplication):
    """What is installed on a device: bundles, containers, packages."""

    @operation(INVENTORY_GET)
    async def list(
        self, *, timeout: float = DEFAULT_DEVICE_TIMEOUT
    ) -> Sequence[InventoryItem]:
        """Everything installed, each item with its type."""
        return await self._ask_for_list(
            INVENTORY_GET, timeout, "inventoryItems", InventoryItem
        )

    @operation(INVENTORY_BUNDLES)
    async def bundles(
        self, *, timeout: float = DEFAULT_DEVICE_TIMEOUT
    ) -> Sequence[InventoryBundle]:
        """The bundles."""
        return await self._ask_for_list(
            INVENTORY_BUNDLES, timeout, "inventoryBundles", InventoryBundle
        )

    @operation(INVENTORY_BUNDLE_START)
    async def start_bundle(
        self, bundle: InventoryBundle, *, timeout: float = DEFAULT_DEVICE_TIMEOUT
    ) -> None:
        """Start a bundle the inventory lists; never retried."""
        await self._ask(INVENTORY_BUNDLE_START, timeout, body=unstructure(bundle))

    @operation(INVENTORY_BUNDLE_STOP)
    async def stop_bundle(
        self, bundle: InventoryBundle, *, timeout: float = DEFAULT_DEVICE_TIMEOUT
    ) -> None:
        """Stop a bundle the inventory lists; never retried."""
        await self._ask(INVENTORY_BUNDLE_STOP, timeout, body=unstructure(bundle))

    @operation(INVENTORY_CONTAINERS)
    async def containers(
        self, *, timeout: float = DEFAULT_DEVICE_TIMEOUT
    ) -> Sequence[InventoryContainer]:
        """The containers."""
        return await self._ask_for_list(
            INVENTORY_CONTAINERS, timeout, "inventoryContainers", InventoryContainer
        )

    @operation(INVENTORY_CONTAINER_START)
    async def start_container(
        self, container: InventoryContainer, *, timeout: float = DEFAULT_DEVICE_TIMEOUT
    ) -> None:
        """Start a container; never retried."""
        await self._ask(INVENTORY_CONTAINER_START, timeout, body=unstructure(container))

    @operation(INVENTORY_CONTAINER_STOP)
    async def stop_container(
        self, container: InventoryContainer, *, timeout: float = DEFAULT_DEVICE_TIMEOUT
    ) -> None:
        """Stop a container; never retried."""
        await self._ask(INVENTORY_CONTAINER_STOP, timeout, body=unstructure(container))

    @operation(INVENTORY_SYSTEM)
    async def system_packages(
        self, *, timeout: float = DEFAULT_DEVICE_TIMEOUT
    ) -> Sequence[InventoryPackage]:
        """The operating system's packages."""
        return await self._ask_for_list(
            INVENTORY_SYSTEM, timeout, "systemPackages", InventoryPackage
        )

    @operation(INVENTORY_PACKAGES)
    async def deployment_packages(
        self, *, timeout: float = DEFAULT_DEVICE_TIMEOUT
    ) -> Sequence[DeploymentPackage]:
        """The deployment packages, each with its bundles."""
        return await self._ask_for_list(
            INVENTORY_PACKAGES, timeout, "deploymentPackages", DeploymentPackage
        )


def _keystore_query(keystore_id: object, alias: object) -> Sequence[tuple[str, str]]:
    return [
        ("keystoreId", _non_empty("keystore_id", keystore_id)),
        ("alias", _non_empty("alias", alias)),
    ]


def _non_empty(name: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        msg = f"{name} must be a non-empty string, got {value!r}"
        raise ConfigurationError(msg)

    return value


class DeviceKeystores(_DeviceApplication):
    """The keystores of a device, their keys and certificates."""

    @operation(KEYSTORES_GET)
    async def list(
        self, *, timeout: float = DEFAULT_DEVICE_TIMEOUT
    ) -> Sequence[DeviceKeystore]:
        """The keystores and how many items each holds."""
        return await self._ask_for_list(
            KEYSTORES_GET, timeout, "keystores", DeviceKeystore
        )

    @operation(KEYSTORE_ITEMS_GET)
    async def items(
        self,
        *,
        keystore_id: str | None = None,
        alias: str | None = None,
        timeout: float = DEFAULT_DEVICE_TIMEOUT,
    ) -> Sequence[KeystoreItem]:
        """The items of every keystore, or of one, or with one alias."""
        query = [("keystoreId", keystore_id)] if keystore_id else []
        query += [("alias", alias)] if alias else []
        return await self._ask_for_list(
            KEYSTORE_ITEMS_GET, timeout, "keystoreItems", KeystoreItem, query=query
        )

    @operation(KEYSTORE_ITEM_GET)
    async def item(
        self, keystore_id: str, alias: str, *, timeout: float = DEFAULT_DEVICE_TIMEOUT
    ) -> KeystoreItem:
        """One item, by keystore and alias."""
        document = await self._ask(
            KEYSTORE_ITEM_GET, timeout, query=_keystore_query(keystore_id, alias)
        )
        return structure(document, KeystoreItem)

    @operation(KEYSTORE_ITEM_DELETE)
    async def delete_item(
        self, keystore_id: str, alias: str, *, timeout: float = DEFAULT_DEVICE_TIMEOUT
    ) -> None:
        """Remove an item from a keystore; never retried."""
        await self._ask(
            KEYSTORE_ITEM_DELETE, timeout, query=_keystore_query(keystore_id, alias)
        )

    @operation(KEYSTORE_CERTIFICATE_RAW)
    async def add_certificate(
        self,
        keystore_id: str,
        alias: str,
        certificate: str,
        *,
        timeout: float = DEFAULT_DEVICE_TIMEOUT,
    ) -> None:
        """Store a trusted certificate, given in PEM form; never retried."""
        _keystore_query(keystore_id, alias)
        body = {"keystoreId": keystore_id, "alias": alias, "certificate": certificate}
        await self._ask(KEYSTORE_CERTIFICATE_RAW, timeout, body=body)

    @operation(KEYSTORE_CERTIFICATE_INFO)
    async def add_certificate_info(
        self,
        keystore_id: str,
        alias: str,
        certificate_info_id: str,
        *,
        timeout: float = DEFAULT_DEVICE_TIMEOUT,
    ) -> None:
        """Store the certificate a platform certificate-info entry holds; never retried."""
        _keystore_query(keystore_id, alias)
        check_id("certificateInfoId", certificate_info_id)
        body = {
            "keystoreId": keystore_id,
            "alias": alias,
            "certificateInfoId": certificate_info_id,
        }
        await self._ask(KEYSTORE_CERTIFICATE_INFO, timeout, body=body)

    @operation(KEYSTORE_KEYPAIR)
    async def create_keypair(
        self,
        keystore_id: str,
        alias: str,
        *,
        algorithm: str = "RSA",
        size: int = 2048,
        signature_algorithm: str = "SHA256withRSA",
        attributes: str | None = None,
        timeout: float = DEFAULT_DEVICE_TIMEOUT,
    ) -> None:
        """Have the device generate a key pair; ``attributes`` is its subject DN."""
        _keystore_query(keystore_id, alias)
        body: dict[str, Any] = {
            "keystoreId": keystore_id,
            "alias": alias,
            "algorithm": algorithm,
            "size": size,
            "signatureAlgorithm": signature_algorithm,
        }
        if attributes is not None:
            body["attributes"] = attributes
        await self._ask(KEYSTORE_KEYPAIR, timeout, body=body)

    @operation(KEYSTORE_CSR)
    async def create_csr(
        self,
        keystore_id: str,
        alias: str,
        *,
        signature_algorithm: str = "SHA256withRSA",
        attributes: str | None = None,
        timeout: float = DEFAULT_DEVICE_TIMEOUT,
    ) -> str:
        """A certificate signing request (PEM) for a key the device holds."""
        _keystore_query(keystore_id, alias)
        body: dict[str, Any] = {
            "keystoreId": keystore_id,
            "alias": alias,
            "signatureAlgorithm": signature_algorithm,
        }
        if attributes is not None:
            body["attributes"] = attributes
        document = await self._ask(KEYSTORE_CSR, timeout, body=body)
        request = document.get("signingRequest") if is_dict(document) else None
        if not isinstance(request, str):
            msg = f"{KEYSTORE_CSR.method} {KEYSTORE_CSR.path}: no signingRequest"
            raise DecodeError(msg)
        return request


class DeviceAssets(_DeviceApplication):
    """The assets (field devices) behind a gateway: definitions, reads, writes.

    To write: read the assets (or their definitions), make copies with
    ``DeviceAsset.with_values``, ``write`` the copies. Each channel of the
    answer carries its value or its ``error``.
    """

    @operation(ASSET_LIST)
    @operation(ASSET_LIST_FILTERED)
    async def list(
        self, names: Sequence[str] = (), *, timeout: float = DEFAULT_DEVICE_TIMEOUT
    ) -> Sequence[DeviceAsset]:
        """The assets and their channel definitions; all, or those named."""
        if not names:
            return await self._ask_for_list(
                ASSET_LIST, timeout, "deviceAsset", DeviceAsset
            )
        body = {"deviceAsset": [{"name": name} for name in names]}
        return await self._ask_for_list(
            ASSET_LIST_FILTERED, timeout, "deviceAsset", DeviceAsset, body=body
        )

    @operation(ASSET_READ)
    async def read(
        self,
        channels: Mapping[str, Sequence[str]] | None = None,
        *,
        timeout: float = DEFAULT_DEVICE_TIMEOUT,
    ) -> Sequence[DeviceAsset]:
        """Read channel values: ``{asset: [channel, ...]}`` (an empty list for all
        of an asset's channels), or every readable channel when ``None``."""
        wanted = [
            {"name": asset, "channels": [{"name": name} for name in names]}
            for asset, names in (channels or {}).items()
        ]
        return await self._ask_for_list(
            ASSET_READ,
            timeout,
            "deviceAsset",
            DeviceAsset,
            body={"deviceAsset": wanted},
        )

    @operation(ASSET_WRITE)
    async def write(
        self, assets: Sequence[DeviceAsset], *, timeout: float = DEFAULT_DEVICE_TIMEOUT
    ) -> Sequence[DeviceAsset]:
        """Write the channel values the assets carry; never retried."""
        body = {
            "deviceAsset": [
                {
                    "name": asset.name,
                    "channels": [
                        {
                            "name": channel.name,
                            "valueType": channel.value_type or "string",
                            "value": channel.value,
                        }
                        for channel in asset.channels
                    ],
                }
                for asset in assets
            ]
        }
        return await self._ask_for_list(
            ASSET_WRITE, timeout, "deviceAsset", DeviceAsset, body=body
        )

    @operation(ASSET_SETTINGS_GET)
    async def settings(self) -> StoreSettings:
        """Whether the platform stores this device's asset values."""
        document = await self._send(ASSET_SETTINGS_GET)
        return structure(document, StoreSettings)

    @operation(ASSET_SETTINGS_PUT)
    async def update_settings(self, enablement_policy: StoreEnablementPolicy) -> None:
        """Set whether the platform stores this device's asset values."""
        body = {"enablementPolicy": _policy(enablement_policy)}
        await self._send(ASSET_SETTINGS_PUT, body=body)


class ManagedDevice:
    """One device, addressed by id: its management applications, operations, events.

    Made by ``ec.device(device_id)``; making it sends nothing. Calls to the
    applications reach the device and fail with ``DeviceNotConnected`` when
    it is offline; ``operations`` and ``events`` are the platform's records
    and answer either way.
    """

    def __init__(self, binding: ScopeBinding, device_id: str) -> None:
        check_id("deviceId", device_id)
        self._binding = binding
        self._device_id = device_id

    @property
    def device_id(self) -> str:
        """The device's id."""
        return self._device_id

    @property
    def scope_id(self) -> str:
        """The scope id the device is addressed in (``_`` is the caller's own)."""
        return self._binding.scope_id

    @property
    def configurations(self) -> DeviceConfigurations:
        """The configurations of the device's components."""
        return DeviceConfigurations(self._binding, self._device_id)

    @property
    def snapshots(self) -> DeviceSnapshots:
        """The device's configuration snapshots."""
        return DeviceSnapshots(self._binding, self._device_id)

    @property
    def bundles(self) -> DeviceBundles:
        """The device's OSGi bundles."""
        return DeviceBundles(self._binding, self._device_id)

    @property
    def packages(self) -> DevicePackages:
        """The device's deployment packages."""
        return DevicePackages(self._binding, self._device_id)

    @property
    def commands(self) -> DeviceCommands:
        """Shell commands on the device."""
        return DeviceCommands(self._binding, self._device_id)

    @property
    def requests(self) -> DeviceRequests:
        """Raw requests to the device's applications."""
        return DeviceRequests(self._binding, self._device_id)

    @property
    def inventory(self) -> DeviceInventory:
        """What is installed on the device."""
        return DeviceInventory(self._binding, self._device_id)

    @property
    def keystores(self) -> DeviceKeystores:
        """The device's keystores."""
        return DeviceKeystores(self._binding, self._device_id)

    @property
    def assets(self) -> DeviceAssets:
        """The assets behind the device."""
        return DeviceAssets(self._binding, self._device_id)

    @property
    def operations(self) -> DeviceOperations:
        """The device's long-running management operations."""
        return DeviceOperations(self._binding, {"deviceId": self._device_id})

    @property
    def events(self) -> DeviceEvents:
        """The device's events, newest first."""
        return DeviceEvents(self._binding, {"deviceId": self._device_id})

    def __repr__(self) -> str:
        return f"<ManagedDevice {self._device_id} in {self.scope_id}>"
