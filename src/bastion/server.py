"""Running the WSGI app under gunicorn (what `bastion serve` hands over to).

`bastion serve` checks the data directory and the schema, then replaces itself (exec, same
process id, so signals and process supervisors see no difference) with `python -m
bastion.server`, passing the exact settings as JSON in BASTION_SERVE_SETTINGS. The gunicorn
master then holds only gunicorn and this module: each worker imports and builds the app after
forking, so the master stays small (about 30 MiB instead of the 90 MiB the whole `bastion`
command imports) and the sandbox's fork server, which re-imports the main module, stays small
too.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gunicorn.app.base import BaseApplication

from bastion.config import Settings

if TYPE_CHECKING:
    from pyramid.router import Router

SETTINGS_VARIABLE = "BASTION_SERVE_SETTINGS"

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
        """Build the app inside the worker (imported here, not in the master)."""
        from bastion.app import make_wsgi_app  # noqa: PLC0415 - the master must not import it

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


def exec_server(settings: Settings, *, host: str, port: int, workers: int, threads: int) -> None:
    """Replace this process with `python -m bastion.server` serving `settings` (never returns)."""
    values = {
        field.name: str(value) if isinstance(value, Path) else value
        for field in dataclasses.fields(settings)
        if (value := getattr(settings, field.name)) != field.default
    }
    environment = {**os.environ, SETTINGS_VARIABLE: json.dumps(values)}
    arguments = ["--host", host, "--port", str(port), "--workers", str(workers)]
    arguments += ["--threads", str(threads)]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(  # noqa: S606 - our own interpreter and module, no shell
        sys.executable, [sys.executable, "-m", "bastion.server", *arguments], environment
    )


def main(argv: list[str] | None = None) -> None:
    """Serve the settings `bastion serve` passed in BASTION_SERVE_SETTINGS."""
    parser = argparse.ArgumentParser(prog="python -m bastion.server")
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--threads", type=int, required=True)
    args = parser.parse_args(argv)
    raw = os.environ.get(SETTINGS_VARIABLE)
    if raw is None:
        parser.error(f"run `bastion serve`: {SETTINGS_VARIABLE} is not set")
    settings = Settings.from_mapping(json.loads(raw))
    serve(settings, host=args.host, port=args.port, workers=args.workers, threads=args.threads)


if __name__ == "__main__":
    main()
