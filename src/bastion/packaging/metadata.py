"""Core metadata, parsed and validated with `packaging.metadata`.

It comes from the upload form and from the artifact itself, and is shaped here for storage and
the JSON API.

The artifact's own metadata (a wheel's METADATA, an sdist's PKG-INFO) is what Bastion stores and
serves; the form's copy must agree with it on the fields that identify the release.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from packaging.metadata import InvalidMetadata, Metadata, RawMetadata, parse_email

from bastion.packaging.errors import InvalidMetadataError, MetadataMismatchError
from bastion.packaging.names import normalize_name

# Form field -> RawMetadata key, where twine and `uv publish` rename them.
_FORM_RENAMES = {
    "platform": "platforms",
    "supported_platform": "supported_platforms",
    "license_file": "license_files",
}
_LIST_KEYS = frozenset(
    {
        "platforms",
        "supported_platforms",
        "classifiers",
        "requires",
        "provides",
        "obsoletes",
        "requires_dist",
        "provides_dist",
        "obsoletes_dist",
        "requires_external",
        "provides_extra",
        "dynamic",
        "license_files",
        "import_names",
        "import_namespaces",
    }
)
_RAW_KEYS = frozenset(RawMetadata.__annotations__)


def metadata_from_form(fields: Mapping[str, Sequence[str]]) -> Metadata:
    """Validate the metadata fields of an upload form (what twine and `uv publish` send).

    Raises:
        InvalidMetadataError: a field is missing, malformed or not allowed in the declared
            metadata version.
    """
    raw: dict[str, Any] = {}
    for form_key, values in fields.items():
        key = _FORM_RENAMES.get(form_key, form_key)
        present = [v for v in values if v.strip()]
        if not present or key not in _RAW_KEYS:
            continue
        if key in _LIST_KEYS:
            raw[key] = present
        elif key == "keywords":
            raw[key] = [k.strip() for k in ",".join(present).split(",") if k.strip()]
        elif key == "project_urls":
            raw[key] = _parse_project_urls(present)
        else:
            raw[key] = present[0]
    return _validate(raw)


def metadata_from_bytes(data: bytes) -> Metadata:
    """Parse and validate an email-style METADATA / PKG-INFO file.

    Raises:
        InvalidMetadataError: unparseable, unknown fields for its version, or invalid values.
    """
    raw, unparsed = parse_email(data)
    # Unknown headers are tolerated (older tools wrote a few); fields that failed to parse
    # are not: the metadata we would serve would silently lose them.
    broken = sorted(k for k in unparsed if k.lower() in _EMAIL_FIELDS)
    if broken:
        raise InvalidMetadataError(f"could not parse the field(s) {', '.join(broken)}")
    return _validate(dict(raw))


_EMAIL_FIELDS = frozenset(k.replace("_", "-") for k in RawMetadata.__annotations__) | {
    "classifier",
    "platform",
    "supported-platform",
    "project-url",
    "license-file",
    "import-name",
    "import-namespace",
}


def _parse_project_urls(values: Sequence[str]) -> dict[str, str]:
    urls: dict[str, str] = {}
    for value in values:
        label, sep, url = value.partition(",")
        if not sep:
            raise InvalidMetadataError(f"project_urls entry {value!r} is not 'label, url'")
        urls[label.strip()] = url.strip()
    return urls


def _validate(raw: dict[str, Any]) -> Metadata:
    for required in ("metadata_version", "name", "version"):
        if not raw.get(required):
            raise InvalidMetadataError(f"the required field {required!r} is missing")
    try:
        return Metadata.from_raw(RawMetadata(**raw), validate=True)  # type: ignore[typeddict-item]
    except ExceptionGroup as group:
        raise InvalidMetadataError(_describe(group)) from None
    except InvalidMetadata as exc:
        raise InvalidMetadataError(str(exc)) from None


def _describe(group: ExceptionGroup) -> str:
    messages = sorted({str(exc) for exc in group.exceptions})
    return "; ".join(messages)


def check_agreement(form: Metadata, artifact: Metadata) -> None:
    """Check that the form names the release the artifact describes.

    Raises:
        MetadataMismatchError: the name (normalized) or version differ.
    """
    if normalize_name(form.name) != normalize_name(artifact.name):
        raise MetadataMismatchError("name", form.name, artifact.name)
    if form.version != artifact.version:
        raise MetadataMismatchError("version", str(form.version), str(artifact.version))


def to_json_info(metadata: Metadata) -> dict[str, Any]:
    """The metadata as the `info` fields of PyPI's JSON API (field names as PyPI spells them)."""
    return {
        "metadata_version": metadata.metadata_version,
        "name": metadata.name,
        "version": str(metadata.version),
        "summary": metadata.summary,
        "description": metadata.description,
        "description_content_type": metadata.description_content_type,
        "keywords": ",".join(metadata.keywords or []) or None,
        "home_page": metadata.home_page,
        "download_url": metadata.download_url,
        "author": metadata.author,
        "author_email": metadata.author_email,
        "maintainer": metadata.maintainer,
        "maintainer_email": metadata.maintainer_email,
        "license": metadata.license,
        "license_expression": metadata.license_expression,
        "license_files": metadata.license_files,
        "classifiers": list(metadata.classifiers or []),
        "platform": ", ".join(metadata.platforms or []) or None,
        "requires_dist": [str(r) for r in metadata.requires_dist]
        if metadata.requires_dist
        else None,
        "requires_python": str(metadata.requires_python) if metadata.requires_python else None,
        "provides_extra": [str(e) for e in metadata.provides_extra]
        if metadata.provides_extra
        else None,
        "project_urls": dict(metadata.project_urls) if metadata.project_urls else None,
        "dynamic": list(metadata.dynamic) if metadata.dynamic else None,
    }
