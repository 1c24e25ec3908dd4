"""Users of an account: list, iterate, get, count, create, update, delete.

A user's credentials and MFA settings are views reached from here:
``ec.users.credentials(user_id)`` and ``ec.users.mfa(user_id)``.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import AsyncIterator
from typing import Any

import attrs

from ._mfa import UserMfa
from ._models import ListResult, _extra, _read_only
from ._pipeline import Operation, query_params
from ._resources import DEFAULT_PAGE_SIZE, Collection, operation, paging_params
from ._user_credentials import UserCredentials

__all__ = ["User", "UserCreator", "UserStatus", "UserType", "Users"]

_PATH = "/{scopeId}/users"
_ITEM = _PATH + "/{userId}"

LIST = Operation("userList", "GET", _PATH, safe=True)
GET = Operation("userGet", "GET", _ITEM, safe=True)
QUERY = Operation("userQuery", "POST", _PATH + "/_query", safe=True)
COUNT = Operation("userCount", "POST", _PATH + "/_count", safe=True)
CREATE = Operation("userCreate", "POST", _PATH, safe=False)
UPDATE = Operation("userUpdate", "PUT", _ITEM, safe=False)
DELETE = Operation("userDelete", "DELETE", _ITEM, safe=True)


class UserStatus(enum.StrEnum):
    """Whether a user may log in."""

    ENABLED = "ENABLED"
    DISABLED = "DISABLED"


class UserType(enum.StrEnum):
    """Where a user comes from; only ``INTERNAL`` users may turn on MFA."""

    INTERNAL = "INTERNAL"
    EXTERNAL = "EXTERNAL"
    DEVICE = "DEVICE"


@attrs.frozen(kw_only=True)
class User:
    """A user of an account.

    ``name`` and ``user_type`` are fixed at creation: an update that changes
    them is refused.
    """

    id: str = _read_only(required=True)
    scope_id: str | None = _read_only()
    name: str
    description: str | None = None
    status: str | None = None
    display_name: str | None = None
    email: str | None = None
    phone_number: str | None = None
    user_type: str | None = None
    external_id: str | None = None
    external_username: str | None = None
    expiration_date: dt.datetime | None = None
    created_on: dt.datetime | None = _read_only()
    created_by: str | None = _read_only()
    modified_on: dt.datetime | None = _read_only()
    modified_by: str | None = _read_only()
    optlock: int | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class UserCreator:
    """What it takes to create a user; only ``name`` is required.

    A name is 3 to 255 letters, digits, ``_`` or ``-``, unique in the whole
    system. Give the user a password or an API key afterwards, through
    ``ec.users.credentials(user.id)``.
    """

    name: str
    description: str | None = None
    status: str = UserStatus.ENABLED
    display_name: str | None = None
    email: str | None = None
    phone_number: str | None = None
    user_type: str = UserType.INTERNAL
    external_id: str | None = None
    external_username: str | None = None
    expiration_date: dt.datetime | None = None
    extra: dict[str, Any] = _extra()


def _filters(name: str | None, match_term: str | None) -> list[tuple[str, str]]:
    return query_params(name=name, matchTerm=match_term)


class Users(Collection[User]):
    """The users of one scope, and the views of one user's credentials and MFA."""

    _model = User

    @operation(LIST)
    async def list(
        self,
        *,
        name: str | None = None,
        match_term: str | None = None,
        offset: int = 0,
        limit: int = 50,
        sort_by: str | None = None,
        sort_dir: str | None = None,
        ask_total_count: bool = False,
    ) -> ListResult[User]:
        """One page of the scope's users, by name unless sorted otherwise."""
        paging = paging_params(
            offset=offset,
            limit=limit,
            sort_by=sort_by,
            sort_dir=sort_dir,
            ask_total_count=ask_total_count,
        )
        return await self._fetch_page(LIST, [*_filters(name, match_term), *paging])

    @operation(LIST)
    def iter(
        self,
        *,
        name: str | None = None,
        match_term: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> AsyncIterator[User]:
        """Every matching user once, fetched page by page."""
        return self._iterate(LIST, _filters(name, match_term), page_size=page_size)

    @operation(GET)
    async def get(self, user_id: str) -> User:
        """One user by id."""
        return await self._fetch_one(GET, {"userId": user_id})

    @operation(QUERY)
    async def query(
        self,
        *,
        offset: int = 0,
        limit: int | None = 50,
        ask_total_count: bool = False,
    ) -> ListResult[User]:
        """Users by ``_query``; ``limit=None`` asks for every row at once."""
        return await self._query_page(
            QUERY,
            offset=offset,
            limit=limit,
            ask_total_count=ask_total_count,
            fetch_attributes=(),
        )

    @operation(COUNT)
    async def count(self) -> int:
        """How many users the scope has."""
        return await self._count(COUNT)

    @operation(CREATE)
    async def create(self, creator: UserCreator) -> User:
        """Create a user; a name already taken raises ``DuplicateName``."""
        return await self._create(CREATE, creator)

    @operation(UPDATE)
    async def update(self, user: User) -> User:
        """Replace a user whole; its ``optlock`` must match the server's.

        Read, change a copy with ``attrs.evolve``, then update; an
        ``OptimisticLockError`` means someone else changed it in between.
        """
        return await self._update(UPDATE, {"userId": self._checked(user).id}, user)

    @operation(DELETE)
    async def delete(self, user_id: str) -> None:
        """Delete a user and their credentials; nobody can delete themselves."""
        await self._delete(DELETE, {"userId": user_id})

    def credentials(self, user_id: str) -> UserCredentials:
        """The credentials of one user: passwords and API keys."""
        return UserCredentials(self._binding, user_id)

    def mfa(self, user_id: str) -> UserMfa:
        """One user's multi-factor authentication settings, as an administrator."""
        return UserMfa(self._binding, user_id)
