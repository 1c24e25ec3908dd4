"""What a simulated Kura gateway holds out of the box.

Metatyped configurations, bundles, deployment and system packages,
containers, assets and keystores; the values that differ between gateways
are drawn from the client id, so a device always starts the same way.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["encrypt", "factory_contents", "fake_pem", "key_item"]

_YEAR_MS = 365 * 86_400_000
_MONTH_MS = 30 * 86_400_000

# --- metatype definitions and default configurations ------------------------


def _ad(
    ad_id: str,
    ad_type: str,
    default: str,
    description: str,
    *,
    options: Sequence[str] = (),
    minimum: str | None = None,
    maximum: str | None = None,
    required: bool = True,
) -> dict[str, Any]:
    ad: dict[str, Any] = {
        "id": ad_id,
        "name": ad_id,
        "description": description,
        "type": ad_type,
        "cardinality": 0,
        "required": required,
        "default": default,
        "Option": [{"label": option, "value": option} for option in options],
    }
    if minimum is not None:
        ad["min"] = minimum
    if maximum is not None:
        ad["max"] = maximum

    return ad


def _component(
    pid: str, name: str, description: str, ads: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "id": pid,
        "definition": {
            "id": pid,
            "name": name,
            "description": description,
            "AD": list(ads),
            "Icon": [],
        },
    }


def _components(client_id: str, rng_value: int) -> list[dict[str, Any]]:
    """The Kura services every simulated gateway exposes, with their metatypes."""
    return [
        _component(
            "org.eclipse.kura.clock.ClockService",
            "ClockService",
            "Clock Service Configuration",
            [
                _ad("enabled", "Boolean", "true", "Whether to set the system clock"),
                _ad(
                    "clock.provider",
                    "String",
                    "java-ntp",
                    "The clock synchronisation provider",
                    options=("java-ntp", "ntpd", "chrony-advanced", "gps"),
                ),
                _ad("clock.ntp.host", "String", "0.pool.ntp.org", "The NTP server"),
                _ad(
                    "clock.ntp.port",
                    "Integer",
                    "123",
                    "The NTP port",
                    minimum="1",
                    maximum="65535",
                ),
                _ad(
                    "clock.ntp.refresh-interval",
                    "Integer",
                    "3600",
                    "Seconds between synchronisations",
                    minimum="-1",
                ),
            ],
        ),
        _component(
            "org.eclipse.kura.cloud.CloudService",
            "CloudService",
            "Cloud Service Configuration",
            [
                _ad(
                    "device.display-name",
                    "String",
                    "device-name",
                    "How the device names itself",
                    options=("device-name", "hostname", "custom", "server"),
                ),
                _ad(
                    "device.custom-name",
                    "String",
                    client_id,
                    "The custom display name",
                    required=False,
                ),
                _ad(
                    "enable.default.subscriptions",
                    "Boolean",
                    "true",
                    "Subscribe to the management topics",
                ),
                _ad(
                    "payload.encoding",
                    "String",
                    "kura-protobuf",
                    "How payloads are encoded",
                    options=("kura-protobuf", "simple-json"),
                ),
                _ad(
                    "republish.mqtt.birth.cert.on.modem.detect",
                    "Boolean",
                    "false",
                    "Publish a new birth certificate when a modem is found",
                ),
            ],
        ),
        _component(
            "org.eclipse.kura.watchdog.WatchdogService",
            "WatchdogService",
            "Watchdog Service Configuration",
            [
                _ad("enabled", "Boolean", "false", "Whether the watchdog is on"),
                _ad(
                    "pingInterval",
                    "Integer",
                    "10000",
                    "Milliseconds between watchdog refreshes",
                    minimum="100",
                ),
                _ad("watchdogDevice", "String", "/dev/watchdog", "The watchdog file"),
            ],
        ),
        _component(
            "org.eclipse.kura.position.PositionService",
            "PositionService",
            "Position Service Configuration",
            [
                _ad("enabled", "Boolean", "false", "Whether to track the position"),
                _ad("static", "Boolean", "true", "Use the static position below"),
                _ad(
                    "latitude",
                    "Double",
                    f"{45.0 + rng_value % 1000 / 1000:.3f}",
                    "Static latitude",
                ),
                _ad(
                    "longitude",
                    "Double",
                    f"{9.0 + rng_value // 1000 % 1000 / 1000:.3f}",
                    "Static longitude",
                ),
                _ad("altitude", "Double", "120.0", "Static altitude in metres"),
            ],
        ),
        _component(
            "org.eclipse.kura.db.H2DbService",
            "H2DbService",
            "The embedded database",
            [
                _ad(
                    "db.connector.url",
                    "String",
                    "jdbc:h2:mem:kuradb",
                    "The JDBC URL of the database",
                ),
                _ad("db.user", "String", "SA", "The database user"),
                _ad("db.password", "Password", "", "The database password"),
                _ad(
                    "db.checkpoint.interval.seconds",
                    "Integer",
                    "900",
                    "Seconds between checkpoints",
                    minimum="5",
                ),
            ],
        ),
    ]


def _default_properties(component: Mapping[str, Any]) -> list[dict[str, Any]]:
    pid = component["id"]
    properties = [
        {
            "name": ad["id"],
            "array": False,
            "encrypted": ad["type"] == "Password",
            "type": ad["type"],
            "value": [
                encrypt(ad["default"]) if ad["type"] == "Password" else ad["default"]
            ],
        }
        for ad in component["definition"]["AD"]
    ]
    properties.extend(
        {
            "name": name,
            "array": False,
            "encrypted": False,
            "type": "String",
            "value": [pid],
        }
        for name in ("kura.service.pid", "service.pid")
    )

    return properties


def encrypt(text: str) -> str:
    # Kura stores passwords encrypted; any stable, non-plain form will do here.
    return base64.b64encode(text[::-1].encode()).decode()


# --- bundles, packages, inventory --------------------------------------------

_FRAMEWORK_BUNDLES = (
    ("org.eclipse.osgi", "3.18.500.v20230801-1826", "ACTIVE"),
    ("org.eclipse.equinox.cm", "1.5.100.v20230710-1117", "ACTIVE"),
    ("org.eclipse.equinox.event", "1.6.200.v20230519-0753", "ACTIVE"),
    ("org.eclipse.equinox.metatype", "1.6.300.v20230427-1442", "ACTIVE"),
    ("org.eclipse.kura.api", "2.6.0", "ACTIVE"),
    ("org.eclipse.kura.core", "1.5.0", "ACTIVE"),
    ("org.eclipse.kura.core.configuration", "2.1.0", "ACTIVE"),
    ("org.eclipse.kura.core.cloud", "1.6.0", "ACTIVE"),
    ("org.eclipse.kura.net.admin", "2.6.0", "ACTIVE"),
    ("org.eclipse.kura.web2", "2.6.0", "ACTIVE"),
    ("org.eclipse.kura.wire.component.provider", "1.5.0", "ACTIVE"),
    ("org.eclipse.kura.protocol.modbus", "1.4.0", "RESOLVED"),
)
_PACKAGES = (
    ("org.eclipse.kura.example.publisher", "1.0.500"),
    ("org.eclipse.kura.driver.opcua", "1.4.0"),
)
_SYSTEM_PACKAGES = (
    ("adduser", "3.118", "DEB"),
    ("bash", "5.1-2+deb11u1", "DEB"),
    ("ca-certificates", "20210119", "DEB"),
    ("docker-ce", "5:24.0.7-1~debian.11~bullseye", "DEB"),
    ("mosquitto", "2.0.11-1", "DEB"),
    ("openjdk-17-jre-headless", "17.0.9+9-1~deb11u1", "DEB"),
    ("openssl", "1.1.1w-0+deb11u1", "DEB"),
)
_CONTAINERS = (
    ("influxdb", "influxdb:2.7", "DOCKER", "ACTIVE"),
    ("node-red", "nodered/node-red:3.1", "DOCKER", "INSTALLED"),
)

# --- assets -------------------------------------------------------------------

_ASSETS: tuple[tuple[str, tuple[tuple[str, str, str, str], ...]], ...] = (
    (
        "PLC-Line-1",
        (
            ("Temperature", "double", "READ", "21.5"),
            ("Pressure", "float", "READ", "1.013"),
            ("Setpoint", "double", "READ_WRITE", "22.0"),
            ("Running", "boolean", "READ_WRITE", "true"),
            ("Counter", "long", "READ", "4821"),
            ("Mode", "string", "READ_WRITE", "AUTO"),
            ("Reset", "boolean", "WRITE", "false"),
        ),
    ),
    (
        "Energy-Meter",
        (
            ("ActivePower", "double", "READ", "3.72"),
            ("Voltage", "integer", "READ", "231"),
            ("Frequency", "float", "READ", "50.02"),
            ("Tariff", "integer", "READ_WRITE", "1"),
        ),
    ),
)
# --- keystores ------------------------------------------------------------------


def fake_pem(label: str, seed: str, lines: int = 12) -> str:
    """Return a PEM block of deterministic filler; it only looks like a certificate."""
    material = b""
    block = seed.encode()
    while len(material) < lines * 48:
        block = hashlib.sha256(block).digest()
        material += block
    encoded = base64.b64encode(material[: lines * 48]).decode()
    body = "\n".join(
        encoded[start : start + 64] for start in range(0, len(encoded), 64)
    )

    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"


def key_item(
    alias: str,
    item_type: str,
    subject: str,
    issuer: str,
    not_before: int,
    *,
    size: int = 2048,
    algorithm: str = "RSA",
) -> dict[str, Any]:
    """Return a keystore item with a certificate valid for ten years from ``not_before``."""
    certificate = fake_pem("CERTIFICATE", f"{alias}/{subject}")
    item: dict[str, Any] = {
        "alias": alias,
        "itemType": item_type,
        "size": size,
        "algorithm": algorithm,
        "subjectDN": subject,
        "issuer": issuer,
        "notBefore": not_before,
        "notAfter": not_before + 10 * _YEAR_MS,
        "certificate": certificate,
    }
    if item_type == "PRIVATE_KEY":
        item["certificateChain"] = [certificate]

    return item


def _bundles_and_packages(
    now: int,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    bundles = [
        {"id": index, "name": name, "version": version, "state": state}
        for index, (name, version, state) in enumerate(_FRAMEWORK_BUNDLES)
    ]
    packages: list[dict[str, Any]] = []
    for name, version in _PACKAGES:
        bundle = {"id": len(bundles), "name": name, "version": version}
        bundles.append(bundle | {"state": "ACTIVE"})
        packages.append(
            {
                "name": name,
                "version": version,
                "installDate": now - _MONTH_MS,
                "bundles": [name],
            }
        )

    return bundles, packages


def _assets() -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "channels": [
                {"name": channel, "valueType": kind, "mode": mode, "value": value}
                for channel, kind, mode, value in channels
            ],
        }
        for name, channels in _ASSETS
    ]


_ISRG = "CN=ISRG Root X1,O=Internet Security Research Group,C=US"
_DIGICERT = "CN=DigiCert Global Root G2,OU=www.digicert.com,O=DigiCert Inc,C=US"


def _keystores(client_id: str, issued: int) -> list[dict[str, Any]]:
    own = f"CN={client_id},O=Eclipse Kura"

    return [
        {
            "id": "HttpsKeystore",
            "keystoreType": "PKCS12",
            "items": [key_item("localhost", "PRIVATE_KEY", own, own, issued)],
        },
        {
            "id": "SSLKeystore",
            "keystoreType": "JKS",
            "items": [
                key_item(
                    "ca-isrgrootx1",
                    "TRUSTED_CERTIFICATE",
                    _ISRG,
                    _ISRG,
                    1_433_980_800_000,
                    size=4096,
                ),
                key_item(
                    "ca-digicert-global-root-g2",
                    "TRUSTED_CERTIFICATE",
                    _DIGICERT,
                    _DIGICERT,
                    1_375_272_000_000,
                ),
            ],
        },
    ]


def factory_contents(device: Mapping[str, Any], now: int) -> dict[str, Any]:
    """Return what a gateway holds out of the box (no snapshot taken yet)."""
    client_id = str(device["client_id"])
    seed = int(hashlib.sha256(client_id.encode()).hexdigest()[:8], 16)
    components = _components(client_id, seed)
    for component in components:
        component["properties"] = _default_properties(component)
    bundles, packages = _bundles_and_packages(now)

    return {
        "configurations": components,
        "snapshots": [],
        "bundles": bundles,
        "packages": packages,
        "containers": [
            {"name": name, "version": version, "containerType": kind, "state": state}
            for name, version, kind, state in _CONTAINERS
        ],
        "systemPackages": [
            {"name": name, "version": version, "packageType": kind}
            for name, version, kind in _SYSTEM_PACKAGES
        ],
        "assets": _assets(),
        "keystores": _keystores(client_id, int(device["created_on"] or now)),
        "stores": {"configurations": "INHERITED", "assets": "INHERITED"},
    }
