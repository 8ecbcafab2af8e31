"""Composing messages: headers a mail server expects, UTF-8 text, and no header injection."""

from __future__ import annotations

import datetime
import email
import email.policy

import pytest

from bastion.email import compose

SENDER = "Bastion <bastion@index.example.org>"
LINK = "https://index.example.org/account/verify?token=" + "k" * 120


def _reparse(raw: bytes) -> email.message.EmailMessage:
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    return parsed


def test_message_carries_addresses_subject_date_and_message_id():
    before = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    message = compose("Alice <alice@example.org>", "Verify your email", "Hello\n", sender=SENDER)

    parsed = _reparse(message.as_bytes())
    assert parsed["From"] == SENDER
    assert parsed["To"] == "Alice <alice@example.org>"
    assert parsed["Subject"] == "Verify your email"
    assert before <= parsed["Date"].datetime <= datetime.datetime.now(datetime.UTC)
    assert parsed["Date"].datetime.utcoffset() == datetime.timedelta(0)
    assert parsed["Message-ID"].startswith("<")
    assert parsed["Message-ID"].endswith("@index.example.org>")
    assert parsed.get_content_type() == "text/plain"
    assert parsed.get_content_charset() == "utf-8"
    assert parsed["MIME-Version"] == "1.0"


def test_each_message_gets_its_own_message_id():
    first = compose("alice@example.org", "s", "b", sender=SENDER)
    second = compose("alice@example.org", "s", "b", sender=SENDER)

    assert first["Message-ID"] != second["Message-ID"]


def test_ascii_body_keeps_a_long_link_whole_on_one_line():
    message = compose("alice@example.org", "Verify", f"Open this link:\n{LINK}\n", sender=SENDER)

    raw = message.as_bytes()
    assert message["Content-Transfer-Encoding"] == "7bit"
    assert f"\r\n{LINK}\r\n".encode() in raw


def test_non_ascii_subject_body_and_name_survive_the_round_trip():
    body = "Grüße, Zoë — bitte bestätigen:\nhttps://index.example.org/v?token=abc\n"
    message = compose("Zoë <zoe@example.org>", "Bestätigung ✓", body, sender=SENDER)

    raw = message.as_bytes()
    assert raw.isascii()
    parsed = _reparse(raw)
    assert parsed["Subject"] == "Bestätigung ✓"
    assert parsed["To"].addresses[0].display_name == "Zoë"
    assert parsed.get_content().replace("\r\n", "\n") == body


@pytest.mark.parametrize("field", ["to", "subject", "sender"])
@pytest.mark.parametrize(
    "injected",
    ["\r\nBcc: eve@evil.example", "\nBcc: eve@evil.example", "\rX: y", "\u2028X: y", "\x00"],
)
def test_line_breaks_in_header_values_are_refused(field, injected):
    values = {"to": "alice@example.org", "subject": "Verify", "sender": SENDER}
    values[field] += injected

    with pytest.raises(ValueError, match="may not contain line breaks"):
        compose(values["to"], values["subject"], "body", sender=values["sender"])


@pytest.mark.parametrize(
    "to",
    ["alice@example.org, eve@evil.example", "alice@example.org; eve@evil.example", "alice", ""],
)
def test_anything_but_one_recipient_address_is_refused(to):
    with pytest.raises(ValueError, match="exactly one address"):
        compose(to, "Verify", "body", sender=SENDER)


def test_sender_without_a_domain_is_refused():
    with pytest.raises(ValueError, match="From header must hold exactly one address"):
        compose("alice@example.org", "Verify", "body", sender="Bastion")


def test_display_name_with_a_period_is_accepted():
    message = compose("John Q. Public <john@example.org>", "Verify", "body", sender=SENDER)

    assert message["To"].addresses[0].addr_spec == "john@example.org"
