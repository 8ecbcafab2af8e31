"""Publisher identities: who may sign a project's attestations, as a value to compare and show.

A `PublisherIdentity` is what an administrator binds a project to, what each attestation is
verified against, and what the provenance object names as the attestations' publisher.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from typing import Any

from pypi_attestations import GitHubPublisher, GitLabPublisher

from bastion.attestations.errors import InvalidPublisherError


class PublisherKind(enum.StrEnum):
    """The Trusted Publisher kinds Bastion verifies (pypi_attestations' `kind` values)."""

    GITHUB = "GitHub"
    GITLAB = "GitLab"


# GitHub: an owner (letters, digits, hyphens) and a repository name.
_GITHUB_REPOSITORY = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")
# The workflow is the file name under .github/workflows/, as its certificate names it.
_GITHUB_WORKFLOW = re.compile(r"[A-Za-z0-9._-]{1,200}\.ya?ml")
# GitLab: a namespace, any subgroups, and a project.
_GITLAB_REPOSITORY = re.compile(r"[A-Za-z0-9._-]{1,100}(?:/[A-Za-z0-9._-]{1,100}){1,20}")
# The CI file's path in the repository, relative and without `..`.
_GITLAB_WORKFLOW = re.compile(r"(?:[A-Za-z0-9._-]{1,100}/){0,20}[A-Za-z0-9._-]{1,100}\.ya?ml")
_ENVIRONMENT = re.compile(r"[A-Za-z0-9 ._-]{1,255}")


@dataclasses.dataclass(frozen=True)
class PublisherIdentity:
    """A CI workflow that signs attestations through Sigstore (GitHub Actions or GitLab CI)."""

    kind: PublisherKind
    repository: str
    workflow: str
    environment: str | None = None

    @classmethod
    def github(
        cls, repository: str, workflow: str, environment: str | None = None
    ) -> PublisherIdentity:
        """A GitHub Actions workflow: `repository` is OWNER/REPO, `workflow` its file name.

        Raises:
            InvalidPublisherError: either is not of that form.
        """
        workflow = workflow.removeprefix(".github/workflows/")
        _check(_GITHUB_REPOSITORY, repository, "--github", "OWNER/REPO")
        _check(_GITHUB_WORKFLOW, workflow, "--workflow", "the file name, e.g. release.yml")
        return cls(PublisherKind.GITHUB, repository, workflow, _environment(environment))

    @classmethod
    def gitlab(
        cls, repository: str, workflow: str, environment: str | None = None
    ) -> PublisherIdentity:
        """A GitLab CI/CD pipeline: `repository` is NAMESPACE/PROJECT, `workflow` the CI file.

        Raises:
            InvalidPublisherError: either is not of that form.
        """
        _check(_GITLAB_REPOSITORY, repository, "--gitlab", "NAMESPACE/PROJECT")
        _check(_GITLAB_WORKFLOW, workflow, "--workflow", "the CI file's path, e.g. .gitlab-ci.yml")
        if ".." in workflow.split("/"):
            raise InvalidPublisherError("--workflow", workflow, "a path inside the repository")
        return cls(PublisherKind.GITLAB, repository, workflow, _environment(environment))

    def as_publisher(self) -> GitHubPublisher | GitLabPublisher:
        """The pypi_attestations publisher, which both verifies and describes attestations."""
        if self.kind is PublisherKind.GITHUB:
            return GitHubPublisher(
                repository=self.repository, workflow=self.workflow, environment=self.environment
            )
        return GitLabPublisher(
            repository=self.repository,
            workflow_filepath=self.workflow,
            environment=self.environment,
        )

    def as_json(self) -> dict[str, Any]:
        """The provenance object's `publisher`, in the shape PyPI serves."""
        return self.as_publisher().model_dump(mode="json")

    def describe(self) -> str:
        """One line for messages: `GitHub pypa/sampleproject, workflow release.yml`."""
        line = f"{self.kind.value} {self.repository}, workflow {self.workflow}"
        return line + (f", environment {self.environment}" if self.environment else "")


def _check(pattern: re.Pattern[str], value: str, option: str, expected: str) -> None:
    if not pattern.fullmatch(value):
        raise InvalidPublisherError(option, value, expected)


def _environment(environment: str | None) -> str | None:
    if not environment:
        return None
    _check(_ENVIRONMENT, environment, "--environment", "a GitHub or GitLab environment name")
    return environment
