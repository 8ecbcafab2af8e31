"""Second factors: WebAuthn security keys and passkeys (py_webauthn), several per user.

Challenges are one-time links (links.py) whose secret *is* the challenge: the browser signs the
secret, and the answer's clientDataJSON carries it back. So the server keeps only its SHA-256,
bound to the user, for five minutes, and spends it with the same conditional update that spends
a mailed link: an answer cannot be replayed, two racing requests cannot both use one challenge,
and no table or column is needed for challenges alone.

Attestation is not asked for ("none"): the index trusts any authenticator its owner chooses and
keeps no vendor certificates. What the keys protect against (phishing) rests on the checks of
every answer: the origin the browser saw, the RP id hash the key signed, the signature, and
the signature counter (a count that does not go up, when either is non-zero, betrays a clone).
"""

from __future__ import annotations

import dataclasses
import datetime
import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    parse_authentication_credential_json,
    parse_client_data_json,
    parse_registration_credential_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    RegistrationCredential,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from bastion.accounts.errors import ClonedSecurityKeyError, SecurityKeyRefusedError
from bastion.accounts.links import AccountLinks, LinkPurpose
from bastion.accounts.models import User, WebAuthnCredential
from bastion.db.types import utcnow

CHALLENGE_LIFETIME = datetime.timedelta(minutes=5)
_TIMEOUT_MS = int(CHALLENGE_LIFETIME.total_seconds() * 1000)
NAME_LENGTH = 64


@dataclasses.dataclass(frozen=True)
class RelyingParty:
    """Who the keys are registered with: the RP id, the origin browsers show, a display name."""

    id: str
    origin: str
    name: str


