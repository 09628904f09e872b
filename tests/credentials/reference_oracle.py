"""A client for scripts/reference/oracle.mjs: the JavaScript reference libraries, run offline.

One long-lived ``node`` process answers JSON lines. It is available when node is
on PATH and ``npm ci --prefix scripts/reference`` has run (``make test`` does it);
tests that need it skip otherwise, and the committed vectors are checked anyway.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ORACLE_DIR = ROOT / "scripts" / "reference"
SEED = bytes(range(32))  # tests.credentials.factories.ISSUER_KEY
CREATED = "2026-05-01T12:00:00Z"


def available() -> bool:
    return shutil.which("node") is not None and (ORACLE_DIR / "node_modules").is_dir()


class Oracle:
    """``node oracle.mjs`` behind a lock; every call is one request line and one answer line."""

    def __init__(self) -> None:
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("node is not installed")
        self._process = subprocess.Popen(
            [node, str(ORACLE_DIR / "oracle.mjs")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=ORACLE_DIR,
        )
        self._lock = threading.Lock()

    def ask(self, op: str, **request: Any) -> dict[str, Any]:
        # ensure_ascii: lone surrogates and every other character travel as \\u escapes.
        line = json.dumps({"op": op, **request}, ensure_ascii=True).encode("ascii") + b"\n"
        with self._lock:
            assert self._process.stdin is not None
            assert self._process.stdout is not None
            self._process.stdin.write(line)
            self._process.stdin.flush()
            answer = self._process.stdout.readline()
        if not answer:
            raise RuntimeError("the reference oracle exited")
        return dict(json.loads(answer))

    def rdfc(self, doc: Any) -> str | None:
        """eddsa-rdfc-2022's canonical N-Quads, or None when jsonld.js refuses the document."""
        answer = self.ask("rdfc", doc=doc)
        return None if "error" in answer else str(answer["nquads"])

    def jcs(self, value: Any) -> str | None:
        answer = self.ask("jcs", value=value)
        return None if "error" in answer else str(answer["text"])

    def sign(self, doc: Any, suite: str, created: str = CREATED) -> dict[str, Any] | None:
        answer = self.ask("sign", doc=doc, suite=suite, seed=SEED.hex(), created=created)
        return None if "error" in answer else dict(answer["signed"])

    def verify(self, doc: Any, suite: str) -> bool:
        return bool(self.ask("verify", doc=doc, suite=suite).get("verified"))

    def close(self) -> None:
        # Close both pipes: an unclosed one is a ResourceWarning (an error under pytest's
        # -W error) raised in whichever test the garbage collector happens to run in.
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()
