"""Blobs stored inside a request's transaction go again when that transaction does not commit.

pyramid_tm gives each request its own transaction manager; hooks registered on the thread's
global transaction instead would never run (they did not, before `transaction_of`).
"""

from __future__ import annotations

import pytest
import transaction
import zope.sqlalchemy
from sqlalchemy.orm import Session

from bastion.db import sessions
from bastion.storage import LocalStorage
from bastion.storage.commits import remove_unless_committed


def _request_like_session(engines, manager: transaction.TransactionManager) -> Session:
    session = Session(engines.writer)
    zope.sqlalchemy.register(session, transaction_manager=manager)
    session.info[sessions._TRANSACTION_MANAGER] = manager
    return session


@pytest.mark.parametrize(("end", "kept"), [("abort", False), ("commit", True)])
def test_blob_follows_the_request_transaction(engines, tmp_path, end: str, kept: bool) -> None:
    storage = LocalStorage(tmp_path / "files")
    manager = transaction.TransactionManager(explicit=True)
    manager.begin()
    session = _request_like_session(engines, manager)
    storage.put_bytes("a/blob", b"data")
    remove_unless_committed(storage, ["a/blob"], sessions.transaction_of(session))
    getattr(manager, end)()
    assert storage.exists("a/blob") is kept
    session.close()
