"""Every hostile archive of the issue is refused in process, each with its own reason, cheaply."""

from __future__ import annotations

import time

import pytest

from bastion.inspection.errors import RefusedArchiveError
from tests.factories.dists import build_sdist, build_wheel
from tests.inspection import hostile


@pytest.mark.parametrize("label", sorted(hostile.HOSTILE))
def test_hostile_file_is_refused_with_its_reason(inspect, label):
    bad = hostile.HOSTILE[label]()
    started = time.monotonic()
    with pytest.raises(RefusedArchiveError) as refused:
        inspect(bad.filename, bad.content)
    assert bad.reason in refused.value.reason
    assert "\n" not in refused.value.reason
    # A refusal is cheap: the bomb is recognised long before it is inflated.
    assert time.monotonic() - started < 5


def test_honest_wheel_and_sdist_pass_and_yield_their_metadata(inspect):
    wheel, sdist = build_wheel(), build_sdist()
    assert inspect(wheel.filename, wheel.content).core_metadata == wheel.metadata
    assert inspect(sdist.filename, sdist.content).core_metadata == sdist.metadata


def test_too_many_members_is_refused(inspect):
    members = hostile.wheel_members({f"sample_project/m{i}.py": b"" for i in range(20)})
    with pytest.raises(RefusedArchiveError, match=r"more than 10 members"):
        inspect(hostile.WHEEL_FILENAME, hostile.zip_bytes(members), max_members=10)


def test_total_size_cap_counts_every_member(inspect):
    members = hostile.wheel_members(
        {f"sample_project/m{i}.txt": bytes(range(256)) * 64 for i in range(8)}
    )
    with pytest.raises(RefusedArchiveError, match=r"more than 100000 bytes"):
        inspect(hostile.WHEEL_FILENAME, hostile.zip_bytes(members), max_total_bytes=100_000)


def test_nested_archives_count_toward_the_same_budget(inspect):
    inner = hostile.zip_bytes({"zeros.bin": b"\0" * 60_000})
    members = hostile.wheel_members({"sample_project/data.zip": inner})
    # The outer members alone are well under the cap; the nested zip's content is not.
    with pytest.raises(RefusedArchiveError, match=r"more than 50000 bytes"):
        inspect(hostile.WHEEL_FILENAME, hostile.zip_bytes(members), max_total_bytes=50_000)


def test_a_broken_nested_archive_is_data_not_a_refusal(inspect):
    members = hostile.wheel_members({"sample_project/tests/broken.zip": b"PK\x03\x04garbage"})
    wheel = hostile.zip_bytes(members)
    assert inspect(hostile.WHEEL_FILENAME, wheel).members == len(members)


def test_symlink_inside_the_sdist_is_accepted(inspect):
    entries = [
        *hostile.sdist_entries(),
        hostile.special(f"{hostile.TOP}/docs/readme-link", b"2", "../sample_project/__init__.py"),
    ]
    sdist = hostile.sdist(entries)
    assert inspect(sdist.filename, sdist.content).members == len(entries)


def test_sdist_without_pkg_info_is_refused(inspect):
    sdist = hostile.sdist(hostile.sdist_entries()[1:])
    with pytest.raises(RefusedArchiveError, match=r"has no sample_project-1.0/PKG-INFO"):
        inspect(sdist.filename, sdist.content)


def test_sdist_without_build_definition_is_refused(inspect):
    entries = [e for e in hostile.sdist_entries() if not e[0].name.endswith("pyproject.toml")]
    sdist = hostile.sdist(entries)
    with pytest.raises(RefusedArchiveError, match=r"neither"):
        inspect(sdist.filename, sdist.content)


def test_sdist_top_level_directory_must_match_the_filename(inspect):
    entries = [
        hostile.regular(info.name.replace(hostile.TOP, "other_project-1.0"), data)
        for info, data in hostile.sdist_entries()
    ]
    sdist = hostile.sdist(entries)
    with pytest.raises(RefusedArchiveError, match=r"does not match its filename"):
        inspect(sdist.filename, sdist.content)


def test_wheel_without_record_is_refused(inspect):
    members = hostile.wheel_members()
    del members[f"{hostile.DIST_INFO}/RECORD"]
    with pytest.raises(RefusedArchiveError, match=r"has no .*RECORD"):
        inspect(hostile.WHEEL_FILENAME, hostile.zip_bytes(members))


def test_record_listing_a_missing_file_is_refused(inspect):
    members = hostile.wheel_members()
    record = f"{hostile.DIST_INFO}/RECORD"
    members[record] += b"sample_project/ghost.py,sha256=AAAA,4\n"
    with pytest.raises(RefusedArchiveError, match=r"ghost.py', which is not in the wheel"):
        inspect(hostile.WHEEL_FILENAME, hostile.zip_bytes(members))


def test_record_with_md5_is_refused(inspect):
    members = hostile.wheel_members()
    record = f"{hostile.DIST_INFO}/RECORD"
    members[record] = members[record].replace(b"sha256=", b"md5=", 1)
    with pytest.raises(RefusedArchiveError, match=r"with 'md5'"):
        inspect(hostile.WHEEL_FILENAME, hostile.zip_bytes(members))


def test_wheel_dist_info_must_match_the_filename(inspect):
    members = {
        k.replace(hostile.DIST_INFO, "other-1.0.dist-info"): v
        for k, v in hostile.wheel_members().items()
    }
    with pytest.raises(RefusedArchiveError, match=r"does not match the wheel's name"):
        inspect(hostile.WHEEL_FILENAME, hostile.zip_bytes(members))


@pytest.mark.parametrize(
    "platform",
    [
        "manylinux_2_28_x86_64",
        "manylinux2014_aarch64",
        "musllinux_1_2_armv7l",
        "macosx_11_0_arm64",
        "win_amd64",
        "ios_13_0_arm64_iphoneos",
        "android_21_arm64_v8a",
        "any",
    ],
)
def test_real_platform_tags_pass(inspect, platform):
    filename = f"{hostile.TOP}-cp312-cp312-{platform}.whl"
    wheel = hostile.zip_bytes(hostile.wheel_members())
    assert inspect(filename, wheel).members > 0


@pytest.mark.parametrize(
    "platform", ["linux_x86_64", "manylinux_2_17_sparc", "beos_5_0", "macosx_11_0_z80"]
)
def test_unknown_platform_tags_are_refused(inspect, platform):
    with pytest.raises(RefusedArchiveError, match=r"platform tag"):
        inspect(
            f"{hostile.TOP}-cp312-cp312-{platform}.whl", hostile.zip_bytes(hostile.wheel_members())
        )


def test_description_that_fails_to_render_is_refused(inspect):
    broken_rst = "Title\n=====\n\n.. broken-directive::\n\n`unclosed\n"
    wheel = build_wheel(description=broken_rst, description_content_type="text/x-rst")
    with pytest.raises(RefusedArchiveError, match=r"failed to render"):
        inspect(wheel.filename, wheel.content)


def test_markdown_description_renders(inspect):
    wheel = build_wheel(
        description="# Title\n\n<script>x</script>", description_content_type="text/markdown"
    )
    assert inspect(wheel.filename, wheel.content).core_metadata == wheel.metadata
