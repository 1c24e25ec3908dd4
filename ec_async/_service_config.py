"""Service configurations: per-account settings of the server's services.

The resource-limited services (accounts, users, devices, roles, groups, tags,
jobs) take ``infiniteChildEntities`` and ``maxNumberChildEntities``: how many
entities an account may create, its child accounts' allowances included.
An update replaces a component's whole configuration, so send every required
property: read, change a copy of ``values``, and write it back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from ._convert import structure
from ._errors import ConfigurationError
from ._models import _extra
from ._pipeline import Operation
from ._resources import Collection, operation

__all__ = [
    "PropertyValue",
    "ServiceAttributeDefinition",
    "ServiceComponentConfiguration",
    "ServiceComponentDefinition",
    "ServiceConfigurations",
    "ServiceIcon",
    "ServiceOption",
    "ServiceProperties",
    "ServiceProperty",
]

PropertyValue = bool | int | float | str | Sequence[bool | int | float | str]
"""A configuration value as Python sees it; lists are array properties."""

_INTEGERS = frozenset({"Integer", "Long", "Short", "Byte"})
_DECIMALS = frozenset({"Double", "Float"})


def _field(wire: str, factory: Any = None) -> Any:
    """A field whose wire name is not the camelCase of its Python name."""
    if factory is None:
        return attrs.field(default=None, metadata={"wire": wire})
    return attrs.field(factory=factory, metadata={"wire": wire})


@attrs.frozen(kw_only=True)
class ServiceOption:
    """One allowed value of a configuration attribute."""

    label: str | None = None
    value: str | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class ServiceIcon:
    """An icon a console may show for a service."""

    resource: str | None = None
    size: int | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class ServiceAttributeDefinition:
    """The definition of one configuration property: type, default and bounds."""

    id: str
    name: str | None = None
    type: str | None = None
    cardinality: int | None = None
    required: bool | None = None
    default: str | None = None
    description: str | None = None
    min: str | None = None
    max: str | None = None
    options: list[ServiceOption] = _field("Option", list)
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class ServiceComponentDefinition:
    """What a service's configuration consists of."""

    id: str | None = None
    name: str | None = None
    description: str | None = None
    attributes: list[ServiceAttributeDefinition] = _field("AD", list)
    icons: list[ServiceIcon] = _field("Icon", list)
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class ServiceProperty:
    """One configuration value as the server writes it: strings, and their type."""

    name: str
    type: str | None = None
    value: list[str] = attrs.field(factory=list[str])
    array: bool | None = None
    encrypted: bool | None = None
    extra: dict[str, Any] = _extra()

    @property
    def parsed(self) -> Any:
        """The value as Python: ``bool``, ``int``, ``float`` or ``str``; a list if array."""
        values = [_parse(text, self.type) for text in self.value]
        if self.array:
            return values
        return values[0] if values else None


def _parse(text: Any, type_name: str | None) -> Any:
    if not isinstance(text, str):
        return text
    if type_name == "Boolean":
        return text.strip().lower() == "true"
    if type_name in _INTEGERS:
        return int(text)
    if type_name in _DECIMALS:
        return float(text)
    return text


@attrs.frozen(kw_only=True)
class ServiceProperties:
    """The values of a component, as the ``properties`` wrapper on the wire."""

    property: list[ServiceProperty] = attrs.field(factory=list[ServiceProperty])
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class ServiceComponentConfiguration:
    """One service's configuration in one account: its definition and values."""

    id: str
    name: str | None = None
    definition: ServiceComponentDefinition | None = None
    properties: ServiceProperties = attrs.field(factory=ServiceProperties)
    extra: dict[str, Any] = _extra()

    @property
    def values(self) -> dict[str, Any]:
        """Every property by name, parsed (``{"maxNumberChildEntities": 10, ...}``)."""
        return {prop.name: prop.parsed for prop in self.properties.property}


@attrs.frozen(kw_only=True)
class _ServiceConfigurationList:
    configuration: list[ServiceComponentConfiguration] = attrs.field(
        factory=list[ServiceComponentConfiguration]
    )
    extra: dict[str, Any] = _extra()


def _type_name(value: object) -> str:
    # bool before int: True is an int to Python, a Boolean to the server.
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Double"
    if isinstance(value, str):
        return "String"
    msg = f"configuration values are bool, int, float or str, got {value!r}"
    raise ConfigurationError(msg)


def _text(value: bool | int | float | str) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _property_body(name: str, value: PropertyValue) -> dict[str, Any]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        return {"name": name, "type": _type_name(value), "value": [_text(value)]}
    items = list(value)
    if not items:
        msg = f"configuration value {name!r}: an empty list has no type; send it whole"
        raise ConfigurationError(msg)
    return {
        "name": name,
        "type": _type_name(items[0]),
        "array": True,
        "value": [_text(item) for item in items],
    }


def _component_body(
    component_id: str, values: Mapping[str, PropertyValue]
) -> dict[str, Any]:
    return {
        "id": component_id,
        "properties": {
            "property": [_property_body(name, value) for name, value in values.items()]
        },
    }


def _check_component_id(component_id: object) -> str:
    # Component ids are service names (org.eclipse.kapua...), not compact ids.
    if not isinstance(component_id, str) or not component_id.strip():
        msg = f"component_id must be a service name, got {component_id!r}"
        raise ConfigurationError(msg)
    return component_id


_PATH = "/{scopeId}/serviceConfigurations"
_ITEM = _PATH + "/{componentId}"

READ_ALL = Operation("serviceConfigurationsRead", "GET", _PATH, safe=True)
WRITE_ALL = Operation("serviceConfigurationsWrite", "PUT", _PATH, safe=False)
READ = Operation("serviceConfigurationRead", "GET", _ITEM, safe=True)
WRITE = Operation("serviceConfigurationWrite", "PUT", _ITEM, safe=False)


class ServiceConfigurations(Collection[ServiceComponentConfiguration]):
    """The service configurations of one account.

    A tenant administrator reads its own account's limits but may not raise
    them (the server answers 500); its parent's administrator writes them.
    Writing a limit below what the account already uses raises ``BadRequest``
    (``LIMIT_EXCEEDED``); creating past a limit raises ``ServerError``
    (``MAX_NUMBER_OF_ITEMS_REACHED``).
    """

    _model = ServiceComponentConfiguration

    @operation(READ_ALL)
    async def list(self) -> list[ServiceComponentConfiguration]:
        """Every configurable service's configuration in the scope, by name."""
        document = await self._send(READ_ALL)
        return structure(document, _ServiceConfigurationList).configuration

    @operation(READ)
    async def get(self, component_id: str) -> ServiceComponentConfiguration | None:
        """One service's configuration, or ``None`` if the server has none for it."""
        document = await self._send(
            READ, path_params={"componentId": _check_component_id(component_id)}
        )
        if document is None:
            return None
        return structure(document, ServiceComponentConfiguration)

    @operation(WRITE)
    async def update(
        self, component_id: str, values: Mapping[str, PropertyValue]
    ) -> None:
        """Replace one service's configuration with ``values`` (every required one)."""
        body = _component_body(_check_component_id(component_id), values)
        await self._send(WRITE, path_params={"componentId": component_id}, body=body)

    @operation(WRITE_ALL)
    async def update_all(
        self, configurations: Mapping[str, Mapping[str, PropertyValue]]
    ) -> None:
        """Replace several services' configurations at once, by component id."""
        body = {
            "configuration": [
                _component_body(_check_component_id(component_id), values)
                for component_id, values in configurations.items()
            ]
        }
        await self._send(WRITE_ALL, body=body)
