"""The SSRF guard: which IP addresses a fetch on behalf of a credential may reach.

A credential names its own issuer DID and status list URLs, so whoever writes one chooses
what our server connects to. Only globally routable unicast addresses are allowed; in
particular loopback, RFC 1918 private networks, link-local (169.254.169.254 is the cloud
metadata service), shared/CGNAT space, multicast, reserved and unspecified addresses are
refused, including when they hide inside an IPv6 address (IPv4-mapped, IPv4-compatible,
6to4, Teredo, NAT64) that a dual-stack host or a translator would route to them.

Host names are resolved exactly once, here; the caller connects to the vetted address so
that a second DNS answer (DNS rebinding) can never change where the connection goes.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable, Sequence
from typing import TypeAlias

from credentials.errors import ForbiddenAddressError, ResolutionError

IPAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address

_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")  # RFC 791; connecting to 0.0.0.0 is local
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # RFC 6598 carrier-grade NAT
_UNIQUE_LOCAL = ipaddress.ip_network("fc00::/7")  # RFC 4193
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052 well-known prefix
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # RFC 4291 §2.5.5.1, deprecated

#: Instance-metadata services: never reachable, not even in development mode.
CLOUD_METADATA = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack…
        ipaddress.ip_address("169.254.170.2"),  # AWS ECS task metadata
        ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
        ipaddress.ip_address("fd00:ec2::254"),  # AWS over IPv6
    }
)


def address_problem(address: IPAddress, *, allow_private: bool = False) -> str | None:
    """Why ``address`` may not be fetched from, or None if it may.

    ``allow_private`` (development only) lifts the guard except for cloud metadata services.
    """
    if address in CLOUD_METADATA:
        return "a cloud instance-metadata address"
    if allow_private:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        return _ipv6_with_embedded_problem(address)
    return _ipv4_problem(address)


def _ipv6_with_embedded_problem(address: ipaddress.IPv6Address) -> str | None:
    embedded = _embedded_ipv4(address)
    if embedded is None:
        return _ipv6_problem(address)
    kind, inner = embedded
    if kind in ("Teredo", "IPv4-compatible"):
        # Obsolete forms (RFC 4380 tunnels, RFC 4291 §2.5.5.1): no server we need uses one.
        return f"an obsolete {kind} IPv6 address (embedding {inner})"
    problem = _ipv4_problem(inner)
    if problem is not None:
        return f"{problem} ({inner}) in {kind} IPv6 form"
    # ipaddress files the IPv4-mapped and NAT64 ranges as private/reserved, yet DNS64
    # resolvers hand out NAT64 addresses for public hosts: the IPv4 address is what counts.
    return None if kind in ("IPv4-mapped", "NAT64") else _ipv6_problem(address)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> tuple[str, ipaddress.IPv4Address] | None:
    if address.ipv4_mapped is not None:
        return "IPv4-mapped", address.ipv4_mapped
    if address.sixtofour is not None:
        return "6to4", address.sixtofour
    if address.teredo is not None:
        return "Teredo", address.teredo[1]
    if address in _NAT64:
        return "NAT64", ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _IPV4_COMPATIBLE and int(address) > 1:
        return "IPv4-compatible", ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


# Checked in order, so that the message names the most specific kind of address.
_IPV4_RULES: tuple[tuple[Callable[[ipaddress.IPv4Address], bool], str], ...] = (
    (lambda a: a in _THIS_NETWORK, "an unspecified ('this network') address"),
    (lambda a: a.is_loopback, "a loopback address"),
    (lambda a: a.is_link_local, "a link-local address"),
    (lambda a: a in _SHARED, "a shared (carrier-grade NAT) address"),
    (lambda a: a.is_multicast, "a multicast address"),
    (lambda a: a.is_private, "a private address"),
    (lambda a: a.is_reserved, "a reserved address"),
    (lambda a: not a.is_global, "not a globally routable address"),
)
_IPV6_RULES: tuple[tuple[Callable[[ipaddress.IPv6Address], bool], str], ...] = (
    (lambda a: a.is_unspecified, "an unspecified address"),
    (lambda a: a.is_loopback, "a loopback address"),
    (lambda a: a.is_link_local, "a link-local address"),
    (lambda a: a.is_site_local, "a site-local address"),
    (lambda a: a.is_multicast, "a multicast address"),
    (lambda a: a in _UNIQUE_LOCAL, "a unique-local (private) address"),
    (lambda a: a.is_private, "a private address"),
    (lambda a: a.is_reserved, "a reserved address"),
    (lambda a: not a.is_global, "not a globally routable address"),
)


def _ipv4_problem(address: ipaddress.IPv4Address) -> str | None:
    return next((message for test, message in _IPV4_RULES if test(address)), None)


def _ipv6_problem(address: ipaddress.IPv6Address) -> str | None:
    return next((message for test, message in _IPV6_RULES if test(address)), None)


def parse_ip(host: str) -> IPAddress | None:
    """The address if ``host`` is an IP literal (without brackets), else None."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def resolve(host: str, port: int, *, timeout: float) -> list[IPAddress]:
    """Every address ``host`` resolves to (one DNS lookup), in the resolver's order.

    ``socket.getaddrinfo`` has no timeout of its own, so it runs in a daemon thread that is
    abandoned if it takes longer than ``timeout`` seconds.
    """
    literal = parse_ip(host)
    if literal is not None:
        return [literal]
    answer: list[object] = []

    def lookup() -> None:
        try:
            answer.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except (OSError, UnicodeError) as exc:
            answer.append(exc)

    worker = threading.Thread(target=lookup, name=f"dns:{host}", daemon=True)
    worker.start()
    worker.join(max(timeout, 0.0))
    if not answer:
        raise ResolutionError(
            f"DNS lookup of {host!r} took longer than {timeout:.1f} s", details={"host": host}
        )
    result = answer[0]
    if isinstance(result, BaseException):
        raise ResolutionError(
            f"cannot resolve host {host!r}: {result}", details={"host": host}
        ) from None
    assert isinstance(result, list)  # noqa: S101 - narrowing for the type checker
    return _unique_addresses(host, result)


def _unique_addresses(host: str, infos: Sequence[object]) -> list[IPAddress]:
    addresses: list[IPAddress] = []
    for info in infos:
        sockaddr = info[4] if isinstance(info, tuple) and len(info) == 5 else None
        raw = sockaddr[0] if isinstance(sockaddr, tuple) and sockaddr else None
        address = parse_ip(str(raw)) if raw is not None else None
        if address is None:
            raise ResolutionError(
                f"DNS answer for {host!r} holds an unusable address {raw!r}",
                details={"host": host},
            )
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise ResolutionError(f"host {host!r} has no addresses", details={"host": host})
    return addresses


def vet(url: str, host: str, addresses: Sequence[IPAddress], *, allow_private: bool) -> None:
    """Refuse the fetch if ANY address is forbidden (whoever controls the DNS answer also
    controls its order, so one public address must not vouch for a private one)."""
    for address in addresses:
        problem = address_problem(address, allow_private=allow_private)
        if problem is not None:
            where = (
                f"{address} is" if parse_ip(host) is not None else f"{host} resolves to {address},"
            )
            raise ForbiddenAddressError(
                f"refusing to fetch {url}: {where} {problem}; only public internet addresses "
                "may be fetched",
                details={"url": url, "host": host, "address": str(address), "reason": problem},
            )
