"""Operations of the issuing side, shared by the API views and the CLI.

Services change the session but never commit: the caller runs each operation inside
``microcred.platform.db.write_transaction`` (the ``idempotent`` decorator for API views, the CLI
commands themselves), so one operation is one transaction and nothing is half-written.
Every change records an ``AuditEvent`` naming the actor. Refusals raise
``microcred.platform.errors.http_error`` (404 for other providers' ids, 409 for conflicts) or a
``credentials.errors.MicrocredError``.
"""
