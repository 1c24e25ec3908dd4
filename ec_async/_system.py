"""System info: the server's version, readable without logging in."""

from __future__ import annotations

from typing import Any

import attrs

from ._models import _extra
from ._pipeline import Operation
from ._resources import Collection, operation

__all__ = ["System", "SystemInfo"]


@attrs.frozen(kw_only=True)
class SystemInfo:
    """The version and build of the server."""

    version: str | None = None
    revision: str | None = None
    build_date: str | None = None
    build_number: str | None = None
    build_branch: str | None = None
    extra: dict[str, Any] = _extra()


# The spec gives GET /sys-info no operationId; ec_async names it this.
INFO = Operation("systemInfoGet", "GET", "/sys-info", safe=True, authenticated=False)


class System(Collection[SystemInfo]):
    """What the server says about itself."""

    _model = SystemInfo

    @operation(INFO)
    async def info(self) -> SystemInfo:
        """The server's version and build; sent without a token, as the server allows."""
        return await self._fetch_one(INFO, {})
