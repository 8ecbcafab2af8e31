"""The incrementally built documents are byte for byte what securesystemslib would encode."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from securesystemslib.formats import encode_canonical
from securesystemslib.signer import CryptoSigner
from tuf.api.metadata import Metadata, MetaFile, SuccinctRoles, Timestamp

from bastion.signing import documents
from bastion.signing.canonical import CanonicalObject, encode_string, join_object
from bastion.signing.layout import bin_for_target, bin_name, bit_length_for

# Any text at all: quotes, backslashes, control characters, non-ASCII, surrogate-free.
texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
sha256s = st.text("0123456789abcdef", min_size=64, max_size=64)
lengths = st.integers(min_value=0, max_value=2**53)
# Target paths: filenames never hold control characters (the upload refuses them).
paths = st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=40)
SIGNER = CryptoSigner.generate_ed25519()
EXPIRES = datetime.datetime(2027, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)


@given(texts)
def test_strings_encode_as_securesystemslib_does(value):
    assert encode_string(value) == encode_canonical(value)


@given(st.dictionaries(texts, st.integers() | texts, max_size=20))
def test_objects_encode_as_securesystemslib_does(members):
    encoded = {key: encode_canonical(value) for key, value in members.items()}
    assert join_object(encoded) == encode_canonical(members)
    assert CanonicalObject(encoded).encode() == encode_canonical(members)


@given(
    st.dictionaries(texts, st.integers(min_value=1), min_size=1, max_size=30),
    st.lists(st.tuples(texts, st.integers(min_value=1)), max_size=30),
)
def test_updating_members_in_place_matches_a_fresh_encoding(initial, updates):
    incremental = CanonicalObject({key: str(value) for key, value in initial.items()})
    expected = dict(initial)
    for key, value in updates:
        incremental.set(key, str(value))
        expected[key] = value
    assert incremental.encode() == encode_canonical(expected)


@given(st.lists(st.tuples(paths, lengths, sha256s), max_size=15), st.integers(1, 2**31))
def test_a_bin_is_what_python_tuf_reads_back_and_verifies(targets, version):
    signed = documents.bin_signed(version, EXPIRES, targets)
    data = documents.signed_envelope(signed, [SIGNER])

    parsed = Metadata.from_bytes(data)
    # python-tuf re-encodes what it parsed: the bytes it signs must be the bytes we signed.
    assert parsed.signed_bytes == signed.encode()
    SIGNER.public_key.verify_signature(parsed.signatures[SIGNER.public_key.keyid], signed.encode())
    listed = {path: (length, sha256) for path, length, sha256 in targets}
    assert {
        path: (info.length, info.hashes["sha256"]) for path, info in parsed.signed.targets.items()
    } == listed
    assert parsed.signed.version == version
    assert parsed.signed.expires == EXPIRES


@given(st.dictionaries(paths, st.integers(1, 2**31), max_size=40), st.integers(1, 2**31))
def test_a_snapshot_is_what_python_tuf_reads_back(meta, version):
    parts = CanonicalObject({f"{name}.json": documents.meta_entry(v) for name, v in meta.items()})
    signed = documents.snapshot_signed(version, EXPIRES, parts)

    parsed = Metadata.from_bytes(documents.signed_envelope(signed, [SIGNER]))

    assert parsed.signed_bytes == signed.encode()
    assert {name: info.version for name, info in parsed.signed.meta.items()} == {
        f"{name}.json": v for name, v in meta.items()
    }


@given(st.integers(1, 2**31), st.integers(1, 2**31), st.binary(max_size=300))
def test_a_timestamp_is_what_python_tuf_builds(version, snapshot_version, snapshot):
    signed = documents.timestamp_signed(version, EXPIRES, snapshot_version, snapshot)
    data = documents.signed_envelope(signed, [SIGNER])

    parsed = Metadata.from_bytes(data)
    meta = MetaFile(
        snapshot_version, len(snapshot), {"sha256": hashlib.sha256(snapshot).hexdigest()}
    )
    built = Metadata(Timestamp(version=version, expires=EXPIRES, snapshot_meta=meta))
    assert parsed.signed_bytes == signed.encode() == built.signed_bytes
    SIGNER.public_key.verify_signature(parsed.signatures[SIGNER.public_key.keyid], signed.encode())


def test_a_path_with_a_control_character_is_refused():
    with pytest.raises(ValueError, match="control character"):
        documents.bin_signed(1, EXPIRES, [("packages/a/b\x1f.whl", 1, "0" * 64)])


@given(st.text(min_size=1, max_size=80), st.integers(1, 14))
def test_targets_go_to_the_bin_python_tuf_looks_in(path, bit_length):
    succinct = SuccinctRoles(keyids=[], threshold=1, bit_length=bit_length, name_prefix="bin")
    assert bin_name(bin_for_target(path, bit_length), bit_length) == succinct.get_role_for_target(
        path
    )


def test_bin_names_are_python_tuf_s():
    for bit_length in (1, 4, 8, 10, 14):
        succinct = SuccinctRoles(keyids=[], threshold=1, bit_length=bit_length, name_prefix="bin")
        names = list(succinct.get_roles())
        assert names == [bin_name(index, bit_length) for index in range(2**bit_length)]


def test_bin_count_follows_pep_458s_rule_of_thumb():
    # sqrt(7.5 x files), to the nearest power of two, within [2, 16384].
    assert 2 ** bit_length_for(10_000) == 256
    assert 2 ** bit_length_for(1_000_000) == 2048
    assert 2 ** bit_length_for(40_000_000) == 16_384
    assert 2 ** bit_length_for(10**12) == 16_384
    assert 2 ** bit_length_for(0) == 2
