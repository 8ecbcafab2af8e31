"""Second factors: TOTP (pyotp) and single-use recovery codes (security keys: securitykeys.py).

TOTP codes are accepted one step either side of now (±30 s of clock drift), and only for a
time step later than the last one accepted, so a code seen over a shoulder or in a log cannot
be replayed. Recovery codes are 16 random base32 characters (80 bits), stored as SHA-256, and
each works once.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets

import pyotp
import segno
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bastion.accounts.models import RecoveryCode, User
from bastion.accounts.secretbox import SecretBox
from bastion.accounts.securitykeys import has_security_key
from bastion.db.types import utcnow

RECOVERY_CODE_COUNT = 8
_DRIFT_STEPS = 1
_CODE_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: read off paper
_CODE_LENGTH = 16


def _hash_code(code: str) -> str:
    normalized = code.replace("-", "").replace(" ", "").lower()
    return hashlib.sha256(normalized.encode()).hexdigest()


class TwoFactor:
    """A user's second factors, over one database session."""

    def __init__(self, session: Session, box: SecretBox) -> None:
        self.session = session
        self.box = box

    def is_enabled(self, user: User) -> bool:
        """Whether the account has a second factor (TOTP, a security key, unused recovery codes)."""
        return (
            user.totp_secret is not None
            or has_security_key(self.session, user)
            or self.recovery_codes_left(user) > 0
        )

    # TOTP set-up -----------------------------------------------------------------------

    def begin_totp(self, user: User) -> str:
        """A new secret, kept pending until a code from it is confirmed; returns it."""
        secret = pyotp.random_base32()
        user.totp_pending = self.box.seal(secret)
        return secret

    def pending_secret(self, user: User) -> str | None:
        """The secret being set up, if any."""
        return self.box.open(user.totp_pending) if user.totp_pending else None

    def confirm_totp(self, user: User, code: str, now: datetime.datetime | None = None) -> bool:
        """Make the pending secret active if `code` is right for it."""
        secret = self.pending_secret(user)
        if secret is None:
            return False
        step = _matching_step(secret, code, now or utcnow())
        if step is None:
            return False
        user.totp_secret, user.totp_pending, user.totp_last_step = user.totp_pending, None, step
        return True

    def remove_totp(self, user: User) -> None:
        """Forget the TOTP secret (the caller has checked a fresh second factor)."""
        user.totp_secret = user.totp_pending = None
        user.totp_last_step = None

    # Checking a second factor ------------------------------------------------------------

    def verify(self, user: User, code: str, now: datetime.datetime | None = None) -> str | None:
        """Which factor `code` satisfied ("totp" or "recovery code"), or None.

        A TOTP code is accepted once only; a recovery code is spent.
        """
        code = code.strip()
        if user.totp_secret is not None and code.isdigit():
            return "totp" if self._verify_totp(user, code, now or utcnow()) else None
        return "recovery code" if self._spend_recovery_code(user, code) else None

    def _verify_totp(self, user: User, code: str, now: datetime.datetime) -> bool:
        secret = self.box.open(user.totp_secret) if user.totp_secret else None
        if secret is None:
            return False
        step = _matching_step(secret, code, now)
        if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
            return False
        # Conditional, so two requests racing with one code cannot both pass.
        result = self.session.execute(
            update(User)
            .where(User.id == user.id)
            .where((User.totp_last_step.is_(None)) | (User.totp_last_step < step))
            .values(totp_last_step=step)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return False
        user.totp_last_step = step
        return True

    def provisioning_uri(self, user: User, secret: str, issuer: str) -> str:
        """The otpauth:// URI an authenticator app reads from the QR code."""
        return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=issuer)

    @staticmethod
    def qr_code(uri: str) -> str:
        """The QR code of `uri` as an SVG data URI, made here (no outside service)."""
        data_uri: str = segno.make(uri, error="m").svg_data_uri(scale=5)
        return data_uri

    # Recovery codes ----------------------------------------------------------------------

    def new_recovery_codes(self, user: User) -> list[str]:
        """Replace the user's recovery codes with new ones; the codes are shown once."""
        self.session.execute(
            update(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used.is_(None))
            .values(used=utcnow())
        )
        codes = []
        for _ in range(RECOVERY_CODE_COUNT):
            raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
            codes.append("-".join(raw[i : i + 4] for i in range(0, _CODE_LENGTH, 4)))
            self.session.add(RecoveryCode(user_id=user.id, code_hash=_hash_code(codes[-1])))
        self.session.flush()
        return codes

    def recovery_codes_left(self, user: User) -> int:
        """How many unused recovery codes the user has."""
        return len(
            self.session.scalars(
                select(RecoveryCode.id).where(
                    RecoveryCode.user_id == user.id, RecoveryCode.used.is_(None)
                )
            ).all()
        )

    def _spend_recovery_code(self, user: User, code: str) -> bool:
        digest = _hash_code(code)
        candidates = self.session.scalars(
            select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used.is_(None))
        ).all()
        for candidate in candidates:
            if hmac.compare_digest(candidate.code_hash, digest):
                result = self.session.execute(
                    update(RecoveryCode)
                    .where(RecoveryCode.id == candidate.id, RecoveryCode.used.is_(None))
                    .values(used=utcnow())
                    .execution_options(synchronize_session=False)
                )
                return bool(result.rowcount == 1)  # type: ignore[attr-defined]
        return False


def _matching_step(secret: str, code: str, now: datetime.datetime) -> int | None:
    """The time step within the drift window whose code is `code`, or None."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for offset in range(-_DRIFT_STEPS, _DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.at(now, counter_offset=offset), code):
            return int(current + offset)
    return None
