"""`bastion tuf ...`: create, inspect and publish the index's TUF repository."""

from __future__ import annotations

from pathlib import Path

import click
from securesystemslib.signer import Signer
from sqlalchemy import func, select

from bastion.cli_support import CliContext, database_session, pass_context
from bastion.db.engine import make_engines
from bastion.signing import bootstrap, keys, repository, rotation
from bastion.signing.layout import BIN_PREFIX, bit_length_for
from bastion.signing.locks import publisher_lock
from bastion.signing.models import TufPendingChange, TufRole
from bastion.signing.publisher import Publisher
from bastion.storage import LocalStorage

_PEM = click.Path(dir_okay=False, exists=True, path_type=Path)
_root_key_option = click.option(
    "--root-key",
    "root_keys",
    multiple=True,
    type=_PEM,
    help="An offline root private key (PEM); repeat up to the threshold. "
    "Default: the embedded key.",
)
_targets_key_option = click.option(
    "--targets-key",
    type=_PEM,
    default=None,
    help="The offline targets/bins private key (PEM). Default: the embedded key.",
)
_online_public_key_option = click.option(
    "--online-public-key",
    type=_PEM,
    default=None,
    help="With tuf_online_key_uri set: the public half (PEM) of the key it names.",
)


@click.group()
def tuf() -> None:
    """The TUF repository (PEP 458): signed files and pages."""


@tuf.command("init")
@click.option(
    "--bins",
    type=click.IntRange(2, 2**14),
    default=None,
    help="Number of hash bins (a power of two). Default: from tuf_expected_files.",
)
@_root_key_option
@click.option("--root-threshold", type=click.IntRange(1), default=1, show_default=True)
@_targets_key_option
@_online_public_key_option
@pass_context
def tuf_init(
    ctx: CliContext,
    *,
    bins: int | None,
    root_keys: tuple[Path, ...],
    root_threshold: int,
    targets_key: Path | None,
    online_public_key: Path | None,
) -> None:
    """Create the repository: version 1 of every role, signed; every project queued.

    Without key options, generates ed25519 keys into <data-dir>/keys/ (the embedded default).
    With them, signs with the offline keys given, which may be unplugged afterwards.
    """
    settings = ctx.settings
    if bins is not None and bins & (bins - 1):
        raise click.BadParameter("must be a power of two", param_hint="--bins")
    bit_length = bins.bit_length() - 1 if bins else bit_length_for(settings.tuf_expected_files)
    if root_keys:
        if targets_key is None or root_threshold > len(root_keys):
            raise click.UsageError("give --targets-key, and at least --root-threshold root keys")
        online = _online_signer(ctx, online_public_key)
        init_keys = repository.InitKeys(
            root=[keys.load_key(path) for path in root_keys],
            root_threshold=root_threshold,
            targets=keys.load_key(targets_key),
            online=online,
        )
    else:
        init_keys = bootstrap.embedded_keys(settings)
        click.echo(
            bootstrap.OFFLINE_KEYS_WARNING.format(keys_dir=keys.keys_dir(settings)), err=True
        )
    storage = LocalStorage(settings.storage_dir)
    with database_session(settings) as session:
        try:
            repository.initialize(session, storage, init_keys, bit_length=bit_length)
        except repository.RepositoryExistsError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"Created the TUF repository with {2**bit_length} hash bins.")


def _online_signer(ctx: CliContext, public_key_file: Path | None) -> Signer:
    if not ctx.settings.tuf_online_key_uri:
        return keys.embedded_signer(ctx.settings, keys.ONLINE_KEY_FILE)
    if public_key_file is None:
        raise click.UsageError("with tuf_online_key_uri set, give --online-public-key")
    return keys.online_signer(ctx.settings, keys.load_public_key(public_key_file))


@tuf.command("status")
@pass_context
def tuf_status(ctx: CliContext) -> None:
    """Versions and expiry of the top-level roles, bins, and changes waiting."""
    with database_session(ctx.settings) as session:
        if not repository.is_initialized(session):
            raise click.ClickException("No TUF repository: run `bastion tuf init`.")
        bins = TufRole.name.like(f"{BIN_PREFIX}-%")
        for role in session.scalars(select(TufRole).where(~bins).order_by(TufRole.name)):
            expires = f"{role.expires:%Y-%m-%d %H:%M} UTC"
            click.echo(f"{role.name:<10} version {role.version:<8} expires {expires}")
        count, first_expiry = session.execute(
            select(func.count(), func.min(TufRole.expires)).where(bins)
        ).one()
        click.echo(f"{count} bins, the first to expire at {first_expiry:%Y-%m-%d %H:%M} UTC")
        pending = session.scalar(select(func.count()).select_from(TufPendingChange))
        click.echo(f"{pending} changes waiting to be published")


@tuf.command("publish")
@pass_context
def tuf_publish(ctx: CliContext) -> None:
    """Publish every pending change now (what the publisher thread does every second)."""
    settings = ctx.settings
    engines = make_engines(settings)
    try:
        publisher = Publisher(settings, LocalStorage(settings.storage_dir), engines)
        while True:
            try:
                result = publisher.publish()
            except repository.RepositoryMissingError as exc:
                raise click.ClickException(str(exc)) from None
            click.echo(
                f"{result.changes} changes, {result.bins} bins, "
                f"snapshot {result.snapshot_version}, timestamp {result.timestamp_version}"
            )
            if result.changes < publisher.batch_size:
                break
    finally:
        engines.dispose()


