"""`bastion --help` and each group's help document every command the CLI has."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest

from bastion.cli import main
from tests.cli.runner import invoke

BASTION = Path(sys.executable).with_name("bastion")


def _groups(group: click.Group, path: tuple[str, ...] = ()):
    yield path, group
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _groups(command, (*path, name))


def _help(*args: str) -> str:
    result = invoke(*args, "--help")
    assert result.exit_code == 0, result.output
    return result.output


def test_the_console_script_is_installed_and_prints_the_help():
    result = subprocess.run(
        [str(BASTION), "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == _help().split()  # the same, wrapped to another width


GROUPS = list(_groups(main))


@pytest.mark.parametrize(
    ("path", "group"), GROUPS, ids=[" ".join(p) or "bastion" for p, _ in GROUPS]
)
def test_the_help_of_each_group_lists_all_its_commands(path, group):
    listed = _help(*path).split("Commands:", 1)[1]
    for name, command in group.commands.items():
        assert f"  {name} " in listed or listed.rstrip().endswith(f"  {name}")
        assert command.get_short_help_str().split()[0] in listed


def test_the_top_level_help_documents_the_global_options():
    text = _help()
    for option in ("--data-dir", "--database-url", "--config", "BASTION_DATABASE_URL"):
        assert option in text


def test_every_command_has_help_with_its_options():
    commands = [
        ((*path, name), command)
        for path, group in _groups(main)
        for name, command in group.commands.items()
        if not isinstance(command, click.Group)
    ]
    assert {" ".join(p) for p, _ in commands} >= {
        "init",
        "serve",
        "db upgrade",
        "db current",
        "user create",
    }
    for path, command in commands:
        text = _help(*path)
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.opts[0] in text, (path, param.opts)
