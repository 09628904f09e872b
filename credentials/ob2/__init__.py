"""Open Badges 2.0 and 1.x: baked images, hosted and signed assertions, recipients.

Kept import-light: ``credentials.formats`` imports :mod:`credentials.ob2.found` on every
request; the verifier (``credentials.ob2.verify``, joserfc) is imported where it is used.
"""
