"""Sending mail about a change only once the change has committed.

Messages are composed inside the transaction (the addresses are read there) and handed to the
mailer by an after-commit hook, so nobody is told about a change that was rolled back. A
message that cannot be delivered is logged; it never undoes the change.
"""

from __future__ import annotations

import email.message
import logging
from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session

from bastion.db.sessions import transaction_of
from bastion.email.interfaces import Mailer
from bastion.email.senders import MailDeliveryError

logger = logging.getLogger(__name__)


def send_after_commit(
    session: Session, mailer: Callable[[], Mailer], messages: Sequence[email.message.EmailMessage]
) -> None:
    """Send `messages` once the transaction `session` belongs to has committed."""
    if not messages:
        return

    def send(success: bool) -> None:  # noqa: FBT001 - the transaction package's signature
        if not success:
            return
        sender = mailer()
        for message in messages:
            try:
                sender.send(message)
            except MailDeliveryError as exc:
                logger.error("Could not send %r to %s: %s", message["Subject"], message["To"], exc)  # noqa: TRY400

    transaction_of(session).addAfterCommitHook(send)
