"""Fetching what credentials name (did:web documents, status lists, related resources) safely.

The URL comes from whoever wrote the credential, so every fetch is treated as hostile:

1. Only ``https`` (``http`` only when explicitly allowed, for development), no user
   information, ASCII only on the wire (``verifier.urls.parse_url``).
2. The host is resolved once and every address is vetted (``verifier.addresses``); the
   connection goes to the vetted address, with the host name kept for SNI, certificate
   checking and the ``Host`` header, so DNS rebinding cannot redirect it.
3. TLS is verified against the system CA store (or ``ca_certs``); no proxy is consulted.
4. No redirect is followed; any non-2xx answer fails naming the status.
5. Time is bounded per operation (connect, read) and in total: a watchdog shuts the socket
   down at the deadline, so a server dripping one byte at a time cannot hold us.
6. The body is bounded (``Content-Length`` checked first, then counted while streaming;
   compressed bodies are refused so no decompression bomb is possible). ``fetch_json``
   requires strict JSON (``credentials.verify.load_credential``): one object, no duplicate
   keys, no NaN; ``fetch_bytes`` returns the body as sent (``relatedResource`` digests are
   computed over those bytes).

Every failure is a ``ResolutionError`` (``ForbiddenAddressError`` for step 2) whose
message names the URL.
"""

from __future__ import annotations

import http.client
import ipaddress
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import urllib3
from urllib3.connection import HTTPConnection
from urllib3.util.ssl_match_hostname import CertificateError

from credentials import budget
from credentials.errors import MicrocredError, ResolutionError
from credentials.verify import load_credential
from verifier import addresses
from verifier.deadline import Deadline, PinnedHTTPConnection, PinnedHTTPSConnection
from verifier.urls import Target, parse_url

