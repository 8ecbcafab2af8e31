"""Core metadata, parsed and validated with `packaging.metadata`.

It comes from the upload form and from the artifact itself, and is shaped here for storage and
the JSON API.

The artifact's own metadata (a wheel's METADATA, an sdist's PKG-INFO) is what Bastion stores and
serves; the form's copy must agree with it on the fields that identify the release.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import trove_classifiers
from packaging.metadata import InvalidMetadata, Metadata, RawMetadata, parse_email
from packaging.version import InvalidVersion, Version

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
    return _validate(_raw_from_form(fields))


def sent_metadata_keys(fields: Mapping[str, Sequence[str]]) -> frozenset[str]:
    """The RawMetadata keys an upload form gave a value."""
    return frozenset(_raw_from_form(fields))


def _raw_from_form(fields: Mapping[str, Sequence[str]]) -> dict[str, Any]:
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
    return raw


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
    if _predates_license_files(raw["metadata_version"]):
        # setuptools wrote License-File under Metadata-Version 2.1 for years, before PEP 639
        # defined it in 2.4; like twine (and PyPI), drop it rather than refuse those files.
        raw.pop("license_files", None)
    try:
        return Metadata.from_raw(RawMetadata(**raw), validate=True)  # type: ignore[typeddict-item]
    except ExceptionGroup as group:
        raise InvalidMetadataError(_describe(group)) from None
    except InvalidMetadata as exc:
        raise InvalidMetadataError(str(exc)) from None


def _predates_license_files(metadata_version: str) -> bool:
    try:
        return Version(metadata_version) < Version("2.4")
    except InvalidVersion:
        return False  # packaging refuses the version itself, with a better message


def _describe(group: ExceptionGroup) -> str:
    messages = sorted({str(exc) for exc in group.exceptions})
    return "; ".join(messages)


# Fields compared between form and artifact when the form sends them. Name and version are
# compared first (and always), since a mismatch there is the one most worth naming.
_AGREEING_FIELDS = (
    "summary",
    "description_content_type",
    "keywords",
    "home_page",
    "download_url",
    "author",
    "author_email",
    "maintainer",
    "maintainer_email",
    "license",
    "license_expression",
    "classifiers",
    "platforms",
    "requires_dist",
    "requires_python",
    "provides_extra",
    "project_urls",
    "dynamic",
)


def check_agreement(form: Metadata, artifact: Metadata, sent: Collection[str]) -> None:
    """Check that the form says what the artifact's own metadata says, field by field.

    The artifact's metadata is what is stored and served; a form that disagrees with it is
    either a broken client or an attempt to show one thing and ship another.

    Args:
        form: the metadata the upload form sent.
        artifact: the metadata inside the uploaded file.
        sent: the RawMetadata keys the form actually sent (a field the client left out is
            not a disagreement).

    Raises:
        MetadataMismatchError: naming the first field that differs.
    """
    if normalize_name(form.name) != normalize_name(artifact.name):
        raise MetadataMismatchError("name", form.name, artifact.name)
    if form.version != artifact.version:
        raise MetadataMismatchError("version", str(form.version), str(artifact.version))
    for field in _AGREEING_FIELDS:
        if field not in sent:
            continue
        form_value, artifact_value = getattr(form, field), getattr(artifact, field)
        if _comparable(form_value) != _comparable(artifact_value):
            raise MetadataMismatchError(field, _shown(form_value), _shown(artifact_value))
    if "description" in sent and _words(form.description) != _words(artifact.description):
        # Metadata 1.x indents the description in a header and tools undo that differently:
        # only a difference in the words themselves counts.
        raise MetadataMismatchError("description", "(the form's)", "the artifact's")


def _comparable(value: object) -> object:
    """A value in a form where equal metadata compares equal (order and spacing aside)."""
    if value is None or value in ("", [], {}):
        return None
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        return {str(k).strip(): str(v).strip() for k, v in value.items()}
    if isinstance(value, list):
        return sorted(str(item).strip() for item in value)
    return str(value)


def _shown(value: object) -> str:
    shown = str(_comparable(value))
    return shown if len(shown) <= _MAX_SHOWN else shown[: _MAX_SHOWN - 3] + "..."


_MAX_SHOWN = 80


def _words(text: str | None) -> list[str]:
    return (text or "").replace("|", " ").split()


def check_classifiers(metadata: Metadata) -> None:
    """Refuse classifiers that are not in `trove-classifiers`, or that it marks deprecated.

    Raises:
        InvalidMetadataError: naming the first unknown or deprecated classifier.
    """
    for classifier in metadata.classifiers or []:
        if classifier in trove_classifiers.deprecated_classifiers:
            replacements = trove_classifiers.deprecated_classifiers[classifier]
            hint = f"; use {', '.join(map(repr, replacements))}" if replacements else ""
            raise InvalidMetadataError(f"the classifier {classifier!r} is deprecated{hint}")
        if classifier not in trove_classifiers.classifiers:
            raise InvalidMetadataError(
                f"unknown classifier {classifier!r} (see https://pypi.org/classifiers/)"
            )


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
