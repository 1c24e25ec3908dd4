"""The resources ``ec`` lists, gets, counts and deletes, as one table.

Each row names a collection of the client, its model, the columns a listing
shows and the filters it takes; ``_cli_verbs`` turns every row into the same
commands.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import attrs

from ._cli_output import Schema, model_schema
from ._cli_progress import Report, counted
from ._client import Client, Scope
from ._convert import unstructure
from ._data_models import DataMessage
from ._groups_tags import Group, Tag
from ._job_models import Job
from ._models import Account, ConnectionStatus, Device, DeviceConnection
from ._roles import Role
from ._users import User

__all__ = ["RESOURCES", "CountBy", "Filter", "Resource"]

# Pages of one listing fetched at once where the collection can.
PAGES_AT_ONCE = 2

_STATUSES = tuple(status.value for status in ConnectionStatus)


@attrs.frozen
class Filter:
    """A listing filter: a flag whose value goes to ``list`` and ``iter`` as is."""

    flag: str
    help: str
    parse: Callable[[str], Any] = str
    choices: tuple[str, ...] | None = None

    @property
    def keyword(self) -> str:
        """The keyword argument of the collection's ``list`` and ``iter``."""
        return self.flag.removeprefix("--").replace("-", "_")


@attrs.frozen
class CountBy:
    """A split of a count: the key of each item, and the keys shown as columns."""

    columns: tuple[str, ...]
    keys: Callable[[Any], AsyncIterator[str]]


@attrs.frozen
class Resource:
    """One resource of the command line, and the client collection behind it."""

    name: str
    noun: str
    about: str
    collection: Callable[[Client | Scope], Any]
    model: type
    columns: tuple[str, ...]
    filters: tuple[Filter, ...] = ()
    # Keyword arguments every list() and iter() call takes, and iter() alone.
    list_options: Mapping[str, Any] = attrs.field(factory=dict[str, Any])
    iter_options: Mapping[str, Any] = attrs.field(factory=dict[str, Any])
    record: Callable[[Any], dict[str, Any]] = unstructure
    # Columns the record adds to the model's fields.
    extra_columns: tuple[str, ...] = ()
    count_by: Mapping[str, CountBy] = attrs.field(factory=dict[str, CountBy])
    deletable: bool = False
    # Whether `list --recursive` lists every descendant in one call.
    recursive: bool = False
    # For the help's examples: an id from the emulator's minimal seed, and a filter.
    example_id: str = "ID"
    example_filter: str = ""

    def schema(self) -> dict[str, Schema | None]:
        """The columns a record of this resource has."""
        return {
            **model_schema(self.model),
            **dict.fromkeys(self.extra_columns),
        }

    def filters_of(self, args: argparse.Namespace) -> dict[str, Any]:
        """The keyword arguments of the filters given on the command line."""
        given = {flag.keyword: getattr(args, flag.keyword) for flag in self.filters}
        chosen = {keyword: value for keyword, value in given.items() if value}

        return {**self.list_options, **chosen}

    async def count_in(
        self, view: Client | Scope, by: CountBy | None, report: Report | None = None
    ) -> dict[str, int]:
        """How many there are in one scope, split by ``by`` when given."""
        collection = self.collection(view)
        if by is None:
            return {"count": await collection.count()}
        tally: Counter[str] = Counter()
        async for key in counted(by.keys(collection), report):
            tally[key] += 1

        return {"count": tally.total(), **{key: tally[key] for key in by.columns}}