DEFAULT_ACCEPT = "application/json, application/did+json, application/ld+json"
DEFAULT_USER_AGENT = "microcred-verifier/0.1"
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A fetched JSON object and what the HTTP cache needs to know about it."""

    url: str
    status: int
    headers: Mapping[str, str]
    data: dict[str, Any]
    fetched_at: datetime
    size: int = 0
    address: str = ""


@dataclass(frozen=True, slots=True)
class BytesResult:
    """A fetched body, byte for byte, with the response headers (names in lower case)."""

    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    fetched_at: datetime
    address: str = ""

    def parsed(self, data: dict[str, Any]) -> FetchResult:
        """The cacheable result once the body is parsed to ``data``."""
        return FetchResult(
            url=self.url,
            status=self.status,
            headers=self.headers,
            data=data,
            fetched_at=self.fetched_at,
            size=len(self.body),
            address=self.address,
        )


# --- fl-webhooks: the outcome of a POST ---
@dataclass(frozen=True, slots=True)
class PostResult:
    """What a POST got back: the status (any, redirects included: none is followed) and
    the start of the body."""

    url: str
    status: int
    snippet: bytes


# --- end fl-webhooks ---


class SafeFetcher:
    """Fetches one JSON object over HTTPS with the SSRF guard and bounds described above."""

    def __init__(
        self,
        *,
        allow_private: bool = False,
        allow_http: bool = False,
        connect_timeout: float = 3.0,
        read_timeout: float = 5.0,
        total_timeout: float = 8.0,
        max_bytes: int = 1_048_576,
        user_agent: str = DEFAULT_USER_AGENT,
        ca_certs: str | None = None,
        host_map: Mapping[str, tuple[str, int]] | None = None,
    ) -> None:
        self.allow_private = allow_private
        self.allow_http = allow_http
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.total_timeout = total_timeout
        self.max_bytes = max_bytes
        self.user_agent = user_agent
        self.ca_certs = ca_certs
        #: Tests only: host name -> (IP address, port) of a local server standing in for
        #: it (a fixture's did:web host, a badge platform). The name is still what TLS
        #: checks and what the Host header says; only where the connection goes changes.
        self.host_map = dict(host_map or {})

    def __repr__(self) -> str:
        return (
            f"SafeFetcher(allow_private={self.allow_private}, allow_http={self.allow_http}, "
            f"total_timeout={self.total_timeout}, max_bytes={self.max_bytes})"
        )

    def fetch_json(self, url: str, *, accept: str = DEFAULT_ACCEPT) -> FetchResult:
        """GET ``url`` and parse the body as one strict JSON object.

        Within a verification the fetch also stops when that verification's budget
        (``credentials.budget``) runs out, with the budget's "could not check in time".
        """
        raw = self.fetch_bytes(url, accept=accept)
        try:
            data = load_credential(raw.body)
        except MicrocredError as exc:
            # load_credential speaks of "credential"; here it is whatever the URL returned.
            reason = exc.message.removeprefix("a credential ").removeprefix("credential ")
            raise ResolutionError(
                f"{raw.url}: the response {reason}", details={"url": raw.url}
            ) from None
        return raw.parsed(data)

    def fetch_bytes(self, url: str, *, accept: str = DEFAULT_ACCEPT) -> BytesResult:
        """GET ``url`` and return the body as sent, with every bound above (steps 1-6,
        without the JSON requirement) and within the verification's budget, if any."""
        target = parse_url(url, allow_http=self.allow_http)
        if any(ord(c) < 0x20 or ord(c) > 0x7E for c in accept):
            raise ResolutionError(f"refusing to send the Accept header {accept!r}")
        total = budget.remaining(self.total_timeout)
        try:
            return self._fetch_within(target, accept, total)
        except ResolutionError:
            active = budget.current()
            if total < self.total_timeout and active is not None and active.spent:
                raise active.error() from None
            raise

    def post_form(self, url: str, fields: Mapping[str, str]) -> FetchResult:
        """POST ``fields`` form-encoded to ``url`` (an OAuth token endpoint) and parse the
        JSON answer, with the same guard and bounds as a GET (steps 1-6)."""
        target = parse_url(url, allow_http=self.allow_http)
        body = urlencode(dict(fields)).encode()
        raw = self._fetch_within(target, "application/json", self.total_timeout, body=body)
        try:
            data = load_credential(raw.body)
        except MicrocredError as exc:
            reason = exc.message.removeprefix("a credential ").removeprefix("credential ")
            raise ResolutionError(
                f"{raw.url}: the response {reason}", details={"url": raw.url}
            ) from None
        return raw.parsed(data)

    # --- fl-webhooks: POST a JSON body and report any answer (webhook deliveries) ---

    def check_url(self, url: str) -> None:
        """Refuse ``url`` now if a POST to it would be refused (steps 1-2: scheme, syntax,
        every address the host resolves to): webhook endpoints are checked when they are
        registered, and again at every delivery (a name can resolve elsewhere later)."""
        self._vetted(parse_url(url, allow_http=self.allow_http), self.connect_timeout)

    def post_json(
        self, url: str, body: bytes, headers: Mapping[str, str], *, snippet: int = 1024
    ) -> PostResult:
        """POST ``body`` (JSON) to ``url`` with the same guard and bounds (steps 1-5; no
        redirect is followed) and return whatever status came back, with at most
        ``snippet`` bytes of the answer: a webhook receiver's 4xx or 5xx is an outcome to
        log, not an error. Transport failures and refusals raise ``ResolutionError``."""
        target = parse_url(url, allow_http=self.allow_http)
        for name, value in headers.items():
            if any(ord(c) < 0x20 or ord(c) > 0x7E for c in f"{name}{value}"):
                raise ResolutionError(f"refusing to send the header {name!r}")
        deadline = Deadline(url=target.url, total=self.total_timeout)
        target, found = self._vetted(target, deadline.remaining())
        refused: list[ResolutionError] = []
        for address in found:
            conn = self._connect(target, address, deadline, refused)
            if conn is None:
                continue
            try:
                return self._post_over(
                    conn, target, body, headers, deadline=deadline, snippet=snippet
                )
            except MicrocredError:
                raise
            except _TRANSPORT_ERRORS as exc:
                raise _transport_error(
                    target, address, exc, deadline, ("read", self.read_timeout)
                ) from None
            finally:
                conn.close()
                deadline.close()
        raise refused[-1]

    def _post_over(
        self,
        conn: HTTPConnection,
        target: Target,
        body: bytes,
        extra: Mapping[str, str],
        *,
        deadline: Deadline,
        snippet: int,
    ) -> PostResult:
        conn.timeout = min(self.read_timeout, deadline.remaining())
        if conn.sock is not None:
            conn.sock.settimeout(conn.timeout)
        headers = {
            **extra,
            "Host": target.host_header,
            "Content-Type": "application/json",
            "Accept-Encoding": "identity",
            "User-Agent": self.user_agent,
        }
        conn.request(
            "POST",
            target.path,
            body=body,
            headers=headers,
            preload_content=False,
            decode_content=False,
        )
        response = conn.getresponse()
        try:
            # Only the start of the answer is kept; the rest is not read at all.
            start = response.read(snippet, decode_content=False) if snippet else b""
        finally:
            response.close()
        if deadline.fired:
            raise deadline.error()
        return PostResult(url=target.url, status=response.status, snippet=start[:snippet])

    # --- end fl-webhooks ---

    def _fetch_within(
        self, target: Target, accept: str, total: float, *, body: bytes | None = None
    ) -> BytesResult:
        deadline = Deadline(url=target.url, total=total)
        target, found = self._vetted(target, deadline.remaining())
        refused: list[ResolutionError] = []
        # Like a browser, try each (vetted) address until one accepts the connection.
        for address in found:
            conn = self._connect(target, address, deadline, refused)
            if conn is not None:
                return self._fetch_over(conn, target, address, accept, deadline, body=body)
        raise refused[-1]

    def _vetted(self, target: Target, timeout: float) -> tuple[Target, list[addresses.IPAddress]]:
        """Step 2 for every request: the addresses ``target``'s host resolves to, each
        vetted (a host in ``host_map``, tests only, goes to its local server instead, under
        its own name), and the target with the port to connect to."""
        mapped = self.host_map.get(target.host)
        if mapped is not None:
            target = replace(target, port=mapped[1])
            found: list[addresses.IPAddress] = [ipaddress.ip_address(mapped[0])]
        else:
            found = addresses.resolve(target.host, target.port, timeout=timeout)
        addresses.vet(target.url, target.host, found, allow_private=self.allow_private)
        return target, found

    # --- steps 3-6: one connection to a vetted address --------------------------------------

    def _connect(
        self,
        target: Target,
        address: addresses.IPAddress,
        deadline: Deadline,
        refused: list[ResolutionError],
    ) -> HTTPConnection | None:
        """A connected (TCP + TLS) connection, or None after noting why in ``refused``."""
        conn = self._connection(target, address, deadline)
        try:
            conn.connect()
        except _TRANSPORT_ERRORS as exc:
            conn.close()
            deadline.close()
            error = _transport_error(
                target, address, exc, deadline, ("connect", self.connect_timeout)
            )
            if deadline.fired or _is_tls_failure(exc):
                raise error from None
            refused.append(error)
            return None
        return conn

    def _fetch_over(
        self,
        conn: HTTPConnection,
        target: Target,
        address: addresses.IPAddress,
        accept: str,
        deadline: Deadline,
        *,
        body: bytes | None = None,
    ) -> BytesResult:
        try:
            return self._exchange(conn, target, address, accept, deadline, body=body)
        except MicrocredError:
            raise
        except _TRANSPORT_ERRORS as exc:
            raise _transport_error(
                target, address, exc, deadline, ("read", self.read_timeout)
            ) from None
        finally:
            conn.close()
            deadline.close()

    def _connection(
        self, target: Target, address: addresses.IPAddress, deadline: Deadline
    ) -> HTTPConnection:
        timeout = min(self.connect_timeout, deadline.remaining())
        if target.scheme == "http":
            plain = PinnedHTTPConnection(str(address), target.port, timeout=timeout)
            plain.deadline = deadline
            return plain
        conn = PinnedHTTPSConnection(
            str(address),
            target.port,
            timeout=timeout,
            cert_reqs="CERT_REQUIRED",
            ca_certs=self.ca_certs,  # None: the system CA store
            server_hostname=target.host,
            assert_hostname=target.host,
        )
        conn.deadline = deadline
        return conn

    def _exchange(
        self,
        conn: HTTPConnection,
        target: Target,
        address: addresses.IPAddress,
        accept: str,
        deadline: Deadline,
        *,
        body: bytes | None = None,
    ) -> BytesResult:
        # urllib3 applies conn.timeout to the socket again when the response starts.
        conn.timeout = min(self.read_timeout, deadline.remaining())
        if conn.sock is not None:
            conn.sock.settimeout(conn.timeout)
        headers = {
            "Host": target.host_header,
            "Accept": accept,
            "Accept-Encoding": "identity",
            "User-Agent": self.user_agent,
        }
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(
            "GET" if body is None else "POST",
            target.path,
            body=body,
            headers=headers,
            preload_content=False,
            decode_content=False,
        )
        response = conn.getresponse()
        try:
            # Indexing an HTTPHeaderDict joins repeated fields (two Cache-Control lines).
            headers = {name.lower(): response.headers[name] for name in response.headers}
            _check_status(target.url, response.status, headers)
            body = self._read_body(response, target.url, headers, deadline)
        finally:
            response.close()  # the socket's file object too, or the descriptor lingers
        return BytesResult(
            url=target.url,
            status=response.status,
            headers=headers,
            body=body,
            fetched_at=datetime.now(UTC),
            address=str(address),
        )

    def _read_body(
        self,
        response: urllib3.BaseHTTPResponse,
        url: str,
        headers: Mapping[str, str],
        deadline: Deadline,
    ) -> bytes:
        encoding = headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            raise ResolutionError(
                f"{url} answered with Content-Encoding {encoding!r}; only identity is accepted",
                details={"url": url},
            )
        declared = headers.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise _too_large(url, self.max_bytes, f"Content-Length {declared}")
        chunks: list[bytes] = []
        size = 0
        while True:
            deadline.remaining()
            chunk = response.read(_CHUNK, decode_content=False)
            if not chunk:
                break
            size += len(chunk)
            if size > self.max_bytes:
                raise _too_large(url, self.max_bytes, f"more than {self.max_bytes} bytes sent")
            chunks.append(chunk)
        if deadline.fired:
            raise deadline.error()
        return b"".join(chunks)


