"""Groups (which restrict permissions to some devices) and tags (free labels)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import attrs

from ._models import ListResult, _extra, _read_only
from ._pipeline import Operation, query_params
from ._resources import DEFAULT_PAGE_SIZE, Collection, operation

__all__ = ["Group", "GroupCreator", "Groups", "Tag", "TagCreator", "Tags"]


@attrs.frozen(kw_only=True)
class Group:
    """An access group: devices in it are reached by permissions naming its id."""

    id: str = _read_only(required=True)
    scope_id: str | None = _read_only()
    name: str
    description: str | None = None
    created_on: dt.datetime | None = _read_only()
    created_by: str | None = _read_only()
    modified_on: dt.datetime | None = _read_only()
    modified_by: str | None = _read_only()
    optlock: int | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class GroupCreator:
    """A new group: a name unique in its account, and a description."""

    name: str
    description: str | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class Tag:
    """A label that devices carry in their ``tag_ids``."""

    id: str = _read_only(required=True)
    scope_id: str | None = _read_only()
    name: str
    description: str | None = None
    created_on: dt.datetime | None = _read_only()
    created_by: str | None = _read_only()
    modified_on: dt.datetime | None = _read_only()
    modified_by: str | None = _read_only()
    optlock: int | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class TagCreator:
    """A new tag: a name unique in its account, and a description."""

    name: str
    description: str | None = None
    extra: dict[str, Any] = _extra()


_GROUPS = "/{scopeId}/groups"
_GROUP = _GROUPS + "/{groupId}"
_TAGS = "/{scopeId}/tags"
_TAG = _TAGS + "/{tagId}"

GROUP_LIST = Operation("groupList", "GET", _GROUPS, safe=True)
GROUP_CREATE = Operation("groupCreate", "POST", _GROUPS, safe=False)
GROUP_GET = Operation("groupGet", "GET", _GROUP, safe=True)
GROUP_UPDATE = Operation("groupUpdate", "PUT", _GROUP, safe=False)
GROUP_DELETE = Operation("groupDelete", "DELETE", _GROUP, safe=True)
GROUP_COUNT = Operation("groupCount", "POST", _GROUPS + "/_count", safe=True)
GROUP_QUERY = Operation("groupQuery", "POST", _GROUPS + "/_query", safe=True)

TAG_LIST = Operation("tagList", "GET", _TAGS, safe=True)
TAG_CREATE = Operation("tagCreate", "POST", _TAGS, safe=False)
TAG_GET = Operation("tagGet", "GET", _TAG, safe=True)
TAG_UPDATE = Operation("tagUpdate", "PUT", _TAG, safe=False)
TAG_DELETE = Operation("tagDelete", "DELETE", _TAG, safe=True)
TAG_COUNT = Operation("tagCount", "POST", _TAGS + "/_count", safe=True)
TAG_QUERY = Operation("tagQuery", "POST", _TAGS + "/_query", safe=True)


class Groups(Collection[Group]):
    """The access groups of one scope."""

    _model = Group

    @operation(GROUP_LIST)
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
    ) -> ListResult[Group]:
        """One page of groups, by name unless ``sort_by`` says otherwise."""
        return await self._list(
            GROUP_LIST,
            query_params(name=name, matchTerm=match_term),
            offset=offset,
            limit=limit,
            sort_by=sort_by,
            sort_dir=sort_dir,
            ask_total_count=ask_total_count,
        )

    @operation(GROUP_LIST)
    def iter(
        self,
        *,
        name: str | None = None,
        match_term: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> AsyncIterator[Group]:
        """Every group once, fetched page by page."""
        filters = query_params(name=name, matchTerm=match_term)
        return self._iterate(GROUP_LIST, filters, page_size=page_size)

    @operation(GROUP_GET)
    async def get(self, group_id: str) -> Group:
        """One group by id."""
        return await self._fetch_one(GROUP_GET, {"groupId": group_id})

    @operation(GROUP_CREATE)
    async def create(self, creator: GroupCreator) -> Group:
        """Create a group; a name already used in the scope raises ``DuplicateName``."""
        return await self._create(GROUP_CREATE, creator)

    @operation(GROUP_UPDATE)
    async def update(self, group: Group) -> Group:
        """Replace a group; its ``optlock`` must match the server's."""
        return await self._update(
            GROUP_UPDATE, {"groupId": self._checked(group).id}, group
        )

    @operation(GROUP_DELETE)
    async def delete(self, group_id: str) -> None:
        """Delete a group."""
        await self._delete(GROUP_DELETE, {"groupId": group_id})

    @operation(GROUP_QUERY)
    async def query(
        self, *, offset: int = 0, limit: int | None = 50, ask_total_count: bool = False
    ) -> ListResult[Group]:
        """Groups by ``_query``; ``limit=None`` asks for every row."""
        return await self._query_page(
            GROUP_QUERY, offset=offset, limit=limit, ask_total_count=ask_total_count
        )

    @operation(GROUP_COUNT)
    async def count(self) -> int:
        """How many groups the scope has."""
        return await self._count(GROUP_COUNT)


class Tags(Collection[Tag]):
    """The tags of one scope; devices list their tags in ``tag_ids``."""

    _model = Tag

    @operation(TAG_LIST)
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
    ) -> ListResult[Tag]:
        """One page of tags, by name unless ``sort_by`` says otherwise."""
        return await self._list(
            TAG_LIST,
            query_params(name=name, matchTerm=match_term),
            offset=offset,
            limit=limit,
            sort_by=sort_by,
            sort_dir=sort_dir,
            ask_total_count=ask_total_count,
        )

    @operation(TAG_LIST)
    def iter(
        self,
        *,
        name: str | None = None,
        match_term: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> AsyncIterator[Tag]:
        """Every tag once, fetched page by page."""
        filters = query_params(name=name, matchTerm=match_term)
        return self._iterate(TAG_LIST, filters, page_size=page_size)

    @operation(TAG_GET)
    async def get(self, tag_id: str) -> Tag:
        """One tag by id."""
        return await self._fetch_one(TAG_GET, {"tagId": tag_id})

    @operation(TAG_CREATE)
    async def create(self, creator: TagCreator) -> Tag:
        """Create a tag; a name already used in the scope raises ``DuplicateName``."""
        return await self._create(TAG_CREATE, creator)

    @operation(TAG_UPDATE)
    async def update(self, tag: Tag) -> Tag:
        """Replace a tag; its ``optlock`` must match the server's."""
        return await self._update(TAG_UPDATE, {"tagId": self._checked(tag).id}, tag)

    @operation(TAG_DELETE)
    async def delete(self, tag_id: str) -> None:
        """Delete a tag."""
        await self._delete(TAG_DELETE, {"tagId": tag_id})

    @operation(TAG_QUERY)
    async def query(
        self, *, offset: int = 0, limit: int | None = 50, ask_total_count: bool = False
    ) -> ListResult[Tag]:
        """Tags by ``_query``; ``limit=None`` asks for every row."""
        return await self._query_page(
            TAG_QUERY, offset=offset, limit=limit, ask_total_count=ask_total_count
        )

    @operation(TAG_COUNT)
    async def count(self) -> int:
        """How many tags the scope has."""
        return await self._count(TAG_COUNT)
