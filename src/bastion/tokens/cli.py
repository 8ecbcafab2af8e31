"""`bastion token create | list | revoke`: API tokens, from the command line."""

from __future__ import annotations

import datetime

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from bastion.accounts.models import User
from bastion.cli_support import (
    CliContext,
    command_line_events,
    database_session,
    pass_context,
    user_named,
)
from bastion.db.types import utcnow
from bastion.events import tags
from bastion.events.services import COMMAND_LINE
from bastion.packaging.models import Project
from bastion.packaging.names import normalize_name
from bastion.packaging.services import ProjectService
from bastion.tokens.caveats import Restrictions, describe_scope
from bastion.tokens.errors import TokenExpiryError
from bastion.tokens.services import TokenService

_NEVER = "never"


@click.group()
def token() -> None:
    """API tokens (`twine upload -u __token__ -p <token>`)."""


@token.command("create")
@click.argument("username")
@click.option("--name", "token_name", required=True, help="What the token is for, e.g. 'CI'.")
@click.option(
    "--project",
    "projects",
    multiple=True,
    help="Limit the token to this project (repeat for several). Default: the whole account.",
)
@click.option(
    "--expires",
    default=None,
    help="Days until it expires, or 'never' where the index allows it. "
    "Default: token_default_expiry_days (90).",
)
@pass_context
def token_create(
    ctx: CliContext, username: str, token_name: str, projects: tuple[str, ...], expires: str | None
) -> None:
    """Create a token for USERNAME and print it (once: it is not stored readable).

    The token alone goes to standard output, everything else to standard error, so
    `TOKEN=$(bastion token create alice --name CI)` captures just the token.
    """
    settings = ctx.settings
    now = utcnow()
    expiry = _expiry(expires, settings.token_default_expiry_days, now)
    if expiry is None and not settings.token_allow_no_expiry:
        raise click.ClickException(TokenExpiryError().message)
    with database_session(settings) as session:
        user = user_named(session, username)
        scope = _projects(session, projects) if projects else None
        restrictions = Restrictions(
            user_id=user.id,
            project_ids=frozenset(p.id for p in scope) if scope is not None else None,
            not_before=now,
            expires=expiry,
        )
        row, secret = TokenService(session).create(user.id, token_name, restrictions)
        scope_names = [p.name for p in scope] if scope is not None else None
        command_line_events(session, settings).record(
            tags.USER_TOKEN_CREATED,
            COMMAND_LINE,
            user=(user.id, user.username),
            details={
                "token_id": row.id,
                "name": token_name,
                "projects": scope_names,
                "expires": expiry.isoformat() if expiry else None,
            },
        )
    click.echo(
        f"Created token {token_name!r} ({row.id}) for {user.username}: "
        f"{describe_scope(scope_names)}, "
        f"{'never expires' if expiry is None else 'expires ' + expiry.date().isoformat()}. "
        "It is shown once:",
        err=True,
    )
    click.echo(secret)


@token.command("list")
@click.argument("username")
@pass_context
def token_list(ctx: CliContext, username: str) -> None:
    """List USERNAME's tokens: id, name, scope, created, expires, last used, revoked."""
    with database_session(ctx.settings) as session:
        user = user_named(session, username)
        projects: dict[int, str] = dict(session.execute(select(Project.id, Project.name)).all())
        for row in TokenService(session).tokens_of(user.id):
            scope = (
                None
                if row.project_ids is None
                else [projects.get(i, f"#{i} (deleted)") for i in row.project_ids]
            )
            click.echo(
                f"{row.id}  {row.name!r}  {describe_scope(scope)}  "
                f"created {_day(row.created)}  expires {_day(row.expires)}  "
                f"last used {_day(row.last_used)}"
                + (f"  REVOKED {_day(row.revoked)}" if row.revoked else "")
            )


@token.command("revoke")
@click.argument("token_id")
@pass_context
def token_revoke(ctx: CliContext, token_id: str) -> None:
    """Revoke the token TOKEN_ID (from `bastion token list`) for good."""
    with database_session(ctx.settings) as session:
        row = TokenService(session).revoke(token_id)
        if row is None:
            raise click.ClickException(f"No token {token_id!r}.")
        owner = session.get_one(User, row.user_id)
        command_line_events(session, ctx.settings).record(
            tags.USER_TOKEN_REVOKED,
            COMMAND_LINE,
            user=(owner.id, owner.username),
            details={"token_id": row.id, "name": row.name},
        )
    click.echo(f"Revoked token {row.name!r} ({row.id}).")


def _expiry(raw: str | None, default_days: int, now: datetime.datetime) -> datetime.datetime | None:
    if raw is None:
        return now + datetime.timedelta(days=default_days)
    if raw.strip().lower() == _NEVER:
        return None
    try:
        days = int(raw)
    except ValueError:
        raise click.BadParameter("a number of days, or 'never'", param_hint="--expires") from None
    if days < 1:
        raise click.BadParameter("at least 1 day", param_hint="--expires")
    return now + datetime.timedelta(days=days)


def _projects(session: Session, names: tuple[str, ...]) -> list[Project]:
    found = []
    for name in names:
        project = ProjectService(session).find(normalize_name(name))
        if project is None:
            raise click.ClickException(f"No project {name!r}.")
        found.append(project)
    return found


def _day(moment: datetime.datetime | None) -> str:
    return moment.date().isoformat() if moment else "-"
