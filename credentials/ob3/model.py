"""The builder's input: what a training provider says about an award, as typed values.

Plain frozen dataclasses with keyword-only fields. They hold caller input as given;
:func:`credentials.ob3.build_credential` checks all of it at once and names every
problem by its place in the credential ("achievement.alignment[0].targetUrl").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Image:
    """An OB 3.0 ``Image``: a URL or data URI, with an optional caption."""

    id: str
    caption: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Profile:
    """The issuing training provider (OB 3.0 ``Profile``); ``id`` is its DID."""

    id: str
    name: str
    url: str | None = None
    email: str | None = None
    description: str | None = None
    image: Image | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Alignment:
    """A node in a skill framework (ESCO, O*NET, CASE...) that something aligns to.

    ``target_type`` is OB 3.0's extensible AlignmentTargetType: one of its terms
    (``CFItem``, ``CTDL``, ``ceasn:Competency``...) or an ``ext:`` term.
    """

    target_name: str
    target_url: str
    target_framework: str | None = None
    target_code: str | None = None
    target_description: str | None = None
    target_type: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Competency:
    """One competency of a micro-certification; it becomes a ``ResultDescription``.

    ``id`` defaults to ``<achievement id>#competency-<n>`` (n counts from 1). The name
    links evidence to the competency, so it must be unique and on a single line.
    """

    name: str
    description: str | None = None
    alignments: Sequence[Alignment] = ()
    id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Achievement:
    """The micro-certification being awarded (OB 3.0 ``Achievement``)."""

    id: str
    name: str
    description: str
    criteria_narrative: str
    competencies: Sequence[Competency] = ()
    achievement_type: str = "MicroCredential"
    alignments: Sequence[Alignment] = ()
    image: Image | None = None
    #: A public page describing the criteria (OB 3.0 ``Criteria.id``), when there is one.
    criteria_url: str | None = None
    #: OB 3.0 ``Achievement.version``: which edition of the achievement was awarded (the
    #: ``id`` stays the achievement's, across editions).
    version: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Recipient:
    """The freelancer. Needs a DID or an email; the email is only ever stored hashed.

    Without ``salt`` a fresh random one is drawn for the email hash; pass one (see
    :func:`credentials.ob3.new_salt`) for reproducible output.
    """

    name: str
    did: str | None = None
    email: str | None = None
    salt: str | None = None
    #: False: the e-mail address is written as it is (``hashed: false``), only when the
    #: provider chose to; by default it is a salted hash (docs/RECIPIENTS.md, "Privacy").
    email_hashed: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class GigEvidence:
    """A gig project offered as evidence, and the competencies it demonstrates.

    ``description`` is the one-line summary (platform, client, dates, rating) the
    caller composes; ``details`` is optional free text appended to the narrative.
    """

    name: str
    description: str
    competencies: Sequence[str]
    url: str | None = None
    details: str | None = None
