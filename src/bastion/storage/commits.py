"""Stored blobs that belong to a database transaction: gone again if it does not commit."""

from __future__ import annotations

import transaction.interfaces

from bastion.storage.interfaces import Storage


def remove_unless_committed(
    storage: Storage, keys: list[str], txn: transaction.interfaces.ITransaction
) -> None:
    """Delete the stored blobs again if `txn` aborts or fails to commit."""

    def cleanup() -> None:
        for key in keys:
            storage.delete(key)

    def after_commit(success: bool) -> None:  # noqa: FBT001 - the transaction package's signature
        if not success:
            cleanup()

    txn.addAfterCommitHook(after_commit)
    txn.addAfterAbortHook(cleanup)
