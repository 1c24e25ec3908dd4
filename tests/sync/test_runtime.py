"""The sync facade's runtime: threads, running loops, errors, closing, exit and fork."""

from __future__ import annotations

import asyncio
import contextlib
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import pytest

import ec_async
import ec_sync
from ec_async import UsernamePassword
from ec_async.emulator import Emulator, Exchange

from ._support import ADMIN, FAST, PASSWORD, eventually, fleet, loop_threads


def _client(emulator: Emulator) -> ec_sync.Client:
    return ec_sync.Client(emulator.base_url, username=ADMIN, password=PASSWORD)


class TestThreads:
    """One client shared by many threads, and one loop thread per client."""

    def test_sixteen_threads_share_one_client(self, emulator: Emulator) -> None:
        """16 threads of 200 calls all succeed, on one login and one refresh per expiry."""
        threads, calls, expiries = 16, 200, (70, 140)
        # All threads pause, the server's clock passes the token's expiry, and
        # then every thread's next call meets the expired token at once.
        barrier = threading.Barrier(
            threads, action=lambda: emulator.admin.advance_clock(31 * 60)
        )
        names: list[str] = []
        errors: list[BaseException] = []

        with contextlib.closing(_client(emulator)) as ec:

            def work() -> None:
                try:
                    for index in range(calls):
                        if index in expiries:
                            barrier.wait(timeout=60)
                        names.append(ec.accounts.current().name)
                except BaseException as exc:  # noqa: BLE001 - reported below.
                    errors.append(exc)

            workers = [threading.Thread(target=work) for _ in range(threads)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join(timeout=120)

        assert [] == errors
        assert threads * calls == names.count("acme") == len(names)
        assert 1 == emulator.counters.logins
        assert (len(expiries), 0) == (
            emulator.counters.refreshes,
            emulator.counters.failed_refreshes,
        )

    def test_each_client_owns_a_loop_thread(self, emulator: Emulator) -> None:
        """Two clients run two loop threads, and closing one leaves the other working."""
        before = len(loop_threads())

        with _client(emulator) as first, _client(emulator) as second:
            running = len(loop_threads()) - before
            first.close()
            name = second.accounts.current().name

        assert 2 == running
        assert "acme" == name
        assert before == len(loop_threads())


class TestCallers:
    """Callers the facade must serve: event loops, and the loop thread itself."""

    def test_works_inside_a_running_event_loop(self, emulator: Emulator) -> None:
        """Made and called in a coroutine, as in Jupyter, the client just blocks."""

        async def notebook_cell() -> str:
            with _client(emulator) as ec:
                return ec.accounts.current().name

        assert "acme" == asyncio.run(notebook_cell())

    def test_a_call_from_the_loop_thread_is_refused(self, emulator: Emulator) -> None:
        """A provider calling its own client gets RuntimeError rather than a deadlock."""
        clients: list[ec_sync.Client] = []

        def provider() -> UsernamePassword:
            clients[0].accounts.current()
            return UsernamePassword(ADMIN, PASSWORD)

        ec = ec_sync.Client(emulator.base_url, credentials_provider=provider)
        clients.append(ec)
        with (
            contextlib.closing(ec),
            pytest.raises(RuntimeError, match="its own event loop thread"),
        ):
            ec.login()

    @pytest.mark.skipif(
        not hasattr(signal, "pthread_kill")
        or threading.current_thread() is not threading.main_thread(),
        reason="needs POSIX signals, delivered to the main thread",
    )
    def test_ctrl_c_interrupts_a_waiting_call(self) -> None:
        """SIGINT ends the wait for a slow call at once, and the client stays usable."""
        stall = threading.Event()

        def slow_server(exchange: Exchange) -> None:
            if stall.is_set() and exchange.path.endswith("/account"):
                stall.clear()
                time.sleep(1.5)

        interrupt = threading.Timer(
            0.2, signal.pthread_kill, (threading.main_thread().ident, signal.SIGINT)
        )
        with (
            Emulator.in_thread(
                seed="minimal", config=FAST, observers=[slow_server]
            ) as emulator,
            _client(emulator) as ec,
        ):
            stall.set()
            started = time.monotonic()
            interrupt.start()
            with pytest.raises(KeyboardInterrupt):
                ec.accounts.current()
            waited = time.monotonic() - started
            name = ec.accounts.current().name

        assert waited < 1.0
        assert "acme" == name


def test_errors_keep_their_class_and_both_threads_frames(emulator: Emulator) -> None:
    """An API error is ec_async's own class, showing the caller's and the core's frames."""
    with _client(emulator) as ec:
        device = ec.devices.create(ec_async.DeviceCreator(client_id="t-gone"))
        ec.devices.delete(device.id)
        with pytest.raises(ec_async.NotFound) as caught:
            ec.devices.get(device.id)

    frames = [(Path(entry.path), entry.name) for entry in caught.traceback]
    assert ec_async.NotFound is caught.type
    assert (Path(__file__), "test_errors_keep_their_class_and_both_threads_frames") == (
        frames[0]
    )
    assert ("ec_async", "get") in {(path.parent.name, name) for path, name in frames}


class TestIteration:
    """Sync iterators over async listings."""

    def test_pages_are_fetched_only_when_needed(self) -> None:
        """The next page is requested only once the caller takes an item past the last."""
        seen: list[Exchange] = []
        with Emulator.in_thread(
            seed="minimal", config=FAST, observers=[seen.append]
        ) as emulator:
            scope_id, client_ids = fleet(emulator, "t-pages", 7)

            def pages() -> int:
                return sum(x.path.endswith(f"/{scope_id}/devices") for x in seen)

            with _client(emulator) as ec:
                iterator = ec.scope(scope_id).devices.iter(page_size=3)
                fetched = [pages()]
                items = [next(iterator) for _ in range(3)]
                fetched.append(pages())
                items.append(next(iterator))
                fetched.append(pages())
                items += iterator
                fetched.append(pages())

        assert [0, 1, 2, 3] == fetched
        assert sorted(client_ids) == sorted(device.client_id for device in items)

    def test_an_iterator_outliving_its_client_refuses_to_go_on(
        self, emulator: Emulator
    ) -> None:
        """After close(), a half-read iterator raises ClientClosed."""
        with _client(emulator) as ec:
            iterator = ec.devices.iter(page_size=2)
            next(iterator)

        with pytest.raises(ec_async.ClientClosed, match="closed"):
            next(iterator)

    def test_abandoning_an_iterator_leaves_the_client_working(
        self, emulator: Emulator
    ) -> None:
        """Breaking out of a loop closes the async iterator; later calls still work."""
        with _client(emulator) as ec:
            for _ in ec.devices.iter(page_size=2):
                break
            count = ec.devices.count()

        assert 10 == count


class TestClosing:
    """close(), with blocks, dropped clients, and interpreter exit."""

    def test_close_logs_out_and_stops_the_loop_thread(self, emulator: Emulator) -> None:
        """close() ends the session and the thread; a second close does nothing."""
        before = len(loop_threads())
        ec = _client(emulator)
        ec.login()
        running = len(loop_threads()) - before

        ec.close()
        ec.close()

        assert 1 == running
        assert before == len(loop_threads())
        assert 1 == emulator.counters.logouts

    def test_a_failed_login_on_entry_stops_the_thread(self, emulator: Emulator) -> None:
        """A with block whose login fails leaves no loop thread behind."""
        before = len(loop_threads())

        with (
            pytest.raises(ec_async.AuthenticationError),
            ec_sync.Client(emulator.base_url, username=ADMIN, password="wrong"),
        ):
            pass

        assert before == len(loop_threads())

    def test_a_constructor_error_leaves_no_thread(self) -> None:
        """Bad arguments raise ec_async's ConfigurationError and stop the new thread."""
        before = len(loop_threads())

        with pytest.raises(ec_async.ConfigurationError, match="base_url"):
            ec_sync.Client("ftp://127.0.0.1/v1")

        assert before == len(loop_threads())

    def test_close_lets_calls_in_flight_finish(self, emulator: Emulator) -> None:
        """Calls racing close() either succeed or are refused as closed, never torn."""
        ec = _client(emulator)
        ec.login()
        outcomes: list[str] = []

        def call_until_refused() -> None:
            while True:
                try:
                    outcomes.append(ec.accounts.current().name)
                except ec_async.ClientClosed:
                    outcomes.append("refused")
                    return
                except BaseException as exc:  # noqa: BLE001 - reported below.
                    outcomes.append(repr(exc))
                    return

        callers = [threading.Thread(target=call_until_refused) for _ in range(4)]
        for caller in callers:
            caller.start()
        assert eventually(lambda: len(outcomes) >= 40)
        ec.close()
        for caller in callers:
            caller.join(timeout=30)

        assert {"acme", "refused"} == set(outcomes)
        assert 4 == outcomes.count("refused")
        assert 1 == emulator.counters.logouts

    def test_a_dropped_client_warns_where_it_was_made(self, emulator: Emulator) -> None:
        """A client dropped unclosed warns with its creation line, then closes itself."""
        before = len(loop_threads())

        def make_and_drop() -> int:
            line = sys._getframe().f_lineno + 1
            ec = ec_sync.Client(emulator.base_url, username=ADMIN, password=PASSWORD)
            ec.login()
            return line

        with pytest.warns(ResourceWarning, match="not closed") as caught:
            line = make_and_drop()

        assert [(__file__, line)] == [(w.filename, w.lineno) for w in caught]
        assert eventually(lambda: emulator.counters.logouts == 1)
        assert eventually(lambda: before == len(loop_threads()))

    def test_pickling_is_refused(self, emulator: Emulator) -> None:
        """A client cannot be pickled into another process; the error says why."""
        with _client(emulator) as ec, pytest.raises(TypeError, match="each process"):
            pickle.dumps(ec)


_LEAKY = """\
import sys
import ec_sync
ec = ec_sync.Client(sys.argv[1], username=sys.argv[2], password=sys.argv[3])
print(ec.accounts.current().name)
"""

_TIDY = """\
import sys
import ec_sync
with ec_sync.Client(sys.argv[1], username=sys.argv[2], password=sys.argv[3]) as ec:
    print(ec.accounts.current().name)
"""


_FORKING = """\
import os, sys, warnings
import ec_sync
ec = ec_sync.Client(sys.argv[1], username=sys.argv[2], password=sys.argv[3])
ec.login()
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: fork with threads.
    pid = os.fork()
if pid == 0:
    try:
        ec.accounts.current()
    except ec_sync.ClientClosed:
        print("child refused")
    sys.exit()
os.waitpid(pid, 0)
print(ec.accounts.current().name)
ec.close()
"""


def _run_script(tmp_path: Path, source: str, emulator: Emulator) -> tuple[str, str]:
    script = tmp_path / "script.py"
    script.write_text(source)
    done = subprocess.run(  # noqa: S603 - our own interpreter and script.
        [sys.executable, "-W", "always", script, emulator.base_url, ADMIN, PASSWORD],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout, done.stderr


class TestExit:
    """What a process prints when it exits with a client open or closed."""

    def test_an_unclosed_client_warns_once_at_exit(
        self, emulator: Emulator, tmp_path: Path
    ) -> None:
        """Exit closes an open client and prints one warning naming where it was made."""
        stdout, stderr = _run_script(tmp_path, _LEAKY, emulator)

        warning, source, *rest = stderr.splitlines()
        assert "acme\n" == stdout
        assert warning.startswith(f"{tmp_path / 'script.py'}:3: ResourceWarning: ")
        assert "ec_sync.Client was not closed" in warning
        assert "ec = ec_sync.Client(" in source
        assert [] == rest
        assert 1 == emulator.counters.logouts

    def test_a_closed_client_exits_silently(
        self, emulator: Emulator, tmp_path: Path
    ) -> None:
        """A client closed by its with block leaves nothing to say at exit."""
        stdout, stderr = _run_script(tmp_path, _TIDY, emulator)

        assert ("acme\n", "") == (stdout, stderr)
        assert 1 == emulator.counters.logouts

    @pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork()")
    def test_a_forked_child_exits_quietly(
        self, emulator: Emulator, tmp_path: Path
    ) -> None:
        """A child that exits normally prints nothing and leaves the parent's session."""
        stdout, stderr = _run_script(tmp_path, _FORKING, emulator)

        assert ("child refused\nacme\n", "") == (stdout, stderr)
        assert (1, 1) == (emulator.counters.logins, emulator.counters.logouts)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork()")
def test_a_forked_child_gets_a_clear_error(emulator: Emulator) -> None:
    """In a forked child every call fails at once, naming fork; nothing hangs."""
    read_end, write_end = os.pipe()
    with _client(emulator) as ec:
        with warnings.catch_warnings():
            # Python 3.12+ warns that forking a threaded process may deadlock;
            # the point of this test is that ours does not.
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:
            outcome = "no error"
            try:
                try:
                    ec.accounts.current()
                except ec_async.ClientClosed as exc:
                    outcome = str(exc)
                ec.close()
                outcome += " | closed"
            finally:
                os.write(write_end, outcome.encode())
                os._exit(0)
        os.close(write_end)
        status = _wait_for(pid, timeout=30)
        message = os.read(read_end, 4096).decode()
        os.close(read_end)
        logouts_after_child = emulator.counters.logouts

    assert 0 == status
    assert "os.fork()" in message
    assert message.endswith(" | closed")
    assert 0 == logouts_after_child


def _wait_for(pid: int, timeout: float) -> int:
    """The child's exit status; kill it and fail if it outlives ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.01)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    pytest.fail("the forked child hung")
