"""The job step and trigger definitions Kapua ships, as fixed data.

Names, processors and properties follow Kapua 2.x's ``*JobStepDefinition``
classes and its scheduler's trigger definitions; ids are small and stable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from ec_async.emulator._wire import compact, format_date

__all__ = [
    "STEP_DEFINITIONS",
    "TRIGGER_DEFINITIONS",
    "StepDefinition",
    "TriggerDefinition",
    "step_definition_json",
    "trigger_definition_json",
]

# When Kapua's liquibase scripts registered the definitions (spec examples).
_REGISTERED_ON = 1_611_931_600_257
# kapua-sys: both the system account and its user have id 1.
_KAPUA_SYS = 1
_DEVICE_MANAGEMENT = "org.eclipse.kapua.service.device.management"
_TRIGGER_PROCESSOR = (
    "org.eclipse.kapua.service.scheduler.trigger.quartz.job.KapuaJobLauncer"
)
_KAPUA_ID = "org.eclipse.kapua.model.id.KapuaId"

_COMMAND_EXAMPLE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<commandInput>\n'
    "    <command>ls</command>\n    <timeout>30000</timeout>\n"
    "    <runAsynch>false</runAsynch>\n</commandInput>"
)
_PACKAGE_EXAMPLE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<devicePackageDownloadRequest>\n'
    "    <uri>http://download.eclipse.org/kura/releases/4.1.0/"
    "org.eclipse.kura.demo.heater_1.0.500.dp</uri>\n"
    "    <name>heater</name>\n    <version>1.0.500</version>\n"
    "    <install>true</install>\n</devicePackageDownloadRequest>"
)


@attrs.frozen
class StepDefinition:
    """One kind of step: what it runs and the properties it takes."""

    id: int
    name: str
    description: str
    processor: str
    properties: Sequence[Mapping[str, Any]]


@attrs.frozen
class TriggerDefinition:
    """One kind of trigger: a timer or an event, and its properties."""

    id: int
    name: str
    description: str
    trigger_type: str
    processor: str | None
    properties: Sequence[Mapping[str, Any]]


def _prop(
    name: str,
    property_type: str,
    *,
    required: bool = True,
    value: str | None = None,
    example: str | None = None,
    secret: bool = False,
) -> dict[str, Any]:
    prop: dict[str, Any] = {"name": name, "propertyType": property_type}
    if value is not None:
        prop["propertyValue"] = value
    prop.update(required=required, secret=secret)
    if example is not None:
        prop["exampleValue"] = example
    return prop


_TIMEOUT = _prop("timeout", "java.lang.Long", required=False, value="30000")
_STRING = "java.lang.String"


def _step(
    step_id: int, name: str, description: str, processor: str, *props: dict[str, Any]
) -> StepDefinition:
    return StepDefinition(
        step_id,
        name,
        description,
        f"{_DEVICE_MANAGEMENT}.{processor}",
        (*props, _TIMEOUT),
    )


STEP_DEFINITIONS: tuple[StepDefinition, ...] = (
    _step(
        1,
        "Asset Write",
        "Writes to an asset using the Device Asset Management Service",
        "asset.job.DeviceAssetWriteTargetProcessor",
        _prop("assets", f"{_DEVICE_MANAGEMENT}.asset.DeviceAssets"),
    ),
    _step(
        2,
        "Bundle Start",
        "Starts a bundle using the Device Bundle Management Service",
        "bundle.job.DeviceBundleStartTargetProcessor",
        _prop("bundleId", _STRING),
    ),
    _step(
        3,
        "Bundle Stop",
        "Stops a bundle using the Device Bundle Management Service",
        "bundle.job.DeviceBundleStopTargetProcessor",
        _prop("bundleId", _STRING),
    ),
    _step(
        4,
        "Command Execution",
        "Execution of a command using the Device Command Management Service",
        "command.job.DeviceCommandExecTargetProcessor",
        _prop(
            "commandInput",
            f"{_DEVICE_MANAGEMENT}.command.DeviceCommandInput",
            example=_COMMAND_EXAMPLE,
        ),
    ),
    _step(
        5,
        "Configuration Put",
        "Sends a configuration using the Device Configuration Management Service",
        "configuration.job.DeviceConfigurationPutTargetProcessor",
        _prop(
            "configuration", f"{_DEVICE_MANAGEMENT}.configuration.DeviceConfiguration"
        ),
    ),
    _step(
        6,
        "Package Download / Install",
        "Downloads and installs a package using the Device Packages Management Service",
        "packages.job.DevicePackageDownloadTargetProcessor",
        _prop(
            "packageDownloadRequest",
            f"{_DEVICE_MANAGEMENT}.packages.model.download.DevicePackageDownloadRequest",
            example=_PACKAGE_EXAMPLE,
        ),
    ),
    _step(
        7,
        "Package Uninstall",
        "Uninstalls a package using the Device Packages Management Service",
        "packages.job.DevicePackageUninstallTargetProcessor",
        _prop(
            "packageUninstallRequest",
            f"{_DEVICE_MANAGEMENT}.packages.model.uninstall.DevicePackageUninstallRequest",
        ),
    ),
    _step(
        8,
        "Keystore Certificate Create",
        "Create a Certificate on a Device keystore",
        "keystore.job.DeviceKeystoreCertificateCreateTargetProcessor",
        _prop("keystoreId", _STRING, example="SSLKeystore"),
        _prop("alias", _STRING, example="ssl-eclipse"),
        _prop("certificate", _STRING),
    ),
    _step(
        9,
        "Keystore Keypair Create",
        "Execute request to create and store a private-public key pair to the"
        " target devices of the Job",
        "keystore.job.DeviceKeystoreKeypairCreateTargetProcessor",
        _prop("keystoreId", _STRING, example="SSLKeystore"),
        _prop("alias", _STRING, example="ssl-eclipse"),
        _prop("algorithm", _STRING, value="RSA"),
        _prop("size", "java.lang.Integer", value="4096"),
        _prop("signatureAlgorithm", _STRING, value="SHA256withRSA"),
        _prop("attributes", _STRING, example="CN=Kura, OU=IoT, O=Eclipse, C=US"),
    ),
    _step(
        10,
        "Keystore Item Delete",
        "Execute request to remove a certificate from the target devices of the Job",
        "keystore.job.DeviceKeystoreItemDeleteTargetProcessor",
        _prop("keystoreId", _STRING, example="SSLKeystore"),
        _prop("alias", _STRING, example="ssl-eclipse"),
    ),
)

_JOB_PROPERTIES = (
    {"name": "jobId", "propertyType": _KAPUA_ID},
    {"name": "scopeId", "propertyType": _KAPUA_ID},
)

TRIGGER_DEFINITIONS: tuple[TriggerDefinition, ...] = (
    TriggerDefinition(
        1,
        "Cron Job",
        "Starts the job according to the given CRON expression",
        "TIMER",
        _TRIGGER_PROCESSOR,
        ({"name": "cronExpression", "propertyType": _STRING}, *_JOB_PROPERTIES),
    ),
    TriggerDefinition(
        2,
        "Interval Job",
        "Starts the job according to the given interval",
        "TIMER",
        _TRIGGER_PROCESSOR,
        ({"name": "interval", "propertyType": "java.lang.Integer"}, *_JOB_PROPERTIES),
    ),
    TriggerDefinition(
        3,
        "Device Connect",
        "Starts the job when the device target connects",
        "EVENT",
        None,
        _JOB_PROPERTIES,
    ),
)


def _audit() -> dict[str, Any]:
    return {
        "createdOn": format_date(_REGISTERED_ON),
        "createdBy": compact(_KAPUA_SYS),
        "modifiedOn": format_date(_REGISTERED_ON),
        "modifiedBy": compact(_KAPUA_SYS),
        "optlock": 0,
    }


def step_definition_json(definition: StepDefinition) -> dict[str, Any]:
    """Return a JobStepDefinition; Kapua's are global, so they have no scope."""
    return {
        "type": "jobStepDefinition",
        "id": compact(definition.id),
        **_audit(),
        "name": definition.name,
        "description": definition.description,
        "processorName": definition.processor,
        "stepProperties": [dict(prop) for prop in definition.properties],
        "stepType": "TARGET",
    }


def trigger_definition_json(definition: TriggerDefinition) -> dict[str, Any]:
    """Return a TriggerDefinition, in the system scope as the spec shows them."""
    document: dict[str, Any] = {
        "type": "triggerDefinition",
        "id": compact(definition.id),
        "scopeId": compact(_KAPUA_SYS),
        **_audit(),
        "name": definition.name,
        "description": definition.description,
    }
    if definition.processor is not None:
        document["processorName"] = definition.processor
    document["triggerProperties"] = [dict(prop) for prop in definition.properties]
    document["triggerType"] = definition.trigger_type

    return document
