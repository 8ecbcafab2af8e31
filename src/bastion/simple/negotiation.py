"""PEP 691 content negotiation for the simple API."""

from __future__ import annotations

import enum

from bastion.errors import BastionError


class SimpleFormat(enum.Enum):
    """A representation of a simple page, by the media type it is served as."""

    JSON = "application/vnd.pypi.simple.v1+json"
    HTML = "application/vnd.pypi.simple.v1+html"
    LEGACY_HTML = "text/html"

    @property
    def is_json(self) -> bool:
        """Whether this is the JSON form."""
        return self is SimpleFormat.JSON


_ALIASES = {
    "application/vnd.pypi.simple.v1+json": SimpleFormat.JSON,
    "application/vnd.pypi.simple.latest+json": SimpleFormat.JSON,
    "application/vnd.pypi.simple.v1+html": SimpleFormat.HTML,
    "application/vnd.pypi.simple.latest+html": SimpleFormat.HTML,
    "text/html": SimpleFormat.LEGACY_HTML,
}
# When q-values tie, prefer JSON, then versioned HTML (PEP 691 leaves ties to the server).
_PREFERENCE = [SimpleFormat.JSON, SimpleFormat.HTML, SimpleFormat.LEGACY_HTML]


class NotAcceptableError(BastionError):
    """The client accepts none of the simple API's representations."""

    status_code = 406

    def __init__(self) -> None:
        super().__init__(
            "Not Acceptable: this simple API serves "
            + ", ".join(sorted(_ALIASES))
            + ". See https://peps.python.org/pep-0691/"
        )


def choose_format(accept: str | None, format_param: str | None) -> SimpleFormat:
    """Pick the representation from `?format=` (which wins, PEP 691) or the Accept header.

    Raises:
        NotAcceptableError: nothing acceptable to the client is served here.
    """
    if format_param:
        # PEP 691 meant ?format= for people typing URLs into browsers, which send the "+"
        # of "...v1+json" unencoded, so it arrives as a space; no media type contains one.
        chosen = _ALIASES.get(format_param.strip().lower().replace(" ", "+"))
        if chosen is None:
            raise NotAcceptableError
        return chosen
    if not accept or not accept.strip():
        return SimpleFormat.LEGACY_HTML
    best: tuple[float, int, SimpleFormat] | None = None
    for media_type, quality in _parse_accept(accept):
        for candidate in _matches(media_type):
            rank = (quality, -_PREFERENCE.index(candidate), candidate)
            if quality > 0 and (best is None or rank[:2] > best[:2]):
                best = rank
    if best is None:
        raise NotAcceptableError
    return best[2]


def _matches(media_type: str) -> list[SimpleFormat]:
    if media_type in {"*/*", "application/*"}:
        # A wildcard gets the default (HTML) for */*; application/* gets JSON or v1 HTML.
        return [SimpleFormat.LEGACY_HTML] if media_type == "*/*" else [SimpleFormat.JSON]
    if media_type == "text/*":
        return [SimpleFormat.LEGACY_HTML]
    chosen = _ALIASES.get(media_type)
    return [] if chosen is None else [chosen]


def _parse_accept(accept: str) -> list[tuple[str, float]]:
    entries = []
    for item in accept.split(","):
        media_type, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = max(0.0, min(1.0, float(value)))
                except ValueError:
                    quality = 0.0
        if media_type:
            entries.append((media_type.lower(), quality))
    return entries
