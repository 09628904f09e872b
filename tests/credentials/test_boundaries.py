"""``credentials/`` is the framework-free core: importing all of it pulls in no Flask or ORM."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import importlib, pkgutil, sys
import credentials
for module in pkgutil.walk_packages(credentials.__path__, "credentials."):
    importlib.import_module(module.name)
banned = {"flask", "sqlalchemy", "flask_sqlalchemy", "werkzeug", "microcred", "issuer", "verifier"}
leaked = sorted(m for m in sys.modules if m.split(".")[0] in banned)
print(",".join(leaked))
"""


def test_core_imports_no_framework() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == ""
