"""The way out for mail, as a protocol; the implementations are in `senders.py`."""

from __future__ import annotations

import email.message
from typing import Protocol


class Mailer(Protocol):
    """Delivers a composed message: to an SMTP server, or into the outbox directory."""

    def send(self, message: email.message.EmailMessage) -> None:
        """Hand `message` on to its recipients (its To header), or fail saying why.

        Raises:
            MailDeliveryError: the message could not be handed on; nothing was sent.
        """
        ...
