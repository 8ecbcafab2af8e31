"""The legacy upload API: `POST /legacy/`, as twine and `uv publish` speak it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyramid.response import Response
from pyramid.view import view_config

from bastion.accounts.errors import SecondFactorRequiredError
from bastion.attestations.services import UploadAttestations
from bastion.email.senders import mailer_from_settings
from bastion.events.requests import event_recorder
from bastion.malware.notify import ModeratorNotifier
from bastion.malware.services import MalwareGate
from bastion.signing.changes import pending_changes
from bastion.tokens.services import TokenService
from bastion.upload.errors import AuthenticationRequiredError, HeldForReviewError
from bastion.upload.forms import UploadFormReader
from bastion.upload.services import UploadOutcome, UploadService
from bastion.web.responses import error_response
from bastion.web.urls import BaseUrlRequiredError, public_url

if TYPE_CHECKING:
    from pyramid.request import Request

    from bastion.config import Settings


@view_config(route_name="upload", request_method="POST", require_csrf=False)
def file_upload(request: Request) -> Response:
    """Accept one distribution file. Refusals are BastionErrors, rendered by the error view."""
    # Authenticate before reading the body: a stranger's 100 MiB is refused unread.
    identity = request.identity
    # A browser's session cookie is no credential here: this API takes no CSRF token.
    if identity is None or not identity.is_api_credential:
        raise AuthenticationRequiredError
    settings: Settings = request.registry["settings"]
    if settings.require_2fa and not identity.has_second_factor:
        raise SecondFactorRequiredError(_setup_url(request))
    reader = UploadFormReader(
        temp_dir=settings.data_dir / "tmp",
        max_file_bytes=settings.max_upload_bytes,
        max_fields_bytes=settings.max_form_fields_bytes,
    )
    form = reader.read(request.headers.get("Content-Type", ""), request.body_file)
    try:
        service = UploadService(
            request.db,
            request.registry["storage"],
            request.registry["sandbox"],
            events=event_recorder(request),
            project_creation_limit=request.registry["rate_limits"].project_creation,
            signing=pending_changes(request),
            attestations=UploadAttestations(
                request.registry["session_factories"].reader,
                offline=settings.attestations_verify_offline,
            ),
            malware=_malware_gate(request, settings) if settings.malware_scan else None,
        )
        result = service.upload(form, identity)
        if identity.token_id is not None:
            TokenService(request.db).mark_used(identity.token_id)
    finally:
        # Storage holds its own copy now (or the upload was refused): the spool file goes.
        form.file.path.unlink(missing_ok=True)
    if result.outcome is UploadOutcome.HELD and result.verdict is not None:
        # A response, not an exception: the verdict and the evidence must commit.
        findings = result.verdict.findings
        reason = findings[0]["rule"] if findings else "the scanner's score"
        return error_response(
            HeldForReviewError(result.verdict.filename, result.verdict.verdict, str(reason))
        )
    if result.outcome is UploadOutcome.ALREADY_EXISTS and result.file is not None:
        # 200 so that a retry or `twine upload --skip-existing` of the same bytes succeeds.
        return Response(
            f"File already exists ({result.file.filename!r}): identical content.\n",
            content_type="text/plain",
        )
    return Response("OK\n", content_type="text/plain")


def _malware_gate(request: Request, settings: Settings) -> MalwareGate:
    notifier = ModeratorNotifier(
        lambda: mailer_from_settings(settings),
        sender=settings.mail_from,
        site_name=settings.site_name,
    )
    return MalwareGate(
        request.db,
        request.registry["storage"],
        hold_reviewed=settings.malware_hold_reviewed,
        notifier=notifier,
    )


def _setup_url(request: Request) -> str:
    try:
        return public_url(request, "twofactor.overview")
    except BaseUrlRequiredError:
        return str(request.route_path("twofactor.overview"))


def includeme(config: object) -> None:
    """Register the upload route."""
    config.add_route("upload", "/legacy/")  # type: ignore[attr-defined]
