"""The event tags recorded so far, as `source:subject:action`.

The source is whose history the event belongs to (a user's or a project's); subject and action
say what happened. New tags are added here, so the list of what is audited is in one place.
"""

from __future__ import annotations

PROJECT_CREATED = "project:project:created"
PROJECT_FILE_UPLOADED = "project:file:uploaded"
PROJECT_PUBLISHER_BOUND = "project:publisher:bound"
PROJECT_PUBLISHER_UNBOUND = "project:publisher:unbound"
# An upload of the user's kept from publication by the malware scanner's verdict.
USER_UPLOAD_HELD = "user:upload:held"
USER_TOKEN_CREATED = "user:token:created"  # noqa: S105 - a tag, not a secret
USER_TOKEN_REVOKED = "user:token:revoked"  # noqa: S105 - a tag, not a secret
USER_ACCOUNT_CREATED = "user:account:created"
USER_EMAIL_VERIFIED = "user:email:verified"
USER_EMAIL_CHANGED = "user:email:changed"
USER_LOGIN_SUCCESS = "user:login:success"
USER_LOGIN_FAILURE = "user:login:failure"
USER_SESSIONS_ENDED = "user:sessions:ended"
USER_PASSWORD_CHANGED = "user:password:changed"  # noqa: S105 - a tag, not a secret
USER_PASSWORD_RESET_REQUESTED = "user:password:reset-requested"  # noqa: S105 - a tag
USER_PASSWORD_BREACHED = "user:password:breached"  # noqa: S105 - a tag, not a secret
USER_PASSWORD_RESET = "user:password:reset"  # noqa: S105 - a tag, not a secret
USER_2FA_ADDED = "user:2fa:added"
USER_2FA_REMOVED = "user:2fa:removed"
USER_2FA_FAILURE = "user:2fa:failure"
USER_RECOVERY_CODES_CREATED = "user:recovery-codes:created"
USER_RECOVERY_CODE_USED = "user:recovery-code:used"
USER_WEBAUTHN_USED = "user:webauthn:used"
USER_WEBAUTHN_CLONED = "user:webauthn:cloned"
