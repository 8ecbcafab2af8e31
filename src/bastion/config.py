"""Settings: one object built from the environment (or a TOML file) and passed down.

Nothing here reads configuration at import time; `Settings.from_env()` is called by the CLI and
by tests, and the result travels as an argument to `make_wsgi_app` and to every service.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

MiB = 1024 * 1024

_ENV_PREFIX = "BASTION_"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Settings:
    """Every setting Bastion reads. Field names match `BASTION_<NAME>` variables and TOML keys."""

    data_dir: Path = Path("bastion-data")
    # Empty means the embedded default: SQLite (WAL) at <data_dir>/bastion.sqlite3.
    database_url: str = ""
    db_pool_size: int = 5
    db_max_overflow: int = 10
    # The largest distribution file accepted, counted while the upload streams in.
    max_upload_bytes: int = 100 * MiB
    # Form fields besides the file (metadata, long description) may not exceed this in total.
    max_form_fields_bytes: int = 4 * MiB
    # Simple pages kept rendered in each process, keyed by the project's serial.
    page_cache_entries: int = 4096
    site_name: str = "Bastion"
    # The public address of the index (https://pypi.example.org), for links in mail. Empty
    # trusts only a loopback Host header (one machine); set it when serving anyone else.
    base_url: str = ""
    # Archive inspection (see docs/security.md): caps on what one uploaded file may make the
    # inspector decompress, and on the sandboxed process that does it.
    inspection_max_members: int = 50_000
    inspection_max_total_bytes: int = 1024 * MiB
    inspection_max_ratio: int = 100
    inspection_ratio_floor_bytes: int = 16 * MiB
    inspection_max_nesting: int = 3
    inspection_memory_bytes: int = 256 * MiB
    inspection_cpu_seconds: int = 30
    inspection_timeout_seconds: float = 60.0
    # Inspections running at once in each web process; more wait their turn.
    inspection_concurrency: int = 4
    # The malware scanner (docs/detection.md): every upload is scanned in the inspection
    # sandbox; `block` verdicts hold the file, `review` verdicts publish it and queue it for
    # moderators, or hold it too when malware_hold_reviewed is on.
    malware_scan: bool = True
    malware_hold_reviewed: bool = False
    # The key for keyed hashes (IP addresses in the audit trail). Empty means the one in
    # <data_dir>/secret.key, generated on first use; several hosts must share one.
    secret_key: str = ""
    # API tokens: the expiry a token gets when none is asked for, and whether an operator may
    # create one that never expires.
    token_default_expiry_days: int = 90
    token_allow_no_expiry: bool = False
    # How long the audit trail keeps raw IP addresses beside their keyed hashes.
    event_ip_retention_days: int = 30
    # New passwords are checked against Have I Been Pwned's Pwned Passwords: "api" asks its
    # range API (only 5 hex characters of the SHA-1 leave the server), "offline" reads a local
    # copy at breached_passwords_path (a directory of range files or one sorted hash file),
    # "off" skips the check. When the list cannot be consulted, fail open (accept the password
    # and log a warning, as PyPI does) or, with breached_password_fail_open false, refuse it.
    breached_password_check: str = "api"  # noqa: S105 -- a mode, not a password
    hibp_api_url: str = "https://api.pwnedpasswords.com/range"
    hibp_timeout_seconds: float = 3.0
    breached_passwords_path: str = ""
    breached_password_fail_open: bool = True
    # Rate limits (`limits` notation: "10/5minutes"), counted in memory or in Redis.
    rate_limit_storage_url: str = "memory://"
    # Prefix of the Redis keys, so several indexes can share one Redis.
    rate_limit_key_prefix: str = "bastion"
    rate_limit_login_per_ip: str = "10/5minutes"
    rate_limit_login_per_user: str = "20/hour"
    rate_limit_project_creation: str = "20/hour"
    rate_limit_registration: str = "10/hour"
    rate_limit_token_creation: str = "20/hour"  # noqa: S105 - a rate, not a secret
    rate_limit_password_reset: str = "5/hour"  # noqa: S105 - a rate, not a secret
    # Web sign-in: how long a session lasts, and whether the index is served over HTTPS (its
    # cookies are then marked Secure; set it behind a TLS-terminating proxy).
    session_lifetime_hours: int = 12
    https: bool = False
    # Accounts without a second factor may sign in but not upload (PyPI's policy since 2024).
    require_2fa: bool = True
    # The Fernet key that encrypts TOTP secrets at rest; empty derives one from secret_key.
    totp_encryption_key: str = ""
    # WebAuthn (security keys, passkeys): the origin the browser shows (https://pypi.example)
    # and the relying-party id keys are bound to (pypi.example). An empty origin means the
    # request's own (scheme, host and port), fine for one host name; an empty RP id means the
    # origin's host name. Behind a proxy, or with several host names, set both.
    webauthn_origin: str = ""
    webauthn_rp_id: str = ""
    # Outgoing mail (address verification, password resets). Empty smtp_url means the
    # embedded default: each message is written to <data_dir>/outbox/ as an .eml file and
    # logged. Otherwise smtp://user:pass@host:587 (STARTTLS), smtps://user:pass@host:465, or
    # smtp://host:25?starttls=false for a relay that needs no password; certificates verified.
    smtp_url: str = ""
    mail_from: str = "Bastion <bastion@localhost>"
    smtp_timeout_seconds: float = 10.0
    # PEP 740 attestations (docs/attestations.md) are verified against the Sigstore trust root
    # that sigstore-python ships: no network, but a root only as current as that package (and
    # the copy in its cache directory). False refreshes it over TUF for every upload instead.
    attestations_verify_offline: bool = True

    # PEP 458 signing (docs/signing.md). With signing on, every change is queued for the
    # publisher, which signs batches every tuf_publish_interval_seconds (or at once after a
    # change, in process). The repository itself is created by `bastion tuf init` (by `bastion
    # init` and `bastion serve` in the embedded default, when no online key URI is set).
    tuf_enabled: bool = True
    # The number of files the index expects to hold, which fixes the number of hash bins at
    # `tuf init` (about sqrt(7.5 x files), a power of two; see docs/signing.md).
    tuf_expected_files: int = 10_000
    # The online key (timestamp, snapshot, bins) as a securesystemslib signer URI; empty means
    # the embedded key file <data_dir>/keys/online.pem.
    tuf_online_key_uri: str = ""
    # Whether each web process runs a publisher thread (off where a separate worker publishes).
    tuf_publish_in_process: bool = True
    tuf_publish_interval_seconds: float = 1.0
    # Pending changes signed in one publish, at most.
    tuf_publish_batch: int = 1000
    # Versions of each bin and of the snapshot kept in storage after newer ones appear.
    tuf_keep_versions: int = 20

    @property
    def storage_dir(self) -> Path:
        """Where distribution files and their extracted metadata live."""
        return self.data_dir / "files"

    @property
    def effective_database_url(self) -> str:
        """The database URL in use: the configured one, else SQLite in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'bastion.sqlite3').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is the embedded SQLite default (or another SQLite file)."""
        return self.effective_database_url.startswith("sqlite")

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with `changes` applied (settings are immutable once built)."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Settings:
        """Build settings from plain values (strings from the environment are converted).

        Raises:
            ValueError: an unknown setting name, or a value of the wrong form.
        """
        fields = {field.name: field for field in dataclasses.fields(cls)}
        converted: dict[str, Any] = {}
        for name, raw in values.items():
            if name not in fields:
                raise ValueError(f"unknown setting {name!r}")
            converted[name] = _convert(fields[name].type, raw, name)
        return cls(**converted)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, config_file: Path | None = None
    ) -> Settings:
        """Build settings from a TOML file (optional) overlaid by `BASTION_*` variables."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        config_file = config_file or _path_or_none(environ.get("BASTION_CONFIG"))
        if config_file is not None:
            with config_file.open("rb") as fh:
                values.update(tomllib.load(fh).get("bastion", {}))
        names = {field.name for field in dataclasses.fields(cls)}
        for key, raw in environ.items():
            name = key.removeprefix(_ENV_PREFIX).lower()
            if key.startswith(_ENV_PREFIX) and name in names:
                values[name] = raw
        return cls.from_mapping(values)


def _path_or_none(raw: str | None) -> Path | None:
    return Path(raw) if raw else None


def _convert(annotation: object, raw: Any, name: str) -> Any:
    kind = str(annotation)
    try:
        if kind == "Path":
            return Path(raw)
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "bool":
            return raw if isinstance(raw, bool) else str(raw).lower() in {"1", "true", "yes", "on"}
    except ValueError as exc:
        raise ValueError(f"setting {name!r}: {exc}") from exc
    return str(raw)
