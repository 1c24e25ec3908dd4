"""Real ids of a seeded emulator, read through its own list operations.

Generated requests reach past the 404 of an unknown id only with ids that
exist. Each ``{xId}`` path parameter is filled from the list operation of the
path before it (``/{scopeId}/devices`` for ``{deviceId}``), parents first, so
nested ids come with the ids they belong to. A list the emulator does not
serve yet leaves its ids to the generator; they join once it does.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import attrs

__all__ = ["Binding", "SeedIds", "fill_template", "harvest", "parameters_in"]

Binding = Mapping[str, str]
Fetch = Callable[[str], Any]

SCOPE = "scopeId"
# Kapua's setting api.path.param.scopeId.wildcard: the caller's own account.
SCOPE_WILDCARD = "_"
# kapua-sys, the root account (id 1) every Kapua has; a tenant may not use it.
SYSTEM_SCOPE = "AQ"
# Account ids are scope ids too: a child account's id is where its data lives.
_ACCOUNT = "accountId"
# The fields that hold an entity's id in list items; messages use datastoreId.
_ID_FIELDS = ("id", "datastoreId")

_PARAMETER = re.compile(r"^\{(\w+)\}$")
_PARENTS_PER_LIST = 3
_IDS_PER_LIST = 3
_BINDINGS_PER_TEMPLATE = 12


def _segments(template: str) -> list[str]:
    return template.strip("/").split("/")


def parameters_in(template: str) -> list[str]:
    """Return the names of a template's path parameters, left to right."""
    names = (_PARAMETER.match(segment) for segment in _segments(template))

    return [match.group(1) for match in names if match]


def fill_template(template: str, binding: Binding) -> str:
    """Return ``template`` with each ``{name}`` replaced by its quoted value."""
    filled = []
    for segment in _segments(template):
        match = _PARAMETER.match(segment)
        filled.append(quote(binding[match.group(1)], safe="") if match else segment)

    return "/" + "/".join(filled)


@attrs.frozen
class SeedIds:
    """Consistent path bindings per template prefix, and every id by its name."""

    own_scope: str
    scopes: tuple[str, ...]
    by_prefix: Mapping[str, tuple[Binding, ...]]
    by_name: Mapping[str, tuple[str, ...]]

    def scope_bindings(self) -> list[Binding]:
        """Return one binding per scope: own, ``_``, children, then a foreign one."""
        scopes = (self.own_scope, SCOPE_WILDCARD, *self.scopes, SYSTEM_SCOPE)

        return [{SCOPE: scope} for scope in dict.fromkeys(scopes)]

    def bindings_for(self, template: str) -> list[Binding]:
        """Return bindings of real ids for every parameter of ``template`` it can fill.

        Ids come with the parents they were listed under; the own scope also
        appears as ``_``. A parameter no list yields stays unbound.
        """
        names = parameters_in(template)
        if not names:
            return [{}]

        bindings = self._longest_prefix(template)
        if bindings is None:
            bindings = self.scope_bindings() if SCOPE in names else [{}]
        bindings = [*bindings, *self._with_wildcard(bindings)]
        for name in names:
            bindings = self._filled(bindings, name)

        return bindings[:_BINDINGS_PER_TEMPLATE]

    def ids_named(self, name: str) -> tuple[str, ...]:
        """Return the real ids for a body or query field such as ``userId``."""
        if name == SCOPE:
            return (self.own_scope, *self.scopes)

        return self.by_name.get(name, ())

    def _longest_prefix(self, template: str) -> list[Binding] | None:
        segments = _segments(template)
        for end in range(len(segments), 0, -1):
            prefix = "/" + "/".join(segments[:end])
            if prefix in self.by_prefix:
                return list(self.by_prefix[prefix])

        return None

    def _with_wildcard(self, bindings: Sequence[Binding]) -> list[Binding]:
        return [
            {**binding, SCOPE: SCOPE_WILDCARD}
            for binding in bindings
            if binding.get(SCOPE) == self.own_scope and len(binding) > 1
        ]

    def _filled(self, bindings: list[Binding], name: str) -> list[Binding]:
        pool = self.ids_named(name) if name != SCOPE else ()
        missing = [binding for binding in bindings if name not in binding]
        if not pool or not missing:
            return bindings

        complete = [binding for binding in bindings if name in binding]
        if len(missing) == 1:
            filled = [{**missing[0], name: value} for value in pool]
        else:
            values = itertools.cycle(pool)
            filled = [{**binding, name: next(values)} for binding in missing]

        return complete + filled


def _ids_in(document: Any) -> list[str]:
    """Return the entity ids of a list answer (``items`` or any list of entities)."""
    if not isinstance(document, Mapping):
        return []
    for candidate in (document.get("items"), *document.values()):
        if not isinstance(candidate, list):
            continue
        for field in _ID_FIELDS:
            ids = [
                item[field]
                for item in candidate
                if isinstance(item, Mapping) and isinstance(item.get(field), str)
            ]
            if ids:
                return ids

    return []


def _lists(
    templates: Iterable[str], listable: Collection[str]
) -> list[tuple[str, str]]:
    """Return (list template, parameter) for every ``{parameter}`` after a list path."""
    found: dict[tuple[str, str], None] = {}
    for template in templates:
        segments = _segments(template)
        for index, segment in enumerate(segments):
            match = _PARAMETER.match(segment)
            collection = "/" + "/".join(segments[:index])
            if match and match.group(1) != SCOPE and collection in listable:
                found[collection, match.group(1)] = None

    # Parents first; account lists first of all, since they add scopes.
    return sorted(
        found,
        key=lambda pair: (pair[1] != _ACCOUNT, len(parameters_in(pair[0])), pair),
    )


def harvest(
    fetch: Fetch, templates: Iterable[str], listable: Collection[str], own_scope: str
) -> SeedIds:
    """Read real ids by calling every listable template, parents first.

    ``fetch(path)`` returns the JSON of a successful GET, or None; ``listable``
    holds the templates whose GET the emulator serves.
    """
    scopes: list[str] = []
    by_prefix: defaultdict[str, list[Binding]] = defaultdict(list)
    by_name: defaultdict[str, list[str]] = defaultdict(list)
    by_name[_ACCOUNT].append(own_scope)

    for collection, name in _lists(templates, listable):
        partial = _seed_ids(own_scope, scopes, by_prefix, by_name)
        parents = [
            binding
            for binding in partial.bindings_for(collection)
            if binding.get(SCOPE) not in {SCOPE_WILDCARD, SYSTEM_SCOPE}
            and set(parameters_in(collection)) <= set(binding)
        ]
        for parent in parents[:_PARENTS_PER_LIST]:
            ids = _ids_in(fetch(fill_template(collection, parent)))[:_IDS_PER_LIST]
            by_prefix[f"{collection}/{{{name}}}"] += [{**parent, name: i} for i in ids]
            by_name[name] += [i for i in ids if i not in by_name[name]]
            if name == _ACCOUNT and parent.get(SCOPE) == own_scope:
                scopes += ids

    return _seed_ids(own_scope, scopes, by_prefix, by_name)


def _seed_ids(
    own_scope: str,
    scopes: Sequence[str],
    by_prefix: Mapping[str, Sequence[Binding]],
    by_name: Mapping[str, Sequence[str]],
) -> SeedIds:
    return SeedIds(
        own_scope,
        tuple(scopes),
        {prefix: tuple(bindings) for prefix, bindings in by_prefix.items()},
        {name: tuple(ids) for name, ids in by_name.items()},
    )
