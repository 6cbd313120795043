"""Patterns compile on first use, so this checks every module-level one is valid in both engines
(a pattern re2 rejects would otherwise fail only on the first long text)."""

from __future__ import annotations

import importlib

import pytest

from bot.awesome.linear import SHORT, Pattern

MODULES = ("bot.awesome.fields", "bot.awesome.identifiers", "bot.awesome.parse")


@pytest.mark.parametrize("name", MODULES)
def test_every_pattern_compiles_in_both_engines(name: str) -> None:
    patterns = [v for v in vars(importlib.import_module(name)).values() if isinstance(v, Pattern)]
    assert patterns, name
    for pattern in patterns:
        pattern.search("x")
        pattern.search("x" * (SHORT + 1))


def test_short_and_long_text_find_the_same_match() -> None:
    pattern = Pattern(r"(?i)top\s+(?P<n>\d{2,4})\b")
    text = "Top 100 papers"
    padded = text + " " * SHORT
    assert pattern.search(text).group("n") == pattern.search(padded).group("n") == "100"
