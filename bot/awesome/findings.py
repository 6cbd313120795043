"""Findings: what a rule says about one place in the README."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How much a finding matters: errors fail the check, warnings make it neutral."""

    ERROR = "error"
    WARNING = "warning"
    NOTICE = "notice"

    @property
    def rank(self) -> int:
        """0 for errors, 1 for warnings, 2 for notices (for sorting)."""
        return {"error": 0, "warning": 1, "notice": 2}[self.value]


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule's verdict on one place: what is wrong, where, and how to fix it.

    `line`/`end_line` are 1-based head lines (None for list-wide findings). `suggestion` is the
    replacement text for those lines when the fix is mechanical. `path` names the file when a
    review covers several (None: the review's one file).
    """

    rule: str
    severity: Severity
    message: str
    line: int | None = None
    end_line: int | None = None
    suggestion: str | None = None
    title: str = ""
    path: str | None = None
