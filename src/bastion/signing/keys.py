"""The keys that sign the repository, as securesystemslib signers.

In the embedded default `bastion tuf init` generates three ed25519 keys into
`<data-dir>/keys/`: `root.pem`, `targets.pem` (targets and bins) and `online.pem` (timestamp,
snapshot and every bin). Only the online key is needed while serving; root and targets keys
belong offline, and the init command says so loudly. In production the online key is named by
a securesystemslib signer URI (`file2:/path`, `awskms:...`, `gcpkms:...`, `hsm:...`) in the
`tuf_online_key_uri` setting, and its public half is read from the current root.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from securesystemslib.signer import CryptoSigner, Key, Signer, SSlibKey

from bastion.config import Settings

ROOT_KEY_FILE = "root.pem"
TARGETS_KEY_FILE = "targets.pem"
ONLINE_KEY_FILE = "online.pem"


def keys_dir(settings: Settings) -> Path:
    """Where the embedded default keeps its keys."""
    return settings.data_dir / "keys"


def online_key_uri(settings: Settings) -> str:
    """The signer URI of the online key: the setting, else the embedded key file."""
    if settings.tuf_online_key_uri:
        return settings.tuf_online_key_uri
    return f"{CryptoSigner.SCHEME}:{(keys_dir(settings) / ONLINE_KEY_FILE).resolve()}"


def online_signer(settings: Settings, public_key: Key) -> Signer:
    """The online signer for `public_key` (the key the current root names for timestamp)."""
    return Signer.from_priv_key_uri(online_key_uri(settings), public_key)


def generate_key(path: Path) -> CryptoSigner:
    """A new ed25519 key, its private half written to `path` (owner-only, never replaced)."""
    signer = CryptoSigner.generate_ed25519()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    # O_EXCL: a key file is never overwritten, whatever else goes wrong.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(signer.private_bytes)
    return signer


def load_key(path: Path) -> CryptoSigner:
    """The signer whose private key (PEM, PKCS#8, unencrypted) is in `path`."""
    private_key = load_pem_private_key(path.read_bytes(), password=None)
    return CryptoSigner(private_key)


def embedded_signer(settings: Settings, filename: str) -> CryptoSigner:
    """The embedded key `filename` in the keys directory, generated if it is not there yet."""
    path = keys_dir(settings) / filename
    return load_key(path) if path.exists() else generate_key(path)


def load_public_key(path: Path) -> Key:
    """A public key from a PEM file (an online key kept in a KMS or HSM, say)."""
    public = load_pem_public_key(path.read_bytes())
    return SSlibKey.from_crypto(public)


def replace_embedded_online_key(settings: Settings) -> CryptoSigner:
    """A new embedded online key in online.pem, the old file kept beside it, renamed."""
    path = keys_dir(settings) / ONLINE_KEY_FILE
    if path.exists():
        old = load_key(path)
        path.rename(path.with_name(f"online-{old.public_key.keyid[:16]}.pem.retired"))
    return generate_key(path)
