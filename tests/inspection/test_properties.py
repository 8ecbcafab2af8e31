"""Property-based: whatever bytes arrive, the inspector answers with its own refusal, quickly.

Random bytes, honest archives with random damage, and tars of random members: the inspector
may accept or refuse, but it never raises anything else (an unexpected exception would be a
500 and a bug) and never runs past its deadline.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bastion.inspection.errors import RefusedArchiveError
from bastion.inspection.inspector import inspect_distribution
from bastion.inspection.limits import InspectionLimits
from tests.factories.dists import build_sdist, build_wheel
from tests.inspection import hostile

LIMITS = InspectionLimits(max_total_bytes=8 * 1024 * 1024, max_members=200)
HONEST = {
    hostile.WHEEL_FILENAME: build_wheel().content,
    hostile.SDIST_FILENAME: build_sdist().content,
}
FILENAMES = st.sampled_from(sorted(HONEST))
PROPERTY_SETTINGS = settings(
    max_examples=150,
    deadline=2000,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _inspect_or_refuse(directory: Path, filename: str, content: bytes) -> None:
    path = directory / "upload"
    path.write_bytes(content)
    try:
        inspect_distribution(path, filename, LIMITS)
    except RefusedArchiveError as refused:
        reason = refused.reason
    else:
        return
    assert reason
    assert "\n" not in reason


@PROPERTY_SETTINGS
@given(filename=FILENAMES, content=st.binary(max_size=4096))
def test_random_bytes_are_refused_cleanly(tmp_path, filename, content):
    _inspect_or_refuse(tmp_path, filename, content)


@st.composite
def damaged(draw: st.DrawFn) -> tuple[str, bytes]:
    """An honest wheel or sdist with bytes overwritten, cut or inserted."""
    filename = draw(FILENAMES)
    data = bytearray(HONEST[filename])
    for _ in range(draw(st.integers(1, 8))):
        position = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "cut", "insert"]))
        if action == "flip":
            data[position] = draw(st.integers(0, 255))
        elif action == "cut":
            del data[position : position + draw(st.integers(1, 64))]
        else:
            data[position:position] = draw(st.binary(min_size=1, max_size=64))
        if not data:
            break
    return filename, bytes(data)


@PROPERTY_SETTINGS
@given(case=damaged())
def test_damaged_archives_are_refused_cleanly(tmp_path, case):
    _inspect_or_refuse(tmp_path, *case)


_MEMBER_NAMES = st.one_of(
    st.just(f"{hostile.TOP}/PKG-INFO"),
    st.builds(lambda rest: f"{hostile.TOP}/{rest}", st.text(min_size=0, max_size=40)),
    st.text(min_size=0, max_size=40),
)
_TYPES = st.sampled_from(
    [
        tarfile.REGTYPE,
        tarfile.DIRTYPE,
        tarfile.SYMTYPE,
        tarfile.LNKTYPE,
        tarfile.CHRTYPE,
        tarfile.FIFOTYPE,
        tarfile.CONTTYPE,
        b"Z",
    ]
)


@st.composite
def random_tar(draw: st.DrawFn) -> bytes:
    """A gzipped tar of random members: names, kinds, link targets and contents."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT) as archive:
        for _ in range(draw(st.integers(0, 6))):
            info = tarfile.TarInfo(draw(_MEMBER_NAMES))
            info.type = draw(_TYPES)
            info.linkname = draw(st.text(max_size=30))
            data = draw(st.binary(max_size=256)) if info.type == tarfile.REGTYPE else b""
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data) if data else None)
    return buffer.getvalue()


@PROPERTY_SETTINGS
@given(content=random_tar())
def test_random_tars_are_refused_or_accepted_cleanly(tmp_path, content):
    _inspect_or_refuse(tmp_path, hostile.SDIST_FILENAME, content)
