"""Settings of this instance that live in its database, shared by every process.

``microcred init`` records the base URL the service runs under (``BASE_URL``): all web
workers on all machines read the same database, so they agree on it, where a file in one
machine's instance folder would not.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from microcred.platform.db import UtcDateTime, utcnow
from microcred.platform.extensions import db

BASE_URL = "base_url"


class InstanceSetting(db.Model):
    """One named setting (migration 0007_instance_settings)."""

    __tablename__ = "instance_settings"

    name: Mapped[str] = mapped_column(String(63), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


def recorded(name: str) -> str | None:
    """The recorded value of setting ``name``, or None."""
    return db.session.scalar(select(InstanceSetting.value).where(InstanceSetting.name == name))


def record(name: str, value: str) -> None:
    """Record ``name`` = ``value`` in the current transaction (the caller commits)."""
    setting = db.session.get(InstanceSetting, name)
    if setting is None:
        db.session.add(InstanceSetting(name=name, value=value))
    elif setting.value != value:
        setting.value = value
