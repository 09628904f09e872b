"""Properties of the guard's pure parts, over generated input: URL parsing never fails with
anything but ResolutionError, and no address the guard lets through is internal."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from credentials.errors import ResolutionError
from verifier.addresses import address_problem
from verifier.urls import parse_url

URLISH = st.one_of(
    st.text(max_size=200),
    st.builds(
        lambda scheme, rest: f"{scheme}://{rest}",
        st.sampled_from(["https", "http", "HTTPS", "ftp", "file", ""]),
        st.text(max_size=120),
    ),
    st.builds(
        lambda host, tail: f"https://{host}/{tail}",
        st.text(alphabet="abc.-_[]:@%0123456789fF\u00e9\u0130\ud800", max_size=40),
        st.text(max_size=40),
    ),
)


@settings(max_examples=600, deadline=None)
@given(URLISH, st.booleans())
def test_parse_url_accepts_only_what_it_can_send(url: str, allow_http: bool) -> None:
    try:
        target = parse_url(url, allow_http=allow_http)
    except ResolutionError:
        return
    assert target.scheme in (("https", "http") if allow_http else ("https",))
    assert target.host
    assert "@" not in target.host
    assert 0 < target.port < 65536
    assert target.path.startswith("/")
    assert target.path.isascii()
    assert target.host_header.isascii()
    assert not any(ord(c) <= 0x20 or ord(c) == 0x7F for c in target.path + target.host_header)


@settings(max_examples=2000, deadline=None)
@given(st.ip_addresses())
def test_allowed_addresses_are_global_unicast(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> None:
    if address_problem(address) is not None:
        return
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in ipaddress.ip_network("64:ff9b::/96"):
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            address = embedded
    assert address.is_global
    assert not address.is_multicast
    assert not address.is_private
    assert not address.is_loopback
    assert not address.is_link_local
    assert not address.is_reserved


def test_private_address_ranges_are_never_allowed_even_embedded() -> None:
    for network in map(ipaddress.IPv4Network, ["10.0.0.0/8", "127.0.0.0/8", "100.64.0.0/10"]):
        first = int(network.network_address)
        for packed in range(first, first + network.num_addresses, 4099):
            address = ipaddress.IPv4Address(packed)
            mapped = ipaddress.IPv6Address((0xFFFF << 32) | packed)
            sixtofour = ipaddress.IPv6Address((0x2002 << 112) | (packed << 80) | 1)
            assert address_problem(address) is not None
            assert address_problem(mapped) is not None
            assert address_problem(sixtofour) is not None
