"""Loads every domain's models, so the metadata Alembic compares against is complete."""

from __future__ import annotations

import importlib

_MODEL_MODULES = (
    "bastion.accounts.models",
    "bastion.advisories.models",
    "bastion.attestations.models",
    "bastion.events.models",
    "bastion.malware.models",
    "bastion.moderation.models",
    "bastion.packaging.models",
    "bastion.signing.models",
    "bastion.tokens.models",
)


def import_all_models() -> None:
    """Import each domain's `models` module (they register their tables on `Base.metadata`)."""
    for module in _MODEL_MODULES:
        importlib.import_module(module)
