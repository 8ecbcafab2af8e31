"""The outbox of the embedded default: one private, whole `.eml` file per message, logged."""

from __future__ import annotations

import email
import email.policy
import logging
import os
import re
import stat

import pytest

from bastion.config import Settings
from bastion.email import MailDeliveryError, OutboxMailer, compose, mailer_from_settings

SENDER = "Bastion <bastion@localhost>"
TOKEN = "one-time-token-" + "x" * 40
BODY = f"Confirm your address:\nhttp://127.0.0.1:8000/account/verify?token={TOKEN}\n"
NAME = re.compile(r"\d{8}T\d{6}\.\d{6}Z-[0-9a-f]{16}\.eml")


def _message(subject: str = "Verify your email"):
    return compose("Alice <alice@example.org>", subject, BODY, sender=SENDER)


def test_message_is_written_as_a_parseable_eml_file(tmp_path):
    outbox = tmp_path / "data" / "outbox"
    message = _message()

    OutboxMailer(outbox).send(message)

    [path] = outbox.iterdir()
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    assert parsed["To"] == "Alice <alice@example.org>"
    assert parsed["From"] == SENDER
    assert parsed["Subject"] == "Verify your email"
    assert parsed["Message-ID"] == message["Message-ID"]
    assert parsed["Date"] == message["Date"]
    assert parsed.get_content().replace("\r\n", "\n") == BODY
    # The link sits on a line of its own, as a person opening the file sees it.
    assert f"\r\nhttp://127.0.0.1:8000/account/verify?token={TOKEN}\r\n".encode() in (
        path.read_bytes()
    )


def test_outbox_and_its_files_are_private(tmp_path):
    outbox = tmp_path / "outbox"

    OutboxMailer(outbox).send(_message())

    [path] = outbox.iterdir()
    assert stat.S_IMODE(outbox.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_files_get_timestamped_random_names_and_no_temporary_file_remains(tmp_path):
    outbox = tmp_path / "outbox"
    mailer = OutboxMailer(outbox)

    for subject in ("first", "second", "third"):
        mailer.send(_message(subject))

    names = sorted(path.name for path in outbox.iterdir())
    assert len(names) == 3
    assert all(NAME.fullmatch(name) for name in names), names
    subjects = [
        email.message_from_bytes((outbox / name).read_bytes(), policy=email.policy.default)[
            "Subject"
        ]
        for name in names
    ]
    assert subjects == ["first", "second", "third"]  # names sort in the order of sending


def test_log_line_names_recipient_subject_and_file_but_not_the_body(tmp_path, caplog):
    outbox = tmp_path / "outbox"
    caplog.set_level(logging.INFO, logger="bastion.email")

    OutboxMailer(outbox).send(_message())

    [path] = outbox.iterdir()
    [record] = [r for r in caplog.records if r.name.startswith("bastion.email")]
    line = record.getMessage()
    assert record.levelno == logging.INFO
    assert "alice@example.org" in line
    assert "Verify your email" in line
    assert str(path) in line
    assert TOKEN not in caplog.text
    assert "Confirm your address" not in caplog.text


def test_unwritable_outbox_raises_delivery_error(tmp_path):
    outbox = tmp_path / "outbox"
    outbox.write_text("a file where the directory should be")

    with pytest.raises(MailDeliveryError, match=r"could not deliver mail via the outbox .*outbox"):
        OutboxMailer(outbox).send(_message())


def test_failed_write_leaves_no_file_behind(tmp_path, monkeypatch):
    outbox = tmp_path / "outbox"

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)

    with pytest.raises(MailDeliveryError, match="No space left on device"):
        OutboxMailer(outbox).send(_message())
    assert list(outbox.iterdir()) == []


def test_settings_without_smtp_url_write_to_the_outbox_in_the_data_directory(tmp_path):
    mailer = mailer_from_settings(Settings(data_dir=tmp_path / "data"))

    assert isinstance(mailer, OutboxMailer)
    assert mailer.directory == tmp_path / "data" / "outbox"
