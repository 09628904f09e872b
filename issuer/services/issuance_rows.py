"""What an issuance writes: the credential row, its status allocations, the rows that go
with it (evidence links) and its audit event, as Core inserts.

``issuer.services.issuance.sign_and_store`` decides when (and in which savepoint) to write;
this module only writes. Like the reads in ``issuance_records``, the statements are built
once and the ORM is bypassed: the credential is inserted from a dict and attached to the
session as if just loaded (``persistent``), so no SELECT reads it back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import make_transient_to_detached

from issuer.models import AuditEvent, IssuedCredential
from issuer.models import StatusAllocation as Allocation
from issuer.services.status_lists import Pick
from microcred.platform.extensions import db

__all__ = ["UNSET", "Row", "insert", "persistent", "record_event"]


@dataclass(frozen=True, slots=True)
class Row:
    """A row to insert with the credential (all of one table per issuance)."""

    model: Any
    values: dict[str, Any]

    @property
    def __table__(self) -> Any:
        return self.model.__table__


_INSERT_CREDENTIAL = IssuedCredential.__table__.insert()
_INSERT_ALLOCATIONS = Allocation.__table__.insert()
_INSERT_EVENT = AuditEvent.__table__.insert()

#: Columns a new credential starts without, so that every column has a value.
UNSET = {
    "revoked_at": None,
    "revocation_reason": None,
    "suspended": False,
    "suspended_at": None,
    "override_reason": None,
    "override_by": None,
    "wallet_copy_of": None,  # fl-wallet: set only on a wallet copy
    "language": None,  # of the PDF certificate; None: English
}


def insert(
    connection: Connection, row: Mapping[str, Any], picks: Sequence[Pick], extras: Sequence[Any]
) -> None:
    """The credential, its status allocations (``picks``) and its ``extras`` (``Row``s)."""
    connection.execute(_INSERT_CREDENTIAL, row)
    allocations = [
        {"status_list_id": p.list_id, "index": p.index, "credential_id": row["id"]} for p in picks
    ]
    if allocations:
        connection.execute(_INSERT_ALLOCATIONS, allocations)
    if extras:
        connection.execute(extras[0].__table__.insert(), [e.values for e in extras])


def persistent(row: Mapping[str, Any]) -> IssuedCredential:
    """The inserted row as a persistent ORM object, without reading it back: every column
    is known, so it is attached as if just loaded (saves a SELECT per issuance)."""
    issued = IssuedCredential(**row)
    make_transient_to_detached(issued)
    db.session.add(issued)
    return issued


def record_event(
    issuer_id: int,
    *,
    actor: str,
    action: str,
    target_id: str,
    connection: Connection | None = None,
    ip: str | None = None,
    **details: Any,
) -> None:
    """``audit.record`` for the issuance path, as one Core insert (same columns); ``ip``:
    the client address of a console action."""
    (connection if connection is not None else db.session.connection()).execute(
        _INSERT_EVENT,
        {
            "issuer_id": issuer_id,
            "actor": actor,
            "action": action,
            "target_type": "credential",
            "target_id": target_id,
            "ip": ip,
            "details": {k: v for k, v in details.items() if v is not None},
        },
    )
