"""Pure stages of the request pipeline."""

from __future__ import annotations

import pytest

import ec_async
from ec_async._pipeline import (
    RetryPolicy,
    query_params,
    render_path,
    retry_after_seconds,
)


def test_path_values_are_one_segment() -> None:
    """Ids are percent-encoded, so a slash or space cannot change the route."""
    path = render_path(
        "/{scopeId}/devices/{deviceId}", {"scopeId": "_", "deviceId": "a/b c"}
    )

    assert path == "/_/devices/a%2Fb%20c"


def test_missing_path_value_is_a_configuration_error() -> None:
    """A template parameter without a value is our bug, reported clearly."""
    with pytest.raises(ec_async.ConfigurationError, match="deviceId"):
        render_path("/{scopeId}/devices/{deviceId}", {"scopeId": "_"})


def test_query_params_drop_none_and_repeat_lists() -> None:
    """None filters are left out, booleans are lower case, lists repeat."""
    pairs = query_params(
        clientId=None, askTotalCount=True, fetchAttributes=["connection", "lastEvent"]
    )

    assert pairs == [
        ("askTotalCount", "true"),
        ("fetchAttributes", "connection"),
        ("fetchAttributes", "lastEvent"),
    ]


def test_retry_after_seconds_and_dates() -> None:
    """Retry-After is read in its seconds form and its HTTP-date form."""
    assert retry_after_seconds({"Retry-After": "7"}) == 7.0
    past = retry_after_seconds({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    assert past is not None
    assert past < 0
    assert retry_after_seconds({"Retry-After": "soon"}) is None


def test_retry_after_is_capped() -> None:
    """A huge Retry-After waits no longer than the policy's ceiling."""
    assert RetryPolicy(max_delay=8.0).delay(1, retry_after=3600) == 8.0


def test_backoff_grows_within_bounds() -> None:
    """Backoff with full jitter stays under the exponential ceiling."""
    policy = RetryPolicy(initial_delay=0.5, max_delay=4.0)

    delays = [
        policy.delay(attempt, None) for attempt in (1, 2, 3, 4, 5) for _ in range(50)
    ]

    assert all(0 <= delay <= 4.0 for delay in delays)
    assert max(policy.delay(1, None) for _ in range(50)) <= 0.5


def test_retry_policy_rejects_zero_attempts() -> None:
    """A policy with no attempts is a configuration error."""
    with pytest.raises(ec_async.ConfigurationError):
        RetryPolicy(attempts=0)
