"""Creating, verifying, listing and revoking API tokens.

Verifying costs one primary-key lookup and a few HMACs, never a password hash: an upload with
a token is as cheap to authenticate as a page view.
"""

from __future__ import annotations

import dataclasses
import datetime
import secrets
import struct
from collections.abc import Sequence

from pymacaroons import Macaroon, Verifier
from pymacaroons.exceptions import (
    MacaroonException,
    MacaroonInvalidSignatureException,
    MacaroonUnmetCaveatException,
)
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bastion.db.types import utcnow
from bastion.tokens.caveats import CaveatChecker, Restrictions
from bastion.tokens.errors import InvalidTokenError
from bastion.tokens.models import ApiToken

# Secret scanners (GitHub's among them) match tokens by a fixed prefix.
TOKEN_PREFIX = "bastion-"  # noqa: S105 - a prefix, not a secret
# What twine and `uv publish` send as the username with a token as the password.
TOKEN_USERNAME = "__token__"  # noqa: S105 - a username, not a secret
_LOCATION = "bastion"
_ROOT_KEY_BYTES = 32


@dataclasses.dataclass(frozen=True)
class VerifiedToken:
    """A token whose signature and caveats held, and what it allows."""

    token_id: str
    name: str
    user_id: int
    project_ids: frozenset[int] | None


class TokenService:
    """API tokens of any user, in one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def create(self, user_id: int, name: str, restrictions: Restrictions) -> tuple[ApiToken, str]:
        """A new token for `user_id`; returns its row and the token itself (shown once)."""
        row = ApiToken(
            id=secrets.token_hex(16),
            user_id=user_id,
            name=name,
            root_key=secrets.token_bytes(_ROOT_KEY_BYTES),
            project_ids=sorted(restrictions.project_ids)
            if restrictions.project_ids is not None
            else None,
            not_before=restrictions.not_before,
            expires=restrictions.expires,
        )
        macaroon = Macaroon(location=_LOCATION, identifier=row.id, key=row.root_key)
        for caveat in restrictions.as_caveats():
            macaroon.add_first_party_caveat(caveat)
        self.session.add(row)
        self.session.flush()
        return row, TOKEN_PREFIX + macaroon.serialize()

    def verify(self, token: str, now: datetime.datetime | None = None) -> VerifiedToken:
        """Check `token` throughout.

        Raises:
            InvalidTokenError: malformed, unknown, revoked, altered, expired, not yet valid,
                or for another account; the message says which.
        """
        macaroon = _parse(token)
        row = self.session.get(ApiToken, macaroon.identifier)
        if row is None:
            raise InvalidTokenError("it is unknown here (deleted, or from another index)")
        if row.revoked is not None:
            raise InvalidTokenError("it has been revoked")
        # The signature first, so an altered token reads as altered, whatever it claims.
        _verify_signature(macaroon, row.root_key)
        checker = CaveatChecker(row.user_id, now or utcnow())
        verifier = Verifier()
        verifier.satisfy_general(checker)
        try:
            verifier.verify(macaroon, row.root_key)
        except (MacaroonInvalidSignatureException, MacaroonUnmetCaveatException):
            # pymacaroons reports an unmet caveat as a signature mismatch (the chain skips
            # it); the signature itself was checked above, so the checker knows which.
            raise InvalidTokenError(checker.failure or "a caveat is not met") from None
        if not checker.saw_user:
            raise InvalidTokenError("it names no account")
        return VerifiedToken(
            token_id=row.id, name=row.name, user_id=row.user_id, project_ids=checker.project_ids
        )

    def mark_used(self, token_id: str, now: datetime.datetime | None = None) -> None:
        """Record that the token was just used (in the caller's transaction)."""
        self.session.execute(
            update(ApiToken).where(ApiToken.id == token_id).values(last_used=now or utcnow())
        )

    def revoke(self, token_id: str, now: datetime.datetime | None = None) -> ApiToken | None:
        """Revoke a token for good; None when there is no such token."""
        row = self.session.get(ApiToken, token_id)
        if row is not None and row.revoked is None:
            row.revoked = now or utcnow()
        return row

    def tokens_of(self, user_id: int) -> Sequence[ApiToken]:
        """Every token of `user_id`, revoked ones included, newest first."""
        return self.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.created.desc())
        ).all()


def _parse(token: str) -> Macaroon:
    if not token.startswith(TOKEN_PREFIX):
        raise InvalidTokenError(f"API tokens of this index start with {TOKEN_PREFIX!r}")
    try:
        macaroon = Macaroon.deserialize(token.removeprefix(TOKEN_PREFIX))
        identifier = macaroon.identifier
    except (MacaroonException, ValueError, TypeError, LookupError, struct.error):
        raise InvalidTokenError("it is malformed") from None
    if not isinstance(identifier, str) or len(identifier) > 32:  # noqa: PLR2004 - id length
        raise InvalidTokenError("it is unknown here (deleted, or from another index)")
    return macaroon


def _verify_signature(macaroon: Macaroon, root_key: bytes) -> None:
    verifier = Verifier()
    verifier.satisfy_general(lambda _predicate: True)
    try:
        verifier.verify(macaroon, root_key)
    except MacaroonInvalidSignatureException:
        raise InvalidTokenError("its signature does not match: it was altered") from None
