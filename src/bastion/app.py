"""The WSGI application: a Pyramid Configurator that includes each domain, and nothing else.

Long-lived objects (engines, storage, page cache) are built once here from `Settings` and kept
on the registry; everything that holds a database session is built per request.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Any

from pyramid.config import Configurator
from pyramid.csrf import CookieCSRFStoragePolicy
from pyramid.exceptions import BadCSRFOrigin, BadCSRFToken
from pyramid.request import Request
from pyramid.response import Response
from pyramid.router import Router
from pyramid.view import view_config

from bastion.accounts.ratelimits import RateLimits
from bastion.accounts.secretbox import SecretBox
from bastion.accounts.security import BastionSecurityPolicy
from bastion.config import Settings
from bastion.db.engine import Engines, make_engines
from bastion.errors import BastionError
from bastion.inspection.limits import InspectionLimits
from bastion.inspection.sandbox import Sandbox
from bastion.server_secret import server_secret
from bastion.signing.publisher import Publisher
from bastion.signing.worker import PublisherThread
from bastion.simple.cache import PageCache
from bastion.storage import LocalStorage
from bastion.web.responses import error_response

logger = logging.getLogger(__name__)

# Nothing is loaded from outside the server; no inline script anywhere.
_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; "
    "connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def make_wsgi_app(settings: Settings, *, engines: Engines | None = None) -> Router:
    """Build the application for `settings` (engines may be passed in to share a pool)."""
    (settings.data_dir / "tmp").mkdir(parents=True, exist_ok=True)
    config = Configurator(
        settings={
            "tm.manager_hook": "pyramid_tm.explicit_manager",
            # pyramid_tm would authenticate every request in its tween, above the exception
            # views (a wrong password became a 500) and before the view asks (argon2 twice).
            "tm.annotate_user": "false",
            "jinja2.filters": "",
        }
    )
    config.registry["settings"] = settings
    config.registry["engines"] = engines or make_engines(settings)
    config.registry["storage"] = LocalStorage(settings.storage_dir)
    config.registry["page_cache"] = PageCache(settings.page_cache_entries)
    config.registry["server_secret"] = server_secret(settings)
    config.registry["rate_limits"] = RateLimits.from_settings(settings)
    config.registry["secret_box"] = (
        SecretBox(settings.totp_encryption_key.encode())
        if settings.totp_encryption_key
        else SecretBox.from_server_secret(config.registry["server_secret"])
    )
    config.registry["sandbox"] = Sandbox(
        InspectionLimits.from_settings(settings),
        concurrency=settings.inspection_concurrency,
        scan=settings.malware_scan,
    )
    if settings.tuf_enabled:
        _start_publisher(config, settings)
    config.set_security_policy(BastionSecurityPolicy())
    # Every unsafe request needs a CSRF token (the upload API opts out: it takes no cookies).
    # In a cookie, not a session, so the signed-out forms (sign in, register) are covered too.
    config.set_csrf_storage_policy(
        CookieCSRFStoragePolicy(secure=settings.https, httponly=True, samesite="Strict")
    )
    config.set_default_csrf_options(require_csrf=True)

    config.include("pyramid_tm")
    config.include("pyramid_jinja2")
    config.add_jinja2_renderer(".html")
    config.get_jinja2_environment(".html")  # force creation so globals can be set
    config.action(None, _set_template_globals, args=(config, settings), order=1000)
    config.include("bastion.db.sessions")
    config.include("bastion.upload.views")
    config.include("bastion.simple.views")
    config.include("bastion.simple.json_api")
    config.include("bastion.packaging.views")
    config.include("bastion.web.views")
    config.include("bastion.accounts.views")
    config.include("bastion.accounts.twofactor_views")
    config.include("bastion.accounts.securitykey_views")
    config.include("bastion.tokens.views")
    config.include("bastion.events.views")
    config.include("bastion.attestations.views")
    config.include("bastion.signing.views")
    config.add_tween("bastion.app.security_headers_tween_factory")
    config.scan(
        "bastion",
        ignore=[
            "bastion.db.migrations",
            "bastion.cli",
            "bastion.cli_support",
            "bastion.attestations.cli",
            "bastion.events.cli",
            "bastion.tokens.cli",
            "bastion.signing.cli",
            "bastion.signing.client",
            "bastion.server",
        ],
    )
    return config.make_wsgi_app()


def _start_publisher(config: Configurator, settings: Settings) -> None:
    """Publish signed metadata from a thread of this process (see signing/worker.py)."""
    publisher = Publisher(settings, config.registry["storage"], config.registry["engines"])
    config.registry["tuf_publisher"] = publisher
    if settings.tuf_publish_in_process:
        thread = PublisherThread(publisher, settings.tuf_publish_interval_seconds)
        config.registry["tuf_wake"] = thread.wake
        thread.start()


def _set_template_globals(config: Configurator, settings: Settings) -> None:
    environment = config.get_jinja2_environment(".html")
    environment.globals["site_name"] = settings.site_name
    environment.autoescape = True


def security_headers_tween_factory(
    handler: Callable[[Request], Response],
    registry: Any,  # noqa: ARG001 - Pyramid's tween factory signature
) -> Callable[[Request], Response]:
    """Add headers that harden every response."""

    def tween(request: Request) -> Response:
        response = handler(request)
        headers = response.headers
        headers.setdefault("Content-Security-Policy", _CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        return response

    return tween


@view_config(context=BastionError)
def bastion_error(exc: BastionError, request: Request) -> Response:  # noqa: ARG001
    """A client error: its one line goes in the status line (twine shows only that) and body."""
    return error_response(exc)


@view_config(context=BadCSRFToken)
@view_config(context=BadCSRFOrigin)
def csrf_refused(exc: Exception, request: Request) -> Response:  # noqa: ARG001
    """A form posted without this site's CSRF token (or from another origin): 403."""
    response = Response(
        "CSRF check failed: reload the page and submit the form again.\n",
        content_type="text/plain",
        charset="utf-8",
    )
    response.status = "403 CSRF check failed"
    return response


@view_config(context=Exception)
def server_error(exc: Exception, request: Request) -> Response:
    """Anything unexpected: logged with an id, which is all the client sees."""
    error_id = secrets.token_hex(8)
    logger.error(
        "unhandled error %s on %s %s", error_id, request.method, request.path, exc_info=exc
    )
    response = Response(
        f"Internal server error (id {error_id}). The index's operators can find it in the log.\n",
        content_type="text/plain",
    )
    response.status = 500
    return response
