"""Responses every part of the site renders the same way."""

from __future__ import annotations

from pyramid.response import Response

from bastion.errors import BastionError

_UNAUTHORIZED = 401


def error_response(exc: BastionError) -> Response:
    """A client error: its one line goes in the status line (twine shows only that) and body."""
    phrase = exc.message.encode("latin-1", "replace").decode("latin-1")
    response = Response(f"{exc.message}\n", content_type="text/plain", charset="utf-8")
    response.status = f"{exc.status_code} {phrase}"
    response.headers.update(exc.headers)
    if exc.status_code == _UNAUTHORIZED:
        response.headers["WWW-Authenticate"] = 'Basic realm="Bastion"'
    return response
