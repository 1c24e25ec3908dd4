"""Plausible IoT gateways for seeded accounts: models, versions, client ids."""

from __future__ import annotations

import random
from typing import Any

import attrs

__all__ = ["DeviceFactory"]


@attrs.frozen
class _Model:
    prefix: str
    model_id: str
    model_name: str
    bios_version: str
    firmware_versions: tuple[str, ...]
    os_versions: tuple[str, ...]
    interface: str


_MODELS = (
    _Model(
        "RPI4",
        "RPI4-MODEL-B",
        "Raspberry Pi 4 Model B",
        "N/A",
        ("2023-05-11", "2024-04-20", "2024-09-12"),
        ("6.1.21-v8+", "6.6.31+rpt-rpi-v8", "6.6.51+rpt-rpi-v8"),
        "eth0",
    ),
    _Model(
        "RPI3",
        "RPI3-MODEL-B-PLUS",
        "Raspberry Pi 3 Model B+",
        "N/A",
        ("2022-09-22", "2023-05-11"),
        ("5.15.84-v7+", "6.1.21-v7+"),
        "eth0",
    ),
    _Model(
        "RG1012",
        "RELIAGATE-10-12",
        "ReliaGATE 10-12",
        "U-Boot 2020.04",
        ("1.4.2", "1.5.0", "1.6.1"),
        ("5.4.85-yocto-standard", "5.10.72-yocto-standard"),
        "enp1s0",
    ),
    _Model(
        "RG2025",
        "RELIAGATE-20-25",
        "ReliaGATE 20-25",
        "U-Boot 2021.04",
        ("2.0.3", "2.1.0"),
        ("5.10.72-yocto-standard", "5.15.71-yocto-standard"),
        "eth0",
    ),
    _Model(
        "BG2025",
        "BOLTGATE-20-25",
        "BoltGATE 20-25",
        "U-Boot 2021.04",
        ("3.2.1", "3.3.0"),
        ("5.15.71-yocto-standard",),
        "eth0",
    ),
    _Model(
        "DG1006",
        "DYNAGATE-10-06",
        "DynaGATE 10-06",
        "U-Boot 2019.07",
        ("1.1.8", "1.2.0"),
        ("4.19.94-yocto-standard", "5.4.85-yocto-standard"),
        "wwan0",
    ),
)
# Most fleets are dominated by a couple of models.
_MODEL_WEIGHTS = (30, 10, 25, 15, 10, 10)
_JVM_VERSIONS = ("11.0.21+9 mixed mode", "17.0.9+9 mixed mode", "21.0.2+13 mixed mode")
_FRAMEWORK_VERSIONS = ("5.3.1", "5.4.1", "5.5.0")
_APPLICATIONS = (
    "CLOUD-V1,CONF-V1,DEPLOY-V2,CMD-V1,ASSET-V1,BUNDLE-V1,KEYS-V1,INVENTORY-V1"
)


class DeviceFactory:
    """Draws device fields from a seeded generator, so a seed replays exactly."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def _client_id(self, model: _Model, taken: set[str]) -> str:
        while True:
            client_id = f"{model.prefix}-{self._rng.getrandbits(24):06X}"
            if client_id not in taken:
                taken.add(client_id)
                return client_id

    def _ip(self) -> str:
        bits = self._rng.getrandbits(24)
        host = 1 + (bits & 0xFF) % 254

        return f"10.{bits >> 16}.{(bits >> 8) & 0xFF}.{host}"

    def device_columns(self, taken: set[str]) -> dict[str, Any]:
        """Return the writable columns of one new device, unique within ``taken``."""
        rng = self._rng
        model = rng.choices(_MODELS, weights=_MODEL_WEIGHTS)[0]
        client_id = self._client_id(model, taken)
        mac = ":".join(f"{octet:02X}" for octet in rng.getrandbits(48).to_bytes(6))

        return {
            "client_id": client_id,
            "status": "DISABLED" if rng.random() < 0.03 else "ENABLED",
            "display_name": f"{model.model_name} {client_id[-6:]}",
            "serial_number": f"{model.prefix}{rng.randrange(10**8):08d}",
            "model_id": model.model_id,
            "model_name": model.model_name,
            "bios_version": model.bios_version,
            "firmware_version": rng.choice(model.firmware_versions),
            "os_version": rng.choice(model.os_versions),
            "jvm_version": rng.choice(_JVM_VERSIONS),
            "osgi_framework_version": "1.10.0",
            "application_framework_version": rng.choice(_FRAMEWORK_VERSIONS),
            "connection_interface": f"{model.interface} ({mac})",
            "connection_ip": self._ip(),
            "application_identifiers": _APPLICATIONS,
            "accept_encoding": "gzip",
            "tamper_status": "NOT_TAMPERED",
        }

    def connection_status(self, connected_ratio: float) -> str | None:
        """Return a connection status, or ``None`` for a device never connected."""
        draw = self._rng.random()
        if draw < connected_ratio:
            return "CONNECTED"
        rest = (draw - connected_ratio) / max(1.0 - connected_ratio, 1e-9)
        if rest < 0.8:
            return "DISCONNECTED"

        return "MISSING" if rest < 0.9 else None

    def client_ip(self) -> str:
        """Return the address a broker saw a device connect from."""
        return f"tcp://{self._ip()}:{self._rng.randrange(32768, 61000)}"

    def created_before(self, now: int, days: int = 365) -> int:
        """Return a creation time within ``days`` before ``now`` (epoch ms)."""
        return now - self._rng.randrange(days * 86_400_000)
