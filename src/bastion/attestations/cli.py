"""`bastion project publisher bind | unbind | show`: which identity may attest a project's files.

Until Trusted Publishing (OIDC) is built, an administrator binds each project that uploads PEP 740
attestations to the CI workflow that signs them; see docs/attestations.md.
"""

from __future__ import annotations

import click
from sqlalchemy.orm import Session

from bastion.attestations.publishers import PublisherIdentity
from bastion.attestations.services import PublisherService
from bastion.cli_support import CliContext, command_line_events, database_session, pass_context
from bastion.events import tags
from bastion.events.services import COMMAND_LINE
from bastion.packaging.models import Project
from bastion.packaging.names import normalize_name
from bastion.packaging.services import ProjectService


@click.group()
def publisher() -> None:
    """The trusted publisher whose PEP 740 attestations a project accepts."""


@publisher.command("bind")
@click.argument("name")
@click.option("--github", "github", metavar="OWNER/REPO", help="A GitHub repository.")
@click.option("--gitlab", "gitlab", metavar="NAMESPACE/PROJECT", help="A GitLab project.")
@click.option(
    "--workflow",
    required=True,
    help="GitHub: the workflow's file name (release.yml). GitLab: the CI file's path "
    "(.gitlab-ci.yml).",
)
@click.option("--environment", default=None, help="The CI environment (recorded, not verified).")
@pass_context
def publisher_bind(  # noqa: PLR0917 - one parameter per option, as click passes them
    ctx: CliContext,
    name: str,
    github: str | None,
    gitlab: str | None,
    workflow: str,
    environment: str | None,
) -> None:
    """Accept attestations for project NAME from one GitHub or GitLab workflow.

    Replaces an earlier binding; files accepted before keep their provenance.
    """
    if (github is None) == (gitlab is None):
        raise click.UsageError("Give exactly one of --github and --gitlab.")
    with database_session(ctx.settings) as session:
        if github is not None:
            identity = PublisherIdentity.github(github, workflow, environment)
        else:
            identity = PublisherIdentity.gitlab(str(gitlab), workflow, environment)
        project = _project(session, name)
        previous = PublisherService(session).bind(project, identity)
        if previous == identity:
            click.echo(f"{project.name} is already bound to {identity.describe()}.")
            return
        command_line_events(session, ctx.settings).record(
            tags.PROJECT_PUBLISHER_BOUND,
            COMMAND_LINE,
            project=(project.id, project.name),
            details={
                "publisher": identity.as_json(),
                "replaced": previous.as_json() if previous is not None else None,
            },
        )
    replaced = f" (was {previous.describe()})" if previous is not None else ""
    click.echo(f"Bound {project.name} to {identity.describe()}{replaced}.")


@publisher.command("unbind")
@click.argument("name")
@pass_context
def publisher_unbind(ctx: CliContext, name: str) -> None:
    """Accept no more attestations for project NAME (uploads with them are refused)."""
    with database_session(ctx.settings) as session:
        project = _project(session, name)
        previous = PublisherService(session).unbind(project)
        if previous is None:
            raise click.ClickException(f"{project.name} has no trusted publisher.")
        command_line_events(session, ctx.settings).record(
            tags.PROJECT_PUBLISHER_UNBOUND,
            COMMAND_LINE,
            project=(project.id, project.name),
            details={"publisher": previous.as_json()},
        )
    click.echo(f"Unbound {project.name} from {previous.describe()}.")


@publisher.command("show")
@click.argument("name")
@pass_context
def publisher_show(ctx: CliContext, name: str) -> None:
    """Show the trusted publisher of project NAME."""
    with database_session(ctx.settings) as session:
        project = _project(session, name)
        identity = PublisherService(session).publisher_of(project.id)
    if identity is None:
        click.echo(f"{project.name} has no trusted publisher: uploads with attestations fail.")
        return
    click.echo(f"{project.name}: {identity.describe()}")


def _project(session: Session, name: str) -> Project:
    project = ProjectService(session).find(normalize_name(name))
    if project is None:
        raise click.ClickException(f"No project {name!r}.")
    return project
