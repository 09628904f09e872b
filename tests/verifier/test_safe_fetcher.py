"""SafeFetcher against real loopback HTTPS servers: what it accepts and every way it refuses.

The servers are on 127.0.0.1, so these fetchers set ``allow_private=True``; the SSRF guard
itself is covered in test_ssrf_guard.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from credentials.errors import ForbiddenAddressError, ResolutionError
from tests.verifier.servers import (  # noqa: F401 - fixtures
    TestServer,
    TlsMaterial,
    fake_dns,
    fixture_web,
    http_server_fixture,
    https_server_fixture,
    tls_fixture,
    unused_port,
)
from verifier.http import SafeFetcher

DID_DOC = {"id": "did:web:localhost", "verificationMethod": []}


def fetcher(tls: TlsMaterial, **options: object) -> SafeFetcher:
    return SafeFetcher(allow_private=True, ca_certs=tls.ca_path, **options)  # type: ignore[arg-type]


def test_fetches_a_json_object_over_verified_tls(
    https_server: TestServer, tls: TlsMaterial
) -> None:
    https_server.route("/did.json", DID_DOC, headers={"Cache-Control": "max-age=60"})

    result = fetcher(tls).fetch_json(https_server.url("/did.json"))

    assert result.data == DID_DOC
    assert result.status == 200
    assert result.headers["cache-control"] == "max-age=60"
    assert result.address == "127.0.0.1"
    assert result.size == len(b'{"id": "did:web:localhost", "verificationMethod": []}')
    # The connection went to the vetted IP, yet the server saw the name it was asked for.
    assert https_server.requests == [("/did.json", f"localhost:{https_server.port}")]


def test_sends_accept_and_no_compression(https_server: TestServer, tls: TlsMaterial) -> None:
    # A body compressed anyway is refused: no decompression bomb can reach the parser.
    https_server.route("/gz", b"\x1f\x8b\x08\x00", headers={"Content-Encoding": "gzip"})

    with pytest.raises(ResolutionError, match=r"Content-Encoding 'gzip'; only identity"):
        fetcher(tls).fetch_json(https_server.url("/gz"))


def test_ip_literal_url_is_checked_against_the_certificate_ip(
    https_server: TestServer, tls: TlsMaterial
) -> None:
    https_server.route("/x", {"ok": True})

    assert fetcher(tls).fetch_json(https_server.url("/x", host="127.0.0.1")).data == {"ok": True}


# --- size -------------------------------------------------------------------------------


def test_body_over_the_limit_is_refused_by_content_length(
    https_server: TestServer, tls: TlsMaterial
) -> None:
    https_server.route("/big", b'{"a": "' + b"x" * (5 * 1024 * 1024) + b'"}')

    with pytest.raises(ResolutionError, match=r"larger than the 1048576-byte limit") as caught:
        fetcher(tls).fetch_json(https_server.url("/big"))

    assert "Content-Length" in caught.value.message


def test_body_over_the_limit_without_content_length_is_cut_off(
    https_server: TestServer, tls: TlsMaterial
) -> None:
    https_server.route("/big", b'{"a": "' + b"x" * (5 * 1024 * 1024) + b'"}', content_length=False)

    with pytest.raises(ResolutionError, match=r"more than 1048576 bytes sent"):
        fetcher(tls).fetch_json(https_server.url("/big"))


def test_body_just_under_the_limit_is_accepted(https_server: TestServer, tls: TlsMaterial) -> None:
    body = b'{"a": "' + b"x" * 990 + b'"}'
    https_server.route("/ok", body, content_length=False)

    result = fetcher(tls, max_bytes=len(body)).fetch_json(https_server.url("/ok"))

    assert result.size == len(body)


# --- time ---------------------------------------------------------------------------------


def test_server_that_never_answers_hits_the_read_timeout(
    https_server: TestServer, tls: TlsMaterial
) -> None:
    https_server.route("/slow", DID_DOC, delay=5)
    with pytest.raises(ResolutionError, match=r"no answer within the read timeout"):
        fetcher(tls, read_timeout=0.3).fetch_json(https_server.url("/slow"))


def test_server_dripping_bytes_hits_the_total_timeout(
    https_server: TestServer, tls: TlsMaterial
) -> None:
    # Each byte arrives well within the read timeout; only the total budget can stop it.
    https_server.route("/drip", {"padding": "x" * 100}, drip=0.05)
    with pytest.raises(ResolutionError, match=r"took longer than 0.8 s \(total timeout\)"):
        fetcher(tls, read_timeout=2.0, total_timeout=0.8).fetch_json(https_server.url("/drip"))


# --- redirects and status codes -----------------------------------------------------------


def test_redirect_to_another_host_is_not_followed(
    https_server: TestServer, tls: TlsMaterial
) -> None:
    https_server.route(
        "/.well-known/did.json", status=301, headers={"Location": "https://evil.example/did.json"}
    )

    with pytest.raises(ResolutionError, match=r"answered 301 redirecting to https://evil.example"):
        fetcher(tls).fetch_json(https_server.url("/.well-known/did.json"))

    assert https_server.hits("/.well-known/did.json") == 1


def test_redirect_on_the_same_host_is_not_followed_either(
    https_server: TestServer, tls: TlsMaterial
) -> None:
    https_server.route("/old", status=302, headers={"Location": "/new"})
    https_server.route("/new", DID_DOC)

    with pytest.raises(ResolutionError, match=r"302 redirecting to /new"):
        fetcher(tls).fetch_json(https_server.url("/old"))

    assert https_server.hits("/new") == 0


@pytest.mark.parametrize("status", [404, 410, 500, 503])
def test_error_status_names_the_code(
    https_server: TestServer, tls: TlsMaterial, status: int
) -> None:
    https_server.route("/x", {"error": "nope"}, status=status)

    with pytest.raises(ResolutionError, match=rf"answered HTTP {status}") as caught:
        fetcher(tls).fetch_json(https_server.url("/x"))

    assert caught.value.details["status"] == status


# --- the body must be one strict JSON object ----------------------------------------------


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"<html>It works!</html>", r"not valid JSON"),
        (b'{"id": "did:web:a", "id": "did:web:b"}', r"has the key 'id' twice"),
        (b'{"n": NaN}', r"must not contain NaN"),
        (b"[1, 2, 3]", r"must be a JSON object"),
        (b"\xff\xfe{}", r"not UTF-8|not valid JSON"),
        (b"[" * 100_000, r"nested too deeply|nested deeper"),
        (b"", r"not valid JSON"),
    ],
    ids=["html", "duplicate_key", "nan", "array", "not_utf8", "deep_nesting", "empty"],
)
def test_unusable_json_is_refused(
    https_server: TestServer, tls: TlsMaterial, body: bytes, problem: str
) -> None:
    https_server.route("/doc", body)

    with pytest.raises(ResolutionError, match=problem) as caught:
        fetcher(tls).fetch_json(https_server.url("/doc"))

    assert caught.value.message.startswith(https_server.url("/doc"))


# --- TLS --------------------------------------------------------------------------------------


def test_certificate_from_an_unknown_ca_is_refused(
    https_server: TestServer, tls: TlsMaterial
) -> None:
    https_server.route("/x", DID_DOC)
    wrong_ca = SafeFetcher(allow_private=True, ca_certs=tls.other_ca_path)

    with pytest.raises(ResolutionError, match=r"TLS failure: .*certificate verify failed"):
        wrong_ca.fetch_json(https_server.url("/x"))

    assert https_server.requests == []


def test_system_ca_store_does_not_trust_a_throwaway_ca(
    https_server: TestServer, tls: TlsMaterial
) -> None:
    https_server.route("/x", DID_DOC)

    with pytest.raises(ResolutionError, match=r"TLS failure"):
        SafeFetcher(allow_private=True).fetch_json(https_server.url("/x"))


def test_certificate_for_another_name_is_refused(
    https_server: TestServer, tls: TlsMaterial, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The name resolves to our server, whose certificate only covers localhost.
    fake_dns(monkeypatch, {"issuer.test": ["127.0.0.1"]})
    https_server.route("/x", DID_DOC)

    with pytest.raises(ResolutionError, match=r"TLS failure: .*issuer\.test"):
        fetcher(tls).fetch_json(https_server.url("/x", host="issuer.test"))

    assert https_server.requests == []


def test_name_is_resolved_once_and_the_vetted_address_is_used(
    https_server: TestServer, tls: TlsMaterial, monkeypatch: pytest.MonkeyPatch
) -> None:
    # DNS rebinding needs a second lookup; there is none (the connection uses the IP).
    asked = fake_dns(monkeypatch, {"localhost": ["127.0.0.1"]})
    https_server.route("/x", DID_DOC)

    fetcher(tls).fetch_json(https_server.url("/x"))

    assert asked == ["localhost"]


def test_unreachable_first_address_falls_back_to_the_next_vetted_one(
    https_server: TestServer, tls: TlsMaterial, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_dns(monkeypatch, {"localhost": ["127.0.0.2", "127.0.0.1"]})
    https_server.route("/x", DID_DOC)

    result = fetcher(tls).fetch_json(https_server.url("/x"))

    assert result.address == "127.0.0.1"


def test_nothing_listening_is_a_resolution_error(tls: TlsMaterial) -> None:
    with pytest.raises(ResolutionError, match=r"from 127.0.0.1 failed: .*refused"):
        fetcher(tls).fetch_json(f"https://127.0.0.1:{unused_port()}/x")


def test_unknown_host_is_a_resolution_error(
    tls: TlsMaterial, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_dns(monkeypatch, {"no-such-host.example": []})

    with pytest.raises(ResolutionError, match=r"cannot resolve host 'no-such-host\.example'"):
        fetcher(tls).fetch_json("https://no-such-host.example/did.json")


def test_slow_dns_counts_against_the_total_timeout(
    tls: TlsMaterial, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_dns(monkeypatch, {"slow-dns.example": ["93.184.215.14"]}, delay=2.0)
    with pytest.raises(ResolutionError, match=r"DNS lookup of 'slow-dns.example' took longer"):
        fetcher(tls, total_timeout=0.3).fetch_json("https://slow-dns.example/did.json")


# --- URLs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://example.com/did.json", r"only https URLs are fetched"),
        ("ftp://example.com/did.json", r"only https URLs are fetched"),
        ("file:///etc/passwd", r"only https URLs are fetched"),
        ("https://user:pass@example.com/did.json", r"user information"),
        ("https://example.com@127.0.0.1/did.json", r"user information"),
        ("https://exa\nmple.com/did.json", r"whitespace, control characters"),
        ("https://example.com/a b", r"whitespace, control characters"),
        ("https:\\\\example.com/did.json", r"or '\\'"),
        ("https:///did.json", r"has no host"),
        ("https://example.com:99999/", r"malformed"),
        ("https://example.com:0/", r"port 0"),
        ("https://[::1/", r"malformed"),
        ("", r"non-empty string"),
        ("https://example.com/" + "a" * 3000, r"longer than 2048"),
    ],
)
def test_unacceptable_urls_are_refused_before_any_lookup(
    url: str, problem: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = fake_dns(monkeypatch, {"example.com": ["93.184.215.14"]})

    with pytest.raises(ResolutionError, match=problem):
        SafeFetcher().fetch_json(url)

    assert asked == []


def test_plain_http_only_when_allowed(http_server: TestServer) -> None:
    http_server.route("/status/1", {"id": "urn:x"})
    url = http_server.url("/status/1", host="127.0.0.1")

    with pytest.raises(ResolutionError, match=r"only https URLs"):
        SafeFetcher(allow_private=True).fetch_json(url)
    result = SafeFetcher(allow_private=True, allow_http=True).fetch_json(url)

    assert result.data == {"id": "urn:x"}


def test_allow_http_does_not_lift_the_address_guard(http_server: TestServer) -> None:
    http_server.route("/x", {})

    with pytest.raises(ForbiddenAddressError):
        SafeFetcher(allow_http=True).fetch_json(http_server.url("/x", host="127.0.0.1"))

    assert http_server.connections == 0


def test_a_mapped_host_is_fetched_from_the_local_server_under_its_own_name(
    tmp_path: Path,
) -> None:
    with fixture_web(tmp_path, ["issuer.example.edu"]) as web:
        web.serve("https://issuer.example.edu/.well-known/did.json", DID_DOC)
        result = web.fetcher.fetch_json("https://issuer.example.edu/.well-known/did.json")
        assert result.data == DID_DOC
        # TLS checked the name, the Host header carried it, no port was added to it.
        assert web.server.requests == [("/.well-known/did.json", "issuer.example.edu")]
        with pytest.raises(ResolutionError, match="404"):
            web.fetcher.fetch_json("https://issuer.example.edu/other.json")


def test_an_unmapped_host_still_goes_through_the_guard(tmp_path: Path) -> None:
    with fixture_web(tmp_path, ["issuer.example.edu"]) as web:
        guarded = SafeFetcher(ca_certs=web.tls.ca_path, host_map={})
        with pytest.raises((ForbiddenAddressError, ResolutionError)):
            guarded.fetch_json(f"https://localhost:{web.server.port}/x")
