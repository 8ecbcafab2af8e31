"""Versions: PEP 440 only, no local versions, one canonical form per release."""

from __future__ import annotations

import pytest

from bastion.packaging.errors import InvalidVersionError
from bastion.packaging.versions import canonical_version, parse_public_version


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ("1.0", "1.0"),
        ("v1.0", "1.0"),
        ("1.0.0RC1", "1.0.0rc1"),
        ("1.0-post1", "1.0.post1"),
        ("1.0.dev0", "1.0.dev0"),
        ("2!1.0", "2!1.0"),
        ("01.02", "1.2"),
    ],
)
def test_pep_440_versions_parse_to_their_normal_form(raw, parsed):
    assert str(parse_public_version(raw)) == parsed


@pytest.mark.parametrize("raw", ["1.0+local", "1.0+ubuntu.1", "2.0.post1+abc"])
def test_local_versions_are_refused(raw):
    with pytest.raises(InvalidVersionError, match="local versions"):
        parse_public_version(raw)


@pytest.mark.parametrize("raw", ["1.0-garbage!", "", "one", "1.0 beta", "1..0"])
def test_non_pep_440_versions_are_refused(raw):
    with pytest.raises(InvalidVersionError, match="not a PEP 440 version"):
        parse_public_version(raw)


@pytest.mark.parametrize(
    ("first", "second"),
    [("1.0", "1.0.0"), ("1", "1.0.0.0"), ("1.0rc1", "1.0.0rc1"), ("1.0.post1", "1.0.0-post1")],
)
def test_versions_equal_under_pep_440_share_a_canonical_form(first, second):
    assert canonical_version(parse_public_version(first)) == canonical_version(
        parse_public_version(second)
    )


@pytest.mark.parametrize(("first", "second"), [("1.0", "1.0.1"), ("1.0", "1.0rc1")])
def test_different_versions_have_different_canonical_forms(first, second):
    assert canonical_version(parse_public_version(first)) != canonical_version(
        parse_public_version(second)
    )
