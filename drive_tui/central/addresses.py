"""Whose request is it: the client's address as the service should believe it, for the enrolment rate limit and
the refusals log. Behind a reverse proxy that terminates TLS every request comes from the proxy; the proxy says
who it came from in ``X-Forwarded-For``. That header is believed only from a configured trusted proxy — anyone else
could write it to dodge the rate limit — and only the hops the trusted proxies added: the first entries are what
the client itself sent."""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

Network = IPv4Network | IPv6Network


def networks(texts: Sequence[str]) -> tuple[Network, ...]:
    """Addresses or CIDR ranges (``127.0.0.1``, ``10.0.0.0/8``); ValueError names the first that is neither."""
    found = []
    for text in texts:
        try:
            found.append(ip_network(text.strip(), strict=False))
        except ValueError:
            raise ValueError(f"not an address or a network: {text.strip()[:60]!r}") from None
    return tuple(found)


def client_address(peer: str | None, forwarded_for: str | None, trusted: Sequence[Network]) -> str:
    """The peer's address; or, when the peer is a trusted proxy, the nearest address in ``X-Forwarded-For`` that is
    not itself a trusted proxy (a malformed entry stops the walk: the last trusted hop is taken)."""
    if peer is None:
        return "unknown"
    believed = _parsed(peer)
    if believed is None or not forwarded_for or not _within(believed, trusted):
        return peer
    for hop in reversed(forwarded_for.split(",")):
        address = _parsed(hop.strip())
        if address is None:
            break
        believed = address
        if not _within(address, trusted):
            break
    return str(believed)


def _parsed(text: str) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address(text)
    except ValueError:
        return None


def _within(address: IPv4Address | IPv6Address, trusted: Sequence[Network]) -> bool:
    return any(address.version == network.version and address in network for network in trusted)
