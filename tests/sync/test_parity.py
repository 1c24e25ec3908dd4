"""ec_sync mirrors ec_async: the same names, and a twin for every async member."""

from __future__ import annotations

import collections.abc
import contextlib
import functools
import inspect
import operator
import types
import typing
from typing import Any

import pytest

import ec_async
import ec_sync

# Twins, not re-exports: the classes whose calls cross to the private loop.
TWINS = sorted(
    name
    for name in ec_async.__all__
    if getattr(ec_sync, name) is not getattr(ec_async, name)
)
SHARED = sorted(set(ec_async.__all__) - set(TWINS))

# Async dunders and the names their sync twins carry.
DUNDERS = {"__init__": "__init__", "__aenter__": "__enter__", "__aexit__": "__exit__"}


def _public_members(klass: type) -> list[str]:
    names = [name for name in dir(klass) if not name.startswith("_")]
    if hasattr(klass, "__aenter__"):
        names += list(DUNDERS)
    return sorted(names)


MEMBERS = [
    pytest.param(name, member, id=f"{name}.{member}")
    for name in TWINS
    for member in _public_members(getattr(ec_async, name))
]


def _sync_type(hint: Any) -> Any:
    """The type the sync twin should declare where ec_async declares ``hint``."""
    name = getattr(hint, "__name__", None)
    if (
        isinstance(hint, type)
        and name in TWINS
        and getattr(ec_async, name, None) is hint
    ):
        return getattr(ec_sync, name)

    origin: Any = typing.get_origin(hint)
    arguments = typing.get_args(hint)
    if origin is collections.abc.AsyncIterator:
        iterator: Any = collections.abc.Iterator
        return iterator[_sync_type(arguments[0])]
    if origin in {typing.Union, types.UnionType}:
        return functools.reduce(operator.or_, [_sync_type(item) for item in arguments])
    mapped = tuple(_sync_type(item) for item in arguments)
    if origin is not None and mapped != arguments:
        return origin[mapped]
    return hint


def test_the_issues_classes_get_twins() -> None:
    """The client, scope views and resource collections are wrapped, not re-exported."""
    assert {"Accounts", "Client", "Devices", "Scope"} <= set(TWINS)


def test_public_names_are_the_same() -> None:
    """ec_sync exports exactly ec_async's public names, in sorted order."""
    assert sorted(ec_async.__all__) == ec_sync.__all__


@pytest.mark.parametrize("name", SHARED)
def test_models_and_errors_are_the_same_objects(name: str) -> None:
    """Models, errors and settings are ec_async's own, so one except catches both."""
    assert getattr(ec_async, name) is getattr(ec_sync, name)


@pytest.mark.parametrize(("name", "member"), MEMBERS)
def test_every_async_member_has_a_sync_twin(name: str, member: str) -> None:
    """Each public method or property has a twin with identical parameters and types."""
    async_class = getattr(ec_async, name)
    sync_class = getattr(ec_sync, name)
    async_member = inspect.getattr_static(async_class, member)
    sync_member = inspect.getattr_static(sync_class, DUNDERS.get(member, member))
    if isinstance(async_member, classmethod):
        # An alternative constructor (Client.from_settings): compare the functions.
        assert isinstance(sync_member, classmethod)
        async_member, sync_member = async_member.__func__, sync_member.__func__

    if isinstance(async_member, property):
        assert isinstance(sync_member, property)
        async_hints = typing.get_type_hints(async_member.fget)
        sync_hints = typing.get_type_hints(sync_member.fget)
    elif inspect.isfunction(async_member):
        assert inspect.isfunction(sync_member)
        assert not inspect.iscoroutinefunction(sync_member)
        assert not inspect.isasyncgenfunction(sync_member)
        async_parameters = inspect.signature(async_member).parameters
        sync_parameters = inspect.signature(sync_member).parameters
        assert [(p.name, p.kind, p.default) for p in async_parameters.values()] == [
            (p.name, p.kind, p.default) for p in sync_parameters.values()
        ]
        async_hints = typing.get_type_hints(async_member)
        sync_hints = typing.get_type_hints(sync_member)
    else:
        assert async_member is sync_member
        return

    if member == "__aenter__":
        # An async context manager's entry returns the async object itself.
        assert {"return": typing.Self} == async_hints == sync_hints
        return
    assert {key: _sync_type(hint) for key, hint in async_hints.items()} == sync_hints


def test_instance_attributes_have_twins() -> None:
    """Attributes the async client sets on itself read the same on the sync client."""
    url = "http://127.0.0.1:9/v1"
    async_client = ec_async.Client(url)
    attributes = {
        name: value
        for name, value in vars(async_client).items()
        if not name.startswith("_")
    }

    with contextlib.closing(ec_sync.Client(url)) as sync_client:
        mirrored = {name: getattr(sync_client, name) for name in attributes}

    assert {"base_url"} <= set(attributes)
    assert attributes == mirrored


def test_the_sync_surface_has_nothing_extra() -> None:
    """No twin carries a public member that its async original lacks."""
    attributes = set(vars(ec_async.Client("http://127.0.0.1:9/v1")))
    extra = {
        f"{name}.{member}"
        for name in TWINS
        for member in dir(getattr(ec_sync, name))
        if not member.startswith("_")
        and not hasattr(getattr(ec_async, name), member)
        and not (name == "Client" and member in attributes)
    }

    assert set() == extra
