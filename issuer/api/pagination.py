"""Page envelopes for list endpoints: ``{"items": [...], "pagination": {...}}``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select

from microcred.platform.extensions import db


def paginate(statement: Select[Any], args: Mapping[str, Any]) -> dict[str, Any]:
    page = db.paginate(
        statement, page=args["page"], per_page=args["per_page"], error_out=False, count=True
    )
    return {
        "items": list(page.items),
        "pagination": {
            "page": page.page,
            "per_page": page.per_page,
            "total": page.total,
            "pages": page.pages,
        },
    }
