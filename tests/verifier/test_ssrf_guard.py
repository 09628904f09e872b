"""The SSRF guard: a credential chooses the URLs we fetch, so internal addresses are refused.

Where a real server listens (127.0.0.1), the tests also assert that it never saw a
connection: refusal happens before connecting, not after reading. DNS answers for made-up
names are supplied by replacing ``socket.getaddrinfo`` (an input, as an attacker's DNS
server would supply it); the code under test is unchanged.
"""

from __future__ import annotations

import ipaddress

import pytest

from credentials.errors import ForbiddenAddressError
from tests.verifier.servers import (  # noqa: F401 - fixtures
    TestServer,
    TlsMaterial,
    fake_dns,
    https_server_fixture,
    record_connects,
    tls_fixture,
)
from verifier.addresses import address_problem
from verifier.http import SafeFetcher


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",  # a name that resolves to loopback
        "[::1]",
        "0.0.0.0",  # noqa: S104 - connecting to it reaches this machine
        "[::ffff:127.0.0.1]",  # IPv4-mapped loopback reaches the IPv4 server
        "127.1",  # short IPv4 form
        "2130706433",  # 127.0.0.1 as one decimal number
        "0x7f.0.0.1",  # hexadecimal form
    ],
)
def test_loopback_in_any_spelling_is_refused_before_connecting(
    https_server: TestServer, host: str
) -> None:
    https_server.route("/.well-known/did.json", {"id": "did:web:x"})

    with pytest.raises(ForbiddenAddressError, match=r"refusing to fetch .* only public") as caught:
        SafeFetcher().fetch_json(https_server.url("/.well-known/did.json", host=host))

    assert https_server.connections == 0
    assert caught.value.http_status == 422
    refused = ipaddress.ip_address(caught.value.details["address"])
    if isinstance(refused, ipaddress.IPv6Address) and refused.ipv4_mapped is not None:
        refused = refused.ipv4_mapped
    assert refused.is_loopback or refused.is_unspecified


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.254", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "cloud instance-metadata"),
        ("169.254.10.20", "link-local"),
        ("100.64.0.1", "shared \\(carrier-grade NAT\\)"),
        ("100.127.255.254", "shared \\(carrier-grade NAT\\)"),
        ("0.0.0.0", "unspecified"),  # noqa: S104
        ("224.0.0.251", "multicast"),
        ("240.0.0.1", "private|reserved"),
        ("255.255.255.255", "private|reserved"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("::ffff:127.0.0.1", "loopback address \\(127.0.0.1\\) in IPv4-mapped"),
        ("::ffff:10.0.0.1", "private address \\(10.0.0.1\\) in IPv4-mapped"),
        ("::127.0.0.1", "obsolete IPv4-compatible"),
        ("2002:7f00:1::1", "loopback address \\(127.0.0.1\\) in 6to4"),
        ("2002:a9fe:a9fe::1", "link-local address \\(169.254.169.254\\) in 6to4"),
        ("64:ff9b::a00:1", "private address \\(10.0.0.1\\) in NAT64"),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "obsolete Teredo"),
        ("fc00::1", "unique-local"),
        ("fd12:3456::1", "unique-local"),
        ("fe80::1", "link-local"),
        ("fec0::1", "site-local"),
        ("ff02::1", "multicast"),
        ("fd00:ec2::254", "cloud instance-metadata"),
        ("2001:db8::1", "private|not a globally"),
    ],
)
def test_non_public_addresses_are_refused(
    address: str, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_dns(monkeypatch, {"internal.example": [address]})
    attempts = record_connects(monkeypatch)

    with pytest.raises(ForbiddenAddressError, match=kind) as caught:
        SafeFetcher().fetch_json("https://internal.example/did.json")

    assert caught.value.details["address"] == str(ipaddress.ip_address(address))
    assert "internal.example resolves to" in caught.value.message
    assert attempts == []


@pytest.mark.parametrize(
    "literal",
    ["10.0.0.1", "172.16.5.4", "192.168.0.10", "169.254.169.254", "100.64.1.1", "[fe80::1]"],
)
def test_ip_literal_urls_are_refused_too(literal: str, monkeypatch: pytest.MonkeyPatch) -> None:
    attempts = record_connects(monkeypatch)

    with pytest.raises(ForbiddenAddressError, match=r"refusing to fetch https://"):
        SafeFetcher().fetch_json(f"https://{literal}/status/1")

    assert attempts == []


def test_connect_recorder_sees_real_connections(
    https_server: TestServer, tls: TlsMaterial, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The recorder above would notice a connection: here is one it records.
    https_server.route("/x", {})
    attempts = record_connects(monkeypatch)

    SafeFetcher(allow_private=True, ca_certs=tls.ca_path).fetch_json(https_server.url("/x"))

    assert attempts == [("127.0.0.1", https_server.port)]


def test_one_private_address_among_public_ones_refuses_the_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Connecting to "the first address" would let the attacker pick the order.
    fake_dns(monkeypatch, {"mixed.example": ["93.184.215.14", "10.0.0.5"]})

    attempts = record_connects(monkeypatch)

    with pytest.raises(ForbiddenAddressError, match=r"mixed.example resolves to 10.0.0.5"):
        SafeFetcher().fetch_json("https://mixed.example/.well-known/did.json")

    assert attempts == []


def test_public_addresses_pass_the_guard() -> None:
    for address in ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"]:
        assert address_problem(ipaddress.ip_address(address)) is None
    # DNS64 hands out NAT64 addresses for IPv4-only public hosts.
    assert address_problem(ipaddress.ip_address("64:ff9b::808:808")) is None


def test_allow_private_is_needed_for_loopback_and_then_works(
    https_server: TestServer, tls: TlsMaterial
) -> None:
    https_server.route("/x", {"ok": True})
    url = https_server.url("/x")

    with pytest.raises(ForbiddenAddressError):
        SafeFetcher(ca_certs=tls.ca_path).fetch_json(url)
    assert https_server.connections == 0

    assert SafeFetcher(allow_private=True, ca_certs=tls.ca_path).fetch_json(url).data == {
        "ok": True
    }


def test_cloud_metadata_stays_refused_even_in_development_mode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_dns(monkeypatch, {"metadata.example": ["169.254.169.254"]})

    with pytest.raises(ForbiddenAddressError, match=r"cloud instance-metadata"):
        SafeFetcher(allow_private=True).fetch_json("https://metadata.example/latest/meta-data/")
