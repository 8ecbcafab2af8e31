"""Fixtures of the attestation tests: alice, her projects, and binding them to a publisher."""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bastion.attestations.publishers import PublisherIdentity
from bastion.attestations.services import PublisherService
from bastion.packaging.models import Project
from bastion.packaging.names import normalize_name
from tests.factories.dists import build_sdist, upload
from tests.upload.checks import leaves_nothing


@pytest.fixture
def alice(make_user):
    """Authorization header of alice, who owns the projects these tests upload to."""
    return make_user("alice")


@pytest.fixture
def unchanged(engines, settings):
    """`with unchanged(): ...` fails unless the block leaves no row and no file behind."""

    def check() -> contextlib.AbstractContextManager:
        return leaves_nothing(engines.writer, settings)

    return check


@pytest.fixture
def create_project(app, alice):
    """Create project `name` by uploading an earlier release of it (0.0.1) as alice."""

    def create(name: str) -> None:
        upload(app, build_sdist(name, "0.0.1"), alice, status=200)

    return create


@pytest.fixture
def bind(session: Session):
    """Bind project `name` to `identity`, as `bastion project publisher bind` does; commits."""

    def bind_to(name: str, identity: PublisherIdentity) -> None:
        project = session.scalars(
            select(Project).where(Project.normalized_name == normalize_name(name))
        ).one()
        PublisherService(session).bind(project, identity)
        session.commit()

    return bind_to
