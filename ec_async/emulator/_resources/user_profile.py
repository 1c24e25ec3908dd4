"""The caller's own profile (``[/{scopeId}]/user/profile``): no permission needed.

Kapua serves both paths from one resource and ignores the scope segment; the
update answers 200 without a body.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ec_async.emulator._body import text_field
from ec_async.emulator._call import Call, Route
from ec_async.emulator._errors import illegal_argument
from ec_async.emulator._records.users import update_user
from ec_async.emulator._resources.users import EMAIL_PATTERN, existing_user
from ec_async.emulator._wire import Field, Kind, json_response, row_fields

__all__ = ["ROUTES"]

_FIELDS: tuple[Field, ...] = (
    ("displayName", Kind.TEXT),
    ("phoneNumber", Kind.TEXT),
    ("email", Kind.TEXT),
)


async def get_profile(call: Call) -> web.StreamResponse:
    """GET /user/profile: display name, phone number and email of the caller."""
    session = call.session
    with call.context.store.transaction() as db:
        user = existing_user(db, session.scope_id, session.user_id)
    profile: dict[str, Any] = {"type": "userProfile", **row_fields(user, _FIELDS)}

    return json_response(profile)


async def update_profile(call: Call) -> web.StreamResponse:
    """PUT /user/profile: replace the three fields; an empty email is allowed."""
    body = await call.json_body()
    columns = {
        "display_name": text_field(body, "displayName"),
        "phone_number": text_field(body, "phoneNumber"),
        "email": text_field(body, "email"),
    }
    email = columns["email"]
    if email and EMAIL_PATTERN.match(email) is None:
        raise illegal_argument("userProfile.email", email)

    session = call.session
    with call.context.store.transaction() as db:
        existing_user(db, session.scope_id, session.user_id)
        update_user(db, session.user_id, columns, now=call.now_ms(), by=session.user_id)

    return web.Response(status=200)


ROUTES = tuple(
    Route(method, f"{prefix}/user/profile{end}", handler)
    for prefix in ("", "/{scopeId}")
    for end in ("", "/")
    for method, handler in (("GET", get_profile), ("PUT", update_profile))
)
