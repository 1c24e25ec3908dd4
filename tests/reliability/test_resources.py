"""Sessions, connections and tasks: closed when the client is, or warned about."""

from __future__ import annotations

import asyncio
import gc
import inspect
import warnings

import pytest

import ec_async
from ec_async.emulator import Emulator

from .conftest import client_of

pytestmark = pytest.mark.anyio


async def _settle() -> None:
    """Let callbacks the loop was handed (closing transports, say) run."""
    for _ in range(5):
        await asyncio.sleep(0)


class TestClosing:
    """A closed client leaves nothing running and refuses further calls."""

    async def test_close_leaves_no_task_and_refuses_calls(
        self, served: Emulator
    ) -> None:
        """After the block, no task of the client runs and calls raise ClientClosed."""
        before = asyncio.all_tasks()
        async with client_of(served) as ec:
            await ec.devices.count()
            during = asyncio.all_tasks() - before
        await _settle()

        assert during  # The background refresh ran while the client was open.
        assert asyncio.all_tasks() <= before
        with pytest.raises(ec_async.ClientClosed, match="create a new Client"):
            await ec.devices.count()
        await ec.close()  # A second close does nothing.

    async def test_a_dropped_client_warns_once_where_it_was_made(
        self, served: Emulator
    ) -> None:
        """One ResourceWarning naming this file and line; its task and sockets go."""
        before = asyncio.all_tasks()
        made_at = inspect.currentframe()
        assert made_at is not None
        ec = client_of(served)
        line = made_at.f_lineno - 1
        await ec.devices.count()

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            del ec
            gc.collect()
            await _settle()
            gc.collect()

        messages = [str(w.message) for w in caught]
        assert 1 == len(messages), messages
        assert issubclass(caught[0].category, ResourceWarning)
        assert f'"{__file__}", line {line}' in messages[0]
        assert "never logged out" in messages[0]
        assert asyncio.all_tasks() <= before
