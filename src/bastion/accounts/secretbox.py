"""Encrypting small secrets at rest (TOTP seeds) with Fernet, under a key from the settings.

The key is `totp_encryption_key` (a Fernet key) when set; otherwise one is derived with HKDF
from the server secret, so the embedded default needs no extra file. Rotating either makes
every stored TOTP secret unreadable: users would set TOTP up again (recovery codes still work).
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_INFO = b"bastion totp secrets v1"


class SecretBox:
    """Seal and open small secrets."""

    def __init__(self, fernet_key: bytes) -> None:
        self._fernet = Fernet(fernet_key)

    @classmethod
    def from_server_secret(cls, secret: bytes) -> SecretBox:
        """A box whose key is derived from the server secret (HKDF-SHA256)."""
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret)
        return cls(base64.urlsafe_b64encode(key))

    def seal(self, plaintext: str) -> bytes:
        """The encrypted, authenticated form of `plaintext`."""
        return self._fernet.encrypt(plaintext.encode())

    def open(self, sealed: bytes) -> str | None:
        """The plaintext, or None if `sealed` was not made with this key or was altered."""
        try:
            return self._fernet.decrypt(sealed).decode()
        except InvalidToken:
            return None
