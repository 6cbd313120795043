"""What the command line and README promise a user: every subcommand's --help has a
description, examples and its environment; the README's rule table lists every rule id the code
can emit (computed from the code: the rule registry and every `Finding(...)` call)."""

from __future__ import annotations

import argparse
import ast
import re
from pathlib import Path

import pytest

from bot.__main__ import build_parser
from bot.awesome import rules

ROOT = Path(__file__).resolve().parent.parent
RULE_ID = re.compile(r"[a-z0-9]+/[a-z0-9-]+")


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    [group] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(group.choices)


@pytest.mark.parametrize("name", sorted(_subcommands()))
def test_every_subcommand_explains_itself(name: str) -> None:
    text = _subcommands()[name].format_help()
    description = _subcommands()[name].description or ""
    assert len(description) > 80, f"{name}: no description"
    assert "\nenvironment:\n  " in text, f"{name}: no environment settings"
    examples = text.split("\nexamples:\n", 1)
    assert len(examples) == 2 and re.search(r"(python -m bot|awesome-papers-bot) " + name,
                                            examples[1]), f"{name}: no examples"


def emittable_rule_ids() -> set[str]:
    """Every rule id the code can emit: the registry, the quirk table, and each literal id
    passed to `Finding(...)` anywhere in bot/; a computed id outside those fails the test."""
    ids = set(rules.RULE_IDS) | {rule for rule, _, _ in rules._QUIRK_RULES.values()}
    for path in sorted((ROOT / "bot").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Finding"):
                continue
            first = node.args[0] if node.args else next(
                (k.value for k in node.keywords if k.arg == "rule"), None)
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                ids.add(first.value)
            else:  # only the quirk table's ids are passed by name
                assert path.name == "rules.py" and isinstance(first, ast.Name), \
                    f"{path}:{node.lineno}: a rule id the test cannot see"
    assert all(RULE_ID.fullmatch(i) for i in ids)
    return ids


def readme_rule_ids() -> set[str]:
    """The ids in the first column of the README's rule table."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("| rule | default | what it catches |", 1)[1].split("\n\n", 1)[0]
    first_cells = [row.split("|")[1] for row in table.strip().splitlines()[1:]]
    return {i for cell in first_cells for i in re.findall(r"`([^`]+)`", cell)}


def test_readme_rule_table_lists_every_rule_the_code_can_emit() -> None:
    emitted, documented = emittable_rule_ids(), readme_rule_ids()
    assert "researchers/count" in emitted and "readme/missing" in emitted
    assert sorted(emitted - documented) == [], "missing from the README's rule table"
    assert sorted(documented - emitted) == [], "in the README's table but never emitted"
