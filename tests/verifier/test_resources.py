"""relatedResource bytes over real loopback HTTPS: ``SafeFetcher.fetch_bytes`` and
``HttpResourceFetcher`` keep every bound of the JSON fetch (SSRF guard, no redirects, size,
the verification's budget), and a verifier built by the factory compares the digests."""

from __future__ import annotations

import base64
import hashlib
import time
from typing import Any

import pytest

from credentials.errors import ForbiddenAddressError, ResolutionError
from credentials.results import Outcome, Verdict
from credentials.verify import Verifier
from tests.credentials import factories as f
from tests.verifier.servers import (  # noqa: F401 - fixtures
    TestServer,
    TlsMaterial,
    http_server_fixture,
    https_server_fixture,
    record_connects,
    tls_fixture,
    unused_port,
)
from verifier.factory import build_verifier
from verifier.http import SafeFetcher
from verifier.resources import HttpResourceFetcher

REPORT = b"%PDF-1.7\n\x00\x01\x02 binary, not JSON \xff\xfe"
PDF = {"Content-Type": "application/pdf"}


def sri(content: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(content).digest()).decode()


def fetcher(tls: TlsMaterial, **options: Any) -> SafeFetcher:
    return SafeFetcher(allow_private=True, ca_certs=tls.ca_path, **options)


def related_credential(*entries: dict[str, Any]) -> dict[str, Any]:
    document = f.credential(relatedResource=list(entries))
    del document["credentialStatus"]  # its lists are not on this machine
    return f.signed(document)


def verifier(tls: TlsMaterial, **options: Any) -> Verifier:
    return build_verifier(fetcher=fetcher(tls), clock=lambda: f.NOW, **options)


# --- the raw fetch ------------------------------------------------------------------------------


def test_fetch_bytes_returns_the_body_as_sent(https_server: TestServer, tls: TlsMaterial) -> None:
    https_server.route("/report.pdf", REPORT, headers=PDF)

    result = fetcher(tls).fetch_bytes(https_server.url("/report.pdf"), accept="application/pdf")

    assert result.body == REPORT
    assert result.headers["content-type"] == "application/pdf"
    assert result.address == "127.0.0.1"


def test_fetch_bytes_keeps_the_bounds(https_server: TestServer, tls: TlsMaterial) -> None:
    https_server.route("/big", b"x" * 2048)
    https_server.route("/moved", status=302, headers={"Location": "http://127.0.0.1/"})

    with pytest.raises(ResolutionError, match=r"larger than the 1024-byte limit"):
        fetcher(tls, max_bytes=1024).fetch_bytes(https_server.url("/big"))
    with pytest.raises(ResolutionError, match=r"redirects are not followed"):
        fetcher(tls).fetch_bytes(https_server.url("/moved"))
    with pytest.raises(ResolutionError, match=r"Accept header"):
        fetcher(tls).fetch_bytes(https_server.url("/big"), accept="a/b\r\nX-Injected: 1")