def parse_time(text: str) -> dt.datetime:
    """An ISO 8601 time from the command line; one without an offset is UTC."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        msg = f"expected an ISO 8601 time such as 2024-05-01T12:00:00Z, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


async def _connection_statuses(devices: Any) -> AsyncIterator[str]:
    pages = devices.iter_pages(
        fetch_attributes=["connection"], concurrency=PAGES_AT_ONCE
    )
    async for page in pages:
        for device in page:
            yield _status_of(device)


def _status_of(device: Device) -> str:
    status = device.connection.status if device.connection else None
    return status if status in _STATUSES else ConnectionStatus.NULL.value


def _message_record(message: DataMessage) -> dict[str, Any]:
    # The channel and metrics as people read them, not as the wire nests them.
    channel = message.channel.name if message.channel else None
    return {**unstructure(message), "channel": channel, "metrics": message.metrics}


_NAME = Filter("--name", "only the one with this exact name")
_MATCH = Filter(
    "--match-term", "only those with this term in their name or other text fields"
)
_NAMED = (_NAME, _MATCH)
_CLIENT_ID = Filter("--client-id", "only the device with this client id")

RESOURCES: tuple[Resource, ...] = (
    Resource(
        name="accounts",
        noun="account",
        about="child accounts",
        collection=lambda view: view.accounts,
        model=Account,
        columns=("id", "name", "parentAccountPath", "createdOn"),
        filters=_NAMED,
        recursive=True,
        example_id="UTRVQyYHZ50",
        example_filter=" --recursive",
    ),
    Resource(
        name="devices",
        noun="device",
        about="devices",
        collection=lambda view: view.devices,
        model=Device,
        columns=(
            "id",
            "clientId",
            "displayName",
            "connection.status",
            "modelName",
            "firmwareVersion",
        ),
        filters=(
            _CLIENT_ID,
            Filter("--status", "connection status", choices=_STATUSES[:3]),
            Filter("--tag-id", "only devices with this tag"),
            _MATCH,
        ),
        list_options={"fetch_attributes": ["connection"]},
        iter_options={"concurrency": PAGES_AT_ONCE},
        count_by={"status": CountBy(_STATUSES, _connection_statuses)},
        deletable=True,
        example_id="SVjp-Y7eDXo",
        example_filter=" --status CONNECTED",
    ),
    Resource(
        name="users",
        noun="user",
        about="users",
        collection=lambda view: view.users,
        model=User,
        columns=("id", "name", "displayName", "status", "userType", "email"),
        filters=_NAMED,
        deletable=True,
        example_id="BFNVh79DPgM",
        example_filter=" --match-term observer",
    ),
    Resource(
        name="roles",
        noun="role",
        about="roles",
        collection=lambda view: view.roles,
        model=Role,
        columns=("id", "name", "description"),
        filters=_NAMED,
        deletable=True,
        example_id="VPQSwO2vgPM",
        example_filter=" --name device-reader",
    ),
    Resource(
        name="groups",
        noun="group",
        about="access groups",
        collection=lambda view: view.groups,
        model=Group,
        columns=("id", "name", "description"),
        filters=_NAMED,
        deletable=True,
    ),
    Resource(
        name="tags",
        noun="tag",
        about="device tags",
        collection=lambda view: view.tags,
        model=Tag,
        columns=("id", "name", "description"),
        filters=_NAMED,
        deletable=True,
    ),
    Resource(
        name="jobs",
        noun="job",
        about="jobs",
        collection=lambda view: view.jobs,
        model=Job,
        columns=("id", "name", "description", "createdOn"),
        filters=_NAMED,
        deletable=True,
    ),
    Resource(
        name="device-connections",
        noun="device connection",
        about="the devices' broker connections",
        collection=lambda view: view.device_connections,
        model=DeviceConnection,
        columns=("id", "clientId", "status", "protocol", "clientIp", "userId"),
        filters=(
            _CLIENT_ID,
            Filter("--client-ip", "only connections from this address"),
            Filter("--protocol", "only connections over this protocol, e.g. MQTT"),
            Filter("--status", "connection status", choices=_STATUSES),
        ),
        example_filter=" --status CONNECTED",
    ),
    Resource(
        name="data-messages",
        noun="message",
        about="stored messages (telemetry), newest first",
        collection=lambda view: view.data_messages,
        model=DataMessage,
        columns=("timestamp", "clientId", "channel", "metrics"),
        filters=(
            _CLIENT_ID,
            Filter("--channel", "only this channel and the channels below it"),
            Filter(
                "--start",
                "from this time on (ISO 8601, UTC unless it says)",
                parse_time,
            ),
            Filter(
                "--end", "up to this time (ISO 8601, UTC unless it says)", parse_time
            ),
        ),
        record=_message_record,
        extra_columns=("channel", "metrics"),
        example_filter=" --start 2024-05-01T00:00:00Z --end 2024-05-02T00:00:00Z",
    ),
)
