"""Fixtures of the upload tests: the usual accounts, and apps with other limits."""

from __future__ import annotations

import contextlib

import pytest

from tests.upload.checks import leaves_nothing


@pytest.fixture
def alice(make_user):
    """Authorization header of alice, who uploads first and so owns what she uploads."""
    return make_user("alice")


@pytest.fixture
def bob(make_user):
    """Authorization header of bob, who has no role on alice's projects."""
    return make_user("bob")


@pytest.fixture
def unchanged(engines, settings):
    """`with unchanged(): ...` fails unless the block leaves no row and no file behind."""

    def check() -> contextlib.AbstractContextManager:
        return leaves_nothing(engines.writer, settings)

    return check
