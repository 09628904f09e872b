"""Operations of the issuing side, shared by the API views and the CLI.

Services change the session but never commit: the caller runs each operation inside
``microcred.platform.db.write_transaction`` (the ``idempotent`` decorator for API views, the CLI
commands themselves), so one operation is one transaction and nothing is half-written.
Every change records an ``AuditEvent`` naming the actor. Refusals raise the project's own
errors, never an HTTP framework's: ``microcred.platform.refusals`` (``NotFoundError`` for
other providers' ids, ``ConflictError`` for conflicts, ``UnprocessableError`` for broken
rules, each with a stable code and the field at fault) or the core's
``credentials.errors.MicrocredError``s; ``microcred.platform.errors`` answers them at the edge.
"""
