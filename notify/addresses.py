"""Webhook destinations that are refused unless a channel allows them: link-local addresses, where clouds answer
with an instance's metadata and credentials, and the cloud metadata endpoints outside that range. A mistyped or
planted webhook URL must not turn korus-watch into a way to read them."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

_LINK_LOCAL = (ipaddress.ip_network("169.254.0.0/16"), ipaddress.ip_network("fe80::/10"))
_METADATA_ADDRESSES = frozenset({
    ipaddress.ip_address("fd00:ec2::254"),  # AWS's instance metadata over IPv6
    ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud's
})
_METADATA_NAMES = frozenset({"metadata.google.internal", "metadata.goog"})


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address a host names literally: in any form the system's resolver reads as one, such as
    "2852039166" or "0xa9.0xfe.0xa9.0xfe" for 169.254.169.254; None for a host name."""
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])  # without an IPv6 zone ("%eth0")
    except ValueError:
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def link_local_or_metadata(url: str) -> str | None:
    """The URL's host when it is a link-local address or a cloud metadata endpoint, else None."""
    try:
        host = (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        return None  # not a URL: the channel's own check says so
    if host in _METADATA_NAMES:
        return host
    address = _address(host)
    if address is not None and (address in _METADATA_ADDRESSES or any(address in net for net in _LINK_LOCAL)):
        return host
    return None
