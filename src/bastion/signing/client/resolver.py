"""Choosing versions from signed pages, and following dependencies, for `pip --require-hashes`.

Deliberately simple, as pip's own `--require-hashes` mode needs: for each requirement the
newest version its specifier allows (PEP 440 rules for pre-releases; yanked releases only
when pinned with ==, PEP 592; only versions with a file for the target Python), with the hash
of every file of that version so pip may pick the one that fits. Dependencies are read from
the wheels' PEP 658 metadata, verified against the hashes in the signed page. There is no
backtracking: a conflict is reported with what to pin.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Iterable

from packaging.metadata import Metadata
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from bastion.signing.client.index import IndexFile, VerifiedIndex


class ResolutionError(Exception):
    """No version can be chosen; the message says what to do."""


@dataclasses.dataclass
class Pin:
    """A chosen version and the files (and hashes) pip may install for it."""

    name: str
    version: Version
    files: list[IndexFile]
    required_by: list[str] = dataclasses.field(default_factory=list)

    def requirement_lines(self) -> list[str]:
        """The pin in pip's hash-checking requirements format."""
        hashes = sorted({dist.sha256 for dist in self.files})
        lines = [f"{self.name}=={self.version} \\"]
        lines += [f"    --hash=sha256:{digest} \\" for digest in hashes]
        lines[-1] = lines[-1].removesuffix(" \\")
        if self.required_by:
            lines.append(f"    # via {', '.join(sorted(set(self.required_by)))}")
        return lines


def file_version(dist: IndexFile) -> Version | None:
    """The version a distribution filename names (None for names that cannot be parsed)."""
    try:
        if dist.filename.endswith(".whl"):
            return parse_wheel_filename(dist.filename)[1]
        return parse_sdist_filename(dist.filename)[1]
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None


class Resolver:
    """Resolves requirements against a VerifiedIndex for one target environment."""

    def __init__(
        self,
        index: VerifiedIndex,
        environment: dict[str, str],
        *,
        follow_dependencies: bool = True,
    ) -> None:
        self.index = index
        self.environment = environment
        self.python_version = Version(environment["python_full_version"])
        self.follow_dependencies = follow_dependencies

    def resolve(self, requirements: Iterable[Requirement]) -> list[Pin]:
        """Pins for `requirements` and (unless told not to) their dependencies.

        Raises:
            ResolutionError: a project is not signed on the index, no version fits, or two
                requirements disagree.
            VerificationError: a metadata file does not match its signed hash.
        """
        pins: dict[str, Pin] = {}
        queue: deque[tuple[Requirement, str]] = deque((req, "") for req in requirements)
        while queue:
            requirement, parent = queue.popleft()
            name = canonicalize_name(requirement.name)
            pin = pins.get(name)
            if pin is None:
                pin = self._pin(name, requirement.specifier)
                pins[name] = pin
            elif not requirement.specifier.contains(pin.version, prereleases=True):
                raise ResolutionError(
                    f"{parent or 'the command line'} needs {requirement}, but {name} "
                    f"{pin.version} was chosen: pin a version that satisfies both"
                )
            else:
                continue
            if parent:
                pin.required_by.append(parent)
            if self.follow_dependencies:
                for dependency in self._dependencies(pin, requirement.extras):
                    queue.append((dependency, name))
        return list(pins.values())

    def _pin(self, name: str, specifier: SpecifierSet) -> Pin:
        page = self.index.page(name)
        if page is None:
            raise ResolutionError(f"{name} has no signed page on this index")
        by_version: dict[Version, list[IndexFile]] = {}
        for dist in page.files:
            version = file_version(dist)
            if version is not None and self._fits_python(dist):
                by_version.setdefault(version, []).append(dist)
        pinned = _pinned_version(specifier)
        candidates = [
            version
            for version, files in by_version.items()
            if version == pinned or not all(dist.yanked for dist in files)
        ]
        allowed = list(specifier.filter(candidates))
        if not allowed:
            raise ResolutionError(f"no version of {name} on this index satisfies '{specifier}'")
        chosen = max(allowed)
        return Pin(name, chosen, by_version[chosen])

    def _fits_python(self, dist: IndexFile) -> bool:
        if not dist.requires_python:
            return True
        return SpecifierSet(dist.requires_python).contains(self.python_version, prereleases=True)

    def _dependencies(self, pin: Pin, extras: set[str]) -> list[Requirement]:
        wheels = [dist for dist in pin.files if dist.filename.endswith(".whl")]
        with_metadata = [dist for dist in wheels if dist.metadata_sha256]
        if not with_metadata:
            raise ResolutionError(
                f"{pin.name} {pin.version} has no wheel whose metadata the index signs, so its "
                "dependencies cannot be verified: pin them yourself and use --no-deps"
            )
        metadata = Metadata.from_email(self.index.core_metadata(with_metadata[0]), validate=False)
        return [
            dependency
            for dependency in metadata.requires_dist or []
            if dependency.marker is None
            or any(
                dependency.marker.evaluate({**self.environment, "extra": extra})
                for extra in (extras or {""})
            )
        ]


def _pinned_version(specifier: SpecifierSet) -> Version | None:
    """The version `==X` or `===X` pins (PEP 592: a yanked release may then be chosen)."""
    for spec in specifier:
        if spec.operator in {"==", "==="} and "*" not in spec.version:
            try:
                return Version(spec.version)
            except InvalidVersion:
                return None
    return None
