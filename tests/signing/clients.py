"""python-tuf's ngclient pointed at a Bastion app under WebTest, and checks built on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from tuf.api.exceptions import DownloadHTTPError
from tuf.ngclient import Updater
from tuf.ngclient.fetcher import FetcherInterface

from bastion.signing.models import TufTarget

BASE = "http://bastion.test"


class WebTestFetcher(FetcherInterface):
    """Fetches over WebTest instead of the network: the same views, no server."""

    def __init__(self, app) -> None:
        self.app = app
        self.urls: list[str] = []

    def _fetch(self, url: str) -> Iterator[bytes]:
        self.urls.append(url)
        response = self.app.get(url.removeprefix(BASE), expect_errors=True)
        if response.status_int != 200:
            raise DownloadHTTPError(f"{response.status} for {url}", response.status_int)
        return iter([response.body])


def initial_root(app) -> bytes:
    """The first root, as a client would pin it."""
    return app.get("/tuf/1.root.json").body


def updater(
    app, root: bytes, directory: Path, *, fetcher: FetcherInterface | None = None
) -> Updater:
    """A client that trusts `root` and keeps its metadata in `directory` (refreshed).

    Called again on the same directory, it is the same client coming back.
    """
    (directory / "metadata").mkdir(parents=True, exist_ok=True)
    (directory / "targets").mkdir(parents=True, exist_ok=True)
    client = Updater(
        metadata_dir=str(directory / "metadata"),
        metadata_base_url=f"{BASE}/tuf/",
        target_base_url=f"{BASE}/tuf/targets/",
        target_dir=str(directory / "targets"),
        fetcher=fetcher or WebTestFetcher(app),
        # A returning client starts from the root it trusts already.
        bootstrap=None if (directory / "metadata" / "root.json").exists() else root,
    )
    client.refresh()
    return client


def verify_all_targets(app, session: Session, root: bytes, directory: Path) -> dict[str, bytes]:
    """Download every target the database says is signed, through a fresh verifying client.

    Returns each target's verified bytes by path. Fails (raises) if any metadata file or
    target does not verify from `root`.
    """
    client = updater(app, root, directory)
    paths = session.scalars(select(TufTarget.path).order_by(TufTarget.path)).all()
    session.rollback()  # end the read: on SQLite the publisher needs the write lock
    verified = {}
    for path in paths:
        info = client.get_targetinfo(path)
        assert info is not None, f"{path} is in the database but not in the signed metadata"
        verified[path] = Path(client.download_target(info)).read_bytes()
    return verified
