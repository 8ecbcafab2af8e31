"""The event recorder for a web request: its session, the server secret and its origin."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bastion.events.services import EventRecorder, Origin

if TYPE_CHECKING:
    from pyramid.request import Request


def event_recorder(request: Request) -> EventRecorder:
    """A recorder that adds events to the request's transaction.

    The address is the peer's as the WSGI server saw it; behind a proxy, the proxy must be
    configured to pass the client's (gunicorn's `forwarded_allow_ips`).
    """
    origin = Origin(ip=request.client_addr, user_agent=request.user_agent)
    return EventRecorder(request.db, request.registry["server_secret"], origin)
