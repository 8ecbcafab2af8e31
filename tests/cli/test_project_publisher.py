"""`bastion project publisher bind | unbind | show`, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bastion.attestations.publishers import PublisherIdentity
from bastion.attestations.services import PublisherService
from bastion.config import Settings
from bastion.db.engine import make_engines
from bastion.packaging.models import Project


@pytest.fixture
def sample(bastion, empty_database_url):
    """A project called Sample.Project on the CLI's database; returns a reader of its binding."""
    assert bastion("init").exit_code == 0
    engines = make_engines(Settings(database_url=empty_database_url))
    with Session(engines.writer) as session:
        session.add(Project(name="Sample.Project", normalized_name="sample-project"))
        session.commit()

    def publisher() -> PublisherIdentity | None:
        with Session(engines.writer) as session:
            project = session.scalars(
                select(Project).where(Project.normalized_name == "sample-project")
            ).one()
            return PublisherService(session).publisher_of(project.id)

    yield publisher
    engines.dispose()


def _events(bastion) -> list[dict]:
    result = bastion("events", "--project", "sample-project", "--json")
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_bind_a_github_workflow(bastion, sample):
    result = bastion(
        "project", "publisher", "bind", "sample_project",
        "--github", "pypa/sampleproject", "--workflow", "release.yml", "--environment", "pypi",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert result.output == (
        "Bound Sample.Project to GitHub pypa/sampleproject, workflow release.yml, "
        "environment pypi.\n"
    )
    assert sample() == PublisherIdentity.github("pypa/sampleproject", "release.yml", "pypi")
    (event,) = _events(bastion)
    assert event["tag"] == "project:publisher:bound"
    assert event["actor"] is None  # the command line
    assert event["details"] == {
        "publisher": {
            "kind": "GitHub",
            "repository": "pypa/sampleproject",
            "workflow": "release.yml",
            "environment": "pypi",
        },
        "replaced": None,
    }


def test_bind_again_replaces_and_says_what(bastion, sample):
    bastion(
        "project", "publisher", "bind", "sample-project", "--github", "a/b", "--workflow", "x.yml"
    )

    result = bastion(
        "project", "publisher", "bind", "sample-project",
        "--gitlab", "group/sub/project", "--workflow", "ci/release.yml",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "(was GitHub a/b, workflow x.yml)" in result.output
    assert sample() == PublisherIdentity.gitlab("group/sub/project", "ci/release.yml")
    events = _events(bastion)
    assert events[0]["details"]["replaced"]["repository"] == "a/b"
    assert events[0]["details"]["publisher"]["workflow_filepath"] == "ci/release.yml"


def test_bind_the_same_publisher_twice_changes_nothing(bastion, sample):
    args = (
        "project",
        "publisher",
        "bind",
        "sample-project",
        "--github",
        "a/b",
        "--workflow",
        "x.yml",
    )
    bastion(*args)
    result = bastion(*args)
    assert result.exit_code == 0, result.output
    assert "already bound" in result.output
    assert len(_events(bastion)) == 1


def test_a_workflow_path_is_reduced_to_the_file_name(bastion, sample):
    result = bastion(
        "project", "publisher", "bind", "sample-project",
        "--github", "a/b", "--workflow", ".github/workflows/release.yaml",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sample() == PublisherIdentity.github("a/b", "release.yaml")


def test_unbind_and_show(bastion, sample):
    bastion(
        "project", "publisher", "bind", "sample-project", "--github", "a/b", "--workflow", "x.yml"
    )
    assert bastion("project", "publisher", "show", "Sample.Project").output == (
        "Sample.Project: GitHub a/b, workflow x.yml\n"
    )

    result = bastion("project", "publisher", "unbind", "sample-project")

    assert result.exit_code == 0, result.output
    assert result.output == "Unbound Sample.Project from GitHub a/b, workflow x.yml.\n"
    assert sample() is None
    assert [e["tag"] for e in _events(bastion)] == [
        "project:publisher:unbound",
        "project:publisher:bound",
    ]
    assert (
        "has no trusted publisher"
        in bastion("project", "publisher", "show", "sample-project").output
    )
    again = bastion("project", "publisher", "unbind", "sample-project")
    assert again.exit_code == 1
    assert "Sample.Project has no trusted publisher." in again.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--workflow", "x.yml"), "Give exactly one of --github and --gitlab."),
        (("--github", "a/b", "--gitlab", "a/b", "--workflow", "x.yml"), "Give exactly one"),
    ],
)
@pytest.mark.usefixtures("sample")
def test_bind_needs_exactly_one_forge(bastion, args, message):
    result = bastion("project", "publisher", "bind", "sample-project", *args)
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--github", "just-a-name", "--workflow", "x.yml"), "Invalid --github 'just-a-name'"),
        (("--github", "a/b", "--workflow", "x.sh"), "Invalid --workflow 'x.sh'"),
        (("--github", "a/b", "--workflow", "sub/x.yml"), "Invalid --workflow 'sub/x.yml'"),
        (("--gitlab", "a/b", "--workflow", "../x.yml"), "Invalid --workflow '../x.yml'"),
        (("--gitlab", "a", "--workflow", "x.yml"), "Invalid --gitlab 'a'"),
        (("--github", "a/b", "--workflow", "x.yml", "--environment", "a\nb"), "--environment"),
    ],
)
def test_bind_refuses_a_malformed_identity(bastion, sample, args, message):
    result = bastion("project", "publisher", "bind", "sample-project", *args)
    assert result.exit_code == 1
    assert message in result.output
    assert sample() is None


@pytest.mark.usefixtures("sample")
@pytest.mark.parametrize("command", ["bind", "unbind", "show"])
def test_an_unknown_project_is_an_error(bastion, command):
    extra = ("--github", "a/b", "--workflow", "x.yml") if command == "bind" else ()
    result = bastion("project", "publisher", command, "nothing-here", *extra)
    assert result.exit_code == 1
    assert "No project 'nothing-here'." in result.output
