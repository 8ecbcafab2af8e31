"""An in-process cache of rendered simple pages.

Keys carry the project's serial, which changes on every change to the project, so an entry can
never be stale: a new serial simply misses. Every web process keeps its own copy, bounded in
entries; nothing needs invalidating across processes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable


class PageCache:
    """A thread-safe LRU of rendered page bytes."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        """The cached bytes for `key`, or None."""
        with self._lock:
            page = self._entries.get(key)
            if page is not None:
                self._entries.move_to_end(key)
            return page

    def get_or_render(self, key: Hashable, render: Callable[[], bytes]) -> bytes:
        """The cached bytes for `key`, rendering (outside the lock) and storing on a miss."""
        page = self.get(key)
        if page is not None:
            return page
        page = render()
        if self.max_entries > 0:
            with self._lock:
                self._entries[key] = page
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        return page
