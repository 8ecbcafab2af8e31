"""Where distribution files and their metadata files live.

`Storage` is the protocol every backend implements; `LocalStorage` (a directory) is the
embedded default. Paths are relative, '/'-separated keys chosen by the caller.
"""

from bastion.storage.interfaces import Storage
from bastion.storage.local import LocalStorage

__all__ = ["LocalStorage", "Storage"]
