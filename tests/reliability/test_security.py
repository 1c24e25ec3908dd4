"""TLS, redirects, plain http, and credentials kept off the command line."""

from __future__ import annotations

import getpass
import logging
import signal
import subprocess
import sys
from collections.abc import AsyncIterator

import pytest

import ec_async
import ec_sync
from ec_async._cli import main
from ec_async.emulator import DEMO_PASSWORD, Emulator
from tests.conftest import FAST
from tests.sync.facades import Facade

from ._certificates import Pki
from ._scripted import ScriptedServer, http_response
from .conftest import ADMIN, NO_WAIT

pytestmark = pytest.mark.anyio


@pytest.fixture
async def tls_emulator(pki: Pki) -> AsyncIterator[Emulator]:
    """A "minimal" emulator serving https with a certificate of the private CA."""
    async with Emulator(
        seed="minimal", config=FAST, ssl_context=pki.server_context()
    ) as emulator:
        yield emulator


@pytest.fixture
async def mtls_emulator(pki: Pki) -> AsyncIterator[Emulator]:
    """The same, but refusing clients without a certificate of the client CA."""
    async with Emulator(
        seed="minimal",
        config=FAST,
        ssl_context=pki.server_context(require_client_cert=True),
    ) as emulator:
        yield emulator


def _client(base_url: str, **options: object) -> ec_async.Client:
    return ec_async.Client(
        base_url,
        username=ADMIN,
        password=DEMO_PASSWORD,
        retry=NO_WAIT,
        **options,  # type: ignore[arg-type]
    )


