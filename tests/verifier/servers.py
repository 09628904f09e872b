"""Real HTTP(S) servers on loopback for the verifier tests, and their throwaway TLS material.

``TestServer`` is http.server in a thread; each test gets its own, so hit counts are its
own. Certificates are generated with ``cryptography`` at session start: one CA and a leaf
for ``localhost`` / 127.0.0.1 / ::1 signed by it, plus an unrelated CA for TLS failures.
Nothing here replaces code under test: the fetcher really connects, handshakes and reads.

Test modules import the ``*_fixture`` functions; pytest knows them by their ``name``
(``tls``, ``https_server``, ``http_server``), so the suite also runs with ``--noconftest``.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class TlsMaterial:
    ca_path: str  # the CA that signed the server's certificate
    other_ca_path: str  # a CA that did not
    cert_path: str
    key_path: str


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _ca(common_name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _leaf(
    ca_key: ec.EllipticCurvePrivateKey,
    ca_cert: x509.Certificate,
    hosts: Sequence[str] = (),
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    names: list[x509.GeneralName] = [
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
        *(x509.DNSName(host) for host in hosts),
    ]
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=7))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def make_tls_material(directory: Path, hosts: Sequence[str] = ()) -> TlsMaterial:
    """A CA and a leaf for localhost (and ``hosts``) signed by it, plus an unrelated CA."""
    ca_key, ca_cert = _ca("microcred test CA")
    _, other_cert = _ca("some other CA")
    leaf_key, leaf_cert = _leaf(ca_key, ca_cert, hosts)
    pem = serialization.Encoding.PEM
    paths = {
        "ca": directory / "ca.pem",
        "other": directory / "other-ca.pem",
        "cert": directory / "localhost.pem",
        "key": directory / "localhost.key",
    }
    paths["ca"].write_bytes(ca_cert.public_bytes(pem))
    paths["other"].write_bytes(other_cert.public_bytes(pem))
    paths["cert"].write_bytes(leaf_cert.public_bytes(pem))
    paths["key"].write_bytes(
        leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return TlsMaterial(
        ca_path=str(paths["ca"]),
        other_ca_path=str(paths["other"]),
        cert_path=str(paths["cert"]),
        key_path=str(paths["key"]),
    )


@dataclass
class Route:
    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line
    drip: float = 0.0  # seconds between body bytes
    content_length: bool = True


class TestServer(ThreadingHTTPServer):
    """A routing HTTP(S) server on 127.0.0.1 that records every connection and request."""

    __test__ = False  # not a test class, despite the name
    daemon_threads = True

    def __init__(self, tls: ssl.SSLContext | None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.tls = tls
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, str | None]] = []  # (path, Host header)
        self.connections = 0
        self.stopping = threading.Event()
        self._lock = threading.Lock()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def url(self, path: str, host: str = "localhost") -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{host}:{self.port}{path}"

    def route(self, path: str, body: Any = None, **options: Any) -> Route:
        if body is None:
            raw = b"{}"
        elif isinstance(body, bytes):
            raw = body
        else:
            raw = json.dumps(body).encode()
        route = Route(body=raw, **options)
        self.routes[path] = route
        return route

    def hits(self, path: str) -> int:
        with self._lock:
            return sum(1 for p, _ in self.requests if p == path)

    def record(self, path: str, host: str | None) -> None:
        with self._lock:
            self.requests.append((path, host))

    def finish_request(self, request: Any, client_address: Any) -> None:
        with self._lock:
            self.connections += 1
        if self.tls is None:
            super().finish_request(request, client_address)
            return
        # Handshake in the worker thread so a slow or failing client blocks nobody.
        with self.tls.wrap_socket(request, server_side=True) as wrapped:
            super().finish_request(wrapped, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that hang up on purpose (size limit, timeouts, bad TLS) are expected


class _Handler(BaseHTTPRequestHandler):
    server: TestServer
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        host = self.headers.get("Host")
        self.server.record(self.path, host)
        # A route registered for "host/path" (FixtureWeb) wins over one for the path alone.
        named = f"{host.rsplit(':', 1)[0] if host and not host.endswith(']') else host}{self.path}"
        route = self.server.routes.get(named) or self.server.routes.get(self.path)
        if route is None:
            route = Route(status=404, body=b'{"error": "not found"}')
        if route.delay and self.server.stopping.wait(route.delay):
            return
        self.send_response(route.status)
        headers = {"Content-Type": "application/json", **route.headers}
        for name, value in headers.items():
            self.send_header(name, value)
        if route.content_length:
            self.send_header("Content-Length", str(len(route.body)))
        self.end_headers()
        if not route.drip:
            self.wfile.write(route.body)
            return
        for byte in route.body:
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            if self.server.stopping.wait(route.drip):
                return

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _serve(server: TestServer) -> Iterator[TestServer]:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(scope="session", name="tls")
def tls_fixture(tmp_path_factory: pytest.TempPathFactory) -> TlsMaterial:
    return make_tls_material(tmp_path_factory.mktemp("tls"))


@pytest.fixture(name="https_server")
def https_server_fixture(tls: TlsMaterial) -> Iterator[TestServer]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls.cert_path, tls.key_path)
    yield from _serve(TestServer(context))


@pytest.fixture(name="http_server")
def http_server_fixture() -> Iterator[TestServer]:
    yield from _serve(TestServer(None))


def fake_dns(
    monkeypatch: pytest.MonkeyPatch, answers: Mapping[str, list[str]], *, delay: float = 0.0
) -> list[str]:
    """Make ``socket.getaddrinfo`` answer ``answers`` for these names (a DNS *input*; every
    other name and IP literal goes to the real resolver). An empty list is NXDOMAIN;
    ``delay`` makes the answer slow. Returns the names looked up, in order."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if not (isinstance(host, str) and host in answers):
            return real(host, port, *args, **kwargs)
        asked.append(host)
        if delay:
            time.sleep(delay)
        if not answers[host]:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        infos = []
        for address in answers[host]:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            sockaddr = (address, port, 0, 0) if family == socket.AF_INET6 else (address, port)
            infos.append((family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr))
        return infos

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def unused_port() -> int:
    """A loopback TCP port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def record_connects(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Record the address of every outgoing ``socket.connect`` (and still connect): proof
    that a refused fetch never even tried to reach its target."""
    real = socket.socket.connect
    attempts: list[Any] = []

    def connect(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        real(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return attempts


class FixtureWeb:
    """Real hosts stood in for on loopback: a fixture's did:web domain, a badge platform's
    hosted assertions, an issuer's status lists. One HTTPS server answers for every host,
    with a certificate naming them all, signed by a test CA; ``fetcher`` is a SafeFetcher
    that trusts that CA and maps each host to the server (``SafeFetcher.host_map``), so the
    URLs in a committed fixture are fetched as written and no test reaches the internet.
    Give the app ``MICROCRED_VERIFIER_FETCHER=web.fetcher`` to verify through it."""

    def __init__(self, server: TestServer, tls: TlsMaterial, hosts: Sequence[str]) -> None:
        self.server = server
        self.tls = tls
        self.hosts = tuple(hosts)

    @property
    def fetcher(self) -> Any:
        from verifier.http import SafeFetcher  # tests of sharing/ import this module too

        return SafeFetcher(
            allow_private=True,
            ca_certs=self.tls.ca_path,
            host_map=dict.fromkeys(self.hosts, ("127.0.0.1", self.server.port)),
        )

    def serve(self, url: str, body: Any = None, **options: Any) -> Route:
        """Answer GET ``url`` (full https URL, host among ``hosts``) with ``body``."""
        parts = urlsplit(url)
        if parts.hostname not in self.hosts:
            raise ValueError(f"{url}: host not among {self.hosts}")
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return self.server.route(f"{parts.hostname}{path}", body, **options)

    def hits(self, url: str) -> int:
        parts = urlsplit(url)
        return self.server.hits(parts.path + (f"?{parts.query}" if parts.query else ""))


@contextmanager
def fixture_web(directory: Path, hosts: Sequence[str]) -> Iterator[FixtureWeb]:
    """A running ``FixtureWeb`` for ``hosts`` (its TLS files under ``directory``)."""
    tls = make_tls_material(directory, hosts)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls.cert_path, tls.key_path)
    served = _serve(TestServer(context))
    server = next(served)
    try:
        yield FixtureWeb(server, tls, hosts)
    finally:
        served.close()
