"""Kapua permissions: what a grant allows, and how a missing one is reported.

Matching follows Shiro's wildcard rules on ``domain:action:targetScopeId:groupId``
(``None`` is ``*``); a forwardable grant also reaches every descendant of its
target account.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from ec_async.emulator._errors import KapuaError
from ec_async.emulator._wire import compact

__all__ = ["Grant", "Permission", "is_permitted", "subject_unauthorized"]


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
    for grant in grants:
        if _implies(grant, required, required.target_scope_id):
            return True
        forwarded = grant.forwardable and grant.target_scope_id in target_ancestors
        if forwarded and _implies(grant, required, grant.target_scope_id):
            return True

    return False


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
