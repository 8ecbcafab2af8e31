"""The event tags recorded so far, as `source:subject:action`.

The source is whose history the event belongs to (a user's or a project's); subject and action
say what happened. New tags are added here, so the list of what is audited is in one place.
"""

from __future__ import annotations

PROJECT_CREATED = "project:project:created"
PROJECT_FILE_UPLOADED = "project:file:uploaded"
USER_TOKEN_CREATED = "user:token:created"  # noqa: S105 - a tag, not a secret
USER_TOKEN_REVOKED = "user:token:revoked"  # noqa: S105 - a tag, not a secret
