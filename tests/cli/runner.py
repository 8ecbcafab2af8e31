"""Running `bastion` in process with click's CliRunner, isolated from the caller's BASTION_*."""

from __future__ import annotations

from click.testing import CliRunner, Result

from bastion.cli import main

# The CLI reads every BASTION_* variable; none from the calling shell may leak into a test.
_CLEAN_ENV: dict[str, str | None] = dict.fromkeys(
    (
        "BASTION_DATA_DIR",
        "BASTION_DATABASE_URL",
        "BASTION_CONFIG",
        "BASTION_PASSWORD",
        "BASTION_MAX_UPLOAD_BYTES",
        "BASTION_TOKEN_ALLOW_NO_EXPIRY",
        "BASTION_SECRET_KEY",
    )
)


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    """`bastion ARGS` with only the BASTION_* variables in `env`."""
    return CliRunner().invoke(
        main, list(args), env={**_CLEAN_ENV, **(env or {})}, prog_name="bastion"
    )
