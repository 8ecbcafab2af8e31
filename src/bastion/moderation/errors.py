"""Why a moderation or lifecycle action was refused. Each message is the one line users see.

ModerationError
  NotAllowedError          the caller lacks the role the action needs (403)
  NoSuchProjectError       no project by that name (a deleted one, for most callers) (404)
  NoSuchReleaseError       the project has no such release (404)
  NoSuchFileError          the project has no such file (404)
  NotDeletedError          restore of something that is not deleted (400)
  RestoreWindowEndedError  restore after the retention window (400)
  ConfirmationError        the retyped name does not match (400)
"""

from __future__ import annotations

from bastion.errors import BastionError


class ModerationError(BastionError):
    """Base of lifecycle and moderation refusals."""


class NotAllowedError(ModerationError):
    """The caller's role on the project does not permit the action."""

    status_code = 403

    def __init__(self, action: str, project_name: str, needed: str) -> None:
        super().__init__(f"Only {needed} of {project_name!r} may {action}.")


class NoSuchProjectError(ModerationError):
    """No project (visible to the caller) has this name."""

    status_code = 404

    def __init__(self, name: str) -> None:
        super().__init__(f"No project named {name!r} on this index.")


class NoSuchReleaseError(ModerationError):
    """The project has no release with this version."""

    status_code = 404

    def __init__(self, project_name: str, version: str) -> None:
        super().__init__(f"Project {project_name!r} has no release {version!r}.")


class NoSuchFileError(ModerationError):
    """The project has no file with this name."""

    status_code = 404

    def __init__(self, project_name: str, filename: str) -> None:
        super().__init__(f"Project {project_name!r} has no file {filename!r}.")


class NotDeletedError(ModerationError):
    """Restore of something that was never deleted (or was restored already)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} is not deleted: there is nothing to restore.")


class RestoreWindowEndedError(ModerationError):
    """The retention window has passed: the bytes are purged, or about to be."""

    def __init__(self, what: str, days: int) -> None:
        super().__init__(
            f"{what} was deleted more than {days} days ago and can no longer be restored."
        )


class ConfirmationError(ModerationError):
    """A destructive action whose confirmation (the retyped name) does not match."""

    def __init__(self, expected: str) -> None:
        super().__init__(f"Type {expected!r} exactly to confirm.")
