"""A password login is sent once: a failed one that reached the server counts toward lockout."""

from __future__ import annotations

import pytest

import ec_async
from ec_async.emulator import DEMO_PASSWORD, Emulator, EmulatorConfig, Fault

pytestmark = pytest.mark.anyio


async def test_a_login_whose_answer_is_cut_short_is_not_sent_again() -> None:
    """The server handled the login once; the client reports the cut, not three logins."""
    config = EmulatorConfig(
        failed_login_delay=0.0,
        faults=(Fault(path="/authentication/user", truncate=1.0),),
    )
    async with Emulator(seed="minimal", config=config) as emulator:
        client = ec_async.Client(
            emulator.base_url, username="acme-admin", password=DEMO_PASSWORD
        )
        with pytest.raises(ec_async.TransportError) as caught:
            async with client:
                pass

        logins = emulator.counters.logins

    assert 1 == logins
    assert caught.value.request_sent
