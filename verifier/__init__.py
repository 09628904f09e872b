"""The verifying side: safe resolution of other issuers' DIDs and status lists, extraction
of credentials from uploads, and the wiring of ``credentials.verify.Verifier``.

Framework-free (no Flask, no SQLAlchemy): the web layer and the CLI call
``verifier.factory.build_verifier`` and ``verifier.extract.read_upload``.
"""
