"""A real HTTPS webhook receiver on loopback: http.server in a thread, with the TLS
material of ``tests.verifier.servers`` (a CA and a leaf for ``hooks.example``). It records
every POST (path, headers, body) and answers the statuses it is told to, in order (then
200). The app reaches it through a ``SafeFetcher`` whose ``host_map`` sends
``hooks.example`` to it: TLS and the Host header still say the name."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.verifier.servers import TlsMaterial, make_tls_material
from verifier.http import SafeFetcher

HOST = "hooks.example"


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, tls: TlsMaterial) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls.cert_path, tls.key_path)
        self.socket = context.wrap_socket(self.socket, server_side=True)
        self.tls = tls
        self.received: list[Received] = []
        self.answers: list[int] = []
        self._lock = threading.Lock()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def url(self, path: str = "/hooks/microcred") -> str:
        return f"https://{HOST}{path}"

    def fetcher(self, *, allow_private: bool = True) -> SafeFetcher:
        """The app's webhook client: trusts the test CA, reaches this server for HOST.
        ``allow_private`` is the test allowance (the server is on loopback)."""
        return SafeFetcher(
            allow_private=allow_private,
            ca_certs=self.tls.ca_path,
            host_map={HOST: ("127.0.0.1", self.port)},
            total_timeout=5.0,
        )

    def answer(self) -> int:
        with self._lock:
            return self.answers.pop(0) if self.answers else 200

    def record(self, item: Received) -> None:
        with self._lock:
            self.received.append(item)


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        self.server.record(
            Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        )
        status = self.server.answer()
        reply = b'{"received": true}' if status < 300 else b"not now: " + b"x" * 2000
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve(directory: Path) -> Iterator[Receiver]:
    server = Receiver(make_tls_material(directory, hosts=[HOST]))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
