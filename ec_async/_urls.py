"""Which server URLs a client may send credentials to."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from ._errors import ConfigurationError

__all__ = ["check_base_url", "is_loopback"]


def check_base_url(base_url: str, allow_insecure_http: bool) -> None:
    """Refuse a URL without a host, with credentials in it, or plain http elsewhere."""
    try:
        parts = urlsplit(base_url)
        hostname = parts.hostname
    except (TypeError, ValueError, AttributeError):
        # Not quoted: a malformed URL may still carry a password.
        msg = "base_url is not a URL; give an http(s) URL like https://host/v1"
        raise ConfigurationError(msg) from None
    if parts.username is not None or parts.password is not None:
        # A password in the URL would show in reprs and errors, and go out as
        # Basic auth beside the bearer: credentials belong in their arguments.
        msg = "base_url must not carry a user name or password; pass credentials as arguments"
        raise ConfigurationError(msg)
    if parts.scheme not in {"http", "https"} or not hostname:
        msg = f"base_url must be an http(s) URL with a host, like https://host/v1; got {base_url!r}"
        raise ConfigurationError(msg)
    if parts.scheme == "http" and not allow_insecure_http and not is_loopback(hostname):
        msg = (
            f"refusing to send tokens over plain http to {hostname}; use https, "
            "or pass allow_insecure_http=True if the network is trusted"
        )
        raise ConfigurationError(msg)


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine: ``localhost`` or a loopback address."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