def test_fetch_bytes_refuses_loopback_without_connecting(
    https_server: TestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    https_server.route("/report.pdf", REPORT, headers=PDF)
    connects = record_connects(monkeypatch)

    with pytest.raises(ForbiddenAddressError):
        SafeFetcher().fetch_bytes(https_server.url("/report.pdf"))

    assert connects == []
    assert https_server.requests == []


# --- the media type (VC Data Model 2.0 §5.3) -----------------------------------------------------


def test_the_media_type_is_asked_for_and_another_one_refused(
    https_server: TestServer, tls: TlsMaterial
) -> None:
    accepts: list[str | None] = []
    handler = https_server.RequestHandlerClass

    class RecordsAccept(handler):  # type: ignore[valid-type, misc]
        def do_GET(self) -> None:  # noqa: N802 - http.server names it so
            accepts.append(self.headers.get("Accept"))
            super().do_GET()

    https_server.RequestHandlerClass = RecordsAccept
    https_server.route("/report.pdf", REPORT, headers={"Content-Type": "Application/PDF; v=1"})
    https_server.route("/page", b"<html></html>", headers={"Content-Type": "text/html"})
    resources = HttpResourceFetcher(fetcher=fetcher(tls))

    assert resources.fetch_resource(https_server.url("/report.pdf"), media_type="application/pdf")
    with pytest.raises(ResolutionError, match=r"Content-Type 'text/html', not the mediaType"):
        resources.fetch_resource(https_server.url("/page"), media_type="application/pdf")
    assert resources.fetch_resource(https_server.url("/page")) == b"<html></html>"

    assert accepts == ["application/pdf", "application/pdf", "*/*"]


# --- in a verification ----------------------------------------------------------------------------


def test_a_resource_matching_its_digest_verifies(
    https_server: TestServer, tls: TlsMaterial
) -> None:
    https_server.route("/report.pdf", REPORT, headers=PDF)
    credential = related_credential(
        {
            "id": https_server.url("/report.pdf"),
            "mediaType": "application/pdf",
            "digestSRI": sri(REPORT),
        }
    )

    result = verifier(tls).verify(credential)

    assert result.verdict is Verdict.VALID, result.summary
    (check,) = result.checks_named("relatedResource")
    assert check.details["source"] == "retrieved"


def test_a_swapped_resource_fails_the_verification(
    https_server: TestServer, tls: TlsMaterial
) -> None:
    https_server.route("/report.pdf", b"%PDF-1.7 another report", headers=PDF)
    credential = related_credential(
        {"id": https_server.url("/report.pdf"), "digestSRI": sri(REPORT)}
    )

    result = verifier(tls).verify(credential)

    assert result.verdict is Verdict.INVALID
    (check,) = result.failures
    assert (check.name, check.code) == ("relatedResource", "digest_mismatch")
    assert check.details["field"] == "relatedResource[0].digestSRI"


def test_an_unreachable_or_forbidden_resource_fails_closed(
    https_server: TestServer, tls: TlsMaterial
) -> None:
    https_server.route("/report.pdf", REPORT, headers=PDF)
    down = f"https://localhost:{unused_port()}/report.pdf"
    credential = related_credential(
        {"id": down, "digestSRI": sri(REPORT)},
        {"id": https_server.url("/report.pdf"), "digestSRI": sri(REPORT)},
    )

    unreachable = verifier(tls).verify(credential)
    guarded = build_verifier(clock=lambda: f.NOW).verify(credential)  # production: no loopback

    assert [c.code for c in unreachable.failures] == ["resource_unavailable"]
    assert [c.code for c in guarded.failures] == ["resource_unavailable"] * 2
    assert "a loopback address" in guarded.failures[1].message
    assert https_server.hits("/report.pdf") == 1  # only the development verifier fetched it


def test_a_slow_resource_is_cut_off_by_the_verifications_budget(
    https_server: TestServer, tls: TlsMaterial
) -> None:
    https_server.route("/report.pdf", REPORT, headers=PDF, delay=60.0)
    credential = related_credential(
        {"id": https_server.url("/report.pdf"), "digestSRI": sri(REPORT)}
    )

    started = time.monotonic()
    result = verifier(tls, deadline=1.0).verify(credential)
    elapsed = time.monotonic() - started

    assert [c.code for c in result.failures] == ["timeout"]
    assert "could not check in time" in result.failures[0].message
    assert elapsed < 3.0


def test_a_bundled_context_is_compared_offline(
    tls: TlsMaterial, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The W3C VC 2.0 test suite's fixture: the base context pinned by its 2024 digest.
    credential = related_credential(
        {
            "id": "https://www.w3.org/ns/credentials/v2",
            "digestSRI": "sha384-NSOcNpmdIVUxIJGvGUoe22FjTWrXiaXlsZ8q6912LdnR3KraQO2n75Ica4wK4Qeg",
        }
    )
    connects = record_connects(monkeypatch)

    result = verifier(tls).verify(credential)

    assert result.verdict is Verdict.VALID, result.summary
    assert [c.outcome for c in result.checks_named("relatedResource")] == [Outcome.PASSED]
    assert connects == []
