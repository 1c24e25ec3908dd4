"""Which server URLs a client may send credentials to."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from ._errors import ConfigurationError

__all__ = ["check_base_url", "is_loopback"]


def check_base_url(base_url: str, allow_insecure_http: bool) -> None:
    """Refuse a URL without a host, with credentials in it, or plain http elsewhere.

    An error never quotes the URL: a mistyped one may still hold a password
    (``https//bob:pw@host/v1`` has no user name to a URL parser).
    """
    try:
        parts = urlsplit(base_url)
        hostname = parts.hostname
    except (TypeError, ValueError, AttributeError):
        msg = f"base_url is not a URL; {_LIKE}"
        raise ConfigurationError(msg) from None
    if "@" in parts.netloc:
        # A password in the URL would show in reprs and errors, and go out as
        # Basic auth beside the bearer: credentials belong in their arguments.
        msg = "base_url must not carry a user name or password; pass credentials as arguments"
        raise ConfigurationError(msg)
    if parts.scheme not in {"http", "https"} or not hostname:
        msg = f"base_url must be an http(s) URL with a host; {_LIKE}"
        raise ConfigurationError(msg)
    if "?" in base_url or "#" in base_url:
        msg = f"base_url must not have a query (?) or a fragment (#); {_LIKE}"
        raise ConfigurationError(msg)
    _check_port(parts.netloc)
    if parts.scheme == "http" and not allow_insecure_http and not is_loopback(hostname):
        msg = (
            f"refusing to send tokens over plain http to {hostname}; use https, "
            "or pass allow_insecure_http=True if the network is trusted"
        )
        raise ConfigurationError(msg)


_LIKE = "give an http(s) URL like https://host/v1"


def _check_port(netloc: str) -> None:
    """Refuse a port that is not a number from 1 to 65535; none is fine."""
    # After the host, or after the brackets of an IPv6 address.
    _, _, after_host = netloc.rpartition("]")
    _, colon, port = after_host.rpartition(":")
    if not colon or not port:
        return
    if not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
        msg = f"base_url's port must be a number from 1 to 65535; {_LIKE}"
        raise ConfigurationError(msg)


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine: ``localhost`` or a loopback address."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
