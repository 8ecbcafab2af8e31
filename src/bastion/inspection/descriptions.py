"""The long description must render for its declared content type, as PyPI requires.

Rendering untrusted reStructuredText runs docutils on attacker input, so it happens here, in
the sandbox, with the rest of the inspection.

A description written as a `Description:` header (Metadata-Version 1.x, and 2.x files that do
not use the body) is folded: its continuation lines carry 7 spaces and '|' (the core metadata
specification) or 8 spaces (what distutils and setuptools wrote). That folding is undone before
rendering, as the specification says and `importlib.metadata` does; rendered folded, a title's
underline is indented and docutils refuses it (sortedcontainers 2.4.0's sdist).
"""

from __future__ import annotations

import io
import textwrap
from email.parser import BytesHeaderParser
from email.policy import compat32

from packaging.metadata import parse_email

from bastion.inspection.errors import RefusedArchiveError

_DEFAULT_CONTENT_TYPE = "text/x-rst"
_SPEC_FOLD = "\n       |"
_LEGACY_INDENT = " " * 8


def description_of(core_metadata: bytes) -> str | None:
    """The long description in `core_metadata`, its header folding undone."""
    raw, _ = parse_email(core_metadata)
    return _unfolded(raw.get("description"), core_metadata)


def _unfolded(description: str | None, core_metadata: bytes) -> str | None:
    if description is None:
        return None
    headers = BytesHeaderParser(policy=compat32).parsebytes(core_metadata)
    if headers.get("Description") is None:
        return description  # from the body: taken as written
    return unfold_header_description(description)


def unfold_header_description(value: str) -> str:
    """Undo the folding of a description written as a header."""
    if _SPEC_FOLD in value:
        return value.replace(_SPEC_FOLD, "\n")
    if "\n" + _LEGACY_INDENT in value:
        return textwrap.dedent(_LEGACY_INDENT + value)
    return value


def check_description_renders(core_metadata: bytes) -> None:
    """Render the description in `core_metadata`.

    Raises:
        RefusedArchiveError: it does not render for its content type (reStructuredText by
            default), or the content type is not one PyPI knows.
    """
    raw, _ = parse_email(core_metadata)
    description = _unfolded(raw.get("description"), core_metadata)
    if not description or not description.strip():
        return
    content_type = raw.get("description_content_type") or _DEFAULT_CONTENT_TYPE
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "text/plain":
        return
    if media_type == "text/markdown":
        from readme_renderer import markdown  # noqa: PLC0415 - imported only when needed

        markdown.render(description)
        return
    if media_type != "text/x-rst":
        raise RefusedArchiveError(f"the description content type {content_type!r} is not known")
    from readme_renderer import rst  # noqa: PLC0415 - docutils is slow to import

    if rst.render(description, stream=io.StringIO()) is None:
        raise RefusedArchiveError(
            "the description failed to render as reStructuredText; check it with "
            "`twine check` (or declare its content type)"
        )
