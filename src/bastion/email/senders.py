"""Where composed mail goes: an SMTP server, or the outbox directory of the embedded default.

- `SmtpMailer` hands each message to the server named by `smtp_url` (STARTTLS, implicit TLS,
  or a plain local relay), verifying its TLS certificate.
- `OutboxMailer` writes each message as an `.eml` file under `<data_dir>/outbox/` and logs
  where, so that someone running Bastion on their own machine can open it and click the link.

`mailer_from_settings(settings)` picks one. What to send, and when, is the caller's business;
a message's body is never logged, since it holds one-time links.
"""

from __future__ import annotations

import datetime
import email.message
import logging
import os
import secrets
import smtplib
import ssl
import tempfile
import urllib.parse
from pathlib import Path

from bastion.config import Settings
from bastion.email.interfaces import Mailer

logger = logging.getLogger(__name__)

_DEFAULT_PORTS = {"smtp": 587, "smtps": 465}
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


class MailDeliveryError(Exception):
    """A message could not be handed on (one line, never holding the SMTP password).

    Not a client's error: the caller decides what the user is told.
    """

    def __init__(self, destination: str, reason: str) -> None:
        super().__init__(f"could not deliver mail via {destination}: {' '.join(reason.split())}")
        self.destination = destination
        self.reason = reason


class OutboxMailer:
    """Writes each message into a directory as an `.eml` file and logs where.

    Files are named `<UTC timestamp>-<random>.eml`, mode 0600, in a directory created 0700, and
    appear whole or not at all. The log line names the recipient, subject and path, never the
    body: that is in the file, for the person running Bastion locally to open.
    """

    def __init__(self, directory: Path) -> None:
        """Write into `directory`, created on the first message."""
        self.directory = directory

    def __repr__(self) -> str:
        return f"OutboxMailer({str(self.directory)!r})"

    def send(self, message: email.message.EmailMessage) -> None:
        """Write `message` into the outbox, as it would go over SMTP (CRLF line ends).

        Raises:
            MailDeliveryError: the directory or the file could not be written.
        """
        now = datetime.datetime.now(datetime.UTC)
        path = self.directory / f"{now:%Y%m%dT%H%M%S.%fZ}-{secrets.token_hex(8)}.eml"
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            _write_atomically(path, message.as_bytes())
        except OSError as exc:
            raise MailDeliveryError(
                f"the outbox {self.directory}", exc.strerror or str(exc)
            ) from exc
        logger.info(
            "Email to %s, subject %r, written to %s", message["To"], message["Subject"], path
        )


