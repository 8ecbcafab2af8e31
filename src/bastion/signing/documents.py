"""Encoding and signing metadata documents.

Documents signed offline and rarely (root, targets, bins) are built with python-tuf's Metadata
API. The three written on every publish (the bins that changed, a bin listing many targets;
the snapshot listing every bin; the timestamp) are encoded here, the snapshot from cached
canonical parts (see canonical.py), and signed directly; tests/signing check that python-tuf
reads them back to the same canonical bytes and that their signatures verify.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from securesystemslib.signer import Signer
from tuf.api.metadata import Metadata
from tuf.api.serialization.json import JSONSerializer

from bastion.signing.canonical import CanonicalObject, encode_int, encode_string, join_object
from bastion.signing.layout import SPEC_VERSION

_COMPACT = JSONSerializer(compact=True)
_CONTROL = re.compile(r"[\x00-\x1f]")


def format_expires(expires: datetime.datetime) -> str:
    """TUF's timestamp form: UTC, whole seconds, a trailing Z."""
    return expires.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def signed_envelope(signed_canonical: str, signers: Sequence[Signer]) -> bytes:
    """A metadata file: `signed_canonical` with a signature by each of `signers`."""
    payload = signed_canonical.encode()
    signatures = [signer.sign(payload).to_dict() for signer in signers]
    encoded = json.dumps(signatures, separators=(",", ":")).encode()
    # One copy of the payload (half a megabyte for the snapshot of 16,384 bins).
    return b"".join((b'{"signatures":', encoded, b',"signed":', payload, b"}"))


def metadata_bytes(metadata: Metadata[Any], signers: Sequence[Signer]) -> bytes:
    """A document built with python-tuf, signed by `signers` (replacing any signatures)."""
    metadata.signatures.clear()
    for signer in signers:
        metadata.sign(signer, append=True)
    return metadata.to_bytes(_COMPACT)


def target_entry(length: int, sha256: str) -> str:
    """The canonical target-file entry of a bin: its length and SHA-256."""
    # Its members in canonical order, written out: one per target of every bin signed.
    return f'{{"hashes":{{"sha256":{encode_string(sha256)}}},"length":{encode_int(length)}}}'


def meta_entry(version: int) -> str:
    """A snapshot's entry for one role: only its version (PEP 458 lists no hashes there)."""
    return '{"version":' + encode_int(version) + "}"


def bin_signed(
    version: int, expires: datetime.datetime, targets: Iterable[tuple[str, int, str]]
) -> str:
    """The canonical `signed` part of a bin listing `targets` (path, length, sha256).

    Raises:
        ValueError: a path holds a control character. Canonical JSON leaves those unescaped,
            which no JSON parser accepts, and the file written is the canonical form itself.
    """
    listed = {}
    for path, length, sha256 in targets:
        if _CONTROL.search(path):
            raise ValueError(f"control character in target path {path!r}")
        listed[path] = target_entry(length, sha256)
    return _role_signed("targets", version, expires, targets=join_object(listed))


def snapshot_signed(version: int, expires: datetime.datetime, meta: CanonicalObject) -> str:
    """The canonical `signed` part of a snapshot whose `meta` is kept encoded."""
    # `_role_signed` by hand, so that the large `meta` is copied once: its members in
    # canonical order are _type, expires, meta, spec_version, version.
    return meta.encode(
        prefix=f'{{"_type":"snapshot","expires":{encode_string(format_expires(expires))},"meta":',
        suffix=f',"spec_version":{encode_string(SPEC_VERSION)},"version":{encode_int(version)}}}',
    )


def timestamp_signed(
    version: int, expires: datetime.datetime, snapshot_version: int, snapshot: bytes
) -> str:
    """The canonical `signed` part of a timestamp naming `snapshot` (version, length, hash)."""
    entry = join_object(
        {
            "hashes": join_object({"sha256": encode_string(hashlib.sha256(snapshot).hexdigest())}),
            "length": encode_int(len(snapshot)),
            "version": encode_int(snapshot_version),
        }
    )
    return _role_signed("timestamp", version, expires, meta=join_object({"snapshot.json": entry}))


def _role_signed(kind: str, version: int, expires: datetime.datetime, **members: str) -> str:
    return join_object(
        {
            "_type": encode_string(kind),
            "expires": encode_string(format_expires(expires)),
            "spec_version": encode_string(SPEC_VERSION),
            "version": encode_int(version),
            **members,
        }
    )
