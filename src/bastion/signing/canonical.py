"""Canonical JSON (securesystemslib's dialect), built from parts that are encoded once.

TUF signs the canonical encoding of each document's `signed` part. python-tuf re-encodes a
whole document for every signature, which for a snapshot listing 16,384 bins costs over 100 ms
per upload. Here each entry is encoded when it changes and the document is joined from the
encoded parts; tests/signing/test_canonical.py checks that the bytes equal
`securesystemslib.formats.encode_canonical` for any input.

The dialect: object keys sorted by code point, no whitespace, integers only (no floats), and
in strings only the quote and the backslash are escaped; everything else is emitted as is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def encode_string(value: str) -> str:
    """`value` as a canonical JSON string."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def encode_int(value: int) -> str:
    """`value` as a canonical JSON number (bools are not integers here)."""
    if isinstance(value, bool):
        raise TypeError("canonical JSON integers may not be booleans")
    return str(value)


def join_object(members: Mapping[str, str]) -> str:
    """An object from already-encoded member values, its keys in canonical order."""
    return _join_sorted((key, members[key]) for key in sorted(members))


def _join_sorted(members: Iterable[tuple[str, str]]) -> str:
    return "{" + ",".join(f"{encode_string(key)}:{value}" for key, value in members) + "}"


class CanonicalObject:
    """An object of many members whose canonical encoding is rebuilt from cached parts.

    Setting a member re-encodes only that member; `encode()` joins the parts (one C-level
    join, no per-member Python work). Members keep their canonical order as they are added.
    """

    def __init__(self, members: Mapping[str, str] | None = None) -> None:
        members = members or {}
        keys = sorted(members)
        self._parts: list[str] = [f"{encode_string(key)}:{members[key]}" for key in keys]
        self._positions: dict[str, int] = {key: index for index, key in enumerate(keys)}

    def set(self, key: str, encoded_value: str) -> None:
        """Set member `key` to an already-encoded value."""
        part = f"{encode_string(key)}:{encoded_value}"
        position = self._positions.get(key)
        if position is None:
            self._insert_sorted(key, encoded_value)
        else:
            self._parts[position] = part

    def encode(self, prefix: str = "", suffix: str = "") -> str:
        """The whole object in canonical JSON, between `prefix` and `suffix` (one copy)."""
        return "".join((prefix, "{", ",".join(self._parts), "}", suffix))

    def _insert_sorted(self, key: str, encoded_value: str) -> None:
        # New keys are rare (bins are fixed at `tuf init`); rebuilding positions is fine.
        keys = sorted([*self._positions, key])
        position = keys.index(key)
        self._parts.insert(position, f"{encode_string(key)}:{encoded_value}")
        self._positions = {name: index for index, name in enumerate(keys)}
