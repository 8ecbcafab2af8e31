"""Member paths: what an archive may name, so that no reader of it can be led astray.

Nothing is ever extracted, but later readers (the scanner, a user's `tar x`) must be able to
trust every path: no escape from the root, no name that means different things to different
tools.
"""

from __future__ import annotations

import re

from bastion.inspection.errors import RefusedArchiveError

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DRIVE = re.compile(r"^[A-Za-z]:")
_MAX_COMPONENT_LENGTH = 255


def check_member_name(name: str, *, max_length: int) -> str:
    """Return `name` without a trailing '/', or refuse it.

    Raises:
        RefusedArchiveError: empty, too long, not UTF-8, control characters, backslashes,
            absolute, '..' / '.' / empty components.
    """
    shown = ascii(name[:200])
    if not name or name == "/":
        raise RefusedArchiveError("a member has an empty name")
    if len(name) > max_length:
        raise RefusedArchiveError(f"a member name is longer than {max_length} characters")
    _check_characters(name, shown)
    if name.startswith("/") or _DRIVE.match(name):
        raise RefusedArchiveError(f"the member name {shown} is an absolute path")
    stripped = name.removesuffix("/")
    _check_components(stripped, shown)
    return stripped


def _check_characters(name: str, shown: str) -> None:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise RefusedArchiveError(f"the member name {shown} is not valid UTF-8") from None
    if _CONTROL.search(name):
        raise RefusedArchiveError(f"the member name {shown} contains a control character")
    if "\\" in name:
        raise RefusedArchiveError(f"the member name {shown} contains a backslash")


def _check_components(stripped: str, shown: str) -> None:
    for component in stripped.split("/"):
        if component == "..":
            raise RefusedArchiveError(f"the member name {shown} contains '..'")
        if component in {"", "."}:
            raise RefusedArchiveError(f"the member name {shown} is not a canonical path")
        if len(component.encode("utf-8")) > _MAX_COMPONENT_LENGTH:
            raise RefusedArchiveError(f"the member name {shown} has a component over 255 bytes")


def resolve_link(member_name: str, target: str) -> str | None:
    """Where a symlink at `member_name` pointing to `target` lands, or None if it leaves the root.

    Resolution is lexical, on archive paths: nothing on disk is consulted.
    """
    if not target or target.startswith("/") or "\\" in target or _CONTROL.search(target):
        return None
    parts = member_name.split("/")[:-1]
    for component in target.split("/"):
        if component in {"", "."}:
            continue
        if component == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(component)
    return "/".join(parts)
