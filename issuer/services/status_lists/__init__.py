"""Bitstring Status Lists of each training provider: allocation, bits, publication.

Every credential microcred builds gets one entry in a *revocation* list and one in a
*suspension* list of its issuer (W3C Bitstring Status List 1.0). Lists hold
``MIN_STATUS_LIST_BITS`` (131,072) entries.

Modules, by responsibility:

- ``allocation``: ``IndexAllocator`` draws free random indices for one issuance
  (``Pick`` is one candidate entry); ``list_cache(app)`` is the app's memory of each
  issuer's current lists.
- ``bits``: ``allocation_for``, ``set_status`` (flip one bit under a row lock, bump the
  list's version) and ``read_bit``.
- ``publishing``: ``StatusListPublisher`` signs each list lazily and caches it
  (``PublishedList``); ``publisher(app)`` is the app's one publisher.
- ``urls``: ``status_list_url`` and ``parse_status_list_url``.

Public names, importable from this package: ``IndexAllocator``, ``Pick``,
``list_cache``, ``allocation_for``, ``set_status``, ``read_bit``,
``StatusListPublisher``, ``PublishedList``, ``publisher``, ``status_list_url``,
``parse_status_list_url``.
"""

from issuer.services.status_lists.allocation import IndexAllocator, Pick, list_cache
from issuer.services.status_lists.bits import allocation_for, read_bit, set_status
from issuer.services.status_lists.publishing import (
    PublishedList,
    StatusListPublisher,
    publisher,
)
from issuer.services.status_lists.urls import parse_status_list_url, status_list_url

__all__ = [
    "IndexAllocator",
    "Pick",
    "PublishedList",
    "StatusListPublisher",
    "allocation_for",
    "list_cache",
    "parse_status_list_url",
    "publisher",
    "read_bit",
    "set_status",
    "status_list_url",
]
