"""The index's own absolute URLs, for what leaves the request: mails, pasted configuration.

Never built from the request's Host header alone: anyone can send any Host, and a password
reset mailed as `http://evil.example/account/reset-password/<secret>` hands the secret to
whoever runs that site. `base_url` (the public address, e.g. https://pypi.example.org) is the
truth; without it, only a loopback Host is trusted, which is what `make serve` on one machine
sees.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bastion.errors import BastionError

if TYPE_CHECKING:
    from pyramid.request import Request

    from bastion.config import Settings

_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})


class BaseUrlRequiredError(BastionError):
    """An absolute URL was needed for a request from a non-loopback host, and none is set."""

    status_code = 500

    def __init__(self) -> None:
        super().__init__(
            "This index cannot build links for mail: its operator must set base_url "
            "(the public address of the index)."
        )


def public_url(request: Request, route_name: str, **parts: Any) -> str:
    """The absolute URL of a route, on the index's public address.

    Raises:
        BaseUrlRequiredError: no `base_url` is set and the request's host is not loopback.
    """
    settings: Settings = request.registry["settings"]
    if settings.base_url:
        return settings.base_url.rstrip("/") + str(request.route_path(route_name, **parts))
    hostname = (
        request.host.rsplit(":", 1)[0]
        if not request.host.startswith("[")
        else (request.host.split("]", 1)[0] + "]")
    )
    if hostname.lower() not in _LOOPBACK_HOSTS:
        raise BaseUrlRequiredError
    return str(request.route_url(route_name, **parts))
