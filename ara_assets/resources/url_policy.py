"""Remote endpoints carry a Bearer token: refuse plain http:// except to this machine.

See docs/reliability.md.
"""

from __future__ import annotations

import ipaddress
import urllib.parse

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def require_secure_url(url: str, field: str) -> str:
    """`url` unchanged if it is https://, or http:// to a loopback host; ValueError naming the field."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "https":
        return url
    if scheme == "http" and parts.hostname and is_loopback(parts.hostname):
        return url
    if scheme == "http":
        raise ValueError(
            f"field '{field}' value {url!r}: plain http:// would send the token in clear text to "
            f"{parts.hostname}; use https:// (http:// is allowed only to this machine: localhost, "
            "127.0.0.1, ::1)"
        )
    raise ValueError(f"field '{field}' value {url!r} is not an https:// URL")
