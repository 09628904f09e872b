"""Changing a status: one bit of one list, flipped under a row lock.

Revoking, suspending or unsuspending sets the credential's bit and bumps the list's
``version``, so the publisher signs the list again when it is next asked for.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from credentials.statuslist import Bitstring
from issuer.models import StatusAllocation as Allocation
from issuer.models import StatusList
from microcred.platform.extensions import db


def allocation_for(credential_id: str, purpose: str) -> tuple[Allocation, StatusList] | None:
    row = db.session.execute(
        select(Allocation, StatusList)
        .join(StatusList, StatusList.id == Allocation.status_list_id)
        .where(Allocation.credential_id == credential_id, StatusList.purpose == purpose)
    ).one_or_none()
    return None if row is None else (row[0], row[1])


def set_status(allocation: Allocation, value: bool) -> StatusList:
    """Set the credential's bit under a row lock (concurrent changes to one list queue up)
    and bump the list's version; the caller's transaction commits both."""
    status_list = db.session.scalar(
        select(StatusList)
        .where(StatusList.id == allocation.status_list_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert status_list is not None  # noqa: S101 - the allocation's foreign key holds it
    bits = Bitstring.from_bytes(status_list.bitstring, min_bits=status_list.size_bits)
    bits.set(allocation.index, value)
    status_list.bitstring = bits.to_bytes()
    status_list.version += 1
    status_list.updated_at = datetime.now(UTC)
    return status_list


def read_bit(allocation: Allocation) -> bool:
    data = db.session.scalar(
        select(StatusList.bitstring).where(StatusList.id == allocation.status_list_id)
    )
    return Bitstring.from_bytes(data or b"").get(allocation.index)
