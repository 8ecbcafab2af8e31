"""Creating the repository with the embedded default's keys (`bastion init` / `serve`)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bastion.config import Settings
from bastion.signing import keys, repository
from bastion.signing.layout import bit_length_for
from bastion.storage import Storage

OFFLINE_KEYS_WARNING = (
    "WARNING: the TUF root and targets keys were generated into {keys_dir}. They belong "
    "offline: anyone who can read them can sign metadata every client trusts. For an index "
    "others rely on, move root.pem and targets.pem to offline media (see docs/signing.md) and "
    "keep only online.pem on the server."
)


def embedded_keys(settings: Settings) -> repository.InitKeys:
    """The three keys of the embedded default, generated where missing."""
    return repository.InitKeys(
        root=[keys.embedded_signer(settings, keys.ROOT_KEY_FILE)],
        root_threshold=1,
        targets=keys.embedded_signer(settings, keys.TARGETS_KEY_FILE),
        online=keys.embedded_signer(settings, keys.ONLINE_KEY_FILE),
    )


def initialize_embedded(session: Session, storage: Storage, settings: Settings) -> bool:
    """Create the repository with embedded keys unless it exists; whether it was created.

    Only in the embedded default (no online key URI set): in production the repository is
    created once, by an operator holding the offline keys (`bastion tuf init --root-key ...`).
    """
    if not settings.tuf_enabled or settings.tuf_online_key_uri:
        return False
    if repository.is_initialized(session):
        return False
    repository.initialize(
        session,
        storage,
        embedded_keys(settings),
        bit_length=bit_length_for(settings.tuf_expected_files),
    )
    return True
