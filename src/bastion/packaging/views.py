"""Serving distribution files and their PEP 658 metadata files from storage.

Every download is one indexed Core query on the reader engine (no ORM session: a Session and
its transaction join cost several times the query) and then the file itself, sent by the
server with sendfile where storage is local.
"""

from __future__ import annotations

import mimetypes
from typing import TYPE_CHECKING

from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import FileResponse, Response
from pyramid.view import view_config
from sqlalchemy import Row, select

from bastion.packaging.models import File, Project, ProjectStatus, Release
from bastion.packaging.paths import METADATA_SUFFIX, metadata_path

if TYPE_CHECKING:
    from pyramid.request import Request

    from bastion.db.engine import Engines
    from bastion.storage import Storage

# Content-addressed paths never change content: caches may keep them for a year.
_IMMUTABLE = "max-age=31536000, immutable, public"
_CONTENT_TYPES = {".whl": "application/zip", ".gz": "application/gzip"}


@view_config(route_name="packages.file", request_method=("GET", "HEAD"))
def serve_file(request: Request) -> Response:
    """A distribution file (with Range support) or, for `<file>.metadata`, its core metadata."""
    path = "packages/" + "/".join(request.matchdict["path"])
    is_metadata = path.endswith(METADATA_SUFFIX)
    file_key = path.removesuffix(METADATA_SUFFIX) if is_metadata else path
    dist_file = _file_by_path(request, file_key)
    if dist_file is None or (is_metadata and dist_file.metadata_sha256 is None):
        raise HTTPNotFound("No such file on this index.")
    storage: Storage = request.registry["storage"]
    key = metadata_path(file_key) if is_metadata else file_key
    content_type = "text/plain" if is_metadata else _content_type(dist_file.filename)
    local = storage.local_path(key)
    if local is not None:
        response = FileResponse(str(local), request=request, content_type=content_type)
    else:  # pragma: no cover - remote storage backends arrive with the S3 issue
        with storage.open(key) as fh:
            response = Response(body=fh.read(), content_type=content_type)
    if is_metadata:
        response.charset = "utf-8"
    response.headers["Cache-Control"] = _IMMUTABLE
    response.headers["Accept-Ranges"] = "bytes"
    response.etag = dist_file.sha256_digest if not is_metadata else dist_file.metadata_sha256
    response.conditional_response = True
    return response


def _file_by_path(request: Request, path: str) -> Row[str, str, str | None] | None:
    """The filename and digests of the file stored at `path`, or None if it is not served."""
    engines: Engines = request.registry["engines"]
    query = (
        select(File.filename, File.sha256_digest, File.metadata_sha256)
        .join(Release, Release.id == File.release_id)
        .join(Project, Project.id == Release.project_id)
        .where(
            File.path == path,
            File.deleted_at.is_(None),
            Release.deleted_at.is_(None),
            Project.deleted_at.is_(None),
            # PEP 792: nothing of a quarantined project is offered for download.
            Project.status != ProjectStatus.QUARANTINED.value,
        )
    )
    with engines.reader.connect() as connection:
        return connection.execute(query).first()


def _content_type(filename: str) -> str:
    for suffix, content_type in _CONTENT_TYPES.items():
        if filename.endswith(suffix):
            return content_type
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def includeme(config: object) -> None:
    """Register the file route."""
    config.add_route("packages.file", "/packages/*path")  # type: ignore[attr-defined]
