"""The `bastion` command: serve the index, manage its database and its users."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from sqlalchemy.orm import Session

from bastion.accounts.policy import PasswordPolicy
from bastion.accounts.services import UserService
from bastion.attestations.cli import publisher
from bastion.cli_support import CliContext, pass_context
from bastion.config import Settings
from bastion.db import schema
from bastion.db.engine import make_engines
from bastion.errors import BastionError
from bastion.events.cli import events
from bastion.malware.cli import scan
from bastion.signing import bootstrap, keys
from bastion.signing.cli import tuf
from bastion.signing.client.cli import verify
from bastion.storage import LocalStorage
from bastion.tokens.cli import token


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="BASTION_DATA_DIR",
    default=None,
    help="Data directory (database, files, keys). Default ./bastion-data [BASTION_DATA_DIR].",
)
@click.option(
    "--database-url",
    envvar="BASTION_DATABASE_URL",
    default=None,
    help="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db. Default: SQLite in the "
    "data directory [BASTION_DATABASE_URL].",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    envvar="BASTION_CONFIG",
    default=None,
    help="A TOML file with a [bastion] table of settings [BASTION_CONFIG].",
)
@click.pass_context
def main(
    ctx: click.Context, data_dir: Path | None, database_url: str | None, config_file: Path | None
) -> None:
    """Bastion, a secure Python package index.

    Start with `bastion init`, then `bastion serve`; create accounts with `bastion user create`.
    Settings come from BASTION_* environment variables, a TOML file, and these options.
    """
    try:
        settings = Settings.from_env(config_file=config_file)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    overrides: dict[str, object] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if database_url is not None:
        overrides["database_url"] = database_url
    ctx.obj = CliContext(settings.replace(**overrides))


@main.command()
@pass_context
def init(ctx: CliContext) -> None:
    """Create the data directory and, for a new database, its schema. Safe to run again."""
    settings = ctx.settings
    _init_data_dir(settings)
    click.echo(f"Data directory: {settings.data_dir.resolve()}")


def _init_data_dir(settings: Settings) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.storage_dir.mkdir(parents=True, exist_ok=True)
    engines = make_engines(settings)
    try:
        if schema.is_empty(engines.writer):
            schema.upgrade(engines.writer)
            click.echo("Created the database schema.")
        else:
            schema.ensure_current(engines.writer)
        with Session(engines.writer) as session, session.begin():
            storage = LocalStorage(settings.storage_dir)
            if bootstrap.initialize_embedded(session, storage, settings):
                click.echo("Created the TUF repository (signing is on).")
                keys_dir = keys.keys_dir(settings)
                click.echo(bootstrap.OFFLINE_KEYS_WARNING.format(keys_dir=keys_dir), err=True)
    except BastionError as exc:
        raise click.ClickException(exc.message) from None
    finally:
        engines.dispose()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--workers", default=2, show_default=True, type=int, help="Worker processes.")
@click.option("--threads", default=8, show_default=True, type=int, help="Threads per worker.")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Data directory; the same as `bastion --data-dir DIR serve`.",
)
@pass_context
def serve(
    ctx: CliContext, *, host: str, port: int, workers: int, threads: int, data_dir: Path | None
) -> None:
    """Serve the index (initialising a new data directory first)."""
    from bastion.server import exec_server  # noqa: PLC0415 - only `serve` needs gunicorn

    # `bastion serve --data-dir DIR` is how the issue spells it; the global option works too.
    settings = ctx.settings if data_dir is None else ctx.settings.replace(data_dir=data_dir)
    _init_data_dir(settings)
    click.echo(f"Serving {settings.data_dir.resolve()} on http://{host}:{port}/", err=True)
    exec_server(settings, host=host, port=port, workers=workers, threads=threads)


@main.group()
def db() -> None:
    """Database schema migrations."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@pass_context
def db_upgrade(ctx: CliContext, revision: str) -> None:
    """Apply schema migrations (safe to run while the index serves)."""
    engines = make_engines(ctx.settings)
    try:
        schema.upgrade(engines.writer, revision)
        click.echo(f"Database at revision {schema.current_revision(engines.writer)}.")
    finally:
        engines.dispose()


@db.command("current")
@pass_context
def db_current(ctx: CliContext) -> None:
    """Show the schema revision of the database and of this code."""
    engines = make_engines(ctx.settings)
    try:
        current = schema.current_revision(engines.writer)
        head = schema.head_revision(engines.writer)
        click.echo(f"database: {current or 'none'}\ncode:     {head}")
    finally:
        engines.dispose()


@main.group()
def user() -> None:
    """User accounts."""


@user.command("create")
@click.argument("username")
@click.option("--email", required=True, help="The account's email address.")
@click.option("--admin", is_flag=True, help="Make the account an administrator.")
@pass_context
def user_create(ctx: CliContext, username: str, email: str, *, admin: bool) -> None:
    """Create an account.

    The password comes from BASTION_PASSWORD, else a prompt: never from the command line,
    where other users could read it in the process list. It is checked for length, strength
    and known breaches (Have I Been Pwned, as the breached_password_* settings say).
    """
    try:
        policy = PasswordPolicy.from_settings(
            ctx.settings, warn=lambda line: click.echo(f"Warning: {line}", err=True)
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    password = os.environ.get("BASTION_PASSWORD") or _prompt_password()
    _init_data_dir(ctx.settings)
    engines = make_engines(ctx.settings)
    try:
        with Session(engines.writer) as session:
            try:
                created = UserService(session, password_policy=policy).create_user(
                    username, email=email, password=password, is_admin=admin
                )
            except BastionError as exc:
                raise click.ClickException(exc.message) from None
            session.commit()
            click.echo(f"Created user {created.username!r}{' (admin)' if admin else ''}.")
    finally:
        engines.dispose()


def _prompt_password() -> str:
    if not sys.stdin.isatty():
        raise click.ClickException("Set BASTION_PASSWORD or run interactively to give a password.")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@main.group()
def project() -> None:
    """Projects: their trusted publisher."""


project.add_command(publisher)


main.add_command(token)
main.add_command(events)
main.add_command(tuf)
main.add_command(verify)
main.add_command(scan)
