"""Page 1 of a PDF as a PNG, for previews (the console's certificate design page).

Poppler's ``pdftoppm`` draws the page (Debian's poppler-utils, which scripts/system-deps.sh
installs). Called inside a renderer of :mod:`~credentials.documents.render_pool`, it runs
under that renderer's memory limit (inherited) and a timeout of its own.
"""

from __future__ import annotations

import shutil
import subprocess
from typing import Final

from credentials.errors import ConfigurationError, RenderBudgetError

__all__ = ["pdf_page_png", "render_preview"]

_TIMEOUT_SECONDS: Final = 10.0


def pdf_page_png(pdf: bytes, *, width_px: int = 900) -> bytes:
    """The first page of ``pdf`` as a PNG ``width_px`` wide (the height follows the page)."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise ConfigurationError(
            "pdftoppm (poppler-utils) is needed to draw previews", field="pdftoppm"
        )
    try:
        done = subprocess.run(  # noqa: S603 - fixed program, no shell, input on stdin
            [
                tool,
                "-png",
                "-singlefile",
                "-f",
                "1",
                "-l",
                "1",
                "-scale-to-x",
                str(width_px),
                "-scale-to-y",
                "-1",
                "-",
            ],
            input=pdf,
            capture_output=True,
            timeout=_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RenderBudgetError("drawing the preview took too long") from None
    if done.returncode != 0 or not done.stdout.startswith(b"\x89PNG"):
        raise RenderBudgetError(
            f"the preview could not be drawn (pdftoppm exit code {done.returncode})"
        )
    return done.stdout


def render_preview(
    pdf_render: object, *args: object, width_px: int = 900, **kwargs: object
) -> bytes:
    """``pdf_page_png(pdf_render(*args, **kwargs))``: both steps in one renderer call."""
    pdf = pdf_render(*args, **kwargs)  # type: ignore[operator]
    return pdf_page_png(pdf, width_px=width_px)
