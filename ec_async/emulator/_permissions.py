"""Kapua permissions: what a grant allows, and how a missing one is reported.

Matching follows Shiro's wildcard rules on ``domain:action:targetScopeId:groupId``
(``None`` is ``*``); a forwardable grant also reaches every descendant of its
target account.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from ec_async.emulator._domains import ANY_ID, is_groupable
from ec_async.emulator._errors import KapuaError
from ec_async.emulator._wire import compact

__all__ = [
    "Grant",
    "Permission",
    "groups_granted",
    "is_permitted",
    "subject_unauthorized",
]


@attrs.frozen
class Permission:
    """A permission as tests and seeds grant it; ids are compact strings.

    ``None`` means "any": ``Permission()`` is Kapua's ``*:*`` on every scope.
    """

    domain: str | None = None
    action: str | None = None
    target_scope_id: str | None = None
    group_id: str | None = None
    forwardable: bool = False


@attrs.frozen
class Grant:
    """A permission with decoded ids, as stored and checked."""

    domain: str | None = None
    action: str | None = None
    target_scope_id: int | None = None
    group_id: int | None = None
    forwardable: bool = False

    def describe(self) -> str:
        """Return Kapua's text form, ``domain:action:scope:group`` with decimal ids."""
        parts = (self.domain, self.action, self.target_scope_id, self.group_id)

        return ":".join("*" if part is None else str(part) for part in parts)

    def to_wire(self) -> dict[str, Any]:
        """Return the ``permission`` object as the API writes it."""
        wire: dict[str, Any] = {
            "domain": self.domain,
            "action": self.action,
            "targetScopeId": compact(self.target_scope_id),
            "groupId": compact(self.group_id),
            "forwardable": self.forwardable,
        }

        return {key: value for key, value in wire.items() if value is not None}


def _part_implies(granted: object, required: object) -> bool:
    # Shiro: a granted wildcard implies anything; a concrete part implies only
    # itself, so it never implies a required wildcard.
    return granted is None or granted == required


def _promoted(granted: Grant, required: Grant) -> Grant:
    """Widen a grant the way Kapua's permission mapper does before matching.

    A check for ANY scope (or ANY group) is met by a grant on any one; a grant's
    group does not matter for a domain that is not groupable.
    """
    target_scope_id = granted.target_scope_id
    if required.target_scope_id == ANY_ID:
        target_scope_id = None
    group_id = granted.group_id
    if required.group_id == ANY_ID or (
        required.domain is not None and not is_groupable(required.domain)
    ):
        group_id = None

    return attrs.evolve(granted, target_scope_id=target_scope_id, group_id=group_id)


def _implies(granted: Grant, required: Grant, target_scope_id: int | None) -> bool:
    return (
        _part_implies(granted.domain, required.domain)
        and _part_implies(granted.action, required.action)
        and _part_implies(granted.target_scope_id, target_scope_id)
        and _part_implies(granted.group_id, required.group_id)
    )


def is_permitted(
    grants: Iterable[Grant], required: Grant, target_ancestors: frozenset[int]
) -> bool:
    """Return whether any grant implies ``required``.

    ``target_ancestors`` holds the ids on the target account's
    ``parentAccountPath`` (not the account itself): a forwardable grant on one
    of them is checked again as if it targeted the required scope.
    """
    for original in grants:
        grant = _promoted(original, required)
        if _implies(grant, required, required.target_scope_id):
            return True
        forwarded = grant.forwardable and grant.target_scope_id in target_ancestors
        if forwarded and _implies(grant, required, grant.target_scope_id):
            return True

    return False


def groups_granted(
    grants: Iterable[Grant], required: Grant, target_ancestors: frozenset[int]
) -> frozenset[int] | None:
    """Return the groups whose entities a caller may see, ``None`` for all of them.

    Kapua lets a listing of a groupable domain through with a grant on any
    group, then hides the entities of the groups the caller was not granted.
    """
    if is_permitted(grants, attrs.evolve(required, group_id=None), target_ancestors):
        return None
    groups = {
        grant.group_id
        for grant in grants
        if grant.group_id is not None
        and is_permitted(
            [grant], attrs.evolve(required, group_id=grant.group_id), target_ancestors
        )
    }

    return frozenset(groups)


def subject_unauthorized(required: Grant) -> KapuaError:
    """Return the 403 naming the permission the caller lacks."""
    return KapuaError(
        403,
        "SUBJECT_UNAUTHORIZED",
        "User does not have permission to perform this action. Required permission:"
        f" {required.describe()}.",
        type_name="subjectUnauthorizedExceptionInfo",
        fields={"permission": required.to_wire()},
    )
