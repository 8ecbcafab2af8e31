"""The in-process publisher: a thread in each web process that publishes pending changes.

It wakes when a change commits in its process (changes.PendingChanges calls `wake`) and
otherwise every `tuf_publish_interval_seconds`, so changes from other processes and expiring
metadata are handled too. Several processes may each run one: the publisher lock serialises
them, and a publish with nothing to do costs one read.
"""

from __future__ import annotations

import logging
import threading

from bastion.signing.publisher import Publisher
from bastion.signing.repository import RepositoryMissingError

logger = logging.getLogger(__name__)


class PublisherThread:
    """Runs `publisher` in a daemon thread until the process exits."""

    def __init__(self, publisher: Publisher, interval_seconds: float) -> None:
        self.publisher = publisher
        self.interval_seconds = interval_seconds
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tuf-publisher", daemon=True)

    def start(self) -> None:
        """Start publishing (once)."""
        self._thread.start()

    def wake(self) -> None:
        """Publish as soon as possible."""
        self._wake.set()

    def _run(self) -> None:
        missing_logged = False
        # The first round always publishes: it repairs a timestamp a killed publisher left
        # behind the database.
        first = True
        while True:
            try:
                if first or self.publisher.has_work():
                    result = self.publisher.publish()
                    if result.changes >= self.publisher.batch_size:
                        self._wake.set()  # more are waiting
                first = False
            except RepositoryMissingError:
                if not missing_logged:
                    logger.warning("TUF signing is on but `bastion tuf init` has not been run")
                    missing_logged = True
                first = False
            except Exception:
                logger.exception("TUF publish failed; retrying")
            self._wake.wait(self.interval_seconds)
            self._wake.clear()