class TestTls:
    """Certificates are always verified; private CAs and client certificates are options."""

    async def test_an_untrusted_certificate_is_refused_once(
        self, tls_emulator: Emulator, caplog: pytest.LogCaptureFixture
    ) -> None:
        """By default a private CA's certificate fails, typed, and is not retried."""
        assert tls_emulator.base_url.startswith("https://127.0.0.1:")
        with pytest.raises(ec_async.TLSError) as caught:
            async with _client(tls_emulator.base_url):
                pass

        assert not caught.value.request_sent
        assert "pass ca_bundle=" in str(caught.value)
        assert not [r for r in caplog.records if "retrying" in r.getMessage()]

    async def test_a_private_ca_is_trusted_through_ca_bundle(
        self, tls_emulator: Emulator, pki: Pki
    ) -> None:
        """With the CA's PEM file the client logs in and works."""
        async with _client(tls_emulator.base_url, ca_bundle=pki.server.ca) as ec:
            assert 10 == await ec.devices.count()

    async def test_another_ca_does_not_help(
        self, tls_emulator: Emulator, pki: Pki
    ) -> None:
        """A CA bundle that did not sign the server's certificate is refused."""
        with pytest.raises(ec_async.TLSError, match="certificate"):
            async with _client(tls_emulator.base_url, ca_bundle=pki.other_ca):
                pass

    @pytest.mark.parametrize("separate_key", [True, False], ids=["key-file", "one-pem"])
    async def test_a_client_certificate_is_presented(
        self, mtls_emulator: Emulator, pki: Pki, separate_key: bool
    ) -> None:
        """A server that asks for a client certificate accepts ours."""
        files = (
            {"client_cert": pki.client.certificate, "client_key": pki.client.key}
            if separate_key
            else {"client_cert": pki.client.combined}
        )
        async with _client(
            mtls_emulator.base_url, ca_bundle=pki.server.ca, **files
        ) as ec:
            assert 10 == await ec.devices.count()

    async def test_no_client_certificate_no_entry(
        self, mtls_emulator: Emulator, pki: Pki
    ) -> None:
        """Without a client certificate the server resets: typed, with a hint."""
        with pytest.raises(ec_async.TransportError, match="client_cert="):
            async with _client(mtls_emulator.base_url, ca_bundle=pki.server.ca):
                pass

    def test_the_sync_facade_takes_the_same_options(
        self, facade: Facade, pki: Pki
    ) -> None:
        """ec_sync and ec_async both reach an https emulator through ca_bundle."""
        with (
            Emulator.in_thread(
                seed="minimal", config=FAST, ssl_context=pki.server_context()
            ) as emulator,
            facade.client(
                emulator.base_url,
                username=ADMIN,
                password=DEMO_PASSWORD,
                ca_bundle=pki.server.ca,
            ) as ec,
        ):
            assert 10 == facade.run(ec.devices.count())

    def test_bad_tls_options_fail_before_anything_is_sent(
        self, pki: Pki, tmp_path: object
    ) -> None:
        """Missing files, a key without a certificate, an encrypted key, or two ways
        at once: each a ConfigurationError before anything is sent."""
        url = "https://127.0.0.1:1/v1"
        with pytest.raises(ec_async.ConfigurationError, match="cannot read ca_bundle"):
            _client(url, ca_bundle="/nonexistent/ca.pem")
        with pytest.raises(ec_async.ConfigurationError, match="client_key needs"):
            _client(url, client_key=pki.client.key)
        with pytest.raises(ec_async.ConfigurationError, match="not both"):
            _client(url, ca_bundle=pki.server.ca, ssl_context=pki.server_context())
        with pytest.raises(ec_async.ConfigurationError) as caught:
            _client(url, client_cert=pki.client.key)
        with pytest.raises(ec_async.ConfigurationError, match="encrypted key"):
            # Refused at once: no passphrase prompt blocks the process.
            _client(
                url,
                client_cert=pki.client.certificate,
                client_key=pki.client.encrypted_key,
            )

        assert "cannot load client_cert" in str(caught.value)
        assert "PRIVATE KEY" not in str(caught.value)

    def test_the_command_line_takes_a_ca_bundle(
        self,
        pki: Pki,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """``ec login --ca-bundle`` reaches a private-CA server."""
        monkeypatch.setenv("EC_PASSWORD", DEMO_PASSWORD)
        with Emulator.in_thread(
            seed="minimal", config=FAST, ssl_context=pki.server_context()
        ) as emulator:
            code = main(
                [
                    "login",
                    "--base-url",
                    emulator.base_url,
                    "--username",
                    ADMIN,
                    "--ca-bundle",
                    str(pki.server.ca),
                    "-o",
                    "json",
                ]
            )

        assert 0 == code
        assert '"account": "acme"' in capsys.readouterr().out

    def test_the_emulator_command_serves_https(self, pki: Pki) -> None:
        """``ec emulator --certfile --keyfile`` serves https that ca_bundle trusts."""
        command = [
            sys.executable,
            "-m",
            "ec_async._cli",
            "emulator",
            "--port",
            "0",
            "--seed",
            "minimal",
            "--certfile",
            str(pki.server.certificate),
            "--keyfile",
            str(pki.server.key),
        ]
        with subprocess.Popen(  # noqa: S603 - our own command, fixed arguments.
            command, stdout=subprocess.PIPE, text=True
        ) as server:
            try:
                assert server.stdout is not None
                base_url = server.stdout.readline().split()[-1]
                with ec_sync.Client(
                    base_url,
                    username=ADMIN,
                    password=DEMO_PASSWORD,
                    ca_bundle=pki.server.ca,
                ) as ec:
                    count = ec.devices.count()
            finally:
                server.send_signal(signal.SIGINT)
                server.wait(timeout=10)

        assert base_url.startswith("https://127.0.0.1:")
        assert 10 == count


class TestRedirects:
    """Redirects are never followed, so no token or password reaches another host."""

    @pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
    async def test_a_redirect_elsewhere_carries_no_bearer(self, status: int) -> None:
        """The other origin receives nothing; the caller gets a clear APIError."""
        async with ScriptedServer() as origin, ScriptedServer() as elsewhere:
            target = f"{elsewhere.base_url}/_/devices/AQ"
            origin.script.append(http_response(status, b"", {"Location": target}))
            async with ec_async.Client(
                origin.base_url, username="u", password="Some-Passw0rd!"
            ) as ec:
                with pytest.raises(ec_async.APIError) as caught:
                    await ec.devices.get("AQ")

        assert [] == elsewhere.received
        assert status == caught.value.status
        assert "never follows redirects" in str(caught.value)
        assert origin.api_requests()[0].headers["Authorization"].startswith("Bearer ")

    async def test_a_redirected_login_keeps_the_password_home(self) -> None:
        """A login answered with 308 elsewhere sends the password nowhere else."""
        async with ScriptedServer() as origin, ScriptedServer() as elsewhere:
            target = f"{elsewhere.base_url}/authentication/user"
            origin.login_script.append(http_response(308, b"", {"Location": target}))
            with pytest.raises(ec_async.APIError, match="redirected"):
                async with ec_async.Client(
                    origin.base_url, username="u", password="Some-Passw0rd!"
                ):
                    pass

        assert [] == elsewhere.received


class TestPlainHttp:
    """A bearer token goes over plain http only to loopback, unless allowed."""

    @pytest.mark.parametrize(
        "url",
        [
            "http://ec.example.com/v1",
            "http://10.0.0.8:8080/v1",
            "http://localhost.example.com/v1",
            "http://127.0.0.1.nip.io/v1",
        ],
    )
    def test_plain_http_elsewhere_is_refused(self, url: str) -> None:
        """Building the client fails, naming the host and the way out."""
        with pytest.raises(ec_async.ConfigurationError) as caught:
            ec_async.Client(url, username="u", password="p")

        assert "refusing to send tokens over plain http" in str(caught.value)
        assert "allow_insecure_http=True" in str(caught.value)

    @pytest.mark.parametrize(
        "url",
        [
            "http://127.0.0.1:8080/v1",
            "http://127.8.9.10/v1",
            "http://localhost:8080/v1",
            "http://[::1]:8080/v1",
            "https://ec.example.com/v1",
        ],
    )
    def test_loopback_and_https_are_accepted(self, url: str) -> None:
        """Loopback in any spelling and any https URL need no permission."""
        client = ec_async.Client(url, username="u", password="p")

        assert url.rstrip("/") == client.base_url

    def test_the_caller_may_allow_plain_http(self) -> None:
        """``allow_insecure_http=True`` is the explicit way to a trusted network."""
        client = ec_async.Client(
            "http://ec.internal/v1",
            username="u",
            password="p",
            allow_insecure_http=True,
        )

        assert "http://ec.internal/v1" == client.base_url


class TestCommandLine:
    """Secrets come from the environment or a prompt, never from arguments."""

    @pytest.mark.parametrize("flag", ["--password", "--api-key", "--token"])
    def test_no_secret_is_taken_as_an_argument(
        self, flag: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The command refuses secret flags as unknown arguments."""
        with pytest.raises(SystemExit) as exited:
            main(["login", "--base-url", "http://127.0.0.1:1/v1", flag, "x"])

        assert 2 == exited.value.code
        assert "unrecognized arguments" in capsys.readouterr().err

    @pytest.mark.parametrize(
        "command",
        [["login"], ["devices", "list"], ["devices", "get"], ["accounts", "list"]],
    )
    def test_help_offers_no_secret_flags(
        self, command: list[str], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Every command's help says where the password comes from, offering no flag."""
        with pytest.raises(SystemExit):
            main([*command, "--help"])
        text = capsys.readouterr().out

        assert "EC_PASSWORD" in text
        assert "--password" not in text
        assert "--api-key" not in text

    def test_the_password_is_prompted_for_on_a_terminal(
        self,
        served: Emulator,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Without EC_PASSWORD a terminal user is asked, and logs in."""
        prompts: list[str] = []

        def answer(prompt: str = "") -> str:
            prompts.append(prompt)
            return DEMO_PASSWORD

        monkeypatch.delenv("EC_PASSWORD", raising=False)
        monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
        monkeypatch.setattr(getpass, "getpass", answer)
        code = main(["login", "--base-url", served.base_url, "--username", ADMIN])

        assert 0 == code
        assert [f"Password for {ADMIN}: "] == prompts
        assert DEMO_PASSWORD not in capsys.readouterr().out

    def test_without_a_terminal_the_password_must_be_in_the_environment(
        self,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """No EC_PASSWORD and no terminal: a clear error, nothing sent."""
        caplog.set_level(logging.DEBUG)
        monkeypatch.delenv("EC_PASSWORD", raising=False)
        monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
        code = main(
            ["login", "--base-url", "http://127.0.0.1:1/v1", "--username", ADMIN]
        )

        assert 2 == code  # A usage error: the README's exit code for those.
        assert "EC_PASSWORD is not set" in capsys.readouterr().err
        assert not [r for r in caplog.records if r.name.startswith("ec_async.pipeline")]
