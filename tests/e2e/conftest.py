"""Fixtures for the end-to-end tests: a live `bastion serve`, real projects, clean clients.

`server` starts the installed `bastion` console script in a subprocess on a free port of
127.0.0.1, once per xdist worker and database backend (SQLite always; PostgreSQL in a database
of its own when BASTION_TEST_DATABASE_URL is set), and reads its gunicorn access log.
`projects` builds two small projects with hatchling through `uv build`; `published` uploads them
with twine and `uv publish`. Every client runs in a subprocess whose environment is cleared of
the machine's pip and uv configuration, so it can only talk to the server under test.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import PASSWORD, POSTGRES_SKIP_REASON, POSTGRES_URL

VENV_BIN = Path(sys.executable).parent
BASTION = VENV_BIN / "bastion"
TWINE = VENV_BIN / "twine"
UV = VENV_BIN / "uv"

USERNAME = "e2e-publisher"
JSON_ACCEPT = "application/vnd.pypi.simple.v1+json"

# The projects published by `published`: beta depends on alpha; alpha has two releases, the
# second uploaded with `uv publish`, so installing beta must resolve alpha to it.
ALPHA = "bastion-e2e-alpha"
BETA = "bastion-e2e-beta"
ALPHA_FIRST, ALPHA_LATEST, BETA_VERSION = "1.0", "1.1", "1.0"

_START_TIMEOUT_S = 60.0
_STOP_TIMEOUT_S = 30.0
_LOG_TIMEOUT_S = 10.0
_LOG_QUIET_S = 0.3
_MARK_PATH = "/e2e-log-mark/"
# gunicorn's access log line, in the format of bastion.server.ACCESS_LOG_FORMAT.
_ACCESS_LINE = re.compile(
    r'^\S+ "(?P<method>[A-Z]+) (?P<target>\S+) HTTP/[\d.]+" (?P<status>\d{3}) \S+ '
    r'range="(?P<range>[^"]*)" \d+us$'
)
# Variables through which the machine's own package configuration would reach a client.
_CLIENT_ENV_PREFIXES = ("PIP_", "UV_", "TWINE_", "BASTION_")
_CLIENT_ENV_DROPPED = frozenset({"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "CONDA_PREFIX"})


def client_env(**extra: str) -> dict[str, str]:
    """The environment of a client subprocess: no pip/uv configuration but what we pass."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(_CLIENT_ENV_PREFIXES) and key not in _CLIENT_ENV_DROPPED
    }
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_INPUT="1",
        UV_NO_CONFIG="1",
        UV_PYTHON_DOWNLOADS="never",
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
        # twine prints through rich: keep its lines unwrapped and uncoloured.
        COLUMNS="1000",
        NO_COLOR="1",
    )
    env.update(extra)
    return env


def run(
    args: Sequence[object],
    *,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
    check: bool = True,
    timeout: float = 180,
) -> subprocess.CompletedProcess[str]:
    """Run a command to completion; unless `check` is false, fail the test if it fails."""
    command = [str(arg) for arg in args]
    result = subprocess.run(
        command,
        env=dict(env) if env is not None else client_env(),
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"{' '.join(command)} exited {result.returncode}\n"
            f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        )
    return result


def sha256_of(path: Path) -> str:
    """The hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclasses.dataclass(frozen=True)
class LoggedRequest:
    """One line of the server's access log."""

    method: str
    path: str
    status: int
    range: str

    @property
    def is_wheel(self) -> bool:
        """A request for a whole wheel file (not its `.metadata`)."""
        return self.path.endswith(".whl")


@dataclasses.dataclass(frozen=True)
class HttpResponse:
    """Status, headers and body of a response from the live server."""

    status: int
    reason: str
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