class SecurityKeys:
    """A user's WebAuthn credentials, over one database session."""

    def __init__(self, session: Session, rp: RelyingParty) -> None:
        self.session = session
        self.rp = rp

    def keys_of(self, user: User) -> list[WebAuthnCredential]:
        """The user's keys, oldest first."""
        return list(
            self.session.scalars(
                select(WebAuthnCredential)
                .where(WebAuthnCredential.user_id == user.id)
                .order_by(WebAuthnCredential.created, WebAuthnCredential.id)
            )
        )

    # Registration ------------------------------------------------------------------------

    def registration_options(self, user: User) -> str:
        """The JSON options for navigator.credentials.create(), with a new challenge."""
        challenge = AccountLinks(self.session).issue(
            user, LinkPurpose.WEBAUTHN_REGISTER, CHALLENGE_LIFETIME
        )
        options = generate_registration_options(
            rp_id=self.rp.id,
            rp_name=self.rp.name,
            user_name=user.username,
            user_id=_user_handle(user),
            challenge=challenge.encode(),
            timeout=_TIMEOUT_MS,
            attestation=AttestationConveyancePreference.NONE,
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.DISCOURAGED,
                user_verification=UserVerificationRequirement.DISCOURAGED,
            ),
            exclude_credentials=self._descriptors(user),
        )
        return options_to_json(options)

    def register(self, user: User, name: str, credential: Any) -> WebAuthnCredential:
        """Verify the browser's answer to the registration options and keep the new key.

        Raises:
            SecurityKeyRefusedError: a bad name, an unknown or spent challenge, an answer that
                does not verify (origin, RP id, user presence), or a key registered already.
        """
        name = " ".join(name.split())
        if not name or len(name) > NAME_LENGTH:
            raise SecurityKeyRefusedError(f"a key name of 1 to {NAME_LENGTH} characters")
        if any(key.name == name for key in self.keys_of(user)):
            raise SecurityKeyRefusedError("a key of this name exists")
        try:
            parsed = parse_registration_credential_json(credential)
        except (WebAuthnException, ValueError, TypeError) as exc:
            raise SecurityKeyRefusedError(f"malformed answer: {exc}") from exc
        challenge = self._spend_challenge(
            user, parsed.response.client_data_json, LinkPurpose.WEBAUTHN_REGISTER
        )
        try:
            verified = verify_registration_response(
                credential=parsed,
                expected_challenge=challenge,
                expected_rp_id=self.rp.id,
                expected_origin=self.rp.origin,
            )
        except WebAuthnException as exc:
            raise SecurityKeyRefusedError(str(exc)) from exc
        taken = self.session.scalar(
            select(WebAuthnCredential.id).where(
                WebAuthnCredential.credential_id == verified.credential_id
            )
        )
        if taken is not None:
            raise SecurityKeyRefusedError("this key is registered already")
        key = WebAuthnCredential(
            user_id=user.id,
            name=name,
            credential_id=verified.credential_id,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            transports=_transports(parsed),
            created=utcnow(),
        )
        self.session.add(key)
        self.session.flush()
        return key

    # Authentication ----------------------------------------------------------------------

    def authentication_options(self, user: User) -> str:
        """The JSON options for navigator.credentials.get() over the user's keys."""
        challenge = AccountLinks(self.session).issue(
            user, LinkPurpose.WEBAUTHN_ASSERT, CHALLENGE_LIFETIME
        )
        options = generate_authentication_options(
            rp_id=self.rp.id,
            challenge=challenge.encode(),
            timeout=_TIMEOUT_MS,
            allow_credentials=self._descriptors(user),
            user_verification=UserVerificationRequirement.DISCOURAGED,
        )
        return options_to_json(options)

    def authenticate(self, user: User, credential: Any) -> WebAuthnCredential:
        """The user's key that signed this answer to the authentication options.

        Raises:
            ClonedSecurityKeyError: the signature is good but the counter did not go up.
            SecurityKeyRefusedError: anything else wrong (see `register`), or another's key.
        """
        try:
            parsed = parse_authentication_credential_json(credential)
        except (WebAuthnException, ValueError, TypeError) as exc:
            raise SecurityKeyRefusedError(f"malformed answer: {exc}") from exc
        challenge = self._spend_challenge(
            user, parsed.response.client_data_json, LinkPurpose.WEBAUTHN_ASSERT
        )
        key = self.session.scalar(
            select(WebAuthnCredential).where(
                WebAuthnCredential.user_id == user.id,
                WebAuthnCredential.credential_id == parsed.raw_id,
            )
        )
        if key is None:
            raise SecurityKeyRefusedError("not a key of this account")
        try:
            # The counter is checked below, once the signature is known to be good, so that
            # only a real signature can report a clone.
            verified = verify_authentication_response(
                credential=parsed,
                expected_challenge=challenge,
                expected_rp_id=self.rp.id,
                expected_origin=self.rp.origin,
                credential_public_key=key.public_key,
                credential_current_sign_count=0,
            )
        except WebAuthnException as exc:
            raise SecurityKeyRefusedError(str(exc)) from exc
        seen = verified.new_sign_count
        if (seen or key.sign_count) and seen <= key.sign_count:
            raise ClonedSecurityKeyError(key.name, seen, key.sign_count)
        key.sign_count, key.last_used = seen, utcnow()
        return key

    def remove(self, user: User, key_id: int) -> WebAuthnCredential | None:
        """Forget one of the user's keys (the caller has checked a fresh second factor)."""
        key = self.session.get(WebAuthnCredential, key_id)
        if key is None or key.user_id != user.id:
            return None
        self.session.delete(key)
        self.session.flush()
        return key

    # Helpers -----------------------------------------------------------------------------

    def _descriptors(self, user: User) -> list[PublicKeyCredentialDescriptor]:
        return [
            PublicKeyCredentialDescriptor(
                id=key.credential_id,
                transports=[
                    AuthenticatorTransport(t)
                    for t in (key.transports or "").split(",")
                    if t in _KNOWN_TRANSPORTS
                ]
                or None,
            )
            for key in self.keys_of(user)
        ]

    def _spend_challenge(self, user: User, client_data: bytes, purpose: LinkPurpose) -> bytes:
        """The challenge the answer signed, once spent: it must be live and `user`'s."""
        try:
            challenge = parse_client_data_json(client_data).challenge
            secret = challenge.decode("ascii")
        except (WebAuthnException, ValueError, TypeError, json.JSONDecodeError) as exc:
            raise SecurityKeyRefusedError(f"malformed client data: {exc}") from exc
        link = AccountLinks(self.session).redeem(secret, purpose)
        if link is None or link.user_id != user.id:
            raise SecurityKeyRefusedError("unknown, spent or expired challenge")
        return challenge


_KNOWN_TRANSPORTS = {t.value for t in AuthenticatorTransport}


def has_security_key(session: Session, user: User) -> bool:
    """Whether the user has registered at least one key."""
    count = session.scalar(
        select(func.count(WebAuthnCredential.id)).where(WebAuthnCredential.user_id == user.id)
    )
    return bool(count)


def _user_handle(user: User) -> bytes:
    """The WebAuthn user handle: the account's number, no name or address (spec advice)."""
    return user.id.to_bytes(8, "big")


def _transports(credential: RegistrationCredential) -> str | None:
    transports = credential.response.transports or []
    joined = ",".join(t.value for t in transports)
    return joined[:200] or None


__all__ = ["CHALLENGE_LIFETIME", "RelyingParty", "SecurityKeys", "has_security_key"]
