"""What a simulated Kura gateway holds and how it answers management requests.

Pure logic over one JSON document (configurations with their metatypes,
snapshots, bundles, deployment packages, containers, system packages, assets,
keystores): no I/O, no clock of its own. ``_device_gateway`` loads the
document, lets the device act, and stores it back. Answers are written in the
wire shapes of the Kapua REST API.
"""

from __future__ import annotations

import base64
import copy
import shlex
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from ec_async._guards import is_list, is_mapping
from ec_async.emulator._device_catalogue import (
    encrypt,
    factory_contents,
    fake_pem,
    key_item,
)
from ec_async.emulator._device_shell import Shell
from ec_async.emulator._wire import format_date

__all__ = ["CommandResult", "DeviceRefusal", "SimulatedDevice", "summary"]

_SNAPSHOTS_KEPT = 10


class DeviceRefusal(Exception):
    """The device answered with an error response code instead of doing the work."""

    def __init__(self, response_code: str, message: str) -> None:
        super().__init__(message)
        self.response_code = response_code
        self.message = message


def _not_found(message: str) -> DeviceRefusal:
    return DeviceRefusal("NOT_FOUND", message)


def _bad_request(message: str) -> DeviceRefusal:
    return DeviceRefusal("BAD_REQUEST", message)


_INTEGER_TYPES = frozenset({"Long", "Integer", "Short", "Byte"})
_DECIMAL_TYPES = frozenset({"Double", "Float"})


def _property_problem(text: str, ad: Mapping[str, Any]) -> str | None:
    """Why ``text`` is not a valid value for the attribute ``ad``, if it is not."""
    ad_type = ad.get("type", "String")
    try:
        if ad_type in _INTEGER_TYPES:
            number: float = int(text)
        elif ad_type in _DECIMAL_TYPES:
            number = float(text)
        elif ad_type == "Boolean":
            if text not in {"true", "false"}:
                return f"{text!r} is not a Boolean"
            return None
        elif ad_type == "Char" and len(text) != 1:
            return f"{text!r} is not a single character"
        else:
            number = 0
    except ValueError:
        return f"{text!r} is not a valid {ad_type}"
    options = [option["value"] for option in ad.get("Option") or ()]
    if options and text not in options:
        return f"{text!r} is not one of {options}"
    if ad_type in _INTEGER_TYPES | _DECIMAL_TYPES:
        if "min" in ad and number < float(ad["min"]):
            return f"{text} is below the minimum {ad['min']}"
        if "max" in ad and number > float(ad["max"]):
            return f"{text} is above the maximum {ad['max']}"

    return None


_READABLE = frozenset({"READ", "READ_WRITE"})
_WRITABLE = frozenset({"WRITE", "READ_WRITE"})


def _channel_problem(text: str, value_type: str) -> str | None:
    try:
        if value_type in {"integer", "long"}:
            int(text)
        elif value_type in {"float", "double"}:
            float(text)
        elif value_type == "boolean" and text not in {"true", "false"}:
            return f"{text!r} is not a boolean"
        elif value_type == "binary":
            base64.b64decode(text, validate=True)
    except ValueError:
        return f"{text!r} is not a valid {value_type}"

    return None


@attrs.frozen
class CommandResult:
    """A command's output as the API writes it, and how long the device was busy."""

    output: dict[str, Any]
    busy_seconds: float = 0.0


