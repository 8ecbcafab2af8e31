"""The recorded distributions and attestations in tests/fixtures/attestations (see its README).

`RECORDED` and `GITLAB` are real sdists with attestations their publishers signed; helpers turn
them into the `Dist` the upload factories post, and their attestations into the form field.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import io
import json
import tarfile
from pathlib import Path
from typing import Any

from packaging.metadata import parse_email

from bastion.attestations.publishers import PublisherIdentity
from tests.factories.dists import Dist

FIXTURES = Path(__file__).parent.parent / "fixtures" / "attestations"
PUBLISH_V1 = "https://docs.pypi.org/attestations/publish/v1"
SLSA_V1 = "https://slsa.dev/provenance/v1"


@dataclasses.dataclass(frozen=True)
class Recorded:
    """A distribution and the attestations (by predicate type) recorded for it."""

    dist: Dist
    attestations: dict[str, dict[str, Any]]
    publisher: PublisherIdentity

    def field(self, *predicate_types: str) -> str:
        """The `attestations` form field holding these attestations, in this order."""
        return json.dumps([self.attestations[t] for t in predicate_types])


def _sdist(filename: str) -> Dist:
    content = (FIXTURES / filename).read_bytes()
    top = filename.removesuffix(".tar.gz")
    with tarfile.open(fileobj=io.BytesIO(content)) as archive:
        member = archive.extractfile(f"{top}/PKG-INFO")
        assert member is not None
        metadata = member.read()
    raw, _ = parse_email(metadata)
    return Dist(
        filename=filename,
        content=content,
        metadata=metadata,
        filetype="sdist",
        name=str(raw["name"]),
        version=str(raw["version"]),
    )


def _attestation(filename: str) -> dict[str, Any]:
    return json.loads((FIXTURES / filename).read_text())


RECORDED = Recorded(
    dist=_sdist("pypi_attestations-0.0.19.tar.gz"),
    attestations={
        PUBLISH_V1: _attestation("pypi_attestations-0.0.19.tar.gz.publish.attestation"),
        SLSA_V1: _attestation("pypi_attestations-0.0.19.tar.gz.slsa.attestation"),
    },
    publisher=PublisherIdentity.github("trailofbits/pypi-attestations", "release.yml"),
)
GITLAB = Recorded(
    dist=_sdist("gitlab_oidc_project-0.0.3.tar.gz"),
    attestations={
        PUBLISH_V1: _attestation("gitlab_oidc_project-0.0.3.tar.gz.publish.attestation"),
    },
    publisher=PublisherIdentity.gitlab("facutuesca/gitlab-oidc-project", ".gitlab-ci.yml"),
)


def with_statement(attestation: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of `attestation` whose (base64) statement has `changes` applied.

    The signature no longer matches, which is the point: only checks made before the
    signature's must refuse it for the reason under test.
    """
    changed = copy.deepcopy(attestation)
    statement = json.loads(base64.b64decode(changed["envelope"]["statement"]))
    statement.update(changes)
    changed["envelope"]["statement"] = base64.b64encode(json.dumps(statement).encode()).decode()
    return changed
