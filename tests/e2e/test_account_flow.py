"""An account's whole life against a live server with the 2FA policy on, through real clients.

Covers the accounts acceptance check end to end: register on the web and verify the address
by following the link in the outbox's mail and pressing its button; `twine upload` with the
password refused (403, two-factor required) until TOTP is set up with codes from pyotp and
the recovery codes are shown; a first release uploaded with the password creates the
project; `bastion token create --project` makes a project-scoped token that `twine upload
-u __token__` publishes a second release with; `bastion events --project --json` shows that
upload with the token's name; signing in on the web then takes the password and a fresh
TOTP code, and the two-factor page shows TOTP on.

The web is driven as a browser would over HTTP: urllib with a cookie jar, each form filled
from the page's own HTML, so its hidden `csrf_token` matches the `csrf_token` cookie.
"""

from __future__ import annotations

import dataclasses
import datetime
import email
import email.policy
import html.parser
import http.cookiejar
import json
import re
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

import pyotp
import pytest

from tests.e2e.conftest import (
    TWINE,
    LiveServer,
    _start,
    _stop,
    client_env,
    run,
)
from tests.factories.dists import build_wheel

pytestmark = pytest.mark.e2e

USER = "e2e-dana"
PASSWORD = "saffron-kettle-meadow-38"
PROJECT = "bastion-e2e-gamma"
TOKEN_NAME = "e2e-gamma-ci"
STEP = datetime.timedelta(seconds=30)
TWO_FACTOR_REQUIRED = "This index requires two-factor authentication"
RECOVERY_CODE = re.compile(r"<code>([a-z2-9]{4}(?:-[a-z2-9]{4}){3})</code>")


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A `bastion serve` of its own, on SQLite, with the 2FA policy for uploads on."""
    root = tmp_path_factory.mktemp("server-2fa")
    server = _start(
        root / "data",
        "",
        root / "server.log",
        "sqlite",
        extra_env={
            "BASTION_REQUIRE_2FA": "true",
            # No internet here: never ask api.pwnedpasswords.com at registration.
            "BASTION_BREACHED_PASSWORD_CHECK": "off",
        },
    )
    try:
        yield server
    finally:
        _stop(server)
    assert "Traceback" not in server.log(), f"the server failed:\n{server.log()}"


@dataclasses.dataclass(frozen=True)
class Form:
    action: str
    fields: dict[str, str]


class _FormParser(html.parser.HTMLParser):
    """The forms of a page: each one's action and the values its inputs already hold."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(Form(attributes.get("action", ""), {}))
        elif tag == "input" and self.forms and "name" in attributes:
            self.forms[-1].fields[attributes["name"]] = attributes.get("value", "")


@dataclasses.dataclass(frozen=True)
class Page:
    """Where the browser ended up (redirects followed) and what it shows."""

    status: int
    url: str
    text: str
    headers: dict[str, str]

    @property
    def path(self) -> str:
        return urllib.parse.urlsplit(self.url).path

    def form(self, action: str) -> Form:
        parser = _FormParser()
        parser.feed(self.text)
        found = [form for form in parser.forms if form.action == action]
        assert found, f"no form posting to {action} on {self.url}:\n{self.text}"
        return found[0]


class Browser:
    """Cookies kept in a jar, 303s followed, forms submitted with what their page holds."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.cookies = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(self.cookies)
        )

    def get(self, path: str) -> Page:
        return self._open(urllib.request.Request(self._url(path)))  # noqa: S310 - http://127.0.0.1

    def submit(self, page: str | Page, action: str, **fields: str) -> Page:
        """Fill the form posting to `action` on `page` (loaded first if a path) and send it."""
        loaded = self.get(page) if isinstance(page, str) else page
        form = loaded.form(action)
        assert "csrf_token" in form.fields, form
        data = urllib.parse.urlencode({**form.fields, **fields}).encode()
        request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1
            urllib.parse.urljoin(loaded.url, action), data=data, method="POST"
        )
        return self._open(request)

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.cookies if c.name == name), None)

    def _url(self, path: str) -> str:
        return urllib.parse.urljoin(self.server.base_url, path)

    def _open(self, request: urllib.request.Request) -> Page:
        try:
            with self._opener.open(request, timeout=30) as response:
                body = response.read().decode()
                return Page(response.status, response.url, body, dict(response.headers))
        except urllib.error.HTTPError as error:
            with error:
                body = error.read().decode(errors="replace")
                return Page(error.code, error.url, body, dict(error.headers))


def _outbox(server: LiveServer) -> list[email.message.EmailMessage]:
    directory = server.data_dir / "outbox"
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(directory.glob("*.eml"))
    ]


def _wheel(tmp_path: Path, version: str) -> Path:
    dist = build_wheel(PROJECT, version)
    path = tmp_path / dist.filename
    path.write_bytes(dist.content)
    return path


def _twine(
    server: LiveServer, username: str, password: str, files: Sequence[Path], *, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """`twine upload` `files` to `server` with these credentials."""
    return run(
        [TWINE, "upload", "--non-interactive", "--disable-progress-bar", "--repository-url",
         server.upload_url, *files],
        env=client_env(TWINE_USERNAME=username, TWINE_PASSWORD=password),
        check=check,
    )  # fmt: skip


def _register_and_verify(server: LiveServer) -> Browser:
    """Register USER on the web and verify the address through the mailed link's button."""
    browser = Browser(server)
    welcome = browser.submit(
        "/account/register",
        "/account/register",
        username=USER,
        email=f"{USER}@example.org",
        password=PASSWORD,
        password_confirm=PASSWORD,
    )
    assert welcome.status == 200, welcome.text
    assert welcome.path == "/account/"
    assert "not verified yet" in welcome.text
    (message,) = _outbox(server)
    assert message["To"] == f"{USER}@example.org"
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    link = re.search(rf"{re.escape(server.base_url)}(/account/verify-email/\S+)", text)
    assert link, text
    verified = browser.submit(link.group(1), link.group(1))
    assert f"{USER}@example.org is verified" in verified.text
    account = browser.get("/account/")
    assert "not verified yet" not in account.text
    assert re.search(rf"{USER}@example\.org —\s*verified", account.text), account.text
    return browser


