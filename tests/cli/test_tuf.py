"""`bastion tuf ...`: creating, inspecting, publishing and re-keying the TUF repository."""

from __future__ import annotations

import json

from cryptography.hazmat.primitives import serialization
from securesystemslib.signer import CryptoSigner


def _root_version(tmp_path, version: int) -> dict:
    path = tmp_path / "data" / "files" / "tuf" / "metadata" / f"{version}.root.json"
    return json.loads(path.read_text())["signed"]


def test_init_creates_the_repository_with_embedded_keys_and_warns(bastion, tmp_path):
    result = bastion("init")

    assert result.exit_code == 0, result.output
    assert "Created the TUF repository" in result.output
    assert "belong offline" in result.output
    keys = tmp_path / "data" / "keys"
    assert sorted(path.name for path in keys.iterdir()) == ["online.pem", "root.pem", "targets.pem"]
    assert all(path.stat().st_mode & 0o077 == 0 for path in keys.iterdir())
    assert _root_version(tmp_path, 1)["consistent_snapshot"] is True
    status = bastion("tuf", "status")
    assert "root       version 1" in status.output
    assert "256 bins" in status.output
    again = bastion("tuf", "init")
    assert again.exit_code != 0
    assert "exists already" in again.output


def test_signing_off_creates_no_repository(bastion, tmp_path):
    result = bastion("init", env={"BASTION_TUF_ENABLED": "false"})

    assert result.exit_code == 0, result.output
    assert not (tmp_path / "data" / "keys").exists()
    assert "No TUF repository" in bastion("tuf", "status").output


def test_tuf_init_with_offline_keys_and_a_bin_count(bastion, tmp_path):
    bastion("init", env={"BASTION_TUF_ENABLED": "false"})
    pems = {}
    for name in ("root1", "root2", "targets"):
        pems[name] = tmp_path / f"{name}.pem"
        pems[name].write_bytes(CryptoSigner.generate_ed25519().private_bytes)

    result = bastion(
        "tuf", "init", "--bins", "64",
        "--root-key", str(pems["root1"]), "--root-key", str(pems["root2"]),
        "--root-threshold", "2", "--targets-key", str(pems["targets"]),
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "64 hash bins" in result.output
    root = _root_version(tmp_path, 1)
    assert root["roles"]["root"]["threshold"] == 2
    assert len(root["roles"]["root"]["keyids"]) == 2
    # Only the online key was generated here.
    assert sorted(p.name for p in (tmp_path / "data" / "keys").iterdir()) == ["online.pem"]


def test_a_bin_count_must_be_a_power_of_two(bastion):
    bastion("init", env={"BASTION_TUF_ENABLED": "false"})
    result = bastion("tuf", "init", "--bins", "100")
    assert result.exit_code != 0
    assert "power of two" in result.output


def test_rotate_online_key_then_root_ceremony(bastion, tmp_path):
    assert bastion("init").exit_code == 0
    old_online = _root_version(tmp_path, 1)["roles"]["timestamp"]["keyids"]

    rotated = bastion("tuf", "rotate-online-key")

    assert rotated.exit_code == 0, rotated.output
    assert "256 bins re-signed" in rotated.output
    assert _root_version(tmp_path, 2)["roles"]["timestamp"]["keyids"] != old_online
    retired = list((tmp_path / "data" / "keys").glob("online-*.pem.retired"))
    assert len(retired) == 1

    holder = tmp_path / "holder.pem"
    signer = CryptoSigner.generate_ed25519()
    holder.write_bytes(signer.private_bytes)
    public = tmp_path / "holder.pub.pem"
    public.write_bytes(_public_pem(signer))
    draft = tmp_path / "root-draft.json"
    drafted = bastion("tuf", "root", "draft", "--add-key", str(public), "--threshold", "2",
                      "-o", str(draft))  # fmt: skip
    assert drafted.exit_code == 0, drafted.output
    root_key = str(tmp_path / "data" / "keys" / "root.pem")
    assert bastion("tuf", "root", "sign", str(draft), "--key", root_key).exit_code == 0
    short = bastion("tuf", "root", "publish", str(draft))
    assert short.exit_code != 0
    assert "1 of the new root's 2 required signatures" in short.output
    assert bastion("tuf", "root", "sign", str(draft), "--key", str(holder)).exit_code == 0
    published = bastion("tuf", "root", "publish", str(draft))
    assert published.exit_code == 0, published.output
    assert "Published root version 3" in published.output
    assert _root_version(tmp_path, 3)["roles"]["root"]["threshold"] == 2


def _public_pem(signer: CryptoSigner) -> bytes:
    return signer._private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
