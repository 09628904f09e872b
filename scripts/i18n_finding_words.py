"""Regenerate verifier/web/finding_words.py from credentials.findings (make translations).

The core keeps the findings' English meanings; the verifier's table marks each one for
extraction so the pages can translate a finding by its code.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from credentials.findings import _BY_PREFIX, CATALOGUE

TARGET = Path(__file__).resolve().parents[1] / "verifier" / "web" / "finding_words.py"
HEADER = '''# ruff: noqa: E501
"""The findings' plain-words meanings, marked for translation: generated from
credentials.findings by scripts/i18n_finding_words.py (make translations); do not edit.

The core keeps the English (it has no Flask); this table lets ``pybabel extract`` see every
meaning as a message id, so ``verifier.web.words.finding_meaning`` can translate a finding
by its code. tests/verifier/test_i18n.py fails when this table and the core drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from verifier.web.words import N_

'''


def render() -> str:
    def literal(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)

    lines = [HEADER.rstrip("\n"), "", "#: code -> meaning (credentials.findings.CATALOGUE)"]
    lines.append("FINDING_MEANINGS: Final[Mapping[str, str]] = {")
    lines += [f"    {literal(c)}: N_({literal(m)})," for c, (_s, m) in CATALOGUE.items()]
    lines += ["}", "#: code prefix -> meaning, for codes outside the catalogue"]
    lines.append("PREFIX_MEANINGS: Final[Mapping[str, str]] = {")
    lines += [f"    {literal(p)}: N_({literal(m)})," for p, m in _BY_PREFIX.items()]
    lines.append("}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    TARGET.write_text(render(), encoding="utf-8")
    # ruff's own layout, so that `make lint` (ruff format --check) passes on the output
    subprocess.run([sys.executable, "-m", "ruff", "format", "--quiet", str(TARGET)], check=True)  # noqa: S603
