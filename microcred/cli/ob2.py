"""``microcred verify`` for Open Badges 2.0 / 1.x: hosted (JSON or URL), signed, baked.

A file is read as usual (``credentials.documents.baking.extract_credential``); when what
it holds is an OB 2.0/1.x badge, the reader raises ``Ob2Found`` and ``microcred.cli.sign``
hands the badge here. An argument that is an ``https://`` URL is a hosted assertion to
fetch. Exit codes as for every credential: 0 verified, 1 not verified.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from credentials.ob2.verify import Ob2Verifier
from credentials.verify import Verifier

__all__ = ["Ob2Cli"]


@dataclass(frozen=True, slots=True)
class Ob2Cli:
    verifier: Ob2Verifier
    recipient: str | None

    @classmethod
    def build(cls, verifier: Verifier, recipient: str | None) -> Ob2Cli:
        """Fetch rules as for did:web (MICROCRED_ALLOW_PRIVATE_FETCH for development only),
        the W3C verifier's trust sources, MICROCRED_VERIFY_DEADLINE."""
        from microcred.platform.config import env_seconds
        from verifier.ob2 import build_ob2_verifier

        flag = os.environ.get("MICROCRED_ALLOW_PRIVATE_FETCH", "").strip().lower()
        development = flag in {"1", "true", "yes", "on"}
        return cls(
            build_ob2_verifier(
                allow_private=development,
                allow_http=development,
                trust=verifier.trust,
                deadline=env_seconds(os.environ, "MICROCRED_VERIFY_DEADLINE", 10.0),
            ),
            recipient,
        )

    def report(self, name: str, source: Mapping[str, Any] | str) -> tuple[dict[str, Any], int]:
        result = self.verifier.verify(source, recipient=self.recipient)
        return {"file": name, "format": "ob2", **result.as_dict()}, 0 if result.verified else 1
