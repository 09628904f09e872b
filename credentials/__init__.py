"""microcred's credential core: Open Badges 3.0 on W3C VC 2.0, Data Integrity EdDSA proofs,
Bitstring Status Lists, DIDs and documents. Imports neither Flask nor SQLAlchemy."""
