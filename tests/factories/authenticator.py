"""A software WebAuthn authenticator: real attestation and assertion objects, signed with ES256.

It does what a security key and the browser do together: builds clientDataJSON (type,
challenge, origin), authenticatorData (SHA-256 of the RP id, flags, the big-endian signature
counter, and at registration the attested credential data with the COSE public key), a "none"
attestation object in CBOR, and ECDSA P-256 signatures over authenticatorData ||
SHA-256(clientDataJSON). The origin and RP id it claims can be overridden, to play a phishing
page or another site's key; `clone()` copies the key, counter and all.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import secrets
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

_UP, _UV, _AT = 0x01, 0x04, 0x40  # user present, user verified, attested credential data
_COSE_EC2, _COSE_ES256, _COSE_P256 = 2, -7, 1


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SoftwareAuthenticator:
    """One credential (an EC P-256 key) on one authenticator, with a signature counter."""

    def __init__(self, *, origin: str = "http://localhost", counting: bool = True) -> None:
        self.origin = origin
        self.counting = counting  # passkeys often keep the counter at 0
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = secrets.token_bytes(32)
        self.sign_count = 0
        self.aaguid = bytes(16)

    def clone(self) -> SoftwareAuthenticator:
        """A copy of this authenticator as it is now (same key, same counter)."""
        return copy.copy(self)

    def cose_public_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: _COSE_EC2,
                3: _COSE_ES256,
                -1: _COSE_P256,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def _authenticator_data(self, rp_id: str, *, attested: bool) -> bytes:
        flags = _UP | _UV | (_AT if attested else 0)
        data = hashlib.sha256(rp_id.encode()).digest()
        data += bytes([flags]) + self.sign_count.to_bytes(4, "big")
        if attested:
            data += self.aaguid + len(self.credential_id).to_bytes(2, "big")
            data += self.credential_id + self.cose_public_key()
        return data

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        return json.dumps(
            {
                "type": kind,
                "challenge": challenge,
                "origin": origin or self.origin,
                "crossOrigin": False,
            }
        ).encode()

    def create(
        self, options: dict[str, Any], *, origin: str | None = None, rp_id: str | None = None
    ) -> dict[str, Any]:
        """The answer to navigator.credentials.create(options), as the browser's JSON."""
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        auth_data = self._authenticator_data(rp_id or options["rp"]["id"], attested=True)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["usb", "nfc"],
            },
            "clientExtensionResults": {},
        }

    def get(
        self,
        options: dict[str, Any],
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        sign_count: int | None = None,
    ) -> dict[str, Any]:
        """The answer to navigator.credentials.get(options), as the browser's JSON."""
        allowed = {c["id"] for c in options.get("allowCredentials", [])}
        assert b64url(self.credential_id) in allowed, "this key was not asked for"
        if sign_count is not None:
            self.sign_count = sign_count
        elif self.counting:
            self.sign_count += 1
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        auth_data = self._authenticator_data(rp_id or options["rpId"], attested=False)
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = self.key.sign(signed, ec.ECDSA(hashes.SHA256()))
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
            },
            "clientExtensionResults": {},
        }
