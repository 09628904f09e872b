"""Structural validation of VC 2.0 credentials and Open Badges 3.0 ``OpenBadgeCredential``\\s.

This checks shape, not meaning: required properties, value types, identifiers that
must be URLs, timestamps, and the cross-references Open Badges defines. It never
looks at JSON-LD term definitions (the canonicaliser refuses undefined terms) nor at
proofs. Every problem is reported at once, located by a JSON path such as
``credentialSubject.achievement.alignment[1].targetUrl``.

Sources: W3C VC Data Model 2.0 §4 (contexts, identifiers, types, names and
descriptions, issuer, credential subject, validity period, status, data schemas,
evidence); Open Badges 3.0 Appendix B (data models) and the ``ext:`` naming rule for
extensible enumerations (§ Extending the Data Model).

Public names:

- checks: :func:`validate_credential`, :func:`validate_or_raise` (Open Badges rules on
  top of the VC rules, ``_ob3``) and :func:`validate_presentation` (VC rules, ``_vc``);
- contexts and dates: ``VC2_CONTEXT``, ``VC1_CONTEXT``, ``OB3_CONTEXT``,
  :func:`validity_keys`;
- Open Badges vocabularies: ``OB_CREDENTIAL_TYPES``, ``ACHIEVEMENT_TYPES``,
  ``ALIGNMENT_TARGET_TYPES``, ``IDENTIFIER_TYPES``, ``RESULT_TYPES``, ``RESULT_STATUSES``;
- value rules (``_values``): :func:`is_url`, :func:`parse_datetime_stamp`,
  :func:`is_datetime_stamp`, :func:`types_of`, ``MEDIA_TYPE_RE``.

``_walker`` holds the walk (JSON paths, single-property checks) the rules share.
"""

from credentials.validation._ob3 import (
    ACHIEVEMENT_TYPES,
    ALIGNMENT_TARGET_TYPES,
    IDENTIFIER_TYPES,
    OB3_CONTEXT,
    OB_CREDENTIAL_TYPES,
    RESULT_STATUSES,
    RESULT_TYPES,
    validate_credential,
    validate_or_raise,
)
from credentials.validation._values import (
    MEDIA_TYPE_RE,
    is_datetime_stamp,
    is_url,
    parse_datetime_stamp,
    types_of,
)
from credentials.validation._vc import (
    VC1_CONTEXT,
    VC2_CONTEXT,
    validate_presentation,
    validity_keys,
)

__all__ = [
    "ACHIEVEMENT_TYPES",
    "ALIGNMENT_TARGET_TYPES",
    "IDENTIFIER_TYPES",
    "MEDIA_TYPE_RE",
    "OB3_CONTEXT",
    "OB_CREDENTIAL_TYPES",
    "RESULT_STATUSES",
    "RESULT_TYPES",
    "VC1_CONTEXT",
    "VC2_CONTEXT",
    "is_datetime_stamp",
    "is_url",
    "parse_datetime_stamp",
    "types_of",
    "validate_credential",
    "validate_or_raise",
    "validate_presentation",
    "validity_keys",
]