def _set_up_totp(browser: Browser) -> tuple[pyotp.TOTP, list[str]]:
    """Turn TOTP on with a code from pyotp; the TOTP and the recovery codes shown once."""
    setup = browser.submit("/account/two-factor/", "/account/two-factor/totp/begin")
    assert setup.path == "/account/two-factor/totp"
    key = re.search(r'<code class="totp-key">([A-Z2-7]+)</code>', setup.text)
    assert key, setup.text
    totp = pyotp.TOTP(key.group(1))
    shown = browser.submit(setup, "/account/two-factor/totp", code=totp.now())
    assert shown.status == 200, shown.text
    assert shown.headers["Cache-Control"] == "no-store"
    codes = RECOVERY_CODE.findall(shown.text)
    assert len(set(codes)) == 8
    return totp, codes


def _sign_in_with_totp(server: LiveServer, totp: pyotp.TOTP) -> Browser:
    """Sign in afresh: the password, then a code; no session until both are given."""
    browser = Browser(server)
    challenge = browser.submit("/account/login", "/account/login", username=USER, password=PASSWORD)
    assert challenge.path == "/account/login/two-factor"
    assert browser.cookie("bastion_session") is None
    # The code accepted at set-up cannot be replayed: the next time step's one.
    code = totp.at(datetime.datetime.now(datetime.UTC) + STEP)
    signed_in = browser.submit(challenge, "/account/login/two-factor", code=code)
    assert signed_in.status == 200, signed_in.text
    assert signed_in.path == "/account/"
    assert browser.cookie("bastion_session") is not None
    return browser


def test_register_verify_enable_totp_and_publish_with_a_scoped_token(
    strict_server: LiveServer, tmp_path: Path
) -> None:
    server = strict_server
    browser = _register_and_verify(server)

    # No second factor, no upload; twine shows the index's reason.
    first = _wheel(tmp_path, "1.0")
    refused = _twine(server, USER, PASSWORD, [first], check=False)
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0
    # twine prints the status, then the index's reason on the next line.
    assert "HTTPError: 403 Forbidden" in output, output
    assert TWO_FACTOR_REQUIRED in output, output
    assert f"{server.base_url}/account/two-factor/" in output, output

    totp, recovery_codes = _set_up_totp(browser)

    # The password now uploads (creating the project); a project-scoped token the next.
    _twine(server, USER, PASSWORD, [first])
    token = server.bastion(
        "token", "create", USER, "--name", TOKEN_NAME, "--project", PROJECT
    ).strip()
    assert token.startswith("bastion-"), token
    second = _wheel(tmp_path, "1.1")
    _twine(server, "__token__", token, [second])
    assert server.simple_json(PROJECT)["versions"] == ["1.0", "1.1"]

    # The project's history names the token; the first upload was the password's.
    events = [
        json.loads(line)
        for line in server.bastion("events", "--project", PROJECT, "--json").splitlines()
    ]
    uploads = {e["details"]["filename"]: e for e in events if e["tag"] == "project:file:uploaded"}
    assert set(uploads) == {first.name, second.name}
    by_token = uploads[second.name]
    assert by_token["actor"] == USER
    assert by_token["details"]["token"] == TOKEN_NAME
    assert by_token["details"]["method"] == "token"
    assert uploads[first.name]["details"]["method"] == "password"
    assert uploads[first.name]["details"]["token"] is None

    # On the web, signing in now takes a TOTP code, and the account shows its factors.
    signed_in = _sign_in_with_totp(server, totp)
    two_factor = signed_in.get("/account/two-factor/")
    assert "On. Signing in asks for a code from your app." in two_factor.text
    assert f"{len(recovery_codes)} unused" in two_factor.text
