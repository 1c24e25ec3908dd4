"""The one private cattrs converter: wire names, UTC dates, kept unknown fields.

Models are attrs classes with snake_case names; the server writes camelCase.
Fields the server sends that a model does not declare are kept in the model's
``extra`` mapping, so a full-replace update sends them back unchanged.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._errors import ConfigurationError, DecodeError
from ._guards import is_mapping

__all__ = [
    "converter",
    "expect_model",
    "format_datetime",
    "parse_datetime",
    "parse_json",
    "request_body",
    "structure",
    "unstructure",
    "wire_name",
]

T = TypeVar("T")

# A key no server sends; the structure hook parks unknown fields under it.
_EXTRA_KEY = "\x00extra"
_DISCRIMINATOR = "type"


def wire_name(field: attrs.Attribute[Any]) -> str:
    """Return the JSON name of a model field: explicit metadata, else camelCase."""
    explicit = field.metadata.get("wire")
    if explicit is not None:
        return str(explicit)

    head, *rest = field.name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _format_datetime(value: dt.datetime) -> str:
    utc = value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
    # The year is padded by hand: glibc's %Y writes the year 999 as "999".
    return (
        f"{utc.year:04d}"
        + utc.strftime("-%m-%dT%H:%M:%S.")
        + (f"{utc.microsecond // 1000:03d}Z")
    )


def format_datetime(value: dt.datetime) -> str:
    """Write a moment as the server does: UTC, milliseconds, ``Z``; naive means UTC."""
    return _format_datetime(value)


def _structure_bytes(value: object, _: type[bytes]) -> bytes:
    # MOXy writes byte arrays (payload bodies, binary metrics) as base64 text.
    if not isinstance(value, str):
        msg = f"expected base64 text, got {type(value).__name__}"
        raise TypeError(msg)
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error as exc:
        msg = f"not valid base64: {exc}"
        raise ValueError(msg) from None


def _unstructure_bytes(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


_FRACTION = re.compile(r"\.(\d+)")


def _parse_datetime(value: object, _: object = None) -> dt.datetime:
    if not isinstance(value, str):
        msg = f"expected an ISO 8601 date string, got {type(value).__name__}"
        raise TypeError(msg)

    try:
        # Kapua's own form ("2023-03-21T06:33:22.522Z") parses as it is: the
        # fast path, since listings hold two dates per item.
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        # Other servers' forms: spaces, a lower-case z, more than six digits.
        text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
        text = _FRACTION.sub(lambda match: "." + match.group(1)[:6].ljust(6, "0"), text)
        parsed = dt.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)

    return parsed.astimezone(dt.UTC)


def parse_datetime(value: str) -> dt.datetime:
    """Read a date the server wrote (one to six fraction digits, any offset) as UTC."""
    return _parse_datetime(value, dt.datetime)


# Optional scalars are most of every model's fields. These hooks do what
# cattrs' generic Optional handling does (None stays None, else str()/int()/
# the date parser), without its dispatch per field; structuring a device
# takes about half the time.
def _optional_str(value: object, _: object) -> str | None:
    return value if value is None or type(value) is str else str(value)


def _optional_int(value: Any, _: object) -> int | None:
    return value if value is None or type(value) is int else int(value)


def _optional_datetime(value: object, _: object) -> dt.datetime | None:
    return None if value is None else _parse_datetime(value)


def _is_model(cls: Any) -> bool:
    return attrs.has(cls) and any(field.name == "extra" for field in attrs.fields(cls))


def _wrapped_lists(cls: Any) -> dict[str, str]:
    """Wire names of fields sent as ``{"<item>": [...]}``, mapped to ``<item>``."""
    return {
        wire_name(field): str(field.metadata["wrapped_in"])
        for field in attrs.fields(cls)
        if "wrapped_in" in field.metadata
    }


def _make_model_structure(cls: Any) -> Callable[[Any, Any], Any]:
    fields = attrs.fields(cls)
    # What is not extra: the declared fields, and the type discriminator.
    known = {wire_name(field) for field in fields if field.name != "extra"}
    wrapped = _wrapped_lists(cls)
    known.add(_DISCRIMINATOR)
    overrides: dict[str, Any] = {
        field.name: override(
            rename=_EXTRA_KEY if field.name == "extra" else wire_name(field)
        )
        for field in fields
    }
    structure_known = make_dict_structure_fn(cls, converter, **overrides)

    def structure_model(data: Any, _: Any) -> Any:
        if not is_mapping(data):
            msg = (
                f"expected a JSON object for {cls.__name__}, got {type(data).__name__}"
            )
            raise TypeError(msg)
        extra = {key: data[key] for key in data.keys() - known}
        unwrapped = {
            key: value.get(wrapped[key], [])
            for key, value in data.items()
            if key in wrapped and is_mapping(value)
        }

        return structure_known({**data, **unwrapped, _EXTRA_KEY: extra}, cls)

    return structure_model


def _make_model_unstructure(cls: Any) -> Callable[[Any], dict[str, Any]]:
    fields = attrs.fields(cls)
    overrides: dict[str, Any] = {
        field.name: override(omit=True)
        if field.name == "extra"
        else override(rename=wire_name(field))
        for field in fields
    }
    unstructure_known = make_dict_unstructure_fn(cls, converter, **overrides)
    wrapped = _wrapped_lists(cls)

    def unstructure_model(instance: Any) -> dict[str, Any]:
        document = {
            key: {wrapped[key]: value} if key in wrapped else value
            for key, value in unstructure_known(instance).items()
            if value is not None
        }
        return {**instance.extra, **document}

    return unstructure_model


def _make_converter() -> cattrs.Converter:
    made = cattrs.Converter(detailed_validation=True, forbid_extra_keys=False)
    made.register_structure_hook(dt.datetime, _parse_datetime)
    made.register_structure_hook(str | None, _optional_str)
    made.register_structure_hook(int | None, _optional_int)
    made.register_structure_hook(dt.datetime | None, _optional_datetime)
    made.register_unstructure_hook(dt.datetime, _format_datetime)
    made.register_structure_hook(bytes, _structure_bytes)
    made.register_unstructure_hook(bytes, _unstructure_bytes)
    made.register_structure_hook_factory(_is_model, _make_model_structure)
    made.register_unstructure_hook_factory(_is_model, _make_model_unstructure)

    return made


converter = _make_converter()


# Problem paths name the JSON the server sent, so snake_case segments go back
# to camelCase: "Device.client_id" reads "Device.clientId".
_PATH_SEGMENT = re.compile(r"\.([a-z][a-z0-9]*(?:_[a-z0-9]+)+)")


def _camel_segment(match: re.Match[str]) -> str:
    head, *rest = match.group(1).split("_")
    return "." + head + "".join(part[:1].upper() + part[1:] for part in rest)


def structure(data: Any, cls: type[T], *, context: str | None = None) -> T:
    """Build ``cls`` from decoded JSON, or raise ``DecodeError`` naming every problem.

    ``context`` (the operation, say) starts the message when given.
    """
    try:
        return converter.structure(data, cls)
    except Exception as exc:
        problems = tuple(
            _PATH_SEGMENT.sub(_camel_segment, problem)
            for problem in cattrs.transform_error(exc, path=cls.__name__)
        )
        where = f"{context}: " if context else ""
        msg = (
            f"{where}the server's response does not fit {cls.__name__}; this "
            "server may speak another version of the API, so report the "
            "problems below"
        )
        raise DecodeError(msg, problems) from exc


def unstructure(instance: Any) -> Any:
    """Turn a model into the JSON document the server expects."""
    return converter.unstructure(instance)


def expect_model(value: object, model: type[T]) -> T:
    """``value`` itself when it is a ``model``; a ``ConfigurationError`` otherwise.

    Typed callers never pass anything else; untyped ones learn what was
    expected instead of meeting an ``AttributeError`` deep inside a call.
    """
    if not isinstance(value, model):
        msg = f"expected a {model.__name__}, got {type(value).__name__}"
        raise ConfigurationError(msg)
    return value


def request_body(instance: object) -> dict[str, Any]:
    """The JSON to send for a model: as ``unstructure``, less read-only fields.

    The spec marks ids, creation and modification stamps and a device's
    ``clientId`` read-only; the server takes them from the path or ignores
    them, so they are not sent.
    """
    model = type(instance)
    if not attrs.has(model):
        msg = f"expected one of ec_async's models, got {model.__name__}"
        raise ConfigurationError(msg)
    read_only = {
        wire_name(field)
        for field in attrs.fields(model)
        if field.metadata.get("read_only")
    }
    document: dict[str, Any] = unstructure(instance)

    return {key: value for key, value in document.items() if key not in read_only}


def parse_json(body: bytes, *, context: str, secret: bool = False) -> Any:
    """Decode a JSON body, or raise ``DecodeError`` saying where it came from.

    A ``secret`` body (a login or refresh answer) is never quoted in the error.
    """
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        if secret:
            shown = f"{len(body)} bytes, not shown"
        else:
            shown = f"starts with {body[:80].decode('utf-8', 'replace')!r}"
        msg = (
            f"{context}: the body is not valid JSON ({shown}); it may have been "
            "cut short or rewritten on the way, so try again, and if it persists "
            "check what answers at base_url"
        )
        # A JSONDecodeError keeps the whole document: not for a secret body.
        cause = None if secret else exc
    raise DecodeError(msg) from cause
