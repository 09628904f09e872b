"""The base URL the issuers' DIDs and status lists were minted for, and moving them.

A did:web names the host (and port) it resolves at, and every credential names its
issuer's DID and its status lists' URLs, forever. So:

- ``check_base_url(base_url)`` refuses a configured base URL that disagrees with what the
  issuers were minted for (the service would sign credentials that read "not valid"),
  with a message that says how to fix it;
- ``move_base_url(old, new)`` gives every issuer the DID of the new base URL and keeps the
  old one as a ``FormerDid``: its DID document (the issuer's current, unrevoked keys under
  the old DID) and its status lists (the current bits, signed under the old DID and URL)
  stay resolvable by this service's verifier, and are served over HTTP to requests that
  still reach the old host (docs/DEPLOYMENT.md, "Changing the base URL").
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cachetools import LRUCache
from sqlalchemy import select, update

from credentials.did import build_did_web_document, did_web_for
from credentials.errors import ConfigurationError, InvalidInputError, ResolutionError
from credentials.proofs import add_proof
from issuer.models import FormerDid, Issuer, StatusList
from issuer.services import audit
from issuer.services.signers import active_signer
from issuer.services.signing_keys import published_keys
from issuer.services.status_lists import parse_status_list_url, publisher
from issuer.services.status_lists.publishing import LIST_SUITE
from microcred.platform.extensions import db
from microcred.platform.instance import BASE_URL, record, recorded

FIX_DOC = "docs/DEPLOYMENT.md, 'Changing the base URL'"


def did_prefix(base_url: str) -> str:
    """The did:web prefix of this service's issuers under ``base_url``."""
    return did_web_for(base_url, "issuers") + ":"


def check_base_url(base_url: str) -> None:
    """Raise ConfigurationError when the issuers were minted for another base URL."""
    prefix = did_prefix(base_url)
    was = recorded(BASE_URL)
    stray = db.session.scalars(
        select(Issuer).where(Issuer.did_method == "web").order_by(Issuer.id)
    ).all()
    stray = [issuer for issuer in stray if not issuer.did.startswith(prefix)]
    if stray:
        minted_for = was if was and stray[0].did.startswith(did_prefix(was)) else None
        raise _disagreement(
            base_url, minted_for, f"training provider {stray[0].slug!r} has {stray[0].did}"
        )
    if was and was != base_url and db.session.scalar(select(Issuer.id).limit(1)) is not None:
        # Same DIDs (only the scheme or nothing DID-relevant changed), but the credentials'
        # status list URLs and ids name the recorded base URL.
        raise _disagreement(base_url, was, "its credentials' status lists name " + was)


def _disagreement(base_url: str, minted_for: str | None, evidence: str) -> ConfigurationError:
    old = minted_for or "OLD_BASE_URL"
    return ConfigurationError(
        f"MICROCRED_BASE_URL is {base_url}, but this instance was set up for "
        f"{minted_for or 'another base URL'} ({evidence}). Either set "
        f"MICROCRED_BASE_URL={old}, or move every provider to the new URL, keeping old "
        f"credentials verifiable: microcred issuers move-base-url --from {old} "
        f"--to {base_url} ({FIX_DOC})",
        field="MICROCRED_BASE_URL",
    )


def record_base_url(base_url: str) -> None:
    """What ``microcred init`` does: check, then record ``base_url`` (caller commits)."""
    check_base_url(base_url)
    record(BASE_URL, base_url)


@dataclass(frozen=True, slots=True)
class Moved:
    slug: str
    old_did: str
    new_did: str


def move_base_url(old: str, new: str, *, actor: str = audit.CLI_ACTOR) -> list[Moved]:
    """Move every issuer from base URL ``old`` to ``new`` (caller commits)."""
    old, new = old.rstrip("/"), new.rstrip("/")
    old_prefix, new_prefix = did_prefix(old), did_prefix(new)  # InvalidInputError if bad
    if old == new:
        raise InvalidInputError("--from and --to are the same base URL", field="to")
    was = recorded(BASE_URL)
    if was is not None and was != old:
        raise InvalidInputError(
            f"this instance is recorded for {was}, not {old}: move --from {was}", field="from"
        )
    issuers = db.session.scalars(select(Issuer).order_by(Issuer.id)).all()
    strays = [i.slug for i in issuers if i.did_method == "web" and not i.did.startswith(old_prefix)]
    if strays:
        raise InvalidInputError(
            f"training providers {', '.join(strays)} have DIDs not minted for {old}",
            field="from",
        )
    moved: list[Moved] = []
    for issuer in issuers:
        rows = db.session.scalars(select(FormerDid).where(FormerDid.issuer_id == issuer.id))
        formers = {former.base_url: former for former in rows}
        if old not in formers:
            db.session.add(FormerDid(issuer_id=issuer.id, did=issuer.did, base_url=old))
        if new in formers:  # moving back: that DID is current again
            db.session.delete(formers[new])
        old_did = issuer.did
        if issuer.did_method == "web":
            issuer.did = new_prefix + issuer.slug
        audit.record(
            issuer.id,
            actor=actor,
            action="issuer.base_url_moved",
            target_type="issuer",
            target_id=issuer.slug,
            old_did=old_did,
            new_did=issuer.did,
            old_base_url=old,
            new_base_url=new,
        )
        moved.append(Moved(issuer.slug, old_did, issuer.did))
    # Their signed copies name the old URL and DID: sign them afresh on next request.
    db.session.execute(
        update(StatusList)
        .where(StatusList.issuer_id.in_([issuer.id for issuer in issuers]))
        .values(signed_document=None, signed_key_id=None)
    )
    record(BASE_URL, new)
    return moved


