"""Pure stages of the request pipeline."""

from __future__ import annotations

import datetime as dt
import email.utils

import pytest

import ec_async
from ec_async import Timeouts
from ec_async._http import RawResponse
from ec_async._pipeline import (
    Call,
    CallOptions,
    Operation,
    RetryPolicy,
    decode,
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


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e999"])
def test_retry_after_that_is_no_number_of_seconds_is_ignored(value: str) -> None:
    """Non-finite Retry-After values are treated as absent, not slept on."""
    assert retry_after_seconds({"Retry-After": value}) is None


def test_retry_after_dates_are_read_as_gmt() -> None:
    """A date five seconds ahead waits about five seconds, zone named or not."""
    ahead = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5)
    named = email.utils.format_datetime(ahead, usegmt=True)
    unnamed = ahead.strftime("%a, %d %b %Y %H:%M:%S")

    for value in (named, unnamed):
        seconds = retry_after_seconds({"Retry-After": value})
        assert seconds is not None
        assert 3.5 < seconds <= 5.0


@pytest.mark.parametrize("value", ["Mon, 99 Foo 99999 99:99:99 GMT", "", "1, 2"])
def test_unreadable_retry_after_dates_are_ignored(value: str) -> None:
    """Garbage in the date form is treated as absent, never raised."""
    assert retry_after_seconds({"Retry-After": value}) is None


@pytest.mark.parametrize(
    "options",
    [{"initial_delay": -1.0}, {"max_delay": float("nan")}, {"max_delay": float("inf")}],
)
def test_retry_policy_rejects_impossible_delays(options: dict[str, float]) -> None:
    """Negative or non-finite delays are configuration errors."""
    with pytest.raises(ec_async.ConfigurationError, match="zero or more seconds"):
        RetryPolicy(**options)  # type: ignore[arg-type]


def test_call_options_replace_only_what_is_given() -> None:
    """Merging keeps earlier choices for every option passed as None."""
    first = CallOptions(timeouts=Timeouts(total=5.0), idempotent=True)

    merged = first.merged(timeouts=None, retry=RetryPolicy(attempts=9), idempotent=None)

    assert (
        CallOptions(
            timeouts=Timeouts(total=5.0), retry=RetryPolicy(attempts=9), idempotent=True
        )
        == merged
    )


def test_what_a_call_sets_wins_over_its_views_options() -> None:
    """A call's own safety and timeouts beat the view's; gaps are filled."""
    operation = Operation("deviceCreate", "POST", "/{scopeId}/devices", safe=False)
    own = Timeouts(read=1.0)
    call = Call(operation, safe=False, timeouts=own)
    options = CallOptions(
        timeouts=Timeouts(total=9.0), retry=RetryPolicy(attempts=7), idempotent=True
    )

    applied = call.with_options(options)

    assert (False, own, RetryPolicy(attempts=7)) == (
        applied.retry_safe,
        applied.timeouts,
        applied.retry,
    )


def test_a_calls_repr_never_shows_its_body() -> None:
    """Login bodies hold passwords, so no Call repr prints a body."""
    operation = Operation("authenticationUser", "POST", "/authentication/user", True)
    call = Call(operation, body={"password": "Hidden-Passw0rd!"}, secret_body=True)

    assert "Hidden-Passw0rd!" not in repr(call)


class TestDecode:
    """Turning a raw response into JSON or a typed error."""

    def _decode(self, status: int, body: bytes, **headers: str) -> object:
        operation = Operation("deviceGet", "GET", "/{scopeId}/devices/{deviceId}", True)
        return decode(
            Call(operation), "/_/devices/AQ", RawResponse(status, headers, body)
        )

    def test_a_redirect_names_its_target_but_not_its_query(self) -> None:
        """A 307 becomes an APIError that says redirects are never followed."""
        with pytest.raises(ec_async.APIError) as caught:
            self._decode(307, b"", Location="https://other.example/v1/x?token=abc")

        assert "https://other.example/v1/x;" in str(caught.value)
        assert "abc" not in str(caught.value)

    def test_an_empty_success_is_none(self) -> None:
        """A 204 decodes to None."""
        assert self._decode(204, b"") is None
