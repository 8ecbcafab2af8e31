"""One SQLAlchemy session per request, committed or rolled back with the request's transaction."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import transaction
import zope.sqlalchemy
from sqlalchemy.orm import Session, sessionmaker

from bastion.db.engine import Engines

if TYPE_CHECKING:
    from pyramid.config import Configurator
    from pyramid.request import Request

# Methods that never change state read through the reader engine (see engine.py).
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclasses.dataclass(frozen=True)
class SessionFactories:
    """Session makers for the reader and the writer engine."""

    reader: sessionmaker[Session]
    writer: sessionmaker[Session]

    @classmethod
    def for_engines(cls, engines: Engines) -> SessionFactories:
        """Build both factories; objects stay usable after commit (responses render later)."""
        return cls(
            reader=sessionmaker(bind=engines.reader, expire_on_commit=False),
            writer=sessionmaker(bind=engines.writer, expire_on_commit=False),
        )


def includeme(config: Configurator) -> None:
    """Add `request.db`, a session joined to pyramid_tm's transaction."""
    factories = SessionFactories.for_engines(config.registry["engines"])
    config.registry["session_factories"] = factories

    def request_session(request: Request) -> Session:
        factory = factories.reader if request.method in _SAFE_METHODS else factories.writer
        session = factory()
        join_transaction(session, request.tm)
        request.add_finished_callback(lambda _request: session.close())
        return session

    config.add_request_method(request_session, "db", reify=True)


_TRANSACTION_MANAGER = "bastion.transaction_manager"


def join_transaction(session: Session, manager: transaction.TransactionManager) -> None:
    """Commit or abort `session` with `manager`'s transactions, and run their hooks.

    A session joined this way is committed through the manager, never by `session.commit()`.
    """
    zope.sqlalchemy.register(session, transaction_manager=manager)
    session.info[_TRANSACTION_MANAGER] = manager


def transaction_of(session: Session) -> transaction.Transaction:
    """The transaction `session` commits with: its request's, or the thread's outside one.

    pyramid_tm gives each request a transaction manager of its own, so the thread's global
    `transaction.get()` is another transaction, whose hooks never run.
    """
    manager = session.info.get(_TRANSACTION_MANAGER, transaction.manager)
    return manager.get()
