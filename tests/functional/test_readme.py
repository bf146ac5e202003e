"""The README's command line and layout match the code: every command listed, every package and module shown."""

import re
from pathlib import Path

import click

from config import TestConfig
from pool import create_app

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
OURS = ("users", "demo", "pools", "import", "imports", "export", "checks", "scheduler", "campaigns")


def _section(title: str) -> str:
    start = README.index(f"## {title}")
    end = README.find("\n## ", start + 1)
    return README[start:end if end != -1 else None]


def test_every_command_is_in_the_readme():
    app = create_app(TestConfig)
    section = _section("Command line")
    for group_name in OURS:
        group = app.cli.get_command(click.Context(app.cli), group_name)
        assert group is not None, f"no `flask {group_name}` group"
        for name in group.list_commands(click.Context(group)):
            pattern = rf"flask --app wsgi {group_name} (?:[\w-]+\|)*{re.escape(name)}(?:\||\s)"
            assert re.search(pattern, section), f"README misses `flask {group_name} {name}`"


def test_every_package_and_module_is_in_the_readme_layout():
    layout = _section("Layout")
    for parent in ("pool", "workflows"):
        for package in sorted(p.parent for p in (ROOT / parent).glob("*/__init__.py")):
            assert re.search(rf"(^|\s){package.name}/", layout, re.M), f"README layout misses {parent}/{package.name}/"
        for module in sorted((ROOT / parent).glob("*.py")):
            if module.name != "__init__.py":
                assert re.search(rf"(^|\s){re.escape(module.name)}(\s|$)", layout, re.M), \
                    f"README layout misses {parent}/{module.name}"
