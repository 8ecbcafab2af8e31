"""Shapes found in honest, popular sdists that a strict inspector must still accept.

Each case is one the inspection benchmark (benchmarks/inspect.py, over the most downloaded
projects' newest sdists) found refused, rebuilt here small enough to run in the suite.
"""

from __future__ import annotations

import zipfile

import pytest

from bastion.inspection.errors import RefusedArchiveError
from tests.inspection import hostile

MiB = 1024 * 1024


def test_a_file_repeated_exactly_is_accepted_even_when_nothing_reads_it(inspect):
    # pyarrow's sdist holds LICENSE.txt and NOTICE.txt twice; neither copy is read by the
    # sdist checks, so the inspector must hash them itself to know the copies agree.
    licence = hostile.regular(f"{hostile.TOP}/LICENSE.txt", b"Apache License 2.0\n" * 500)
    sdist = hostile.sdist([*hostile.sdist_entries(), licence, licence])
    assert inspect(sdist.filename, sdist.content).members == 5


def test_a_repeated_name_with_other_content_of_the_same_size_is_refused(inspect):
    first = hostile.regular(f"{hostile.TOP}/LICENSE.txt", b"MIT License\n")
    second = hostile.regular(f"{hostile.TOP}/LICENSE.txt", b"evil = True\n")
    sdist = hostile.sdist([*hostile.sdist_entries(), first, second])
    with pytest.raises(RefusedArchiveError, match=r"appears twice, with different contents"):
        inspect(sdist.filename, sdist.content)


def test_nested_data_far_more_compressible_than_the_cap_is_accepted(inspect):
    # scipy's sdist ships .npz benchmark matrices (zip files) whose members expand up to
    # 900-fold, several GiB in all: past both the ratio and the total cap if inflated whole.
    matrix = hostile.zip_bytes({"A_eq.npy": b"\0" * (64 * MiB)})
    assert len(matrix) * 100 < 64 * MiB
    entries = [
        *hostile.sdist_entries(),
        hostile.regular(f"{hostile.TOP}/benchmarks/STOCFOR3.npz", matrix),
    ]
    sdist = hostile.sdist(entries)
    report = inspect(sdist.filename, sdist.content, max_total_bytes=32 * MiB)
    assert report.members == len(entries) + 1  # the nested member's name was checked too


def test_a_nested_archive_with_unsafe_names_is_data_not_a_refusal(inspect):
    # Nothing here extracts a nested archive; a project testing its own zip-slip defence ships
    # exactly this. Only what it costs to read is held against it.
    fixture = hostile.zip_bytes({"../../escape.txt": b"gotcha"})
    entries = [*hostile.sdist_entries(), hostile.regular(f"{hostile.TOP}/tests/slip.zip", fixture)]
    sdist = hostile.sdist(entries)
    # The nested member is counted before its name makes the walk stop.
    assert inspect(sdist.filename, sdist.content).members == len(entries) + 1


def test_an_archive_nested_in_a_nested_archive_is_still_followed(inspect):
    inner = hostile.zip_bytes({"a.bin": bytes(range(256)) * 4096})  # 1 MiB, incompressible-ish
    middle = hostile.zip_bytes({"inner.zip": inner}, compression=zipfile.ZIP_STORED)
    entries = [*hostile.sdist_entries(), hostile.regular(f"{hostile.TOP}/data.zip", middle)]
    sdist = hostile.sdist(entries)
    # The innermost member is read as a sample only, but it is read, and charged.
    with pytest.raises(RefusedArchiveError, match=r"more than 500000 bytes"):
        inspect(sdist.filename, sdist.content, max_total_bytes=500_000)