_TRANSPORT_ERRORS = (OSError, ValueError, urllib3.exceptions.HTTPError, http.client.HTTPException)
_TLS_ERRORS = (ssl.SSLError, ssl.CertificateError, urllib3.exceptions.SSLError, CertificateError)


def _check_status(url: str, status: int, headers: Mapping[str, str]) -> None:
    if 300 <= status < 400:
        location = headers.get("location", "(no Location header)")
        raise ResolutionError(
            f"{url} answered {status} redirecting to {location}; redirects are not followed",
            details={"url": url, "status": status, "location": location},
        )
    if not 200 <= status < 300:
        raise ResolutionError(
            f"{url} answered HTTP {status}", details={"url": url, "status": status}
        )


def _too_large(url: str, limit: int, seen: str) -> ResolutionError:
    return ResolutionError(
        f"{url} is larger than the {limit}-byte limit ({seen})",
        details={"url": url, "limit": limit},
    )


def _is_tls_failure(exc: BaseException) -> bool:
    # A certificate problem is the host's answer, not a reason to try another address.
    return any(isinstance(e, _TLS_ERRORS) for e in _causes(exc))


def _transport_error(
    target: Target,
    address: addresses.IPAddress,
    exc: BaseException,
    deadline: Deadline,
    timeout: tuple[str, float],
) -> ResolutionError:
    stage, seconds = timeout
    if deadline.fired:
        return deadline.error()
    if _is_tls_failure(exc):
        reason = f"TLS failure: {_root_message(exc)}"
    elif _is_timeout(exc):
        reason = f"no answer within the {stage} timeout ({seconds:g} s)"
    else:
        reason = _root_message(exc)
    return ResolutionError(
        f"fetching {target.url} from {address} failed: {reason}",
        details={"url": target.url, "address": str(address), "stage": stage},
    )


def _is_timeout(exc: BaseException) -> bool:
    # Only the socket's own timeout counts: urllib3's NewConnectionError (a refused
    # connection) subclasses its ConnectTimeoutError for backwards compatibility.
    return isinstance(_causes(exc)[-1], TimeoutError)


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and what caused it, outermost first (bounded: chains can be cyclic)."""
    chain = [exc]
    while len(chain) < 16:
        cause = chain[-1].__cause__ or chain[-1].__context__
        if cause is None or cause in chain:
            break
        chain.append(cause)
    return chain


def _root_message(exc: BaseException) -> str:
    root = _causes(exc)[-1]
    text = str(root) or type(root).__name__
    return text if len(text) <= 300 else text[:300] + "…"
