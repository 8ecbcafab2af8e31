"""Reading an index through its TUF metadata: signed simple pages, verified metadata files."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from tuf.api.exceptions import RepositoryError
from tuf.ngclient import Updater


class VerificationError(Exception):
    """Something the index served does not match what its signed metadata says."""


@dataclasses.dataclass(frozen=True)
class IndexFile:
    """One file of a signed simple page."""

    filename: str
    url: str
    sha256: str
    requires_python: str | None
    yanked: bool
    metadata_sha256: str | None


@dataclasses.dataclass(frozen=True)
class SignedPage:
    """A project's PEP 691 page, as the index's TUF metadata vouches for it."""

    project: str
    files: tuple[IndexFile, ...]


class VerifiedIndex:
    """An index whose simple pages are read only through TUF."""

    def __init__(self, index_url: str, root: bytes, cache_dir: Path) -> None:
        self.index_url = index_url.rstrip("/") + "/"
        parts = urlsplit(self.index_url)
        # One trusted state per index: never let one index's metadata vouch for another's.
        state = cache_dir / f"{parts.hostname}_{parts.port or 0}{parts.path.replace('/', '_')}"
        self.metadata_dir = state / "metadata"
        self.targets_dir = state / "targets"
        self.metadata_dir.mkdir(parents=True, exist_ok=True)
        self.targets_dir.mkdir(parents=True, exist_ok=True)
        # The pinned root starts the chain once; after that the client's own trusted root
        # (updated through signed root rotations) is the start.
        trusted = self.metadata_dir / "root.json"
        self.updater = Updater(
            metadata_dir=str(self.metadata_dir),
            metadata_base_url=urljoin(self.index_url, "tuf/"),
            target_dir=str(self.targets_dir),
            target_base_url=urljoin(self.index_url, "tuf/targets/"),
            bootstrap=None if trusted.exists() else root,
        )
        self.updater.refresh()

    def page(self, project: str) -> SignedPage | None:
        """The signed JSON page of `project` (a normalized name), or None if none is signed."""
        info = self.updater.get_targetinfo(f"simple/{project}/index.json")
        if info is None:
            return None
        path = self.updater.find_cached_target(info) or self.updater.download_target(info)
        page = json.loads(Path(path).read_bytes())
        page_url = urljoin(self.index_url, f"simple/{project}/")
        return SignedPage(project, tuple(_index_file(entry, page_url) for entry in page["files"]))

    def core_metadata(self, dist: IndexFile) -> bytes:
        """The PEP 658 metadata of `dist`, checked against the hash its signed page gives.

        Raises:
            VerificationError: the file's metadata does not match, or it has none.
        """
        if dist.metadata_sha256 is None:
            raise VerificationError(f"{dist.filename} has no metadata file")
        with urllib.request.urlopen(dist.url + ".metadata", timeout=30) as response:  # noqa: S310 - the index's own URL
            data: bytes = response.read()
        if hashlib.sha256(data).hexdigest() != dist.metadata_sha256:
            raise VerificationError(f"the metadata of {dist.filename} does not match its hash")
        return data

    def download(self, project: str, dist: IndexFile, directory: Path) -> Path:
        """Download `dist` as a TUF target (length and hashes verified) into `directory`.

        Raises:
            VerificationError: the file is not a signed target of this project.
        """
        info = self.updater.get_targetinfo(f"packages/{project}/{dist.filename}")
        if info is None or info.hashes.get("sha256") != dist.sha256:
            raise VerificationError(f"{dist.filename} is not signed for {project}")
        directory.mkdir(parents=True, exist_ok=True)
        try:
            return Path(self.updater.download_target(info, str(directory / dist.filename)))
        except RepositoryError as exc:
            raise VerificationError(f"{dist.filename}: {exc}") from exc


def _index_file(entry: dict[str, Any], page_url: str) -> IndexFile:
    metadata = entry.get("core-metadata") or entry.get("dist-info-metadata")
    return IndexFile(
        filename=entry["filename"],
        url=urljoin(page_url, entry["url"]).split("#", 1)[0],
        sha256=entry["hashes"]["sha256"],
        requires_python=entry.get("requires-python"),
        yanked=bool(entry.get("yanked")),
        metadata_sha256=metadata.get("sha256") if isinstance(metadata, dict) else None,
    )
