"""SMTP delivery against a real SMTP server (aiosmtpd) on 127.0.0.1, with and without TLS.

The TLS tests use a certificate made for 127.0.0.1 at test time; the mailer trusts it only
where a test hands it an `ssl_context` that does, so the default is seen refusing it.
"""

from __future__ import annotations

import datetime
import email
import email.policy
import ipaddress
import logging
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bastion.config import Settings
from bastion.email import MailDeliveryError, SmtpMailer, compose, mailer_from_settings

HOST = "127.0.0.1"
SENDER = "Bastion <bastion@index.example.org>"
USER = "bastion@index.example.org"
PASSWORD = "p@ss:w/rd%s3cret"
QUOTED_USER = "bastion%40index.example.org"
QUOTED_PASSWORD = "p%40ss%3Aw%2Frd%25s3cret"
BODY = "Confirm your address:\nhttps://index.example.org/account/verify?token=abc123\n"


@dataclass
class Mailbox:
    """What the test server received: delivered envelopes and AUTH attempts."""

    envelopes: list[Envelope] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    refuse_recipients: bool = False

    async def handle_RCPT(  # noqa: N802 -- aiosmtpd's hook name
        self,
        _server: SMTP,
        _session: Session,
        envelope: Envelope,
        address: str,
        _options: list[str],
    ) -> str:
        if self.refuse_recipients:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 -- aiosmtpd's hook name
        self, _server: SMTP, _session: Session, envelope: Envelope
    ) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def authenticate(
        self, _server: SMTP, _session: Session, _envelope: Envelope, _mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append((login, password))
        # handled=False: aiosmtpd answers the refusal (535) itself.
        return AuthResult(success=(login, password) == (USER, PASSWORD), handled=False)


@dataclass(frozen=True)
class Certificate:
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context

    def trusting_client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert_file))


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for 127.0.0.1, valid for a day."""
    directory = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Certificate(cert_file, key_file)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def serve() -> Iterator[Any]:
    """Start an aiosmtpd server in a thread on a free port; returns (mailbox, port)."""
    controllers: list[Controller] = []

    def start(*, ssl_context: ssl.SSLContext | None = None, **smtp: Any) -> tuple[Mailbox, int]:
        mailbox = Mailbox()
        port = _free_port()
        controller = Controller(
            mailbox,
            hostname=HOST,
            port=port,
            ssl_context=ssl_context,
            server_hostname="smtp.test",
            authenticator=mailbox.authenticate,
            **smtp,
        )
        controller.start()
        controllers.append(controller)
        return mailbox, port

    yield start
    for controller in controllers:
        controller.stop()


def _message() -> Any:
    return compose("Alice <alice@example.org>", "Verify your email", BODY, sender=SENDER)


def _assert_delivered(mailbox: Mailbox, message: Any) -> None:
    [envelope] = mailbox.envelopes
    assert envelope.mail_from == "bastion@index.example.org"
    assert envelope.rcpt_tos == ["alice@example.org"]
    assert isinstance(envelope.original_content, bytes)
    assert envelope.original_content.rstrip(b"\r\n") == message.as_bytes().rstrip(b"\r\n")
    parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    assert parsed["Message-ID"] == message["Message-ID"]
    assert parsed.get_content().replace("\r\n", "\n") == BODY


def test_plain_relay_delivers_the_exact_message(serve, caplog):
    mailbox, port = serve()
    message = _message()
    caplog.set_level(logging.INFO, logger="bastion.email")

    SmtpMailer(f"smtp://{HOST}:{port}?starttls=false", timeout_s=30).send(message)

    _assert_delivered(mailbox, message)
    assert mailbox.logins == []
    assert f"sent via smtp://{HOST}:{port}" in caplog.text
    assert "token=abc123" not in caplog.text


def test_starttls_then_auth_with_percent_encoded_credentials(serve, certificate):
    mailbox, port = serve(tls_context=certificate.server_context(), require_starttls=True)
    message = _message()
    mailer = SmtpMailer(
        f"smtp://{QUOTED_USER}:{QUOTED_PASSWORD}@{HOST}:{port}",
        timeout_s=30,
        ssl_context=certificate.trusting_client_context(),
    )

    mailer.send(message)

    assert mailbox.logins == [(USER, PASSWORD)]
    _assert_delivered(mailbox, message)


def test_implicit_tls_delivers(serve, certificate):
    mailbox, port = serve(ssl_context=certificate.server_context())
    message = _message()

    SmtpMailer(
        f"smtps://{HOST}:{port}", timeout_s=30, ssl_context=certificate.trusting_client_context()
    ).send(message)

    _assert_delivered(mailbox, message)


def test_untrusted_certificate_is_refused_by_default(serve, certificate):
    mailbox, port = serve(tls_context=certificate.server_context(), require_starttls=True)
    mailer = SmtpMailer(f"smtp://{QUOTED_USER}:{QUOTED_PASSWORD}@{HOST}:{port}", timeout_s=30)

    with pytest.raises(MailDeliveryError, match="TLS certificate is not trusted") as caught:
        mailer.send(_message())

    assert mailbox.logins == []
    assert mailbox.envelopes == []
    _assert_no_password(caught.value)


def test_server_without_starttls_is_refused_rather_than_sent_in_clear(serve):
    mailbox, port = serve()
    mailer = SmtpMailer(f"smtp://{QUOTED_USER}:{QUOTED_PASSWORD}@{HOST}:{port}", timeout_s=30)

    with pytest.raises(MailDeliveryError, match="STARTTLS extension not supported") as caught:
        mailer.send(_message())

    assert mailbox.logins == []
    assert mailbox.envelopes == []
    _assert_no_password(caught.value)


def test_wrong_credentials_are_reported_without_the_password(serve, certificate):
    mailbox, port = serve(tls_context=certificate.server_context(), require_starttls=True)
    mailer = SmtpMailer(
        f"smtp://{QUOTED_USER}:wrong-{QUOTED_PASSWORD}@{HOST}:{port}",
        timeout_s=30,  # an answer is expected: only a loaded machine makes it slow
        ssl_context=certificate.trusting_client_context(),
    )

    with pytest.raises(MailDeliveryError, match="refused the credentials: 535") as caught:
        mailer.send(_message())

    # smtplib tries each mechanism the server offers (PLAIN, then LOGIN) before giving up.
    assert set(mailbox.logins) == {(USER, f"wrong-{PASSWORD}")}
    assert mailbox.envelopes == []
    _assert_no_password(caught.value, f"wrong-{PASSWORD}")


def test_refused_recipient_is_a_delivery_error(serve):
    mailbox, port = serve()
    mailbox.refuse_recipients = True

    with pytest.raises(MailDeliveryError, match=r"refused the recipient: 550 5\.1\.1 No such"):
        SmtpMailer(f"smtp://{HOST}:{port}?starttls=false", timeout_s=30).send(_message())
    assert mailbox.envelopes == []


def test_connection_refused_is_one_line_without_the_password():
    port = _free_port()  # nothing listens there
    mailer = SmtpMailer(f"smtp://{QUOTED_USER}:{QUOTED_PASSWORD}@{HOST}:{port}", timeout_s=30)

    with pytest.raises(MailDeliveryError, match="Connection refused") as caught:
        mailer.send(_message())

    assert str(caught.value) == (
        f"could not deliver mail via smtp://{HOST}:{port}: Connection refused"
    )
    _assert_no_password(caught.value)


def test_silent_server_times_out():
    with socket.socket() as listener:
        listener.bind((HOST, 0))
        listener.listen()  # accepts connections, never greets
        port = listener.getsockname()[1]
        mailer = SmtpMailer(f"smtp://{HOST}:{port}?starttls=false", timeout_s=0.2)

        with pytest.raises(MailDeliveryError, match=r"no answer within 0\.2 seconds"):
            mailer.send(_message())


def _assert_no_password(error: MailDeliveryError, password: str = PASSWORD) -> None:
    line = str(error)
    assert "\n" not in line
    assert password not in line
    assert QUOTED_PASSWORD not in line
    assert "s3cret" not in line


@pytest.mark.parametrize(
    ("url", "server", "starttls", "username"),
    [
        (
            f"smtp://{QUOTED_USER}:{QUOTED_PASSWORD}@mail.example.org",
            "smtp://mail.example.org:587",
            True,
            USER,
        ),
        ("smtp://mail.example.org:2525", "smtp://mail.example.org:2525", True, ""),
        ("smtps://u:p@mail.example.org", "smtps://mail.example.org:465", False, "u"),
        ("smtp://localhost:25?starttls=false", "smtp://localhost:25", False, ""),
        ("smtp://[::1]:25?starttls=FALSE", "smtp://[::1]:25", False, ""),
        ("smtp://relay:25/?starttls=true", "smtp://relay:25", True, ""),
    ],
)
def test_url_forms(url, server, starttls, username):
    mailer = SmtpMailer(url, timeout_s=1)

    assert mailer.server == server
    assert mailer.starttls is starttls
    assert mailer.username == username


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (f"http://u:{QUOTED_PASSWORD}@mail.example.org", "smtp:// or smtps://"),
        (f"smtp://u:{QUOTED_PASSWORD}@:25", "names no host"),
        (f"smtp://u:{QUOTED_PASSWORD}@mail.example.org:99999", "port"),
        (f"smtp://u:{QUOTED_PASSWORD}@mail.example.org:smtp", "port"),
        (f"smtp://u:{QUOTED_PASSWORD}@mail.example.org/inbox", "no path"),
        (f"smtp://u:{QUOTED_PASSWORD}@mail.example.org?tls=no", "unknown options"),
        (f"smtp://u:{QUOTED_PASSWORD}@mail.example.org?starttls=maybe", "true or false"),
        (f"smtps://u:{QUOTED_PASSWORD}@mail.example.org?starttls=true", "applies to smtp://"),
        (f"smtp://u:{QUOTED_PASSWORD}@mail.example.org?starttls=false", "in clear"),
        ("smtp://u@mail.example.org", "both a user and a password"),
    ],
)
def test_malformed_urls_are_refused_without_showing_the_password(url, reason):
    with pytest.raises(ValueError, match=reason) as caught:
        SmtpMailer(url, timeout_s=1)

    assert PASSWORD not in str(caught.value)
    assert QUOTED_PASSWORD not in str(caught.value)


def test_repr_hides_the_password():
    mailer = SmtpMailer(f"smtp://{QUOTED_USER}:{QUOTED_PASSWORD}@mail.example.org", timeout_s=1)

    assert "s3cret" not in repr(mailer)
    assert "s3cret" not in str(vars(mailer).get("server", ""))


def test_settings_with_smtp_url_build_an_smtp_mailer():
    settings = Settings.from_mapping(
        {"smtp_url": "smtps://u:p@mail.example.org", "smtp_timeout_seconds": "2.5"}
    )

    mailer = mailer_from_settings(settings)

    assert isinstance(mailer, SmtpMailer)
    assert mailer.server == "smtps://mail.example.org:465"
    assert mailer.timeout_s == 2.5


def test_settings_defaults():
    settings = Settings()

    assert settings.smtp_url == ""
    assert settings.mail_from == "Bastion <bastion@localhost>"
    assert settings.smtp_timeout_seconds == 10.0


def test_mailer_is_usable_from_several_threads(serve):
    mailbox, port = serve()
    mailer = SmtpMailer(f"smtp://{HOST}:{port}?starttls=false", timeout_s=30)
    threads = [threading.Thread(target=mailer.send, args=(_message(),)) for _ in range(4)]

    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(mailbox.envelopes) == 4
