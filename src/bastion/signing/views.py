"""Serving the TUF repository: metadata at `/tuf/`, target files at `/tuf/targets/`.

With consistent snapshots every file but `timestamp.json` has its version or hash in its name
and never changes, so caches may keep it forever; `timestamp.json` must be fetched fresh.
Distribution files are not copied: `/tuf/targets/packages/<project>/<sha256>.<filename>`
serves the stored file after checking that the hash and the project name are its own.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import FileResponse, Response
from pyramid.view import view_config
from sqlalchemy import select

from bastion.packaging.models import File, Project, Release
from bastion.signing.layout import (
    PAGE_FILENAMES,
    TARGETS_PREFIX,
    TIMESTAMP_FILENAME,
    metadata_key,
)

if TYPE_CHECKING:
    from pyramid.request import Request

    from bastion.db.engine import Engines
    from bastion.storage import Storage

_METADATA_NAME = re.compile(r"(?:[0-9]{1,10}\.[a-z0-9-]{1,32}|timestamp)\.json")
# Normalized project names (PEP 503): nothing else can name a directory below targets/.
_PROJECT = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_HASHED_NAME = re.compile(r"(?P<sha256>[0-9a-f]{64})\.(?P<name>[^/]+)")
_IMMUTABLE = "max-age=31536000, immutable, public"
_FRESH = "no-cache"


@view_config(route_name="tuf.metadata", request_method=("GET", "HEAD"))
def metadata_file(request: Request) -> Response:
    """A metadata file (`1.root.json`, `timestamp.json`, `42.bin-0a.json`, ...)."""
    filename = request.matchdict["filename"]
    if not _METADATA_NAME.fullmatch(filename):
        raise HTTPNotFound("No such TUF metadata file.")
    response = _stored_response(request, metadata_key(filename), "application/json")
    response.headers["Cache-Control"] = _FRESH if filename == TIMESTAMP_FILENAME else _IMMUTABLE
    return response


@view_config(route_name="tuf.target", request_method=("GET", "HEAD"))
def target_file(request: Request) -> Response:
    """A target file by its hash-prefixed name: a distribution file or a signed simple page."""
    parts = request.matchdict["subpath"]
    hashed = _HASHED_NAME.fullmatch(parts[-1]) if len(parts) == 3 else None  # noqa: PLR2004
    if hashed is None or not _PROJECT.fullmatch(parts[1]):
        raise HTTPNotFound("No such TUF target.")
    kind, project, name = parts[0], parts[1], hashed["name"]
    if kind == "simple" and name in PAGE_FILENAMES:
        key = f"{TARGETS_PREFIX}simple/{project}/{parts[-1]}"
        content_type = "application/json" if PAGE_FILENAMES[name] else "text/html"
        response = _stored_response(request, key, content_type)
    elif kind == "packages":
        path = _distribution_path(request, project, name, hashed["sha256"])
        response = _stored_response(request, path, "application/octet-stream")
    else:
        raise HTTPNotFound("No such TUF target.")
    response.headers["Cache-Control"] = _IMMUTABLE
    return response


def _distribution_path(request: Request, project: str, filename: str, sha256: str) -> str:
    """The storage key of `filename` when it belongs to `project` and has that SHA-256."""
    engines: Engines = request.registry["engines"]
    query = (
        select(File.path)
        .join(Release, File.release_id == Release.id)
        .join(Project, Release.project_id == Project.id)
        .where(
            File.filename == filename,
            File.sha256_digest == sha256,
            Project.normalized_name == project,
        )
    )
    with engines.reader.connect() as connection:
        path = connection.scalar(query)
    if path is None:
        raise HTTPNotFound("No such TUF target.")
    return path


def _stored_response(request: Request, key: str, content_type: str) -> Response:
    storage: Storage = request.registry["storage"]
    local = storage.local_path(key)
    if local is not None:
        if not local.is_file():
            raise HTTPNotFound("No such TUF file.")
        return FileResponse(str(local), request=request, content_type=content_type)
    try:  # pragma: no cover - remote storage backends arrive with the S3 issue
        with storage.open(key) as handle:
            return Response(body=handle.read(), content_type=content_type)
    except FileNotFoundError:  # pragma: no cover
        raise HTTPNotFound("No such TUF file.") from None


def includeme(config: object) -> None:
    """Register the TUF routes."""
    config.add_route("tuf.target", "/tuf/targets/*subpath")  # type: ignore[attr-defined]
    config.add_route("tuf.metadata", "/tuf/{filename}")  # type: ignore[attr-defined]
