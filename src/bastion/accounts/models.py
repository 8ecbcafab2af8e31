"""User accounts, their web sessions, and the one-time links mailed to them."""

from __future__ import annotations

import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, LargeBinary, String, false
from sqlalchemy.orm import Mapped, mapped_column

from bastion.db.base import Base
from bastion.db.types import UTCDateTime, utcnow


class User(Base):
    """A person (or robot) who can sign in and own projects."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(50))
    # Usernames are unique without regard to case: "Alice" and "alice" are one account.
    normalized_username: Mapped[str] = mapped_column(String(50), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    email_verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # TOTP: the secret, encrypted (secretbox.py); one being set up, not yet confirmed; and the
    # last time step a code was accepted for, so no code is accepted twice.
    totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary(200))
    totp_pending: Mapped[bytes | None] = mapped_column(LargeBinary(200))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created: Mapped[datetime.datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<User {self.username!r}>"


class WebSession(Base):
    """A signed-in browser.

    The cookie holds a random secret; only its SHA-256 is stored here, so a copy of the database
    cannot be replayed as anyone's session.
    """

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the cookie
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created: Mapped[datetime.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires: Mapped[datetime.datetime] = mapped_column(UTCDateTime)
    user_agent: Mapped[str | None] = mapped_column(String(400))
    ip_hash: Mapped[str | None] = mapped_column(String(64))


class AccountToken(Base):
    """A one-time link: verify an email address, or reset a forgotten password.

    Stored as the SHA-256 of the secret in the link; used at most once, and only until it
    expires.
    """

    __tablename__ = "account_tokens"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the secret
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    # For email verification: the address the link was sent to (the account's may change).
    email: Mapped[str | None] = mapped_column(String(254))
    created: Mapped[datetime.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires: Mapped[datetime.datetime] = mapped_column(UTCDateTime)
    used: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime)


class RecoveryCode(Base):
    """One single-use recovery code, stored as its SHA-256 (the code has 80 random bits)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created: Mapped[datetime.datetime] = mapped_column(UTCDateTime, default=utcnow)
    used: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime)


class WebAuthnCredential(Base):
    """A security key or passkey registered as a second factor (WebAuthn), named by its owner.

    Only the public key is kept. `sign_count` is the authenticator's signature counter as last
    seen: one that does not go up between uses betrays a cloned key (securitykeys.py).
    """

    __tablename__ = "webauthn_credentials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    # Credential ids are at most 1023 bytes (WebAuthn level 3); each names one key, everywhere.
    credential_id: Mapped[bytes] = mapped_column(LargeBinary(1023), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(1023))  # COSE_Key, as registered
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)  # an unsigned 32-bit counter
    # How the browser reached the key ("usb,nfc"), handed back to it as a hint; may be empty.
    transports: Mapped[str | None] = mapped_column(String(200))
    created: Mapped[datetime.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime)
