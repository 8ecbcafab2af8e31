"""One-time links mailed to account owners: verify an email address, reset a password."""

from __future__ import annotations

import datetime
import enum
import hashlib
import secrets

from sqlalchemy import update
from sqlalchemy.orm import Session

from bastion.accounts.models import AccountToken, User
from bastion.db.types import utcnow

_SECRET_BYTES = 32


class LinkPurpose(enum.StrEnum):
    """What a link does when followed."""

    VERIFY_EMAIL = "verify-email"
    RESET_PASSWORD = "reset-password"  # noqa: S105 - a purpose, not a secret
    SIGN_IN = "sign-in"  # between the password and the second factor
    # WebAuthn challenges: the link secret is the challenge itself (see securitykeys.py).
    WEBAUTHN_REGISTER = "webauthn-register"
    WEBAUTHN_ASSERT = "webauthn-assert"


class AccountLinks:
    """Issuing and redeeming one-time links, in one database session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def issue(
        self,
        user: User,
        purpose: LinkPurpose,
        lifetime: datetime.timedelta,
        *,
        email: str | None = None,
    ) -> str:
        """A new link secret for `user` (only its hash is stored)."""
        secret = secrets.token_urlsafe(_SECRET_BYTES)
        now = utcnow()
        self.session.add(
            AccountToken(
                id=_digest(secret),
                user_id=user.id,
                purpose=purpose.value,
                email=email,
                created=now,
                expires=now + lifetime,
            )
        )
        self.session.flush()
        return secret

    def find(self, secret: str, purpose: LinkPurpose) -> AccountToken | None:
        """The live (unused, unexpired) link for `secret`, without using it."""
        row = self.session.get(AccountToken, _digest(secret))
        if (
            row is None
            or row.purpose != purpose.value
            or row.used is not None
            or row.expires <= utcnow()
        ):
            return None
        return row

    def redeem(self, secret: str, purpose: LinkPurpose) -> AccountToken | None:
        """Use the link once: its row, or None if unknown, used, expired or for another purpose.

        The update is conditional on `used IS NULL`, so two clicks racing cannot both win.
        """
        now = utcnow()
        result = self.session.execute(
            update(AccountToken)
            .where(
                AccountToken.id == _digest(secret),
                AccountToken.purpose == purpose.value,
                AccountToken.used.is_(None),
                AccountToken.expires > now,
            )
            .values(used=now)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return self.session.get(AccountToken, _digest(secret))

    def revoke_unused(self, user_id: int, purpose: LinkPurpose) -> None:
        """Spend every outstanding link of `purpose` for `user_id` (after a password change)."""
        self.session.execute(
            update(AccountToken)
            .where(
                AccountToken.user_id == user_id,
                AccountToken.purpose == purpose.value,
                AccountToken.used.is_(None),
            )
            .values(used=utcnow())
        )


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
