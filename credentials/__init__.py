"""microcred's credential core: Open Badges 3.0 on W3C VC 2.0, Data Integrity EdDSA proofs,
Bitstring Status Lists, DIDs, trust decisions and documents. Imports neither Flask nor
SQLAlchemy, nor any other package of ours (import-linter contract "core").

Public face, by module:

- ``credentials.verify``: ``Verifier`` (every check, a typed ``VerificationResult``),
  ``load_credential`` (strict JSON); ``credentials.presentations`` for VPs.
- ``credentials.results``: ``VerificationResult``, ``Check``, ``Outcome``, ``Verdict``.
- ``credentials.trust``: ``TrustPolicy``, ``TrustDecision``, ``parse_registry``.
- ``credentials.budget``: the per-verification time budget.
- ``credentials.proofs``: ``add_proof``, ``verify_proofs`` (eddsa-rdfc-2022, eddsa-jcs-2022).
- ``credentials.canonical`` / ``jsonld`` / ``rdfc`` / ``jcs``: canonical forms, offline contexts.
- ``credentials.statuslist``, ``credentials.statuscheck``: Bitstring Status Lists.
- ``credentials.did``, ``credentials.keys``, ``credentials.multikey``: DIDs and Ed25519 keys
  (``keys`` is the face of ``ed25519``, ``key_wrapping`` (Argon2id at rest), ``key_store``).
- ``credentials.ob3``: building and summarising Open Badges 3.0 credentials.
- ``credentials.documents``: the PDF certificate, QR codes, baked PNG/SVG badges.
- ``credentials.errors``: the one error tree (``MicrocredError`` and its subclasses).
"""
