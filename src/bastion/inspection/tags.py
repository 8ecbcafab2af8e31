"""Wheel compatibility tags: every tag in a wheel's filename must name a real platform.

The platform allow-list follows PyPI's: `any`, Windows, macOS, manylinux (legacy and PEP 600),
musllinux, iOS, Android, and the two `linux_arm*` tags PyPI accepts for Raspberry Pi wheels.
A plain `linux_x86_64` wheel is refused, as on PyPI: it promises nothing about the system.
"""

from __future__ import annotations

import re

from packaging.tags import Tag

from bastion.inspection.errors import RefusedArchiveError

_LINUX_ARCHES = "x86_64|i686|aarch64|armv7l|ppc64|ppc64le|s390x|riscv64|loongarch64"
_MACOS_ARCHES = "x86_64|arm64|universal2|intel|fat|fat3|fat32|fat64|universal|i386|ppc|ppc64"
_PLATFORMS = re.compile(
    "|".join(
        (
            r"any",
            r"win32|win_amd64|win_arm64|win_ia64",
            r"linux_armv6l|linux_armv7l",
            r"manylinux1_(?:x86_64|i686)",
            r"manylinux2010_(?:x86_64|i686)",
            r"manylinux2014_(?:x86_64|i686|aarch64|armv7l|ppc64|ppc64le|s390x)",
            rf"(?:manylinux|musllinux)_\d+_\d+_(?:{_LINUX_ARCHES})",
            rf"macosx_\d+_\d+_(?:{_MACOS_ARCHES})",
            r"ios_\d+_\d+_(?:arm64|x86_64)_(?:iphoneos|iphonesimulator)",
            r"android_\d+_(?:arm64_v8a|armeabi_v7a|x86_64|x86)",
        )
    )
)
_INTERPRETER = re.compile(r"[a-z]+\d[a-z0-9_]*")
_ABI = re.compile(r"none|abi3|[a-z]+\d[a-z0-9_]*")


def check_tags(tags: frozenset[Tag]) -> None:
    """Refuse a tag set with an unknown platform or a malformed interpreter or ABI tag.

    Raises:
        RefusedArchiveError: naming the first offending tag.
    """
    for tag in sorted(tags, key=str):
        if not _PLATFORMS.fullmatch(tag.platform):
            raise RefusedArchiveError(
                f"the wheel's platform tag {tag.platform!r} is not one this index accepts"
            )
        if not _INTERPRETER.fullmatch(tag.interpreter):
            raise RefusedArchiveError(f"the wheel's Python tag {tag.interpreter!r} is malformed")
        if not _ABI.fullmatch(tag.abi):
            raise RefusedArchiveError(f"the wheel's ABI tag {tag.abi!r} is malformed")
