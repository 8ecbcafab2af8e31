"""Running the WSGI app under gunicorn, in process (what `bastion serve` does)."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication
from pyramid.router import Router

from bastion.app import make_wsgi_app
from bastion.config import Settings

# Method, path with query, status, bytes, Range header, time in microseconds.
ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(B)s range="%({range}i)s" %(D)sus'


class BastionServer(BaseApplication):  # type: ignore[misc]
    """A gunicorn application whose workers each build their own app after forking.

    Database connection pools must never be shared across processes.
    """

    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        """Apply our options to gunicorn's config."""
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Router:
        """Build the app inside the worker."""
        return make_wsgi_app(self.settings)


def serve(settings: Settings, *, host: str, port: int, workers: int, threads: int) -> None:
    """Serve until interrupted."""
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        # Threads let one worker overlap slow clients and file transfers.
        "worker_class": "gthread",
        "threads": threads,
        "accesslog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "errorlog": "-",
        # Uploads of 100 MiB over slow links must not be cut off mid-stream.
        "timeout": 300,
        "graceful_timeout": 10,
        "keepalive": 5,
        "forwarded_allow_ips": "127.0.0.1",
        # gunicorn's runtime control socket lives in a per-user path shared by every server
        # of that user; Bastion needs no runtime control, and parallel test servers collide.
        "control_socket_disable": True,
    }
    BastionServer(settings, options).run()
