"""Outgoing mail: composing plain-text messages and handing them to SMTP or the outbox.

`compose` builds a message (`messages.py`); a `Mailer` (`interfaces.py`) sends it:
`SmtpMailer` when `smtp_url` is set, else `OutboxMailer`, which writes `.eml` files under
`<data_dir>/outbox/` (`senders.py`). `mailer_from_settings` picks between them.
"""

from bastion.email.interfaces import Mailer
from bastion.email.messages import compose
from bastion.email.senders import (
    MailDeliveryError,
    OutboxMailer,
    SmtpMailer,
    mailer_from_settings,
)

__all__ = [
    "MailDeliveryError",
    "Mailer",
    "OutboxMailer",
    "SmtpMailer",
    "compose",
    "mailer_from_settings",
]
