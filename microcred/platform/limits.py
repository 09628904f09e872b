"""Limits at the edge, before any view or parser sees a request (docs/ISSUING.md, "Input
limits").

- **Body size, chunked or not.** werkzeug caps a body that has a ``Content-Length`` (413),
  but a ``Transfer-Encoding: chunked`` body is read up to ``MAX_CONTENT_LENGTH`` and then
  *silently cut* there: a bulk job then "completed" the rows that fitted. A chunked body
  is read here up to the limit plus one byte; past the limit the request is answered 413
  without reading more, below it the body is handed on with its real ``Content-Length``,
  so every later check (the API's 1 MiB) applies to it as to any other.
- **JSON nesting.** Python's ``json`` parser recurses once per ``[`` or ``{``: 100,000 of
  them raise ``RecursionError`` (a 500). Every JSON body is scanned, bytes only, and one
  nested deeper than ``MAX_JSON_DEPTH`` is refused with a 400 before it is parsed.
- **NUL.** PostgreSQL's ``text`` cannot hold U+0000, and SQLite keeps it but nothing
  downstream expects it; no field of ours means it. A NUL in a JSON string (``\\u0000``),
  a text body, the query or the path is refused, naming where it is.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from itertools import accumulate
from typing import TYPE_CHECKING, Any

from flask import current_app, request

from microcred.platform.refusals import (
    InvalidInputError,
    NotFoundError,
    PayloadTooLargeError,
    UnprocessableError,
)

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from flask import Flask


class ChunkedBodyTooLargeError(PayloadTooLargeError):
    """A chunked body past the limit: the rest was never read, so the connection closes."""

    close_connection = True


#: The deepest JSON body accepted: arrays and objects inside each other. Our own bodies
#: need 5; a signed credential with evidence and alignments about 10.
MAX_JSON_DEPTH = 64

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Set by ``BodyLimit`` when a chunked body passed MAX_CONTENT_LENGTH (its value: the limit).
_TOO_LARGE = "microcred.body_too_large"
_READ_SIZE = 64 * 1024

# A JSON string (the unrolled form: no backtracking), and every byte that is not a bracket.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_DEPTH_STEP = [0] * 256
for _opener in b"[{":
    _DEPTH_STEP[_opener] = 1
for _closer in b"]}":
    _DEPTH_STEP[_closer] = -1
_ESCAPED_NUL = b"\\u0000"


def init_app(app: Flask) -> None:
    """Wrap the WSGI app for chunked bodies and check every request before its views.

    Call before ``register_error_handlers``: its lone-surrogate check parses JSON bodies
    with the recursive parser, which must not see one nested too deep.
    """
    app.wsgi_app = BodyLimit(app.wsgi_app, app)  # type: ignore[method-assign]
    app.before_request(check_request)


class BodyLimit:
    """WSGI middleware: a chunked body is read here, capped at ``MAX_CONTENT_LENGTH``."""

    def __init__(self, wsgi_app: WSGIApplication, app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        # Only when the server says it ends the stream itself (it de-chunks): otherwise
        # werkzeug gives the views an empty body, and reading here could block.
        if (
            not environ.get("CONTENT_LENGTH")
            and "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
            and environ.get("wsgi.input_terminated")
        ):
            limit = int(self.app.config["MAX_CONTENT_LENGTH"])
            body = read_at_most(environ["wsgi.input"], limit + 1)
            if len(body) > limit:
                environ[_TOO_LARGE] = limit
                body = b""
            # From here on the body is an ordinary one of known length (werkzeug ignores
            # a Content-Length while Transfer-Encoding says chunked).
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            del environ["HTTP_TRANSFER_ENCODING"]
        return self.wsgi_app(environ, start_response)


def read_at_most(stream: Any, size: int) -> bytes:
    """Up to ``size`` bytes of ``stream`` (a server's read may return fewer than asked)."""
    out = bytearray()
    while len(out) < size:
        chunk = stream.read(min(_READ_SIZE, size - len(out)))
        if not chunk:
            break
        out += chunk
    return bytes(out)


def json_depth(raw: bytes) -> int:
    """How deep arrays and objects nest in JSON text ``raw`` (brackets inside strings do not
    count), or, when that cannot pass MAX_JSON_DEPTH, a bound not above it. Runs at C
    speed: counts, a regex, a translate and an accumulate; no parser."""
    openers = raw.count(b"[") + raw.count(b"{")
    if openers <= MAX_JSON_DEPTH:
        return openers
    brackets = _JSON_STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0)


def check_request() -> None:
    """Before every view: body size (chunked), NUL in path and query, JSON nesting and NUL.

    Reads the WSGI environ, not ``request``'s properties: this runs on every request, and
    the plain values are all it needs (a body is only looked at when one was sent).
    """
    environ = request.environ
    limit = environ.get(_TOO_LARGE)
    if limit is not None:
        raise ChunkedBodyTooLargeError(
            f"The request body (chunked) is larger than the limit of {limit} bytes; it was "
            "not read past the limit."
        )
    if "\x00" in environ.get("PATH_INFO", ""):
        raise NotFoundError("No resource at this path: identifiers never contain NUL.")
    query = environ.get("QUERY_STRING", "")
    if "%00" in query or "\x00" in query:
        name = next((k for k, v in request.args.items(multi=True) if "\x00" in k + v), "query")
        raise _nul_error(name.replace("\x00", "\\u0000"))
    if environ.get("REQUEST_METHOD") not in _BODY_METHODS or not environ.get("CONTENT_LENGTH"):
        return
    if request.is_json:
        _check_json_body(request.get_data(cache=True))
    elif request.mimetype.startswith("text/") and b"\x00" in request.get_data(cache=True):
        raise _nul_error("body")


def _check_json_body(raw: bytes) -> None:
    depth = json_depth(raw)
    if depth > MAX_JSON_DEPTH:
        raise InvalidInputError(
            f"The JSON body nests arrays and objects {depth} deep; at most "
            f"{MAX_JSON_DEPTH} levels are accepted.",
            code="json_too_deep",
            field="body",
        )
    if _ESCAPED_NUL not in raw:
        return
    try:
        parsed = current_app.json.loads(raw)
    except ValueError:
        return  # not JSON: the view's parser reports it
    where = nul_field(parsed)
    if where is not None:
        raise _nul_error(where)


def nul_field(value: Any, path: str = "") -> str | None:
    """The first field of parsed JSON ``value`` whose key or text holds U+0000, or None."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                return where or "body"
        elif isinstance(node, dict):
            for key, item in node.items():
                name = f"{where}.{key}" if where else str(key)
                if "\x00" in key:
                    return name.replace("\x00", "\\u0000")
                stack.append((item, name))
        elif isinstance(node, list):
            stack.extend((item, f"{where}[{i}]") for i, item in enumerate(node))
    return None


def _nul_error(field: str) -> Exception:
    message = "Must not contain the NUL character (U+0000)."
    return UnprocessableError(
        f"1 field failed validation: {field}: {message}",
        field=field,
        errors={field: [message]},
    )
