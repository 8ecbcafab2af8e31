"""What every `bastion` subcommand shares: the settings, and a session on the database."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator

import click
import transaction
from sqlalchemy.orm import Session

from bastion.accounts.models import User
from bastion.accounts.services import UserService
from bastion.config import Settings
from bastion.db import schema
from bastion.db.engine import make_engines
from bastion.db.sessions import join_transaction
from bastion.errors import BastionError
from bastion.events.services import EventRecorder, Origin
from bastion.server_secret import server_secret


@dataclasses.dataclass
class CliContext:
    """The settings the global options and the environment gave."""

    settings: Settings


pass_context = click.make_pass_decorator(CliContext)


@contextlib.contextmanager
def database_session(settings: Settings) -> Iterator[Session]:
    """A session on an up-to-date database, committed when the block ends without error.

    Raises:
        click.ClickException: the schema is out of date, or the block raised a BastionError
            (its one line becomes the command's error message).
    """
    engines = make_engines(settings)
    try:
        schema.ensure_current(engines.writer)
        # Rows stay readable after the commit, for the command's closing message.
        with Session(engines.writer, expire_on_commit=False) as session:
            yield session
            session.commit()
    except BastionError as exc:
        raise click.ClickException(exc.message) from None
    finally:
        engines.dispose()


@contextlib.contextmanager
def transactional_session(settings: Settings) -> Iterator[Session]:
    """`database_session`, committed through a transaction manager so that its hooks run.

    For commands whose changes do something once committed (mail collaborators, remove
    stored bytes): the same after-commit hooks as in a web request.

    Raises:
        click.ClickException: as `database_session`.
    """
    engines = make_engines(settings)
    manager = transaction.TransactionManager(explicit=True)
    try:
        schema.ensure_current(engines.writer)
        with Session(engines.writer, expire_on_commit=False) as session:
            join_transaction(session, manager)
            with manager:
                yield session
    except BastionError as exc:
        raise click.ClickException(exc.message) from None
    finally:
        engines.dispose()


def command_line_events(session: Session, settings: Settings) -> EventRecorder:
    """An event recorder for what an operator does at the command line (no address)."""
    return EventRecorder(session, server_secret(settings), Origin())


def user_named(session: Session, username: str) -> User:
    """The account called `username`.

    Raises:
        click.ClickException: there is none.
    """
    user = UserService(session).find_by_username(username)
    if user is None:
        raise click.ClickException(f"No user {username!r}.")
    return user