@dataclasses.dataclass
class LiveServer:
    """A running `bastion serve` and what tests need to talk to it and look inside it."""

    backend: str
    port: int
    data_dir: Path
    database_url: str
    log_path: Path
    process: subprocess.Popen[bytes]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def index_url(self) -> str:
        return f"{self.base_url}/simple/"

    @property
    def upload_url(self) -> str:
        return f"{self.base_url}/legacy/"

    def request(
        self,
        path_or_url: str,
        *,
        method: str = "GET",
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 60,
    ) -> HttpResponse:
        """Send one request with urllib; error statuses are returned, not raised."""
        url = urllib.parse.urljoin(self.base_url, path_or_url)
        request = urllib.request.Request(  # noqa: S310 - always our own http://127.0.0.1 URL
            url, data=data, headers=dict(headers or {}), method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return HttpResponse(
                    response.status, response.reason, dict(response.headers), response.read()
                )
        except urllib.error.HTTPError as error:
            with error:
                return HttpResponse(error.code, error.reason, dict(error.headers), error.read())

    def is_ready(self) -> bool:
        """Whether this process (not another one on a reused port) listens and answers."""
        if f"Listening at: {self.base_url}" not in self.log():
            return False
        try:
            return self.request("/simple/", timeout=5).status == 200
        except OSError:
            return False

    def simple_json(self, project: str) -> dict[str, object]:
        """The PEP 691 JSON page of `project`."""
        response = self.request(f"/simple/{project}/", headers={"Accept": JSON_ACCEPT})
        assert response.status == 200, response
        page = response.json()
        assert isinstance(page, dict)
        return page

    def files_of(self, project: str) -> dict[str, dict[str, object]]:
        """The file entries of `project`'s simple page by filename, with absolute URLs."""
        page_url = f"{self.index_url}{project}/"
        files: dict[str, dict[str, object]] = {}
        for entry in self.simple_json(project)["files"]:  # type: ignore[attr-defined]
            files[entry["filename"]] = {
                **entry,
                "url": urllib.parse.urljoin(page_url, entry["url"]),
            }
        return files

    @contextlib.contextmanager
    def recorded_requests(self) -> Iterator[list[LoggedRequest]]:
        """Collect the access log lines of the requests made inside the `with` block.

        The tests that share one server run one after another, so nothing else talks to it
        meanwhile. gunicorn writes a request's line after sending the response, so a line may
        trail its client's exit: each side is fenced by a marker request followed by waiting
        for the log to stop growing.
        """
        self._mark()
        first = len(self._settled_log_lines())
        recorded: list[LoggedRequest] = []
        yield recorded
        self._mark()
        for line in self._settled_log_lines()[first:]:
            match = _ACCESS_LINE.match(line)
            if match is None or match["target"].startswith(_MARK_PATH):
                continue
            recorded.append(
                LoggedRequest(
                    method=match["method"],
                    path=urllib.parse.urlsplit(match["target"]).path,
                    status=int(match["status"]),
                    range=match["range"],
                )
            )

    def _mark(self) -> None:
        """Request a unique path and wait until the access log shows it."""
        token = f"{_MARK_PATH}{uuid.uuid4().hex}"
        self.request(token)
        deadline = time.monotonic() + _LOG_TIMEOUT_S
        while time.monotonic() < deadline:
            if token in self.log():
                return
            time.sleep(0.02)
        pytest.fail(f"the access log never showed {token}; log:\n{self.log()}")

    def _settled_log_lines(self) -> list[str]:
        """The log's lines once it has not grown for _LOG_QUIET_S."""
        text = self.log()
        deadline = time.monotonic() + _LOG_TIMEOUT_S
        while time.monotonic() < deadline:
            time.sleep(_LOG_QUIET_S)
            latest = self.log()
            if latest == text:
                break
            text = latest
        return text.splitlines()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def bastion(self, *args: str, env: Mapping[str, str] | None = None) -> str:
        """Run the `bastion` command against this server's data directory and database."""
        options = ["--data-dir", str(self.data_dir)]
        if self.database_url:
            options += ["--database-url", self.database_url]
        return run([BASTION, *options, *args], env=env or client_env()).stdout

    def open_database(self) -> Engine:
        """A SQLAlchemy engine on the server's database (dispose it when done)."""
        url = self.database_url or f"sqlite:///{self.data_dir / 'bastion.sqlite3'}"
        return create_engine(url)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(
    data_dir: Path,
    database_url: str,
    log_path: Path,
    backend: str,
    *,
    extra_env: Mapping[str, str] | None = None,
) -> LiveServer:
    """Start `bastion serve` on a free port; try another port if that one was taken meanwhile.

    `extra_env` adds to (or overrides) the server's environment, e.g. `BASTION_REQUIRE_2FA`.
    """
    for _attempt in range(3):
        server = _spawn(
            data_dir, database_url, log_path, backend, _free_port(), extra_env=extra_env
        )
        deadline = time.monotonic() + _START_TIMEOUT_S
        while time.monotonic() < deadline and server.process.poll() is None:
            if server.is_ready():
                return server
            time.sleep(0.1)
        if server.process.poll() is None:
            _stop(server)
            pytest.fail(f"bastion serve did not answer in {_START_TIMEOUT_S}s:\n{server.log()}")
        if "Connection in use" not in server.log():
            break
    pytest.fail(f"bastion serve exited {server.process.returncode}:\n{server.log()}")


def _spawn(
    data_dir: Path,
    database_url: str,
    log_path: Path,
    backend: str,
    port: int,
    *,
    extra_env: Mapping[str, str] | None = None,
) -> LiveServer:
    options = ["--data-dir", str(data_dir)]
    if database_url:
        options += ["--database-url", database_url]
    command = [
        str(BASTION), *options,
        "serve", "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    # The shared server runs without the 2FA policy, so that every e2e test need not set up
    # TOTP first; test_account_flow.py runs one with it on through `extra_env`.
    env = client_env(PYTHONUNBUFFERED="1", BASTION_REQUIRE_2FA="false")
    env.update(extra_env or {})
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env
        )
    return LiveServer(backend, port, data_dir, database_url, log_path, process)


def _stop(server: LiveServer) -> None:
    """SIGTERM (gunicorn's graceful shutdown); fail if it does not exit cleanly in time."""
    server.process.send_signal(signal.SIGTERM)
    try:
        returncode = server.process.wait(timeout=_STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
        pytest.fail(f"bastion serve ignored SIGTERM for {_STOP_TIMEOUT_S}s:\n{server.log()}")
    assert returncode == 0, f"bastion serve exited {returncode}:\n{server.log()}"


@contextlib.contextmanager
def _postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database for one server; dropped afterwards."""
    admin_url = make_url(POSTGRES_URL)
    name = f"bastion_e2e_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(
    scope="session",
    params=[
        pytest.param("sqlite", marks=pytest.mark.xdist_group("e2e-sqlite")),
        pytest.param(
            "postgresql",
            marks=[pytest.mark.postgresql, pytest.mark.xdist_group("e2e-postgresql")],
        ),
    ],
)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A live `bastion serve` on a fresh data directory, with the account `USERNAME`."""
    backend = request.param
    if backend == "postgresql" and not POSTGRES_URL:
        pytest.skip(POSTGRES_SKIP_REASON)
    root = tmp_path_factory.mktemp(f"server-{backend}")
    with contextlib.ExitStack() as stack:
        database_url = stack.enter_context(_postgres_database()) if backend == "postgresql" else ""
        yield stack.enter_context(live_server(root, database_url, backend))


@contextlib.contextmanager
def live_server(
    root: Path, database_url: str, backend: str, *, extra_env: Mapping[str, str] | None = None
) -> Iterator[LiveServer]:
    """`bastion serve` with its data under `root` and the account `USERNAME`, stopped after."""
    server = _start(root / "data", database_url, root / "server.log", backend, extra_env=extra_env)
    try:
        server.bastion(
            "user", "create", USERNAME, "--email", f"{USERNAME}@example.org",
            # No internet here: never ask api.pwnedpasswords.com (tests/accounts test the check).
            env=client_env(BASTION_PASSWORD=PASSWORD, BASTION_BREACHED_PASSWORD_CHECK="off"),
        )  # fmt: skip
        yield server
    finally:
        _stop(server)


@pytest.fixture(autouse=True)
def _no_unhandled_server_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail the test during which the server logged a traceback (a 500 to some client)."""
    if "server" not in request.fixturenames:
        yield
        return
    server: LiveServer = request.getfixturevalue("server")
    start = len(server.log())
    yield
    logged = server.log()[start:]
    assert "Traceback" not in logged, f"the server failed during this test:\n{logged}"


@pytest.fixture(scope="session")
def tools_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv with hatchling and pip from PyPI: the build backend for every build.

    Builds and `pip download` of an sdist run without build isolation in it, because an
    isolated build would fetch hatchling from the index under test, which does not have it.
    """
    venv = tmp_path_factory.mktemp("tools") / "venv"
    run([UV, "venv", "--quiet", "--python", sys.executable, venv], env=os.environ)
    python = venv / "bin" / "python"
    run([UV, "pip", "install", "--quiet", "--python", python, "hatchling", "pip"], env=os.environ)
    return python


@dataclasses.dataclass(frozen=True)
class BuiltProjects:
    """The distribution files of every build, by release."""

    alpha_first: tuple[Path, ...]
    alpha_latest: tuple[Path, ...]
    beta: tuple[Path, ...]
    # alpha's first release rebuilt from other sources: same filenames, other bytes.
    alpha_first_altered: tuple[Path, ...]

    @staticmethod
    def wheel(files: Sequence[Path]) -> Path:
        return next(path for path in files if path.suffix == ".whl")

    @staticmethod
    def sdist(files: Sequence[Path]) -> Path:
        return next(path for path in files if path.name.endswith(".tar.gz"))


def _build(
    root: Path,
    tools_python: Path,
    name: str,
    version: str,
    module_source: str,
    *,
    dependencies: Sequence[str],
) -> tuple[Path, ...]:
    """Write a hatchling project under `root` and build its sdist and wheel with `uv build`."""
    module = name.removeprefix("bastion-").replace("-", "_")
    source = root / "source"
    (source / "src" / module).mkdir(parents=True)
    (source / "src" / module / "__init__.py").write_text(module_source)
    (source / "README.md").write_text(f"# {name}\n\nBuilt by Bastion's end-to-end tests.\n")
    (source / "pyproject.toml").write_text(
        textwrap.dedent(f"""\
            [build-system]
            requires = ["hatchling"]
            build-backend = "hatchling.build"

            [project]
            name = "{name}"
            version = "{version}"
            description = "{name}, an end-to-end test project"
            readme = "README.md"
            requires-python = ">=3.8"
            dependencies = {json.dumps(list(dependencies))}

            [tool.hatch.build.targets.wheel]
            packages = ["src/{module}"]
        """)
    )
    out = root / "dist"
    run(
        [UV, "build", "--no-build-isolation", "--python", tools_python, "--out-dir", out, source],
        env=client_env(),
    )
    # uv also writes a .gitignore there.
    files = tuple(sorted(out.glob("*.whl")) + sorted(out.glob("*.tar.gz")))
    assert len(files) == 2, sorted(out.iterdir())
    return files


def _alpha_source(version: str, flavour: str = "") -> str:
    return f'VERSION = "{version}"\n\n\ndef greet():\n    return "alpha " + VERSION{flavour}\n'


@pytest.fixture(scope="session")
def projects(tmp_path_factory: pytest.TempPathFactory, tools_python: Path) -> BuiltProjects:
    """alpha (pure Python) in two releases, beta importing alpha, and an altered alpha."""

    def build(
        name: str, version: str, source: str, dependencies: Sequence[str] = ()
    ) -> tuple[Path, ...]:
        root = tmp_path_factory.mktemp(f"{name}-{version}")
        return _build(root, tools_python, name, version, source, dependencies=dependencies)

    beta_source = (
        "import e2e_alpha\n\n\ndef describe():\n"
        f'    return "beta {BETA_VERSION} uses " + e2e_alpha.greet()\n'
    )
    return BuiltProjects(
        alpha_first=build(ALPHA, ALPHA_FIRST, _alpha_source(ALPHA_FIRST)),
        alpha_latest=build(ALPHA, ALPHA_LATEST, _alpha_source(ALPHA_LATEST)),
        beta=build(BETA, BETA_VERSION, beta_source, [f"{ALPHA}>={ALPHA_FIRST}"]),
        alpha_first_altered=build(ALPHA, ALPHA_FIRST, _alpha_source(ALPHA_FIRST, ' + "!"')),
    )


def twine_upload(
    server: LiveServer, files: Sequence[Path], *options: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """`twine upload` `files` to `server` as USERNAME."""
    return run(
        [TWINE, "upload", "--non-interactive", "--disable-progress-bar", "--repository-url",
         server.upload_url, *options, *files],
        env=client_env(TWINE_USERNAME=USERNAME, TWINE_PASSWORD=PASSWORD),
        check=check,
    )  # fmt: skip


def uv_publish(server: LiveServer, files: Sequence[Path]) -> subprocess.CompletedProcess[str]:
    """`uv publish` `files` to `server` as USERNAME."""
    return run(
        [UV, "publish", "--publish-url", server.upload_url, *files],
        env=client_env(UV_PUBLISH_USERNAME=USERNAME, UV_PUBLISH_PASSWORD=PASSWORD),
    )


@dataclasses.dataclass(frozen=True)
class Published:
    """What `published` uploaded, and the clients' output."""

    twine_output: str
    uv_publish_output: str


@pytest.fixture(scope="session")
def published(server: LiveServer, projects: BuiltProjects) -> Published:
    """alpha's first release and beta uploaded with twine, alpha's latest with `uv publish`."""
    twine = twine_upload(server, [*projects.alpha_first, *projects.beta])
    uv = uv_publish(server, projects.alpha_latest)
    return Published(
        twine_output=twine.stdout + twine.stderr, uv_publish_output=uv.stdout + uv.stderr
    )