# --- resolving former DIDs and their status lists ------------------------------------------


def former_did(did: str) -> FormerDid | None:
    """The former did:web ``did`` of one of our issuers, or None."""
    return db.session.scalars(
        select(FormerDid)
        .join(Issuer, Issuer.id == FormerDid.issuer_id)
        .where(FormerDid.did == did, Issuer.did_method == "web")
        .order_by(FormerDid.id)
        .limit(1)
    ).first()


def former_did_document(did: str) -> dict[str, Any] | None:
    """The DID document of a former DID: the issuer's current unrevoked keys under it (a
    key revoked since the move is gone from it too)."""
    former = former_did(did)
    if former is None:
        return None
    return build_did_web_document(former.did, published_keys(former.issuer))


def former_base_urls() -> list[str]:
    return list(db.session.scalars(select(FormerDid.base_url).distinct()))


_HOSTS_KEY = "microcred.former_hosts"


def former_for_host(app: Any, slug: str, host: str) -> FormerDid | None:
    """Issuer ``slug``'s former DID whose base URL is served at ``host`` (the Host header),
    when requests still reach this service under an old name. The former hosts are read
    once per process (a move changes MICROCRED_BASE_URL, so it takes a restart): a request
    under the current host, or any other, costs no query."""
    hosts: frozenset[str] | None = app.extensions.get(_HOSTS_KEY)
    if hosts is None:
        # The current host is never a former one: after a move that kept the host (http
        # to https), what is asked under it is what the current base URL names.
        current = urlsplit(app.config["MICROCRED_BASE_URL"]).netloc
        hosts = frozenset(urlsplit(base).netloc for base in former_base_urls()) - {current}
        app.extensions[_HOSTS_KEY] = hosts
    if host not in hosts:
        return None
    rows = db.session.scalars(
        select(FormerDid).join(Issuer, Issuer.id == FormerDid.issuer_id).where(Issuer.slug == slug)
    )
    return next((row for row in rows if urlsplit(row.base_url).netloc == host), None)


_aliases: LRUCache[tuple[str, str, int], Mapping[str, Any]] = LRUCache(maxsize=256)
_aliases_lock = threading.Lock()


def former_status_list(app: Any, url: str) -> Mapping[str, Any] | None:
    """The status list at ``url`` under a former base URL: the list's current bits, signed
    with the issuer's active key under the former DID, with ``id`` = ``url`` (a verifier
    checks both). None when ``url`` is under no former base URL of ours."""
    for base in former_base_urls():
        parsed = parse_status_list_url(base, url)
        if parsed is None:
            continue
        slug, purpose, number = parsed
        former = db.session.scalars(
            select(FormerDid)
            .join(Issuer, Issuer.id == FormerDid.issuer_id)
            .where(Issuer.slug == slug, FormerDid.base_url == base)
        ).first()
        published = publisher(app).published(slug, purpose, number) if former else None
        if former is None or published is None:
            raise ResolutionError(f"there is no status list at {url}", details={"url": url})
        signer = active_signer(
            former.issuer_id, former.did, passphrase=app.config["MICROCRED_KEY_PASSPHRASE"]
        )
        key = (url, published.etag, signer.key_id)
        with _aliases_lock:
            found = _aliases.get(key)
        if found is None:
            unsigned = {k: v for k, v in published.document.items() if k != "proof"}
            unsigned.update(id=url, issuer=former.did)
            found = add_proof(
                unsigned,
                signer.signer,
                verification_method=signer.verification_method,
                cryptosuite=LIST_SUITE,
            )
            with _aliases_lock:
                _aliases[key] = found
        return found
    return None
