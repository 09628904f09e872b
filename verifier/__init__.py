"""The verifying side: safe resolution of other issuers' DIDs, status lists, related
resources and trust registries, extraction of credentials from uploads, and the wiring
of ``credentials.verify.Verifier``. Imports nothing from ``issuer/`` (import-linter
contract): this service's own credentials arrive through ``verifier.web.interfaces``.

Public face: ``verifier.factory.build_verifier``, ``verifier.extract.read_upload``,
``verifier.http.SafeFetcher`` (the SSRF guard), ``verifier.cache.HttpCache``,
``verifier.trust`` (registered issuers and registries as trust sources) and the web
blueprints in ``verifier.web``. Everything outside ``verifier.web`` is framework-free.
"""
