"""Project names: PEP 508 validity and PEP 503 normalization."""

from __future__ import annotations

import pytest

from bastion.packaging.errors import InvalidNameError
from bastion.packaging.names import MAX_NAME_LENGTH, normalize_name, validate_name


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("foo", "foo"),
        ("Foo", "foo"),
        ("Foo.Bar", "foo-bar"),
        ("foo_bar", "foo-bar"),
        ("FOO--BAR", "foo-bar"),
        ("foo._-bar", "foo-bar"),
        ("Foo1.2_3", "foo1-2-3"),
    ],
)
def test_names_normalize_per_pep_503(raw, normalized):
    assert normalize_name(raw) == normalized
    assert validate_name(raw) == normalized


@pytest.mark.parametrize("name", ["a", "A9", "a.b", "a_b-c", "x" * MAX_NAME_LENGTH])
def test_pep_508_names_are_valid(name):
    assert validate_name(name) == normalize_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "",
        "-foo",
        "foo-",
        ".foo",
        "foo_",
        "foo bar",
        "foo/bar",
        "foo!",
        "föo",
        "foo\n",
        "x" * (MAX_NAME_LENGTH + 1),
    ],
)
def test_names_pep_508_forbids_are_refused(name):
    with pytest.raises(InvalidNameError) as refused:
        validate_name(name)
    assert repr(name) in str(refused.value)
    assert "\n" not in str(refused.value)
