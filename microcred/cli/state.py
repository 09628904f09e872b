"""Shared state of one CLI invocation: the global options, and the app when a verb needs it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


@dataclass
class CliState:
    keys_dir: str | None = None
    database_url: str | None = None
    base_url: str | None = None
    #: False for the verbs that fix a base URL disagreement (init, issuers move-base-url).
    check_base_url: bool = True
    _app: Flask | None = field(default=None, repr=False)

    @property
    def keys_path(self) -> Path:
        return Path(self.keys_dir or os.environ.get("MICROCRED_KEYS_DIR") or "keys")

    def app(self) -> Flask:
        """The Flask app, created on first use with the global options as overrides."""
        if self._app is None:
            from microcred.app import create_app

            overrides: dict[str, Any] = {}
            if self.database_url:
                overrides["SQLALCHEMY_DATABASE_URI"] = self.database_url
            if self.base_url:
                overrides["MICROCRED_BASE_URL"] = self.base_url
            if self.keys_dir:
                overrides["MICROCRED_KEYS_DIR"] = self.keys_dir
            if not self.check_base_url:
                overrides["MICROCRED_CHECK_BASE_URL"] = False
            self._app = create_app(overrides or None)
        return self._app
