"""The SSRF guard: webhook targets must be public http(s) addresses unless the operator allows private ones."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import trio

from ..errors import ValidationError


def _invalid(message: str) -> ValidationError:
    return ValidationError(message, details=[{"field": "targetUrl", "message": message}])


def _is_private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast
            or ip.is_unspecified or str(ip) == "169.254.169.254")


def check_url_shape(url: object) -> str:
    """An absolute http(s) URL with a host; ValidationError otherwise."""
    if not isinstance(url, str) or len(url) > 2048:
        raise _invalid("targetUrl must be an http or https URL")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _invalid("targetUrl must be an http or https URL")
    return url


async def check_target(url: str, *, allow_private: bool, must_resolve: bool = True) -> None:
    """Refuse targets that resolve to loopback, private, link-local or metadata addresses.

    ``must_resolve=False`` (when a webhook is created or changed) accepts a host that does not resolve
    yet: DNS may be down or not set up, and every delivery checks again before it connects.

    Raises:
        ValidationError: the URL is malformed, does not resolve, or resolves to a private address.
    """
    check_url_shape(url)
    if allow_private:
        return
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = await trio.socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        if not must_resolve:
            return
        raise _invalid(f"targetUrl host {host!r} does not resolve") from None
    if not infos or any(_is_private(str(info[4][0])) for info in infos):
        raise _invalid("targetUrl resolves to a private, loopback or link-local address")