def _write_atomically(path: Path, content: bytes) -> None:
    # Readers (a person, a mail client) see a whole file under its final name or none: the
    # content goes to a temporary file (mkstemp makes it 0600) that is then renamed.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".eml.tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class SmtpMailer:
    """Hands each message to an SMTP server, over TLS unless the URL turns it off.

    URL forms (credentials percent-encoded, so `p%40ss` is the password `p@ss`):

    - `smtp://user:pass@host:587`: STARTTLS, then AUTH (port 587 when none is given);
    - `smtps://user:pass@host:465`: TLS from the first byte (port 465 when none is given);
    - `smtp://host:25?starttls=false`: plain SMTP, for a relay on the same machine or network;
      refused with credentials, which would cross the network in clear.

    A server that does not offer STARTTLS when asked is an error, never a reason to go on
    without it, and certificates are verified against the system's trusted CAs.
    """

    def __init__(
        self, url: str, *, timeout_s: float, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        """Send through the server `url` names, waiting `timeout_s` per network operation.

        `ssl_context` defaults to `ssl.create_default_context()` (certificates and host names
        verified); tests pass one that trusts their own certificate.

        Raises:
            ValueError: `url` is not one of the forms above. The message never holds the
                password.
        """
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in _DEFAULT_PORTS:
            raise ValueError("smtp_url must start with smtp:// or smtps://")
        if not parts.hostname:
            raise ValueError("smtp_url names no host, as in smtp://mail.example.org:587")
        if parts.path not in {"", "/"} or parts.fragment:
            raise ValueError("smtp_url takes no path or fragment, only ?starttls=false")
        try:
            port = parts.port
        except ValueError:
            raise ValueError("smtp_url has a port that is not a number from 1 to 65535") from None
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = port or _DEFAULT_PORTS[parts.scheme]
        self.starttls = _starttls_option(parts.query, implicit_tls=self.implicit_tls)
        self.username = urllib.parse.unquote(parts.username or "")
        self._password = urllib.parse.unquote(parts.password or "")
        if bool(self.username) != bool(self._password):
            raise ValueError("smtp_url must give both a user and a password, or neither")
        if self.username and not (self.implicit_tls or self.starttls):
            raise ValueError(
                "smtp_url has credentials but starttls=false: they would cross the network in "
                "clear; use STARTTLS or smtps://, or a relay that needs no password"
            )
        self.timeout_s = timeout_s
        self._ssl_context = ssl_context or ssl.create_default_context()

    @property
    def server(self) -> str:
        """The server as a URL without credentials, for messages and logs."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'smtps' if self.implicit_tls else 'smtp'}://{host}:{self.port}"

    def __repr__(self) -> str:
        return f"SmtpMailer({self.server!r}, username={self.username!r}, password=...)"

    def send(self, message: email.message.EmailMessage) -> None:
        """Deliver `message` to its To address through the server, in one SMTP session.

        Raises:
            MailDeliveryError: no connection, no TLS (offered or trusted), credentials refused,
                the sender or recipient refused, or no answer within the timeout.
        """
        try:
            client = self._connect()
            try:
                if self.starttls:
                    client.starttls(context=self._ssl_context)
                if self.username:
                    client.login(self.username, self._password)
                refused = client.send_message(message)
            finally:
                _close(client)
        except (smtplib.SMTPException, OSError) as exc:
            raise MailDeliveryError(self.server, self._reason(exc)) from exc
        if refused:  # Only some recipients refused; we send to one, so unreachable in practice.
            raise MailDeliveryError(self.server, f"recipients refused: {sorted(refused)}")
        logger.info(
            "Email to %s, subject %r, sent via %s", message["To"], message["Subject"], self.server
        )

    def _connect(self) -> smtplib.SMTP:
        if self.implicit_tls:
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout_s, context=self._ssl_context
            )
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)

    def _reason(self, exc: BaseException) -> str:
        reason = _describe(exc, timeout_s=self.timeout_s)
        # Servers may echo what they were sent; the password is never part of the line.
        for secret in {self._password, urllib.parse.quote(self._password, safe="")} - {""}:
            reason = reason.replace(secret, "***")
        return reason


def _starttls_option(query: str, *, implicit_tls: bool) -> bool:
    options = urllib.parse.parse_qs(query, keep_blank_values=True)
    unknown = set(options) - {"starttls"}
    if unknown:
        raise ValueError(f"smtp_url has unknown options {sorted(unknown)}; only starttls")
    values = options.get("starttls", [])
    if not values:
        return not implicit_tls
    if implicit_tls:
        raise ValueError("smtp_url: starttls applies to smtp://, smtps:// is TLS throughout")
    if len(values) == 1 and values[0].lower() in _TRUE | _FALSE:
        return values[0].lower() in _TRUE
    raise ValueError("smtp_url: starttls must be true or false")


def _close(client: smtplib.SMTP) -> None:
    # After the message was accepted (or refused), a failing QUIT changes nothing.
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


def _describe(exc: BaseException, *, timeout_s: float) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"the server's TLS certificate is not trusted: {exc.verify_message}"
    # smtplib reports a timeout while reading a reply as SMTPServerDisconnected, with the
    # TimeoutError somewhere down its chain (or only in its text, through TLS).
    if _timed_out(exc):
        return f"no answer within {timeout_s:g} seconds"
    if isinstance(exc, smtplib.SMTPException):
        return _describe_smtp(exc)
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _timed_out(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, TimeoutError):
            return True
        seen = seen.__cause__ or seen.__context__
    return isinstance(exc, smtplib.SMTPServerDisconnected) and "timed out" in str(exc)


def _describe_smtp(exc: smtplib.SMTPException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        answers = [f"{code} {_text(text)}" for code, text in exc.recipients.values()]
        return f"the server refused the recipient: {'; '.join(answers)}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"the server refused the credentials: {exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"the server answered {exc.smtp_code} {_text(exc.smtp_error)}"
    return str(exc) or type(exc).__name__


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw


def mailer_from_settings(settings: Settings) -> Mailer:
    """The mailer the settings name: SMTP when `smtp_url` is set, else `<data_dir>/outbox/`.

    Raises:
        ValueError: `smtp_url` is set but malformed (the message never holds the password).
    """
    if settings.smtp_url:
        return SmtpMailer(settings.smtp_url, timeout_s=settings.smtp_timeout_seconds)
    return OutboxMailer(settings.data_dir / "outbox")
