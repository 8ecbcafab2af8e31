"""The server's secret key: from the settings, or generated once into the data directory."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from bastion.config import Settings

_KEY_BYTES = 32


def server_secret(settings: Settings) -> bytes:
    """The secret for keyed hashes. Created on first use when the settings give none."""
    if settings.secret_key:
        return settings.secret_key.encode()
    path = settings.data_dir / "secret.key"
    try:
        return bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        return _create(path)


def _create(path: Path) -> bytes:
    key = secrets.token_hex(_KEY_BYTES)
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key + "\n")
    try:
        # A hard link appears whole or not at all, and fails if the name exists: two
        # processes starting at once end up sharing the first one's key, never half of it.
        os.link(draft, path)
    except FileExistsError:
        return bytes.fromhex(path.read_text().strip())
    finally:
        draft.unlink()
    return bytes.fromhex(key)