def _offline_signers(
    ctx: CliContext, root_keys: tuple[Path, ...], targets_key: Path | None
) -> tuple[list[Signer], Signer]:
    """The root and targets signers: the files given, else the embedded default's."""
    directory = keys.keys_dir(ctx.settings)
    root_paths = list(root_keys) or [directory / keys.ROOT_KEY_FILE]
    targets_path = targets_key or directory / keys.TARGETS_KEY_FILE
    missing = [str(path) for path in [*root_paths, targets_path] if not path.exists()]
    if missing:
        raise click.UsageError(
            f"offline keys not found: {', '.join(missing)} (give --root-key and --targets-key)"
        )
    return [keys.load_key(path) for path in root_paths], keys.load_key(targets_path)


@tuf.command("rotate-online-key")
@_root_key_option
@_targets_key_option
@_online_public_key_option
@pass_context
def tuf_rotate_online_key(
    ctx: CliContext,
    root_keys: tuple[Path, ...],
    targets_key: Path | None,
    online_public_key: Path | None,
) -> None:
    """Replace the online key: new root and bins, then every bin re-signed at once.

    In the embedded default a new <data-dir>/keys/online.pem is generated (the old one is kept
    as online-<keyid>.pem.retired). With tuf_online_key_uri set, point the setting at the new
    key first and give its public half with --online-public-key.
    """
    settings = ctx.settings
    root_signers, targets_signer = _offline_signers(ctx, root_keys, targets_key)
    if settings.tuf_online_key_uri:
        if online_public_key is None:
            raise click.UsageError("with tuf_online_key_uri set, give --online-public-key")
        new_online = keys.online_signer(settings, keys.load_public_key(online_public_key))
    else:
        new_online = keys.replace_embedded_online_key(settings)
    storage = LocalStorage(settings.storage_dir)
    engines = make_engines(settings)
    try:
        with database_session(settings) as session:
            try:
                change = rotation.online_key_rotation(
                    session,
                    storage,
                    root_signers=root_signers,
                    targets_signer=targets_signer,
                    new_online=new_online,
                )
            except rotation.RootChangeError as exc:
                raise click.ClickException(str(exc)) from None
        result = Publisher(settings, storage, engines).publish(rotation=change)
    finally:
        engines.dispose()
    click.echo(
        f"Root version {change.root_version} names the new online key "
        f"{new_online.public_key.keyid[:16]}; {result.bins} bins re-signed."
    )


@tuf.group("root")
def tuf_root() -> None:
    """The offline root ceremony: draft root N+1, sign it with each key, publish it."""


@tuf_root.command("draft")
@click.option(
    "--add-key",
    "add_keys",
    multiple=True,
    type=_PEM,
    help="A public key (PEM) to add to root.",
)
@click.option("--remove-key", "remove_keyids", multiple=True, help="A root keyid to remove.")
@click.option("--threshold", type=click.IntRange(1), default=None, help="New root threshold.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True)
@pass_context
def tuf_root_draft(
    ctx: CliContext,
    add_keys: tuple[Path, ...],
    remove_keyids: tuple[str, ...],
    threshold: int | None,
    output: Path,
) -> None:
    """Write an unsigned draft of the next root version to OUTPUT."""
    with database_session(ctx.settings) as session:
        draft = rotation.draft_root(
            session,
            LocalStorage(ctx.settings.storage_dir),
            add_keys=[keys.load_public_key(path) for path in add_keys],
            remove_keyids=remove_keyids,
            threshold=threshold,
        )
    output.write_bytes(draft)
    click.echo(f"Wrote {output}: have each root key holder run `bastion tuf root sign`.")


@tuf_root.command("sign")
@click.argument("draft", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--key",
    type=_PEM,
    required=True,
    help="Your root private key (PEM), on your offline machine.",
)
def tuf_root_sign(draft: Path, key: Path) -> None:
    """Add your signature to DRAFT, in place (needs no database: run it offline)."""
    draft.write_bytes(rotation.sign_draft(draft.read_bytes(), keys.load_key(key)))
    click.echo(f"Signed {draft}.")


@tuf_root.command("publish")
@click.argument("draft", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@pass_context
def tuf_root_publish(ctx: CliContext, draft: Path) -> None:
    """Publish DRAFT as the next root once it carries enough signatures of old and new root."""
    settings = ctx.settings
    engines = make_engines(settings)
    try:
        storage = LocalStorage(settings.storage_dir)
        with publisher_lock(settings, engines):
            with database_session(settings) as session:
                try:
                    version = rotation.publish_root(session, storage, draft.read_bytes())
                except rotation.RootChangeError as exc:
                    raise click.ClickException(str(exc)) from None
            repository.promote_root(storage, version)
    finally:
        engines.dispose()
    click.echo(f"Published root version {version}.")
