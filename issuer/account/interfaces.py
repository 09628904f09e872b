"""What the account pages need from the sharing feature, declared here and handed over by
the composition root (``microcred.app``): ``issuer`` never imports ``sharing``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

#: ``app.extensions`` key of a ``ShareLinksFor``.
SHARE_LINKS_KEY: Final = "microcred.account.share_links"
#: ``app.extensions`` key of the claim-link maker the mail helper uses:
#: ``(credential_id: str) -> str`` (an absolute URL; adds a row, the caller commits).
CLAIM_LINKS_KEY: Final = "microcred.claim_links"


@dataclass(frozen=True, slots=True)
class ShareLinks:
    """One credential's public verification and share URLs, LinkedIn's add-to-profile URL
    and the embed snippet (the documents are downloaded from their fixed paths,
    ``/credentials/<id>.json``, ``.pdf`` and ``/badge.png``)."""

    verify: str
    share: str
    #: None when the credential has no issue date to give LinkedIn.
    linkedin: str | None
    #: The HTML a freelancer pastes into a gig profile.
    embed: str


ShareLinksFor = Callable[[str], "ShareLinks | None"]
