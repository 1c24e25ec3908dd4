"""The main job (``make demo``) runs end to end and reports the whole fleet."""

from __future__ import annotations

import io

import pytest

from ec_async._demo import run_demo
from ec_async.emulator import NAMED_SEEDS

pytestmark = pytest.mark.anyio


async def test_demo_reports_every_account_and_device() -> None:
    """The summary counts the tenant and all its child accounts, every device once."""
    seed = NAMED_SEEDS["demo"]
    accounts = 1 + seed.child_accounts
    out = io.StringIO()

    code = await run_demo(out=out)

    text = out.getvalue()
    assert 0 == code
    assert f"{accounts} accounts, {accounts * seed.devices_per_account} devices" in text
    assert (
        text.index("read in")
        < text.index("Logged out.")
        < text.index("Emulator stopped.")
    )
