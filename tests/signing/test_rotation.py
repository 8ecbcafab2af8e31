"""Key changes: the online key (rotate-online-key) and root (the offline ceremony)."""

from __future__ import annotations

import pytest
from securesystemslib.signer import CryptoSigner

from bastion.signing import keys, repository, rotation
from bastion.signing import publisher as publisher_module
from bastion.signing.bootstrap import embedded_keys
from bastion.signing.publisher import Publisher
from tests.factories.dists import build_wheel
from tests.signing.clients import initial_root, updater, verify_all_targets
from tests.simple.publishing import publish


def _draft_rotation(session, storage, settings, new_online):
    """A rotation to `new_online`, signed with the embedded offline keys (not yet published)."""
    offline = embedded_keys(settings)
    return rotation.online_key_rotation(
        session,
        storage,
        root_signers=offline.root,
        targets_signer=offline.targets,
        new_online=new_online,
    )


def _rotate_online_key(session, storage, settings, publisher):
    change = _draft_rotation(session, storage, settings, keys.replace_embedded_online_key(settings))
    session.commit()
    return publisher.publish(rotation=change)


def test_after_an_online_key_rotation_old_and_new_clients_verify_everything(
    signed_app, publisher, session, storage, signed_settings, engines, alice, tmp_path
):
    root = initial_root(signed_app)
    publish(signed_app, alice, build_wheel("rotated", "1.0"))
    publisher.publish()
    returning = updater(signed_app, root, tmp_path / "returning")
    old_key = returning._trusted_set.root.roles["timestamp"].keyids

    result = _rotate_online_key(session, storage, signed_settings, publisher)

    assert result.bins == 16  # every bin, at once, with the new key
    returning = updater(signed_app, root, tmp_path / "returning")
    assert returning._trusted_set.root.version == 2
    assert returning._trusted_set.root.roles["timestamp"].keyids != old_key
    assert returning.get_targetinfo("packages/rotated/rotated-1.0-py3-none-any.whl")
    verify_all_targets(signed_app, session, root, tmp_path / "fresh")
    # Another process (a fresh publisher) signs the next upload with the new key file.
    publish(signed_app, alice, build_wheel("rotated", "2.0"))
    Publisher(signed_settings, storage, engines).publish()
    verified = verify_all_targets(signed_app, session, root, tmp_path / "after")
    assert "packages/rotated/rotated-2.0-py3-none-any.whl" in verified


def test_the_root_ceremony_needs_a_threshold_of_old_and_new_keys(
    signed_app, publisher, session, storage, signed_settings, tmp_path
):
    root = initial_root(signed_app)
    current_key = embedded_keys(signed_settings).root[0]
    second_key = CryptoSigner.generate_ed25519()
    draft = rotation.draft_root(session, storage, add_keys=[second_key.public_key], threshold=2)

    once = rotation.sign_draft(draft, current_key)
    with pytest.raises(rotation.RootChangeError, match="1 of the new root's 2"):
        rotation.publish_root(session, storage, once)
    twice = rotation.sign_draft(once, second_key)
    assert rotation.publish_root(session, storage, twice) == 2
    signed_app.get("/tuf/2.root.json", status=404)  # not served before the commit
    session.commit()
    repository.promote_root(storage, 2)

    client = updater(signed_app, root, tmp_path / "client")
    assert client._trusted_set.root.version == 2
    assert client._trusted_set.root.roles["root"].threshold == 2


def test_a_root_draft_cannot_swap_the_online_key(signed_app, session, storage, signed_settings):
    draft = rotation.draft_root(session, storage)
    signed = rotation.sign_draft(draft, embedded_keys(signed_settings).root[0])
    parsed = rotation.Metadata.from_bytes(signed)
    stranger = CryptoSigner.generate_ed25519().public_key
    parsed.signed.add_key(stranger, "timestamp")
    parsed.signatures.clear()
    tampered = rotation.sign_draft(parsed.to_bytes(), embedded_keys(signed_settings).root[0])

    with pytest.raises(rotation.RootChangeError, match="rotate-online-key"):
        rotation.publish_root(session, storage, tampered)


def test_a_draft_for_the_wrong_version_is_refused(signed_app, session, storage, signed_settings):
    signer = embedded_keys(signed_settings).root[0]
    first = rotation.sign_draft(rotation.draft_root(session, storage), signer)
    rotation.publish_root(session, storage, first)
    session.commit()
    repository.promote_root(storage, 2)

    with pytest.raises(rotation.RootChangeError, match="the next is 3"):
        rotation.publish_root(session, storage, first)


def test_a_rotation_drafted_before_a_root_ceremony_is_refused(
    signed_app, publisher, session, storage, signed_settings, tmp_path
):
    """It would replace root 2, which clients may hold already."""
    root = initial_root(signed_app)
    offline = embedded_keys(signed_settings)
    stale = _draft_rotation(session, storage, signed_settings, CryptoSigner.generate_ed25519())
    draft = rotation.sign_draft(rotation.draft_root(session, storage), offline.root[0])
    rotation.publish_root(session, storage, draft)
    session.commit()
    repository.promote_root(storage, 2)
    client = updater(signed_app, root, tmp_path / "client")

    with pytest.raises(rotation.RootChangeError, match="the next is 3"):
        publisher.publish(rotation=stale)

    assert signed_app.get("/tuf/2.root.json").body == draft
    updater(signed_app, root, tmp_path / "client")  # the same client still verifies
    assert client._trusted_set.root.version == 2


def test_a_rotation_that_fails_to_commit_publishes_no_root(
    signed_app, publisher, session, storage, signed_settings, alice, tmp_path, monkeypatch
):
    root = initial_root(signed_app)
    publish(signed_app, alice, build_wheel("rotated", "1.0"))
    publisher.publish()
    updater(signed_app, root, tmp_path / "client")
    change = _draft_rotation(session, storage, signed_settings, CryptoSigner.generate_ed25519())
    session.rollback()

    def refuse(self):
        raise RuntimeError("the database went away")

    with monkeypatch.context() as patch:
        patch.setattr(publisher_module.Session, "commit", refuse)
        with pytest.raises(RuntimeError):
            publisher.publish(rotation=change)

    signed_app.get("/tuf/2.root.json", status=404)
    publisher.publish()
    updater(signed_app, root, tmp_path / "client")  # the returning client is not locked out
    # Drafting the rotation again (it was never published) works.
    again = _draft_rotation(
        session, storage, signed_settings, keys.replace_embedded_online_key(signed_settings)
    )
    session.rollback()
    publisher.publish(rotation=again)
    client = updater(signed_app, root, tmp_path / "client")
    assert client._trusted_set.root.version == 2
