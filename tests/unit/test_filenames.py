"""Distribution filenames: wheels (PEP 427) and sdists (PEP 625), and their agreement with
the metadata they carry.
"""

from __future__ import annotations

import re

import pytest
from packaging.version import Version

from bastion.packaging.errors import FilenameMismatchError, InvalidFilenameError
from bastion.packaging.filenames import check_filename_matches, parse_distribution_filename
from bastion.packaging.models import PackageType
from bastion.packaging.names import normalize_name


@pytest.mark.parametrize(
    ("filename", "name", "version", "python_version"),
    [
        ("foo-1.0-py3-none-any.whl", "foo", "1.0", "py3"),
        ("Foo_Bar-2.0rc1-py3-none-any.whl", "foo-bar", "2.0rc1", "py3"),
        ("foo-1.0-1-py2.py3-none-any.whl", "foo", "1.0", "py2.py3"),
        ("foo-1.0-7abc-py3-none-any.whl", "foo", "1.0", "py3"),
        (
            "foo-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "foo",
            "1.0",
            "cp311",
        ),
        ("foo-1.0-cp311-abi3-win_amd64.whl", "foo", "1.0", "cp311"),
    ],
)
def test_wheel_filenames_parse(filename, name, version, python_version):
    dist = parse_distribution_filename(filename)
    assert dist.packagetype is PackageType.WHEEL
    assert (dist.normalized_name, dist.version, dist.python_version) == (
        name,
        Version(version),
        python_version,
    )


@pytest.mark.parametrize(
    ("filename", "name", "version"),
    [
        ("foo-1.0.tar.gz", "foo", "1.0"),
        ("foo_bar-1.0.tar.gz", "foo-bar", "1.0"),
        ("foo_bar_baz-2.0.post1.tar.gz", "foo-bar-baz", "2.0.post1"),
        ("foo-1.0rc1.post2.dev3.tar.gz", "foo", "1.0rc1.post2.dev3"),
    ],
)
def test_pep_625_sdist_filenames_parse(filename, name, version):
    dist = parse_distribution_filename(filename)
    assert dist.packagetype is PackageType.SDIST
    assert (dist.normalized_name, dist.version, dist.python_version) == (
        name,
        Version(version),
        "source",
    )


@pytest.mark.parametrize(
    ("filename", "name"),
    [
        ("foo-bar-1.0.tar.gz", "foo-bar"),
        ("foo.bar-1.0.tar.gz", "foo-bar"),
        ("Foo-1.0.tar.gz", "foo"),
        ("FOO_BAR-1.0.tar.gz", "foo-bar"),
    ],
)
def test_legacy_sdist_names_parse_to_the_normalized_name(filename, name):
    # Not PEP 625, but what popular projects still upload and PyPI still accepts.
    assert parse_distribution_filename(filename).normalized_name == name


@pytest.mark.parametrize(
    "filename",
    [
        "foo-1.0.zip",
        "foo-1.0.tar.bz2",
        "foo-1.0.tar",
        "foo-1.0.tgz",
        "foo-1.0-py2.7.egg",
        "foo-1.0.win32.exe",
        "foo-1.0.TAR.GZ",
        "foo-1.0-py3-none-any.WHL",
        "foo-1.0.msi",
    ],
)
def test_extensions_other_than_whl_and_tar_gz_are_refused(filename):
    with pytest.raises(InvalidFilenameError, match=re.escape("only .tar.gz source distributions")):
        parse_distribution_filename(filename)


@pytest.mark.parametrize(
    "filename",
    [
        "foo-1.0.whl",  # no tags
        "foo-1.0-x-py3-none-any.whl",  # a build tag must start with a digit
        "foo-bar-1.0-py3-none-any.whl",  # '-' in the name is not escaped
        "foo-1.0-garbage!-py3-none-any.whl",
        "foo.tar.gz",  # no version
        "foo-not.a.version.tar.gz",
    ],
)
def test_malformed_filenames_are_refused(filename):
    with pytest.raises(InvalidFilenameError, match=re.escape("See https://peps.python.org/pep-0")):
        parse_distribution_filename(filename)


@pytest.mark.parametrize(
    "filename",
    [
        "../foo-1.0.tar.gz",
        "dir/foo-1.0.tar.gz",
        "dir\\foo-1.0.tar.gz",
        "foo-1.0.tar.gz\x00.whl",
        "foo\n-1.0.tar.gz",
        "f" * 250 + "-1.0.tar.gz",
    ],
)
def test_unsafe_or_overlong_filenames_are_refused(filename):
    with pytest.raises(InvalidFilenameError, match="too long or contains unsafe characters"):
        parse_distribution_filename(filename)


@pytest.mark.parametrize(
    "filename", ["Foo.Bar-1.0.0-py3-none-any.whl", "foo_bar-1.0.tar.gz", "foo_bar-1.0.0.tar.gz"]
)
def test_a_filename_agreeing_with_the_metadata_passes(filename):
    dist = parse_distribution_filename(filename)
    check_filename_matches(dist, normalized_name=normalize_name("Foo_Bar"), version=Version("1.0"))


@pytest.mark.parametrize(
    ("filename", "field"),
    [
        ("other-1.0-py3-none-any.whl", "project name"),
        ("foo_bar-1.1-py3-none-any.whl", "version"),
        ("foo_bar-1.0.post1.tar.gz", "version"),
        ("foo_bar_baz-1.0.tar.gz", "project name"),
    ],
)
def test_a_filename_disagreeing_with_the_metadata_is_refused(filename, field):
    dist = parse_distribution_filename(filename)
    with pytest.raises(FilenameMismatchError, match=f"its {field} should be"):
        check_filename_matches(
            dist, normalized_name=normalize_name("foo-bar"), version=Version("1.0")
        )