class SimulatedDevice:
    """One simulated gateway: its contents, and what it does with each request."""

    def __init__(self, contents: dict[str, Any], device: Mapping[str, Any]) -> None:
        self.contents = contents
        self.device = device

    @classmethod
    def fresh(cls, device: Mapping[str, Any], now: int) -> SimulatedDevice:
        """Return a gateway as it comes out of the box, with its first snapshot."""
        simulated = cls(factory_contents(device, now), device)
        simulated.take_snapshot(0)

        return simulated

    # --- configurations and snapshots ----------------------------------------

    def _component(self, component_id: str) -> dict[str, Any]:
        for component in self.contents["configurations"]:
            if component["id"] == component_id:
                found: dict[str, Any] = component
                return found
        raise _not_found(f"Component {component_id} not found")

    def configurations(self, component_id: str | None = None) -> dict[str, Any]:
        """Return the device's configurations, or one component's, as Kapua writes them."""
        components = (
            self.contents["configurations"]
            if component_id is None
            else [self._component(component_id)]
        )

        return {
            "type": "deviceConfiguration",
            "configuration": [
                {
                    "id": component["id"],
                    "definition": component["definition"],
                    "properties": {"property": component["properties"]},
                }
                for component in components
            ],
        }

    def write_configurations(
        self, components: Sequence[Mapping[str, Any]], now: int
    ) -> None:
        """Merge new property values into components, then take a snapshot.

        Every value is checked against the component's metatype first, so a
        refused write changes nothing.
        """
        updates = [self._checked_update(component) for component in components]
        for target, properties in updates:
            by_name = {prop["name"]: prop for prop in target["properties"]}
            for prop in properties:
                by_name[prop["name"]] = prop
            target["properties"] = list(by_name.values())
        self.take_snapshot(now)

    def _checked_update(
        self, component: Mapping[str, Any]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        component_id = component.get("id")
        if not isinstance(component_id, str):
            raise _bad_request("A configuration without an id cannot be applied")
        target = self._component(component_id)
        ads = {ad["id"]: ad for ad in target["definition"]["AD"]}
        properties: list[dict[str, Any]] = []
        for prop in _property_list(component):
            name = prop.get("name")
            values: object = prop.get("value") or []
            if not isinstance(name, str) or not is_list(values):
                raise _bad_request(f"A property of {component_id} is malformed")
            ad = ads.get(name)
            for text in values:
                problem = None if ad is None else _property_problem(str(text), ad)
                if problem is not None:
                    raise _bad_request(f"{component_id}: {name}: {problem}")
            properties.append(_stored_property(prop, ad))

        return target, properties

    def take_snapshot(self, now: int) -> None:
        """Record the current configuration values, as Kura does after each change."""
        snapshot = {
            "id": str(now),
            "timestamp": now,
            "configurations": [
                {
                    "id": component["id"],
                    "properties": copy.deepcopy(component["properties"]),
                }
                for component in self.contents["configurations"]
            ],
        }
        kept = [each for each in self.contents["snapshots"] if each["id"] != str(now)]
        self.contents["snapshots"] = [*kept, snapshot][-_SNAPSHOTS_KEPT:]

    def snapshots(self) -> dict[str, Any]:
        """Return the snapshot ids and times, oldest first."""
        return {
            "type": "deviceSnapshots",
            "snapshotId": [
                {"id": each["id"], "timestamp": each["timestamp"]}
                for each in self.contents["snapshots"]
            ],
        }

    def _snapshot(self, snapshot_id: str) -> dict[str, Any]:
        for snapshot in self.contents["snapshots"]:
            if snapshot["id"] == snapshot_id:
                found: dict[str, Any] = snapshot
                return found
        raise _not_found(f"Snapshot {snapshot_id} not found")

    def snapshot(self, snapshot_id: str) -> dict[str, Any]:
        """Return the configuration values one snapshot holds."""
        return {
            "type": "deviceConfiguration",
            "configuration": [
                {"id": each["id"], "properties": {"property": each["properties"]}}
                for each in self._snapshot(snapshot_id)["configurations"]
            ],
        }

    def rollback(self, snapshot_id: str) -> None:
        """Restore the configuration values of a snapshot."""
        saved = {
            each["id"]: each["properties"]
            for each in self._snapshot(snapshot_id)["configurations"]
        }
        for component in self.contents["configurations"]:
            if component["id"] in saved:
                component["properties"] = copy.deepcopy(saved[component["id"]])

    def store_policy(self, store: str) -> str:
        """Return the enablement policy of the device's configuration or asset store."""
        return str(self.contents["stores"][store])

    def set_store_policy(self, store: str, policy: str) -> None:
        """Change the enablement policy of one of the device's stores."""
        self.contents["stores"][store] = policy

    # --- bundles ------------------------------------------------------------

    def _bundle(self, bundle_id: str) -> dict[str, Any]:
        for bundle in self.contents["bundles"]:
            if str(bundle["id"]) == bundle_id:
                found: dict[str, Any] = bundle
                return found
        raise _not_found(f"Bundle {bundle_id} not found")

    def bundles(self, sort_param: str | None, descending: bool) -> dict[str, Any]:
        """Return the OSGi bundles, by id unless a bundle attribute is named."""
        key = sort_param if sort_param in {"id", "name", "state", "version"} else "id"
        bundles = sorted(
            self.contents["bundles"], key=lambda bundle: bundle[key], reverse=descending
        )

        return {"type": "deviceBundles", "bundle": bundles}

    def set_bundle_state(self, bundle_id: str, start: bool) -> None:
        """Start or stop a bundle; the system bundle cannot be stopped."""
        bundle = self._bundle(bundle_id)
        if not start and bundle["id"] == 0:
            raise _bad_request("The system bundle cannot be stopped")
        bundle["state"] = "ACTIVE" if start else "RESOLVED"

    def _inventory_bundle(self, wanted: Mapping[str, Any]) -> dict[str, Any]:
        for bundle in self.contents["bundles"]:
            if str(bundle["id"]) == str(wanted.get("id")) or bundle[
                "name"
            ] == wanted.get("name"):
                found: dict[str, Any] = bundle
                return found
        raise _not_found(f"Bundle {wanted.get('name') or wanted.get('id')} not found")

    def set_inventory_bundle_state(
        self, wanted: Mapping[str, Any], start: bool
    ) -> None:
        """Start or stop the bundle an inventory entry names (by id or name)."""
        self.set_bundle_state(str(self._inventory_bundle(wanted)["id"]), start)

    # --- deployment packages ---------------------------------------------------

    def packages(self) -> dict[str, Any]:
        """Return the installed deployment packages."""
        versions = {
            bundle["name"]: bundle["version"] for bundle in self.contents["bundles"]
        }

        return {
            "type": "devicePackages",
            "devicePackage": [
                {
                    "name": package["name"],
                    "version": package["version"],
                    "bundleInfos": {
                        "bundleInfo": [
                            {
                                "name": name,
                                "version": versions.get(name, package["version"]),
                            }
                            for name in package["bundles"]
                        ]
                    },
                    "installDate": format_date(package["installDate"]),
                }
                for package in self.contents["packages"]
            ],
        }

    def has_package(self, name: str, version: str) -> bool:
        """Return whether this version of a package is installed."""
        return any(
            package["name"] == name and package["version"] == version
            for package in self.contents["packages"]
        )

    def install_package(self, name: str, version: str, now: int) -> None:
        """Install a deployment package (replacing another version) and start its bundle."""
        self.uninstall_package(name, None)
        bundle_name = name if "." in name else f"org.eclipse.kura.{name}"
        next_id = (
            max((bundle["id"] for bundle in self.contents["bundles"]), default=-1) + 1
        )
        self.contents["bundles"].append(
            {"id": next_id, "name": bundle_name, "version": version, "state": "ACTIVE"}
        )
        self.contents["packages"].append(
            {
                "name": name,
                "version": version,
                "installDate": now,
                "bundles": [bundle_name],
            }
        )

    def uninstall_package(self, name: str, version: str | None) -> None:
        """Remove a deployment package and its bundles (any version when ``None``)."""
        removed = [
            package
            for package in self.contents["packages"]
            if package["name"] == name and version in {None, package["version"]}
        ]
        bundles = {bundle for package in removed for bundle in package["bundles"]}
        self.contents["packages"] = [
            p for p in self.contents["packages"] if p not in removed
        ]
        self.contents["bundles"] = [
            b for b in self.contents["bundles"] if b["name"] not in bundles
        ]

    # --- inventory --------------------------------------------------------------

    def _inventory_bundles(self) -> list[dict[str, Any]]:
        return [
            {
                "id": str(bundle["id"]),
                "name": bundle["name"],
                "version": bundle["version"],
                "status": bundle["state"],
                "signed": False,
            }
            for bundle in self.contents["bundles"]
        ]

    def inventory(self) -> dict[str, Any]:
        """Return everything installed: bundles, packages, system packages, containers."""
        items = [
            {"name": bundle["name"], "version": bundle["version"], "itemType": "BUNDLE"}
            for bundle in self.contents["bundles"]
        ]
        items += [
            {"name": package["name"], "version": package["version"], "itemType": "DP"}
            for package in self.contents["packages"]
        ]
        items += [
            {
                "name": package["name"],
                "version": package["version"],
                "itemType": package["packageType"],
            }
            for package in self.contents["systemPackages"]
        ]
        items += [
            {
                "name": container["name"],
                "version": container["version"],
                "itemType": container["containerType"],
            }
            for container in self.contents["containers"]
        ]

        return {"type": "deviceInventory", "inventoryItems": items}

    def inventory_bundles(self) -> dict[str, Any]:
        """Return the bundle inventory."""
        return {
            "type": "deviceInventoryBundles",
            "inventoryBundles": self._inventory_bundles(),
        }

    def inventory_containers(self) -> dict[str, Any]:
        """Return the container inventory."""
        return {
            "type": "deviceInventoryContainers",
            "inventoryContainers": self.contents["containers"],
        }

    def set_container_state(self, wanted: Mapping[str, Any], start: bool) -> None:
        """Start or stop a container, found by name."""
        for container in self.contents["containers"]:
            if container["name"] == wanted.get("name"):
                container["state"] = "ACTIVE" if start else "INSTALLED"
                return
        raise _not_found(f"Container {wanted.get('name')} not found")

    def inventory_system_packages(self) -> dict[str, Any]:
        """Return the operating system's packages."""
        return {
            "type": "deviceInventorySystemPackages",
            "systemPackages": self.contents["systemPackages"],
        }

    def inventory_deployment_packages(self) -> dict[str, Any]:
        """Return the deployment packages with their bundles."""
        bundles = {bundle["name"]: bundle for bundle in self._inventory_bundles()}

        return {
            "type": "deviceInventoryDeploymentPackages",
            "deploymentPackages": [
                {
                    "name": package["name"],
                    "version": package["version"],
                    "packageBundles": [
                        bundles[name] for name in package["bundles"] if name in bundles
                    ],
                }
                for package in self.contents["packages"]
            ],
        }

    # --- assets -----------------------------------------------------------------

    def _asset(self, name: object) -> dict[str, Any]:
        for asset in self.contents["assets"]:
            if asset["name"] == name:
                found: dict[str, Any] = asset
                return found
        raise _not_found(f"Asset {name} not found")

    def _selected(
        self, wanted: Sequence[Mapping[str, Any]]
    ) -> list[tuple[dict[str, Any], list[str]]]:
        if not wanted:
            return [(asset, []) for asset in self.contents["assets"]]

        return [
            (
                self._asset(each.get("name")),
                [str(channel.get("name")) for channel in each.get("channels") or ()],
            )
            for each in wanted
        ]

    def asset_definitions(self, wanted: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """Return the assets (all, or the named ones) with their channel definitions."""
        return {
            "type": "deviceAssets",
            "deviceAsset": [
                {
                    "name": asset["name"],
                    "channels": [
                        {
                            "name": channel["name"],
                            "mode": channel["mode"],
                            "valueType": channel["valueType"],
                        }
                        for channel in asset["channels"]
                    ],
                }
                for asset, _ in self._selected(wanted)
            ],
        }

    def read_assets(
        self, wanted: Sequence[Mapping[str, Any]], now: int
    ) -> dict[str, Any]:
        """Read the readable channels of the assets asked for (all channels by default)."""
        assets: list[dict[str, Any]] = []
        for asset, names in self._selected(wanted):
            channels = [
                {
                    "name": channel["name"],
                    "valueType": channel["valueType"],
                    "value": channel["value"],
                    "timestamp": format_date(now),
                }
                for channel in asset["channels"]
                if channel["mode"] in _READABLE
                and (not names or channel["name"] in names)
            ]
            assets.append({"name": asset["name"], "channels": channels})

        return {"type": "deviceAssets", "deviceAsset": assets}

    def write_assets(
        self, wanted: Sequence[Mapping[str, Any]], now: int
    ) -> dict[str, Any]:
        """Write channel values; each channel answers with its value or an error."""
        assets: list[dict[str, Any]] = []
        for each in wanted:
            asset = self._asset(each.get("name"))
            channels = {channel["name"]: channel for channel in asset["channels"]}
            results: list[dict[str, Any]] = []
            for written in each.get("channels") or ():
                text = "" if written.get("value") is None else str(written["value"])
                result: dict[str, Any] = {
                    "name": written.get("name"),
                    "valueType": written.get("valueType", "string"),
                    "value": text,
                    "timestamp": format_date(now),
                }
                channel = channels.get(str(written.get("name")))
                error = _write_problem(channel, text)
                if error is None and channel is not None:
                    channel["value"] = text
                    result["valueType"] = channel["valueType"]
                else:
                    result["error"] = error
                results.append(result)
            assets.append({"name": asset["name"], "channels": results})

        return {"type": "deviceAssets", "deviceAsset": assets}

    # --- keystores ----------------------------------------------------------------

    def _keystore(self, keystore_id: object) -> dict[str, Any]:
        for keystore in self.contents["keystores"]:
            if keystore["id"] == keystore_id:
                found: dict[str, Any] = keystore
                return found
        raise _not_found(f"Keystore {keystore_id} not found")

    def keystores(self) -> dict[str, Any]:
        """Return the keystores, each with its size."""
        return {
            "type": "deviceKeystores",
            "keystores": [
                {
                    "id": keystore["id"],
                    "keystoreType": keystore["keystoreType"],
                    "size": len(keystore["items"]),
                }
                for keystore in self.contents["keystores"]
            ],
        }

    def keystore_items(
        self, keystore_id: str | None, alias: str | None
    ) -> dict[str, Any]:
        """Return the items of every keystore, filtered by keystore and alias."""
        items = [
            _item_json(keystore["id"], item)
            for keystore in self.contents["keystores"]
            if keystore_id is None or keystore["id"] == keystore_id
            for item in keystore["items"]
            if alias is None or item["alias"] == alias
        ]

        return {"type": "deviceKeystoreItems", "keystoreItems": items}

    def _item(self, keystore_id: str, alias: str) -> dict[str, Any]:
        for item in self._keystore(keystore_id)["items"]:
            if item["alias"] == alias:
                found: dict[str, Any] = item
                return found
        raise _not_found(f"No item {alias} in keystore {keystore_id}")

    def keystore_item(self, keystore_id: str, alias: str) -> dict[str, Any]:
        """Return one keystore item."""
        return {
            "type": "deviceKeystoreItem",
            **_item_json(keystore_id, self._item(keystore_id, alias)),
        }

    def delete_keystore_item(self, keystore_id: str, alias: str) -> None:
        """Remove one keystore item."""
        keystore = self._keystore(keystore_id)
        item = self._item(keystore_id, alias)
        keystore["items"].remove(item)

    def _put_item(
        self, keystore_id: object, alias: object, item: dict[str, Any]
    ) -> None:
        if not isinstance(alias, str) or not alias:
            raise _bad_request("A keystore item needs an alias")
        keystore = self._keystore(keystore_id)
        keystore["items"] = [
            each for each in keystore["items"] if each["alias"] != alias
        ]
        keystore["items"].append(item)

    def add_certificate(self, body: Mapping[str, Any], now: int) -> None:
        """Store a trusted certificate given in PEM form."""
        certificate = body.get("certificate")
        if (
            not isinstance(certificate, str)
            or "-----BEGIN CERTIFICATE-----" not in certificate
        ):
            raise _bad_request("The certificate is not in PEM form")
        alias = body.get("alias")
        item = key_item(
            str(alias), "TRUSTED_CERTIFICATE", f"CN={alias}", f"CN={alias}", now
        )
        item["certificate"] = certificate
        self._put_item(body.get("keystoreId"), alias, item)

    def add_certificate_info(self, body: Mapping[str, Any], now: int) -> None:
        """Store the certificate a platform certificate-info entry describes."""
        alias = body.get("alias")
        subject = f"CN={alias},OU=certificate {body.get('certificateInfoId')}"
        self._put_item(
            body.get("keystoreId"),
            alias,
            key_item(str(alias), "TRUSTED_CERTIFICATE", subject, subject, now),
        )

    def create_keypair(self, body: Mapping[str, Any], now: int) -> None:
        """Generate a key pair with a self-signed certificate."""
        alias = body.get("alias")
        algorithm = str(body.get("algorithm") or "RSA")
        size = body.get("size") or 2048
        if algorithm not in {"RSA", "EC", "DSA"} or not isinstance(size, int):
            raise _bad_request(f"Cannot generate a {algorithm} key of size {size}")
        subject = str(body.get("attributes") or f"CN={alias}")
        item = key_item(
            str(alias),
            "PRIVATE_KEY",
            subject,
            subject,
            now,
            size=size,
            algorithm=algorithm,
        )
        self._put_item(body.get("keystoreId"), alias, item)

    def certificate_signing_request(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """Return a signing request for an existing private key."""
        item = self._item(str(body.get("keystoreId")), str(body.get("alias")))
        if item["itemType"] != "PRIVATE_KEY":
            raise _bad_request(f"{item['alias']} is not a private key")
        seed = (
            f"{item['alias']}/{body.get('attributes')}/{body.get('signatureAlgorithm')}"
        )

        return {
            "type": "deviceKeystoreCSR",
            "signingRequest": fake_pem("CERTIFICATE REQUEST", seed, 8),
        }

    # --- commands -------------------------------------------------------------------

    def run_command(self, command_input: Mapping[str, Any], now: int) -> CommandResult:
        """Run a shell command the way Kura's command service reports it."""
        command = command_input.get("command")
        if not isinstance(command, str) or not command.strip():
            raise _bad_request("No command was given")
        arguments = [str(each) for each in command_input.get("arguments") or ()]
        words = [*shlex.split(command), *arguments]
        if command_input.get("runAsynch"):
            return CommandResult(
                {"type": "deviceCommandOutput", "exitCode": 0, "hasTimedout": False}
            )

        environment = [str(each) for each in command_input.get("environment") or ()]
        shell = Shell(
            self.device,
            now,
            str(command_input.get("workingDir") or "/root"),
            environment,
        )
        stdout, stderr, exit_code, busy = shell.run(
            words, str(command_input.get("stdin") or "")
        )
        output: dict[str, Any] = {
            "type": "deviceCommandOutput",
            "stderr": stderr,
            "stdout": stdout,
            "exitCode": exit_code,
            "hasTimedout": False,
        }
        limit = command_input.get("timeout")
        if isinstance(limit, int) and limit > 0 and busy * 1000 > limit:
            # The command service kills the process at its own timeout.
            busy = limit / 1000
            output = {
                "type": "deviceCommandOutput",
                "stderr": "",
                "stdout": "",
                "hasTimedout": True,
            }

        return CommandResult(output, busy)


def _property_list(component: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    wrapper: object = component.get("properties") or {}
    found = wrapper.get("property") if is_mapping(wrapper) else None
    if not is_list(found):
        return []

    return [prop for prop in found if is_mapping(prop)]


def _stored_property(
    prop: Mapping[str, Any], ad: Mapping[str, Any] | None
) -> dict[str, Any]:
    prop_type = str(prop.get("type") or (ad or {}).get("type") or "String")
    values = [str(value) for value in prop.get("value") or ()]
    encrypted = bool(prop.get("encrypted"))
    if prop_type == "Password" and not encrypted:
        values = [encrypt(value) for value in values]
        encrypted = True

    return {
        "name": prop["name"],
        "array": bool(prop.get("array")),
        "encrypted": encrypted,
        "type": prop_type,
        "value": values,
    }


def _write_problem(channel: Mapping[str, Any] | None, text: str) -> str | None:
    if channel is None:
        return "Channel not found"
    if channel["mode"] not in _WRITABLE:
        return f"Channel {channel['name']} is not writable"

    return _channel_problem(text, channel["valueType"])


def _item_json(keystore_id: str, item: Mapping[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = {"keystoreId": keystore_id}
    for key, value in item.items():
        document[key] = (
            format_date(value) if key in {"notBefore", "notAfter"} else value
        )
    if item["itemType"] == "PRIVATE_KEY" and item["alias"] == "localhost":
        document["subjectANs"] = [{"ANType": "DNS", "value": "localhost"}]

    return document


def summary(pairs: Iterable[tuple[str, Any]]) -> str:
    """Return a payload's display string as Kapua writes it: ``k=v~~k=v``."""
    return "~~".join(f"{key}={value}" for key, value in pairs if value is not None)
