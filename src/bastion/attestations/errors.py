"""Why attestations were refused, and with them the upload (PEP 740: any failure refuses it).

AttestationError
  MalformedAttestationsError    the `attestations` field is not a JSON list of attestation objects
  UnknownPredicateError         an attestation of a type PEP 740 does not define
  DuplicatePredicateError       two attestations of one type
  NoTrustedPublisherError       the project has no publisher to verify attestations against
  AttestationsUnavailableError  this upload path verifies no attestations (benchmark fills)
  AttestationVerificationError  the signature, certificate, identity, filename or digest is wrong
  PublisherChangedError         the project's publisher was rebound while the upload was verified
  TrustRootUnavailableError     Sigstore's trust root could not be loaded (online mode) (503)
InvalidPublisherError           an administrator's publisher identity is not of the right form
"""

from __future__ import annotations

from bastion.errors import BastionError

_ATTESTATIONS_DOCS = "See PEP 740 and docs/attestations.md."


class AttestationError(BastionError):
    """Base of attestation refusals: each refuses the whole upload (400)."""


class MalformedAttestationsError(AttestationError):
    """The field is not valid JSON, not a list, or holds something else than attestations."""

    def __init__(self, problem: str) -> None:
        super().__init__(
            f"Invalid attestations: {problem}. The attestations field must be a JSON list of "
            f"PEP 740 attestation objects. {_ATTESTATIONS_DOCS}"
        )
        self.problem = problem


class UnknownPredicateError(AttestationError):
    """The statement's predicate type is not one PEP 740 (and PyPI) accepts."""

    def __init__(self, position: int, predicate_type: str, known: list[str]) -> None:
        super().__init__(
            f"Attestation {position} has the unknown predicate type {predicate_type!r}: "
            f"this index accepts {' and '.join(known)} (PEP 740)."
        )
        self.predicate_type = predicate_type


class DuplicatePredicateError(AttestationError):
    """Two attestations share a predicate type: at most one of each is accepted."""

    def __init__(self, first: int, second: int, predicate_type: str) -> None:
        super().__init__(
            f"Attestations {first} and {second} are both of the predicate type "
            f"{predicate_type!r}: upload at most one attestation of each type."
        )
        self.predicate_type = predicate_type


class NoTrustedPublisherError(AttestationError):
    """Without a bound publisher there is no identity to verify attestations against."""

    def __init__(self, project_name: str) -> None:
        super().__init__(
            f"Attestations need a trusted publisher bound to the project {project_name!r}, and "
            "it has none: ask an administrator to bind one (bastion project publisher bind), "
            "or upload without attestations."
        )


class AttestationsUnavailableError(AttestationError):
    """The upload service was built without a verifier (only benchmark fills do that)."""

    def __init__(self) -> None:
        super().__init__("This upload path verifies no attestations: upload without them.")


class AttestationVerificationError(AttestationError):
    """An attestation failed verification against the file and the project's publisher."""

    def __init__(
        self, position: int, predicate_type: str, publisher: str, filename: str, reason: str
    ) -> None:
        super().__init__(
            f"Attestation {position} ({predicate_type}) does not verify for {filename!r} and the "
            f"project's trusted publisher ({publisher}): {reason}."
        )
        self.reason = reason


class PublisherChangedError(AttestationError):
    """An administrator rebound the project's publisher while this upload was being verified."""

    def __init__(self, project_name: str) -> None:
        super().__init__(
            f"The trusted publisher of {project_name!r} changed while the attestations were "
            "verified: upload again."
        )


class TrustRootUnavailableError(AttestationError):
    """Sigstore's trust root could not be loaded or refreshed: nothing could be verified."""

    status_code = 503

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"The index could not load Sigstore's trust root to verify attestations ({detail}): "
            "try again later."
        )


class InvalidPublisherError(BastionError):
    """A publisher identity given to `bastion project publisher bind` is malformed."""

    def __init__(self, option: str, value: str, expected: str) -> None:
        super().__init__(f"Invalid {option} {value!r}: expected {expected}.")
