"""Building the plain-text messages Bastion sends (address verification, password resets).

`compose` makes one `email.message.EmailMessage` for one recipient, with the headers a mail
server expects (Date, Message-ID), and refuses header values that could smuggle in headers of
their own. How a message leaves the server is `senders.py`'s concern.
"""

from __future__ import annotations

import datetime
import email.errors
import email.message
import email.policy
import email.utils

# Every character str.splitlines() breaks on, and NUL. A CR or LF in a header value would end
# the header and start another (Bcc:, say) or the body: header injection. The others are
# refused too, since some mail software treats them as line ends.
_FORBIDDEN_IN_HEADERS = frozenset("\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029\x00")

# RFC 5322 section 2.1.1: a line holds at most 998 characters. Up to that, an ASCII body is
# sent as it is (7bit), so a link in it stays whole and clickable even in the `.eml` file of
# the outbox; anything else is quoted-printable, which every mail client decodes.
_MAX_LINE_CHARS = 998


def compose(to: str, subject: str, body: str, *, sender: str) -> email.message.EmailMessage:
    """Return a plain-text UTF-8 message from `sender` to the single address `to`.

    It carries Date (now, UTC) and Message-ID (in the sender's domain) headers. `to` and
    `sender` are written as a To or From header holds them: `"Alice <alice@example.org>"` or
    `"alice@example.org"`. A body of ASCII lines is sent as it is, so links stay whole.

    Raises:
        ValueError: a header value (`to`, `subject`, `sender`) holds a line break or NUL, or
            `to` or `sender` is not exactly one address with a domain.
    """
    for name, value in (("To", to), ("Subject", subject), ("From", sender)):
        if any(char in _FORBIDDEN_IN_HEADERS for char in value):
            raise ValueError(f"the {name} header may not contain line breaks or NUL characters")
    message = email.message.EmailMessage(policy=email.policy.SMTP)
    message["From"] = sender
    message["To"] = to
    sender_domain = _single_address_domain(message, "From")
    _single_address_domain(message, "To")
    message["Subject"] = subject
    message["Date"] = datetime.datetime.now(datetime.UTC)
    message["Message-ID"] = email.utils.make_msgid(domain=sender_domain)
    message.set_content(body, subtype="plain", charset="utf-8", cte=_transfer_encoding(body))
    return message


def _single_address_domain(message: email.message.EmailMessage, name: str) -> str:
    # One recipient, always: an address field holding "me@a.org, you@b.org" must not turn a
    # one-time link into a link sent to two people. A header the parser had to repair
    # ("me@a.org; you@b.org") is refused too, since other software may repair it otherwise;
    # obsolete syntax (a period in a display name) is harmless.
    header = message[name]
    addresses = header.addresses
    is_repaired = any(not isinstance(d, email.errors.ObsoleteHeaderDefect) for d in header.defects)
    if is_repaired or len(addresses) != 1 or not addresses[0].username or not addresses[0].domain:
        raise ValueError(f"the {name} header must hold exactly one address, like a@example.org")
    domain: str = addresses[0].domain
    return domain


def _transfer_encoding(body: str) -> str:
    lines = body.splitlines()
    if body.isascii() and all(len(line) <= _MAX_LINE_CHARS for line in lines):
        return "7bit"
    return "quoted-printable"
