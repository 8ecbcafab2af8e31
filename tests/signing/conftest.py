"""Fixtures of the signing tests: an index with a small TUF repository, and its publisher."""

from __future__ import annotations

import pytest
from webtest import TestApp

from bastion.app import make_wsgi_app
from bastion.signing.bootstrap import embedded_keys
from bastion.signing.publisher import Publisher
from bastion.signing.repository import initialize
from bastion.storage import LocalStorage

# 16 bins: enough for targets to spread over several, small enough to set up in milliseconds.
BIT_LENGTH = 4


@pytest.fixture
def signed_settings(settings):
    return settings.replace(tuf_keep_versions=1000)


@pytest.fixture
def storage(signed_settings):
    return LocalStorage(signed_settings.storage_dir)


@pytest.fixture
def repository(signed_settings, session, storage):
    """Create the repository (embedded keys, 16 bins)."""
    initialize(session, storage, embedded_keys(signed_settings), bit_length=BIT_LENGTH)
    session.commit()


@pytest.fixture
def signed_app(signed_settings, engines, repository):
    return TestApp(make_wsgi_app(signed_settings, engines=engines))


@pytest.fixture
def publisher(signed_settings, storage, engines, repository):
    return Publisher(signed_settings, storage, engines)


@pytest.fixture
def alice(make_user):
    return make_user("alice")
