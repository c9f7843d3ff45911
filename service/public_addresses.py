"""Which addresses the service may connect to when a tenant gives it a URL (webhooks, social
-media checks): globally routable unicast only, judged by where an IPv6 wrapper really leads.

`ipaddress.is_global` alone is not enough: it counts multicast (224.0.0.0/4) as global, and
::ffff:10.0.0.1 as neither private nor global.
"""

from __future__ import annotations

import ipaddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

NAT64_PREFIX = ipaddress.IPv6Network("64:ff9b::/96")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, NAT64), which is where it leads."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64_PREFIX:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public_address(address: IPAddress) -> bool:
    """Globally routable unicast: not private, loopback, link-local, multicast, reserved,
    unspecified or shared (100.64/10), also when wrapped in IPv6."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            # ::ffff:8.8.8.8 counts as "reserved" as IPv6; judge it by where it really goes.
            return is_public_address(embedded) and (address.sixtofour is None or address.is_global)
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_unspecified
    )
