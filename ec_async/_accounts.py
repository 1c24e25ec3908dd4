"""Accounts: the caller's own, and the child accounts below a scope.

An account is created in its parent's scope; it is read, updated and deleted
by its own id (the older ``/{scopeId}/accounts/{accountId}`` paths are the
same operations, their scope ignored by the server).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from typing import Any

import attrs

from . import _bulk
from ._convert import request_body
from ._errors import ConfigurationError
from ._models import Account, ListResult, Organization, _extra
from ._pipeline import Operation, query_params
from ._resources import DEFAULT_PAGE_SIZE, Collection, operation, paging_params

__all__ = [
    "AccountCreator",
    "AccountNode",
    "AccountUpdateRequest",
    "Accounts",
    "CurrentAccountUpdateRequest",
]


@attrs.frozen(kw_only=True)
class AccountCreator:
    """A new child account: a system-wide unique name and its organisation.

    ``name`` takes letters, digits, ``_`` and ``-`` (three at least);
    ``organization_name`` and ``organization_email`` are required. An
    ``expiration_date`` may not be later than the parent's.
    """

    name: str
    organization_name: str
    organization_email: str
    description: str | None = None
    organization_person_name: str | None = None
    organization_phone_number: str | None = None
    organization_address_line_1: str | None = None
    organization_address_line_2: str | None = None
    organization_address_line_3: str | None = None
    organization_city: str | None = None
    organization_zip_post_code: str | None = None
    organization_state_province_county: str | None = None
    organization_country: str | None = None
    expiration_date: dt.datetime | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class AccountUpdateRequest:
    """What an update of a child account may change; ``optlock`` guards it."""

    optlock: int | None
    organization: Organization
    description: str | None = None
    expiration_date: dt.datetime | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class CurrentAccountUpdateRequest:
    """What the caller may change of its own account; ``optlock`` guards it."""

    optlock: int | None
    organization: Organization
    description: str | None = None
    extra: dict[str, Any] = _extra()


_PATH = "/{scopeId}/accounts"
_ITEM = "/accounts/{accountId}"
_DEPRECATED_ITEM = _PATH + "/{accountId}"

LIST = Operation("accountList", "GET", _PATH, safe=True)
CREATE = Operation("accountCreate", "POST", _PATH, safe=False)
QUERY = Operation("accountQuery", "POST", _PATH + "/_query", safe=True)
COUNT = Operation("accountCount", "POST", _PATH + "/_count", safe=True)
GET = Operation("accountGet", "GET", _ITEM, safe=True)
UPDATE = Operation("accountUpdate", "PUT", _ITEM, safe=False)
DELETE = Operation("accountDelete", "DELETE", _ITEM, safe=True)
CURRENT = Operation("getCurrentAccount", "GET", "/account", safe=True)
UPDATE_CURRENT = Operation("putCurrentAccount", "PUT", "/account", safe=False)
# The same operations under the scope; the server ignores the scope segment.
DEPRECATED_GET = Operation("deprecatedAccountGet", "GET", _DEPRECATED_ITEM, safe=True)
DEPRECATED_UPDATE = Operation(
    "deprecatedAccountUpdate", "PUT", _DEPRECATED_ITEM, safe=False
)
DEPRECATED_DELETE = Operation(
    "deprecatedAccountDelete", "DELETE", _DEPRECATED_ITEM, safe=True
)


def _filters(name: str | None, match_term: str | None) -> list[tuple[str, str]]:
    return query_params(name=name, matchTerm=match_term)


@attrs.frozen
class AccountNode:
    """An account that ``walk()`` reached, and how far below the walk's scope.

    ``depth`` is 1 for a direct child of the scope, 2 for a grandchild, and so on.
    """

    account: Account
    depth: int


def _unseen(groups: list[list[Account]], seen: set[str]) -> list[Account]:
    # A server that lists an account twice must not make a walk loop forever.
    fresh: list[Account] = []
    for account in (account for group in groups for account in group):
        if account.id not in seen:
            seen.add(account.id)
            fresh.append(account)
    return fresh


class Accounts(Collection[Account]):
    """The child accounts of one scope, and lookups by id."""

    _model = Account

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
    ) -> ListResult[Account]:
        """One page of the scope's direct child accounts."""
        paging = paging_params(
            offset=offset,
            limit=limit,
            sort_by=sort_by,
            sort_dir=sort_dir,
            ask_total_count=ask_total_count,
        )
        return await self._fetch_page(LIST, [*_filters(name, match_term), *paging])

    @operation(LIST)
    async def descendants(self) -> Sequence[Account]:
        """Every account below the scope, at any depth, in one call.

        The server ignores paging for a recursive listing and returns all.
        """
        page = await self._fetch_page(LIST, query_params(recursive=True))
        return page.items

    @operation(LIST)
    def iter(
        self,
        *,
        name: str | None = None,
        match_term: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        concurrency: int = 1,
    ) -> AsyncIterator[Account]:
        """Every direct child account once, fetched page by page, in id order.

        ``concurrency`` above 1 fetches up to that many pages at once, in order.
        """
        return self._iterate(
            LIST,
            _filters(name, match_term),
            page_size=page_size,
            concurrency=concurrency,
        )

    @operation(LIST)
    def iter_pages(
        self,
        *,
        name: str | None = None,
        match_term: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        concurrency: int = 1,
    ) -> AsyncIterator[Sequence[Account]]:
        """The accounts of ``iter()``, a page at a time (never an empty one)."""
        return self._iterate_pages(
            LIST,
            _filters(name, match_term),
            page_size=page_size,
            concurrency=concurrency,
        )

    @operation(LIST)
    def walk(
        self,
        *,
        max_depth: int | None = None,
        concurrency: int = 8,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> AsyncIterator[AccountNode]:
        """Every account below the scope, breadth first, with its depth.

        Each level is listed concurrently, up to ``concurrency`` accounts at a
        time, and yielded once complete: children in the order of their
        parents, each parent's children in id order. ``max_depth=1`` stops at
        the direct children. Unlike ``descendants()``, it pages, and it needs
        only the right to list each account's children.
        """
        if max_depth is not None and max_depth < 1:
            msg = f"max_depth must be at least 1, got {max_depth}"
            raise ConfigurationError(msg)
        _bulk.check_concurrency(concurrency)

        return self._walk(max_depth, concurrency, page_size)

    async def _walk(
        self, max_depth: int | None, concurrency: int, page_size: int
    ) -> AsyncGenerator[AccountNode, None]:
        async def children_of(scope_id: str) -> list[Account]:
            below = Accounts(attrs.evolve(self._binding, scope_id=scope_id))
            return [account async for account in below.iter(page_size=page_size)]

        parents = [self.scope_id]
        seen: set[str] = set()
        depth = 1
        while parents and (max_depth is None or depth <= max_depth):
            report = await _bulk.run(
                children_of, parents, concurrency=concurrency, fail_fast=True
            )
            level = _unseen(report.values, seen)
            for account in level:
                yield AccountNode(account=account, depth=depth)
            parents = [account.id for account in level]
            depth += 1

    @operation(GET)
    @operation(DEPRECATED_GET)
    async def get(self, account_id: str) -> Account:
        """One account by id; the caller must be allowed to read it."""
        return await self._fetch_one(GET, {"accountId": account_id})

    @operation(CREATE)
    async def create(self, creator: AccountCreator) -> Account:
        """Create a child account of this scope; never retried.

        A name already taken raises ``DuplicateName``; a scope at its limit of
        child accounts raises ``ServerError`` (``MAX_NUMBER_OF_ITEMS_REACHED``).
        A new account starts with no allowance for devices, users or children
        of its own until its service configurations are written.
        """
        return await self._create(CREATE, creator)

    @operation(UPDATE)
    @operation(DEPRECATED_UPDATE)
    async def update(self, account: Account) -> Account:
        """Update a child account from a changed copy; its ``optlock`` must match.

        Only ``description``, ``organization`` and ``expiration_date`` change;
        read the account, change a copy with ``attrs.evolve``, then update. An
        ``OptimisticLockError`` means someone changed it in between. The
        caller's own account is changed with ``update_current`` instead.
        """
        account = self._checked(account)
        update = AccountUpdateRequest(
            optlock=account.optlock,
            organization=account.organization or Organization(),
            description=account.description,
            expiration_date=account.expiration_date,
        )
        return await self._put(UPDATE, {"accountId": account.id}, request_body(update))

    @operation(DELETE)
    @operation(DEPRECATED_DELETE)
    async def delete(self, account_id: str) -> None:
        """Delete an account that has no child accounts, and everything in it."""
        await self._delete(DELETE, {"accountId": account_id})

    @operation(CURRENT)
    async def current(self) -> Account:
        """The caller's own account, whatever this collection's scope."""
        return await self._fetch_one(CURRENT, {})

    @operation(UPDATE_CURRENT)
    async def update_current(self, account: Account) -> Account:
        """Update the caller's own account from a changed copy of ``current()``.

        Only ``description`` and ``organization`` change; ``optlock`` must match.
        """
        account = self._checked(account)
        update = CurrentAccountUpdateRequest(
            optlock=account.optlock,
            organization=account.organization or Organization(),
            description=account.description,
        )
        return await self._put(UPDATE_CURRENT, {}, request_body(update))

    @operation(QUERY)
    async def query(
        self,
        *,
        offset: int = 0,
        limit: int | None = 50,
        ask_total_count: bool = False,
    ) -> ListResult[Account]:
        """Child accounts by ``_query``; ``limit=None`` asks for every row."""
        return await self._query_page(
            QUERY,
            offset=offset,
            limit=limit,
            ask_total_count=ask_total_count,
            fetch_attributes=(),
        )

    @operation(COUNT)
    async def count(self) -> int:
        """How many direct child accounts the scope has."""
        return await self._count(COUNT)
