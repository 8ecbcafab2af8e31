"""Shared fixtures: real databases (SQLite always, PostgreSQL when configured), the app, users.

Every test that takes `database_url` runs twice: on SQLite and on the PostgreSQL database named
by BASTION_TEST_DATABASE_URL (skipped, saying why, when it is unset). Each SQLite test gets a
copy of a database migrated once per session; PostgreSQL tests share one migrated database per
xdist worker and empty its tables after each test. Code under test commits for real, so
concurrency tests see what production would.
"""

from __future__ import annotations

import base64
import functools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from webtest import TestApp

from bastion.accounts import passwords as passwords_module
from bastion.accounts.services import UserService
from bastion.app import make_wsgi_app
from bastion.config import Settings
from bastion.db import schema
from bastion.db.base import Base
from bastion.db.engine import Engines, make_engines
from bastion.models import import_all_models

POSTGRES_URL = os.environ.get("BASTION_TEST_DATABASE_URL", "")
POSTGRES_SKIP_REASON = (
    "PostgreSQL tests need BASTION_TEST_DATABASE_URL "
    "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test); .ci/run sets it when "
    "PostgreSQL answers on 127.0.0.1:5432"
)
REDIS_URL = os.environ.get("BASTION_TEST_REDIS_URL", "")
REDIS_SKIP_REASON = (
    "Redis tests need BASTION_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15); .ci/run sets "
    "it when Redis answers on 127.0.0.1:6379"
)
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2id, at the lowest cost: every upload checks a password, and the default cost
    (64 MiB, 3 passes) would be most of the suite's time. Servers in tests/e2e keep the default.
    """
    monkeypatch.setattr(
        passwords_module,
        "PasswordHasher",
        functools.partial(PasswordHasher, time_cost=1, memory_cost=8, parallelism=1),
    )


@pytest.fixture(autouse=True)
def no_breached_password_service(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite has no internet, and must not ask api.pwnedpasswords.com: settings read from
    the environment (the CLI's) skip the breach check. Its own tests, in tests/accounts, serve
    HIBP's range API on 127.0.0.1 or build a local copy.
    """
    monkeypatch.setenv("BASTION_BREACHED_PASSWORD_CHECK", "off")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database file migrated to head, copied by each test that needs one."""
    path = tmp_path_factory.mktemp("template") / "bastion.sqlite3"
    engines = make_engines(Settings(database_url=f"sqlite:///{path}"))
    schema.upgrade(engines.writer)
    engines.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_database(worker_id: str) -> Iterator[str]:
    """A fresh PostgreSQL database for this xdist worker, migrated to head."""
    if not POSTGRES_URL:
        pytest.skip(POSTGRES_SKIP_REASON)
    admin_url = make_url(POSTGRES_URL)
    name = f"bastion_test_{worker_id}_{os.getpid()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    engines = make_engines(Settings(database_url=url))
    schema.upgrade(engines.writer)
    engines.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_all(url: str) -> None:
    import_all_models()
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    engine = create_engine(url)
    with engine.begin() as connection:
        # The audit trail refuses TRUNCATE through a trigger; between tests, a superuser
        # (what the test database runs as) sets triggers aside for this transaction.
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)],
)
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    """The URL of an empty, migrated database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "bastion.sqlite3"
        shutil.copyfile(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_database")
    yield url
    _truncate_all(url)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings for a fresh index in a temporary data directory.

    The 2FA policy is off here, so that tests about uploads need not set up TOTP first; the
    policy's own tests (tests/accounts/test_two_factor_policy.py) turn it on.
    """
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        require_2fa=False,
        # No publisher thread per test app: the signing tests publish when they choose.
        tuf_publish_in_process=False,
    )


@pytest.fixture
def engines(settings: Settings) -> Iterator[Engines]:
    """The engines of the test database."""
    engines = make_engines(settings)
    yield engines
    engines.dispose()


@pytest.fixture
def session(engines: Engines) -> Iterator[Session]:
    """A session on the writer engine; tests commit through it like the CLI does."""
    with Session(engines.writer, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def app(settings: Settings, engines: Engines) -> TestApp:
    """The WSGI app under WebTest."""
    return TestApp(make_wsgi_app(settings, engines=engines))


@pytest.fixture
def app_with(settings, engines):
    """A second app on the same database and data directory, with some settings changed."""

    def make(**changes) -> TestApp:
        return TestApp(make_wsgi_app(settings.replace(**changes), engines=engines))

    return make


@pytest.fixture
def make_user(session: Session):
    """Create (and commit) an account; returns its HTTP Basic Authorization header."""

    def make(
        username: str = "alice", *, password: str = PASSWORD, is_admin: bool = False
    ) -> dict[str, str]:
        UserService(session).create_user(
            username, email=f"{username}@example.org", password=password, is_admin=is_admin
        )
        session.commit()
        return basic_auth(username, password)

    return make


def basic_auth(username: str, password: str) -> dict[str, str]:
    """The Authorization header for HTTP Basic credentials."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}
