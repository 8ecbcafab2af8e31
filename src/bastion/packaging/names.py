"""Project names (PEP 508) and their normalized form (PEP 503)."""

from __future__ import annotations

import re
from typing import NewType

from packaging.utils import canonicalize_name

from bastion.packaging.errors import InvalidNameError

# A name after PEP 503 normalization. Lookups take this type, so a raw, user-typed name cannot
# reach a query unnoticed: "Foo.Bar" and "foo-bar" must find the same project.
NormalizedName = NewType("NormalizedName", str)

_PEP508_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
MAX_NAME_LENGTH = 200


def normalize_name(name: str) -> NormalizedName:
    """PEP 503 normalization: lower case, runs of '-', '_', '.' become one '-'."""
    return NormalizedName(canonicalize_name(name))


def validate_name(name: str) -> NormalizedName:
    """Return the normalized form of a valid PEP 508 name.

    Raises:
        InvalidNameError: `name` is empty, too long or has characters PEP 508 forbids.
    """
    if len(name) > MAX_NAME_LENGTH or not _PEP508_NAME.fullmatch(name):
        raise InvalidNameError(name)
    return normalize_name(name)


# Characters that read alike in most fonts, folded to one of them: an upper-case I before
# lower-casing (a lower-case i has its dot), then digits one and zero.
_CAPITAL_I = str.maketrans({"I": "l"})
_CONFUSABLES = str.maketrans({"1": "l", "0": "o"})
_SEPARATORS = re.compile(r"[-_.]+")


def ultranormalize_name(name: str) -> str:
    """`name` (as displayed) with separators removed and look-alike characters folded.

    Two names with the same result cannot be told apart at a glance ("req-uests" and
    "requests", "pyt0rch" and "pytorch", "Ilama" and "llama"), so only one of them may exist.
    """
    folded = name.translate(_CAPITAL_I).lower()
    return _SEPARATORS.sub("", folded).translate(_CONFUSABLES)
