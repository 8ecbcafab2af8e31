"""Rate limits on what attackers repeat.

Failed logins are limited per address and per account, project creation per account,
registrations and password reset requests per address.

Counted with `limits` in a moving window, in process memory by default or in Redis when
`rate_limit_storage_url` names one (several web processes must share Redis, or each counts
alone). A limited request is answered 429 with `Retry-After` and the `RateLimit-*` headers.
"""

from __future__ import annotations

import dataclasses
import math
import time

from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from bastion.config import Settings
from bastion.errors import BastionError


class RateLimitExceededError(BastionError):
    """Too many attempts; the client may try again after `retry_after` seconds."""

    status_code = 429

    def __init__(self, what: str, limit: RateLimitItem, retry_after: int) -> None:
        super().__init__(
            f"Too many {what}: at most {limit.amount} per {_window(limit)}. "
            f"Try again in {retry_after} seconds."
        )
        self.retry_after = retry_after
        self.limit = limit

    @property
    def headers(self) -> dict[str, str]:
        """Retry-After, and the RateLimit fields of the IETF draft."""
        return {
            "Retry-After": str(self.retry_after),
            "RateLimit-Limit": str(self.limit.amount),
            "RateLimit-Remaining": "0",
            "RateLimit-Reset": str(self.retry_after),
        }


@dataclasses.dataclass(frozen=True)
class RateLimit:
    """One limit, e.g. failed logins per address: `check` before acting, `hit` to count."""

    name: str
    what: str  # how the refusal names what was repeated, e.g. "failed logins"
    item: RateLimitItem
    limiter: MovingWindowRateLimiter

    def check(self, key: str) -> None:
        """Raise if `key` has used up this limit.

        Raises:
            RateLimitExceededError: with the seconds until the window lets one more in.
        """
        if not self.limiter.test(self.item, self.name, key):
            reset = self.limiter.get_window_stats(self.item, self.name, key).reset_time
            retry_after = max(1, math.ceil(reset - time.time()))
            raise RateLimitExceededError(self.what, self.item, retry_after)

    def hit(self, key: str) -> None:
        """Count one attempt for `key`."""
        self.limiter.hit(self.item, self.name, key)

    def clear(self, key: str) -> None:
        """Forget `key`'s attempts (after a successful login, for instance)."""
        self.limiter.clear(self.item, self.name, key)


@dataclasses.dataclass(frozen=True)
class RateLimits:
    """Every limit the index applies, sharing one storage."""

    login_per_ip: RateLimit
    login_per_user: RateLimit
    project_creation: RateLimit
    registration: RateLimit
    password_reset: RateLimit
    token_creation: RateLimit

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        """The limits the settings ask for, on the storage they name."""
        url = settings.rate_limit_storage_url
        options = {"key_prefix": settings.rate_limit_key_prefix} if url.startswith("redis") else {}
        storage = storage_from_string(url, **options)
        if not isinstance(storage, Storage):
            raise TypeError(f"{settings.rate_limit_storage_url!r} is an asyncio storage")
        limiter = MovingWindowRateLimiter(storage)

        def limit(name: str, what: str, spec: str) -> RateLimit:
            return RateLimit(name, what, parse(spec), limiter)

        return cls(
            login_per_ip=limit("login-ip", "failed logins", settings.rate_limit_login_per_ip),
            login_per_user=limit("login-user", "failed logins", settings.rate_limit_login_per_user),
            project_creation=limit(
                "project-creation", "new projects", settings.rate_limit_project_creation
            ),
            registration=limit("registration", "registrations", settings.rate_limit_registration),
            password_reset=limit(
                "password-reset", "password reset requests", settings.rate_limit_password_reset
            ),
            token_creation=limit(
                "token-creation", "new API tokens", settings.rate_limit_token_creation
            ),
        )


def _window(limit: RateLimitItem) -> str:
    seconds = limit.get_expiry()
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            count = seconds // size
            return unit if count == 1 else f"{count} {unit}s"
    return f"{seconds} seconds"
