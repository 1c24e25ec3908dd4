"""Call observers: what a client tells its watchers about each API call.

One ``ObservedCall`` per call, handed to every observer when the call starts
and again, its outcome filled in, when it ends. Nothing here runs, or is
allocated, for a client without observers.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Sequence
from typing import Any, Protocol, TypeGuard, TypeVar, runtime_checkable

import attrs

from ._errors import ConfigurationError
from ._guards import is_sequence

__all__ = ["CallObserver", "ObservedCall", "check_observers", "ended", "started"]

logger = logging.getLogger("ec_async.observe")

StateT = TypeVar("StateT")


@attrs.define(eq=False)
class ObservedCall:
    """One API call, as an observer sees it: the operation, then its outcome.

    ``operation_id``, ``method`` and ``path_template`` are the spec's (the
    template without the values, ``/{scopeId}/devices/{deviceId}``);
    ``base_url`` is the client's. ``scope_id`` is the account the call acts
    in (``None`` for the ``/authentication`` operations): ``_``, the caller's
    own account, is replaced by its id once the call has its token, so by
    ``call_ended`` it is known. ``device_id`` is the device the path names,
    if any.

    The rest is filled in before ``call_ended``: ``attempts`` is how many
    requests were sent (retries and a replay after a refused token included;
    0 if none could be: bad input, a closed client, a failed login), ``status`` the last HTTP status received (``None``
    without any answer), ``error`` what the call raised (``None`` when it
    succeeded) and ``elapsed`` the seconds the whole call took.
    """

    operation_id: str
    method: str
    path_template: str
    base_url: str
    scope_id: str | None
    device_id: str | None
    attempts: int = 0
    status: int | None = None
    error: BaseException | None = None
    elapsed: float = 0.0

    @property
    def retry_count(self) -> int:
        """How many times a request of this call was sent again."""
        return max(self.attempts - 1, 0)


@runtime_checkable
class CallObserver(Protocol[StateT]):
    """Told when each API call of a client starts and ends.

    ``call_started`` returns whatever the observer needs to finish its work
    (a span, a start time, ``None``), and gets it back in ``call_ended`` with
    the same ``ObservedCall``, now complete. Both run in the task that makes
    the call, so context set in ``call_started`` (a current span) holds for
    everything the call does, logins and retries included. Keep them quick:
    they are not awaited. What they raise is logged at WARNING on
    ``ec_async.observe`` and never fails the call.
    """

    def call_started(self, call: ObservedCall) -> StateT:
        """The call is about to be sent (nothing has gone out yet)."""
        ...

    def call_ended(self, call: ObservedCall, state: StateT) -> None:
        """The call returned or raised; ``call`` holds its outcome."""


def _is_observer(value: object) -> TypeGuard[CallObserver[Any]]:
    return isinstance(value, CallObserver)


def check_observers(observers: object) -> tuple[CallObserver[Any], ...]:
    """The observers as a tuple, or ConfigurationError naming what is wrong."""
    if not is_sequence(observers) or isinstance(observers, str):
        msg = (
            "observers must be a list of call observers, got "
            f"{type(observers).__name__}; wrap a single one in a list"
        )
        raise ConfigurationError(msg)
    checked: list[CallObserver[Any]] = []
    for observer in observers:
        if not _is_observer(observer):
            msg = (
                f"observers: a {type(observer).__name__} has no call_started and "
                "call_ended methods, so it cannot observe calls"
            )
            raise ConfigurationError(msg)
        if isinstance(observer, type):
            msg = f"observers: {observer.__name__} is a class; pass an instance of it"
            raise ConfigurationError(msg)
        if any(
            inspect.iscoroutinefunction(getattr(observer, name))
            for name in ("call_started", "call_ended")
        ):
            msg = (
                f"observers: {type(observer).__name__}'s methods must be plain "
                "functions: observers are called, never awaited"
            )
            raise ConfigurationError(msg)
        checked.append(observer)

    return tuple(checked)


_FAILED = "the call observer %s failed in %s; the call goes on"

# What a failed call_started leaves in place of a state: no call_ended follows.
_NOT_STARTED: Any = object()


def started(observers: Sequence[CallObserver[Any]], call: ObservedCall) -> list[Any]:
    """Tell each observer that ``call`` starts; their states, in order."""
    states: list[Any] = []
    for observer in observers:
        try:
            states.append(observer.call_started(call))
        except Exception:
            # An observer's failure must not fail the call it watches, nor
            # pass unseen.
            logger.warning(
                _FAILED, type(observer).__name__, "call_started", exc_info=True
            )
            states.append(_NOT_STARTED)

    return states


def ended(
    observers: Sequence[CallObserver[Any]], call: ObservedCall, states: list[Any]
) -> None:
    """Tell each observer that ``call`` ended, the last one started first."""
    for observer, state in zip(reversed(observers), reversed(states), strict=True):
        if state is _NOT_STARTED:
            continue
        try:
            observer.call_ended(call, state)
        except Exception:
            logger.warning(
                _FAILED, type(observer).__name__, "call_ended", exc_info=True
            )
