"""`bastion events`: the audit trail, for operators."""

from __future__ import annotations

import json

import click

from bastion.cli_support import CliContext, database_session, pass_context, user_named
from bastion.events.models import SecurityEvent
from bastion.events.services import events_for
from bastion.packaging.names import normalize_name
from bastion.packaging.services import ProjectService


@click.command()
@click.option("--user", "username", default=None, help="Events about or by this user.")
@click.option("--project", "project_name", default=None, help="Events about this project.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1), help="At most.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@pass_context
def events(
    ctx: CliContext, username: str | None, project_name: str | None, limit: int, *, as_json: bool
) -> None:
    """Show the newest security events, newest first.

    A deleted project's events are still found by the name they recorded.
    """
    with database_session(ctx.settings) as session:
        filters: dict[str, object] = {"limit": limit}
        if username is not None:
            filters["user_id"] = user_named(session, username).id
        if project_name is not None:
            project = ProjectService(session).find(normalize_name(project_name))
            if project is not None:
                filters["project_id"] = project.id
            else:
                filters["project_name"] = project_name
        for event in events_for(session, **filters):
            click.echo(json.dumps(_as_dict(event)) if as_json else _as_line(event))


def _as_dict(event: SecurityEvent) -> dict[str, object]:
    return {
        "id": event.id,
        "time": event.time.isoformat(),
        "tag": event.tag,
        "actor": event.actor_name,
        "user": event.user_name,
        "project": event.project_name,
        "ip_hash": event.ip_hash,
        "ip": event.ip_address,
        "user_agent": event.user_agent,
        "details": event.details,
    }


def _as_line(event: SecurityEvent) -> str:
    subject = " ".join(
        part
        for part in (
            f"user={event.user_name}" if event.user_name else "",
            f"project={event.project_name}" if event.project_name else "",
        )
        if part
    )
    actor = event.actor_name or "(command line)"
    details = json.dumps(event.details, sort_keys=True) if event.details else ""
    return f"{event.time:%Y-%m-%d %H:%M:%S}  {event.tag}  by {actor}  {subject}  {details}".rstrip()
