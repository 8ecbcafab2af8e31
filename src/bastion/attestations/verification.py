"""Reading and verifying the `attestations` of an upload with pypi-attestations.

Parsing is pure and cheap and runs first; verification checks each attestation's Sigstore
certificate chain, transparency log entry and signature, that its certificate names the
project's trusted publisher, and that its statement's subject is this file (name and SHA-256).
It needs no database; which publisher to verify against is the caller's business.

With `offline=True` sigstore-python uses the trust root it ships (copied on first use into its
cache directory) and never touches the network; see docs/attestations.md for what that trades.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pydantic
import sigstore.errors
from pypi_attestations import (
    Attestation,
    AttestationBundle,
    AttestationType,
    Distribution,
    Provenance,
)
from pypi_attestations import AttestationError as PypiAttestationError

from bastion.attestations.errors import (
    AttestationVerificationError,
    DuplicatePredicateError,
    MalformedAttestationsError,
    TrustRootUnavailableError,
    UnknownPredicateError,
)
from bastion.attestations.publishers import PublisherIdentity

# PEP 740's predicate types (PyPI accepts the same two).
KNOWN_PREDICATE_TYPES = (
    AttestationType.PYPI_PUBLISH_V1.value,
    AttestationType.SLSA_PROVENANCE_V1.value,
)
# Fulcio's certificate extension for the workflow that signed (with its ref).
_BUILD_CONFIG_URI_OID = "1.3.6.1.4.1.57264.1.18"


@dataclasses.dataclass(frozen=True)
class ParsedAttestation:
    """One well-formed attestation of a known type, not verified yet."""

    position: int  # 1-based, as the uploader counts them
    predicate_type: str
    attestation: Attestation


def parse_attestations(values: list[str]) -> list[ParsedAttestation]:
    """The attestations in the `attestations` form field (`values`: each time it was sent).

    Checks shape and types only: at most one attestation per predicate type, each of a type
    PEP 740 defines. The predicate type is read from the unverified statement, which is enough
    to refuse; nothing is accepted before `verify_attestations`.

    Raises:
        MalformedAttestationsError: sent more than once, not JSON, not a non-empty list, or an
            item that is not an attestation object with an in-toto statement.
        UnknownPredicateError: an attestation of a type PEP 740 does not define.
        DuplicatePredicateError: two attestations of one type.
    """
    if len(values) != 1:
        raise MalformedAttestationsError(f"the field was sent {len(values)} times, not once")
    try:
        document = json.loads(values[0])
    except (ValueError, RecursionError) as exc:
        # RecursionError: deeply nested brackets, which the form's size limit still allows.
        raise MalformedAttestationsError(f"not valid JSON ({_first_line(exc)})") from None
    if not isinstance(document, list):
        raise MalformedAttestationsError(f"a JSON {_json_type(document)}, not a list")
    if not document:
        raise MalformedAttestationsError("an empty list")
    parsed: list[ParsedAttestation] = []
    seen: dict[str, int] = {}
    # One at a time, so that a long list fails at its first surplus item, unparsed beyond it.
    for position, item in enumerate(document, start=1):
        attestation = _attestation(position, item)
        predicate_type = _predicate_type(position, attestation)
        if predicate_type not in KNOWN_PREDICATE_TYPES:
            raise UnknownPredicateError(position, predicate_type, list(KNOWN_PREDICATE_TYPES))
        if predicate_type in seen:
            raise DuplicatePredicateError(seen[predicate_type], position, predicate_type)
        seen[predicate_type] = position
        parsed.append(ParsedAttestation(position, predicate_type, attestation))
    return parsed


def verify_attestations(
    attestations: list[ParsedAttestation],
    publisher: PublisherIdentity,
    *,
    filename: str,
    sha256: str,
    offline: bool,
) -> str:
    """Verify each attestation for the file (`filename`, `sha256`) and `publisher`.

    Returns the PEP 740 provenance object to store and serve, serialized: one bundle, naming
    `publisher`, with the attestations as uploaded.

    Raises:
        AttestationVerificationError: an attestation does not verify; the reason says why.
        TrustRootUnavailableError: Sigstore's trust root could not be loaded.
    """
    pypi_publisher = publisher.as_publisher()
    try:
        # Bastion checked the filename already; pypi-attestations parses it again.
        distribution = Distribution(name=filename, digest=sha256)
    except pydantic.ValidationError:
        first = attestations[0]
        reason = "pypi-attestations cannot parse this filename"
        raise AttestationVerificationError(
            first.position, first.predicate_type, publisher.describe(), filename, reason
        ) from None
    for parsed in attestations:
        try:
            parsed.attestation.verify(pypi_publisher, distribution, offline=offline)
        except PypiAttestationError as exc:
            raise AttestationVerificationError(
                parsed.position,
                parsed.predicate_type,
                publisher.describe(),
                filename,
                _reason(exc, parsed.attestation),
            ) from None
        except sigstore.errors.Error as exc:
            raise TrustRootUnavailableError(_first_line(exc)) from exc
    provenance = Provenance(
        attestation_bundles=[
            AttestationBundle(
                publisher=pypi_publisher, attestations=[p.attestation for p in attestations]
            )
        ]
    )
    return provenance.model_dump_json()


def _attestation(position: int, item: Any) -> Attestation:
    try:
        return Attestation.model_validate(item)
    except pydantic.ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "the object"
        raise MalformedAttestationsError(
            f"attestation {position} is not a PEP 740 attestation object ({where}: {error['msg']})"
        ) from None


def _predicate_type(position: int, attestation: Attestation) -> str:
    try:
        statement = attestation.statement
    except (ValueError, UnicodeDecodeError):
        statement = None
    predicate_type = statement.get("predicateType") if isinstance(statement, dict) else None
    if not isinstance(predicate_type, str):
        raise MalformedAttestationsError(
            f"attestation {position}'s statement is not an in-toto statement with a predicateType"
        )
    return predicate_type


def _reason(error: Exception, attestation: Attestation) -> str:
    reason = _first_line(error).removeprefix("Verification failed: ")
    if "Build Config URI" in reason:
        # pypi-attestations names the certificate extension object here, not its value.
        try:
            signed_by = attestation.certificate_claims.get(_BUILD_CONFIG_URI_OID)
        except ValueError:
            signed_by = None
        if signed_by:
            reason = f"its certificate names the workflow {signed_by}"
    return reason.rstrip(".")


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _json_type(value: object) -> str:
    names = {dict: "object", str: "string", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)
