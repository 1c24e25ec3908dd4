"""One API call as handlers see it: path ids, body, session and permission check.

Handlers take a ``Call`` instead of the bare request, so the recurring steps
(resolving ``_``, decoding ids, reading JSON, checking a permission) read as
one line each and fail with the server's own errors.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import attrs
from aiohttp import web
from multidict import MultiMapping

from ec_async._guards import is_dict
from ec_async.emulator._context import EmulatorContext
from ec_async.emulator._domains import ANY_ID
from ec_async.emulator._errors import EmptyError, illegal_argument, null_entity
from ec_async.emulator._permissions import (
    Grant,
    groups_granted,
    is_permitted,
    subject_unauthorized,
)
from ec_async.emulator._records.access import grants_of_user
from ec_async.emulator._records.accounts import ancestor_ids
from ec_async.emulator._wire import decode_id

__all__ = [
    "CONTEXT_KEY",
    "SESSION_KEY",
    "Call",
    "Handler",
    "Route",
    "Session",
    "add_routes",
]

# Kapua's setting api.path.param.scopeId.wildcard: "the caller's own account".
SCOPE_WILDCARD = "_"


@attrs.frozen
class Session:
    """Who is calling: the user and account behind a valid access token."""

    user_id: int
    scope_id: int
    token: sqlite3.Row


CONTEXT_KEY = web.AppKey("context", EmulatorContext)
SESSION_KEY = web.RequestKey("session", Session)


@attrs.frozen
class Call:
    """A request to one operation, with the helpers every handler uses."""

    request: web.Request

    @property
    def context(self) -> EmulatorContext:
        """Return the emulator this call reached."""
        return self.request.app[CONTEXT_KEY]

    @property
    def session(self) -> Session:
        """Return the caller's session; only protected paths have one."""
        return self.request[SESSION_KEY]

    @property
    def query(self) -> MultiMapping[str]:
        """Return the query parameters, repeated ones included."""
        return self.request.query

    def now_ms(self) -> int:
        """Return the emulated time of this call."""
        return self.context.clock.now_ms()

    def path_id(self, name: str) -> int:
        """Decode a compact id path parameter; 400 names it if it is not one."""
        value = decode_id(self.request.match_info[name])
        if value is None:
            raise illegal_argument(name, None)

        return value

    def scope_id(self) -> int:
        """Return the ``{scopeId}`` path parameter; ``_`` is the caller's account."""
        if self.request.match_info["scopeId"] == SCOPE_WILDCARD:
            return self.session.scope_id

        return self.path_id("scopeId")

    def query_id(self, name: str) -> int | None:
        """Decode an optional compact id query parameter."""
        text = self.query.get(name)
        if not text:
            return None
        value = decode_id(text)
        if value is None:
            raise illegal_argument(name, None)

        return value

    async def json_body(self, *, allow_empty: bool = False) -> dict[str, Any]:
        """Return the JSON object sent; Jersey answers a bare 400 if it is not one.

        A non-JSON content type gets Jersey's 415 (this emulator speaks no XML);
        no body and no Content-Type at all is Kapua's NullPointerException.
        """
        raw = await self.request.read()
        if not raw.strip() and allow_empty:
            return {}
        if not raw and "Content-Type" not in self.request.headers:
            raise null_entity()
        if self.request.content_type not in {"application/json", "text/json"}:
            raise EmptyError(415)
        try:
            body = json.loads(raw)
        except ValueError:
            raise EmptyError(400) from None
        if not is_dict(body):
            raise EmptyError(400)

        return body

    def require(
        self,
        domain: str,
        action: str,
        scope_id: int | None,
        group_id: int | None = None,
    ) -> None:
        """Check the caller holds ``domain:action`` on ``scope_id``; else 403."""
        self.require_permission(
            Grant(
                domain=domain,
                action=action,
                target_scope_id=scope_id,
                group_id=group_id,
            )
        )

    def require_permission(self, required: Grant) -> None:
        """Check the caller holds ``required`` (any permission, a granted one too)."""
        with self.context.store.transaction() as db:
            grants = grants_of_user(db, self.session.user_id)
            ancestors = ancestor_ids(db, required.target_scope_id)
        if not is_permitted(grants, required, ancestors):
            self.context.counters.reject("forbidden")
            raise subject_unauthorized(required)

    def visible_groups(
        self, domain: str, action: str, scope_id: int
    ) -> frozenset[int] | None:
        """Check ``domain:action`` on any group; return the groups it reaches.

        ``None`` means every group (and entities in none); a set limits a
        listing to entities of those groups, as Kapua's group query helper does.
        """
        required = Grant(domain=domain, action=action, target_scope_id=scope_id)
        with self.context.store.transaction() as db:
            grants = grants_of_user(db, self.session.user_id)
            ancestors = ancestor_ids(db, scope_id)
        any_group = attrs.evolve(required, group_id=ANY_ID)
        if not is_permitted(grants, any_group, ancestors):
            # Reported without the group, as for the other checks.
            self.context.counters.reject("forbidden")
            raise subject_unauthorized(required)

        return groups_granted(grants, required, ancestors)


Handler = Callable[[Call], Awaitable[web.StreamResponse]]


@attrs.frozen
class Route:
    """One operation: method, path below ``/v1`` and handler."""

    method: str
    path: str
    handler: Handler


def _adapt(handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        return await handler(Call(request))

    return handle


def add_routes(app: web.Application, routes: Iterable[Route]) -> None:
    """Register routes in order; literal segments must come before ``{id}`` ones."""
    for route in routes:
        app.router.add_route(route.method, "/v1" + route.path, _adapt(route.handler))
