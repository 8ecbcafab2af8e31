"""The Integrity API: `GET /integrity/<project>/<version>/<filename>/provenance` (PEP 740).

As on PyPI (docs.pypi.org/api/integrity/), the answer is the file's provenance object as JSON,
or a JSON `{"message": ...}` saying why there is none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyramid.response import Response
from pyramid.view import view_config

from bastion.attestations.services import find_provenance
from bastion.packaging.names import normalize_name

if TYPE_CHECKING:
    from pyramid.request import Request

INTEGRITY_V1_JSON = "application/vnd.pypi.integrity.v1+json"
_JSON = "application/json"
# Provenance never changes once stored, but a file can be deleted: keep caches short.
_CACHE_CONTROL = "max-age=600, public"


@view_config(route_name="integrity.provenance", request_method=("GET", "HEAD"))
def provenance(request: Request) -> Response:
    """The provenance of one file, in the media type the client accepts (406 if neither)."""
    offers = request.accept.acceptable_offers([INTEGRITY_V1_JSON, _JSON])
    if not offers:
        return _message(406, f"The Integrity API answers in {INTEGRITY_V1_JSON} or {_JSON} only.")
    media_type = offers[0][0]
    raw_name = request.matchdict["name"]
    version = request.matchdict["version"]
    filename = request.matchdict["filename"]
    found = find_provenance(request.db, normalize_name(raw_name), version, filename)
    if found.project is None:
        return _message(404, f"No project named {raw_name!r} on this index.")
    if found.dist_file is None:
        return _message(
            404,
            f"Project {found.project.name!r} has no file {filename!r} in a release {version!r}.",
        )
    if found.provenance is None:
        return _message(
            404, f"No provenance for {filename!r}: it was uploaded without attestations."
        )
    response = Response(body=found.provenance.provenance.encode(), content_type=media_type)
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = _CACHE_CONTROL
    response.etag = found.provenance.provenance_sha256
    # A client that has this provenance (If-None-Match) gets a 304 from WebOb.
    response.conditional_response = True
    return response


def _message(status: int, message: str) -> Response:
    response = Response(json={"message": message}, status=status)
    response.headers["Vary"] = "Accept"
    return response


def includeme(config: object) -> None:
    """Register the Integrity API route."""
    config.add_route(  # type: ignore[attr-defined]
        "integrity.provenance", "/integrity/{name}/{version}/{filename}/provenance"
    )
