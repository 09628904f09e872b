"""W3C Bitstring Status List 1.0: the bitstring, its entries and its credential.

A status list is a long bitstring, GZIP-compressed and multibase-encoded (``u`` +
base64url without padding) into ``credentialSubject.encodedList`` of a
``BitstringStatusListCredential``. Each credential points at one position through a
``BitstringStatusListEntry``. Bit 0 is the most significant bit of byte 0 (§2.3
``encodedList``). The list is at least 131,072 entries long so that a position reveals
little (herd privacy), which is also why positions are allocated at random.

Signing and verifying the list credential is not done here; the verification pipeline
checks its proof before trusting anything ``read_status`` reports.

Public names:

- the bitstring (``_bitstring``): :class:`Bitstring`, :func:`allocate_random_index`,
  ``MIN_BITS``, ``MAX_DECOMPRESSED_BYTES``;
- entries (``_entries``): :class:`StatusEntry`, :class:`StatusMessage`,
  :func:`status_list_entry`, :func:`parse_status_entry`, ``ENTRY_TYPE``,
  ``STATUS_PURPOSES``, ``MAX_STATUS_SIZE``;
- the older formats StatusList2021 and RevocationList2020, for verifying only
  (``_legacy``): :func:`parse_legacy_entry`, :func:`read_legacy_status`,
  :func:`decode_legacy_list`, ``STATUS_LIST_2021``, ``REVOCATION_LIST_2020``;
- the list credential (``_credential``): :func:`build_status_list_credential`,
  :func:`read_status`, :class:`StatusReading`, ``CREDENTIAL_TYPE``, ``LIST_TYPE``,
  ``VC_V2_CONTEXT``.
"""

from credentials.statuslist._bitstring import (
    MAX_DECOMPRESSED_BYTES,
    MIN_BITS,
    Bitstring,
    allocate_random_index,
)
from credentials.statuslist._credential import (
    CREDENTIAL_TYPE,
    LIST_TYPE,
    VC_V2_CONTEXT,
    StatusReading,
    build_status_list_credential,
    read_status,
)
from credentials.statuslist._entries import (
    ENTRY_TYPE,
    MAX_STATUS_SIZE,
    STATUS_PURPOSES,
    StatusEntry,
    StatusMessage,
    parse_status_entry,
    status_list_entry,
)
from credentials.statuslist._legacy import (
    REVOCATION_LIST_2020,
    STATUS_LIST_2021,
    LegacyFormat,
    decode_legacy_list,
    parse_legacy_entry,
    read_legacy_status,
)

__all__ = [
    "CREDENTIAL_TYPE",
    "ENTRY_TYPE",
    "LIST_TYPE",
    "MAX_DECOMPRESSED_BYTES",
    "MAX_STATUS_SIZE",
    "MIN_BITS",
    "REVOCATION_LIST_2020",
    "STATUS_LIST_2021",
    "STATUS_PURPOSES",
    "VC_V2_CONTEXT",
    "Bitstring",
    "LegacyFormat",
    "StatusEntry",
    "StatusMessage",
    "StatusReading",
    "allocate_random_index",
    "build_status_list_credential",
    "decode_legacy_list",
    "parse_legacy_entry",
    "parse_status_entry",
    "read_legacy_status",
    "read_status",
    "status_list_entry",
]
