"""`.github/awesome-papers.yml`: what the repository says about its own list.

Where the file and the README disagree, the file wins. A file that cannot be read is reported
as a finding (`config/invalid`), one line per problem, and the README's own rules apply.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from bot.awesome.findings import Severity
from bot.awesome.model import Threshold

MAX_CONFIG_BYTES = 64 * 1024
RULE_OFF = "off"
DEFAULT_FILES = ("README.md",)
LABEL_NAME_MAX = 50  # GitHub refuses longer label names (422, observed)
MAX_ADDED_LINES = 2_000  # one review reads at most this many added lines (README: limits)


@dataclass(frozen=True, slots=True)
class RepoConfig:
    """Validated settings; None means 'as the README says', OFF-flags mean 'not on this list'."""

    files: tuple[str, ...] | None = None
    top_size: int | None = None
    top100_off: bool = False
    first_year: int | None = None
    last_year: int | None = None
    years_off: bool = False
    thresholds: tuple[Threshold, ...] | None = None
    thresholds_off: bool = False
    top100_sections: tuple[str, ...] | None = None
    sections: tuple[str, ...] | None = None
    labels: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    rules: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    errors: tuple[str, ...] = ()
    triage_board: bool = True  # one issue listing the open PRs, kept up to date (README)
    max_added_lines: int = MAX_ADDED_LINES

    def severity_of(self, rule: str, default: Severity) -> Severity | None:
        """The configured severity of a rule, None when it is switched off."""
        if not self.rules:
            return default
        value = self.rules.get(rule) or self.rules.get(rule.split("/", 1)[0] + "/*")
        if value is None:
            return default
        return None if value == RULE_OFF else Severity(value)

    def enabled(self, rule: str) -> bool:
        """False when the config switches the rule off."""
        return not self.rules or self.severity_of(rule, Severity.NOTICE) is not None

    def label(self, name: str) -> str:
        """A label's configured name."""
        return self.labels.get(name, name)

    def holds_list(self, path: str) -> bool:
        """True when `path` is one of the files that hold the list (`files:` globs)."""
        return any(fnmatch.fnmatchcase(path, g) for g in (self.files or DEFAULT_FILES))


DEFAULT_CONFIG = RepoConfig()
_KEYS = {"files", "top_size", "years", "thresholds", "top100_sections", "sections", "labels",
         "rules", "triage_board", "max_added_lines"}
_SEVERITIES = {s.value for s in Severity} | {RULE_OFF}


def _off(value: Any) -> bool:
    """True for `off` / `false` / `no`, the ways to switch a declared rule off."""
    return value is False or (isinstance(value, str) and value.strip().lower() in ("off", "no",
                                                                                  "false"))


def _int(value: Any, what: str, errors: list[str], lo: int = 0, hi: int = 10**6) -> int | None:
    """An integer within bounds, or None with an error noted."""
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        errors.append(f"`{what}` must be a whole number from {lo} to {hi}, not {value!r:.40}")
        return None
    return value


def _titles(raw: Any, what: str, errors: list[str]) -> tuple[str, ...] | None:
    """A non-empty list of non-empty strings."""
    if isinstance(raw, list) and raw and all(isinstance(s, str) and s.strip() for s in raw):
        return tuple(s.strip() for s in raw)
    kind = "globs" if what == "files" else "section titles"
    errors.append(f"`{what}` must be a list of non-empty {kind}")
    return None


def _thresholds(raw: Any, errors: list[str]) -> tuple[Threshold, ...] | None:
    """`{2016: 60, 2015: {citations: 200, bold: 400}}` -> thresholds."""
    if not isinstance(raw, Mapping):
        errors.append("`thresholds` must map a year to a citation count, or be `off`")
        return None
    out = []
    for year, spec in raw.items():
        y = _int(year if not isinstance(year, str) or not year.isdigit() else int(year),
                 "thresholds year", errors, 1900, 2100)
        if isinstance(spec, Mapping):
            n = _int(spec.get("citations"), f"thresholds.{year}.citations", errors)
            bold = spec.get("bold")
            b = _int(bold, f"thresholds.{year}.bold", errors) if bold is not None else None
        else:
            n, b = _int(spec, f"thresholds.{year}", errors), None
        if y is not None and n is not None:
            out.append(Threshold(y, n, b))
    return tuple(sorted(out, key=lambda t: -t.year)) or None


def _yaml(text: str) -> Any:
    """Safe YAML without aliases: `*name` can make a few bytes expand without end."""
    import yaml  # only repositories with a config file pay for the import

    class NoAliases(yaml.SafeLoader):
        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(None, None, "aliases are not allowed", mark)
            return super().compose_node(parent, index)

    return yaml.load(text, Loader=NoAliases)


def _mapping(key: str, m: Any, errors: list[str]) -> MappingProxyType[str, str] | None:
    """`labels:` or `rules:`, validated."""
    if not isinstance(m, Mapping) or not all(isinstance(k, str) for k in m):
        errors.append(f"`{key}` must map names to values")
        return None
    if key == "labels":
        empty = [k for k, v in m.items() if v is None or not str(v).strip()]
        errors.extend(f"label `{k}` needs a non-empty name" for k in empty)
        long = [k for k, v in m.items() if k not in empty and len(str(v).strip()) > LABEL_NAME_MAX]
        errors.extend(f"label `{k:.40}` must be at most {LABEL_NAME_MAX} characters long "
                      f"(GitHub's limit), not {len(str(m[k]).strip())}" for k in long)
        return MappingProxyType({k: str(v).strip() for k, v in m.items()
                                 if k not in empty and k not in long})
    clean = {k: (RULE_OFF if v is False else str(v).lower()) for k, v in m.items()
             if v is not None}
    bad = [k for k, v in clean.items() if v not in _SEVERITIES]
    errors.extend(f"rule `{k}` must be one of error, warning, notice, off" for k in bad)
    from bot.awesome.rules import KNOWN_RULES  # rules imports this module: named on use

    families = {r.split("/", 1)[0] for r in KNOWN_RULES}
    unknown = [k for k in clean if k not in bad and k not in KNOWN_RULES
               and not (k.endswith("/*") and k[:-2] in families)]
    errors.extend(f"unknown rule `{k:.80}` (see the README's rule table)" for k in unknown)
    return MappingProxyType({k: v for k, v in clean.items() if k not in bad})


def load_config(text: str | None) -> RepoConfig:
    """Validate the YAML text of the config file (None: no file)."""
    if text is None or not text.strip():
        return DEFAULT_CONFIG
    import yaml

    if len(text) > MAX_CONFIG_BYTES:
        return RepoConfig(errors=(f"the file is larger than {MAX_CONFIG_BYTES // 1024} KB",))
    try:
        raw = _yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None)
        why = ": aliases (`*name`) are not allowed" if problem == "aliases are not allowed" else ""
        return RepoConfig(errors=(f"it is not valid YAML{where}{why}",))
    except RecursionError:
        return RepoConfig(errors=("it is nested too deeply",))
    if not isinstance(raw, Mapping):
        return RepoConfig(errors=("it must be a YAML mapping of settings",))
    errors: list[str] = [f"unknown setting `{k}`" for k in raw if k not in _KEYS]
    values: dict[str, Any] = {}
    if "files" in raw:
        values["files"] = _titles(raw["files"], "files", errors)
    if "top_size" in raw:
        if _off(raw["top_size"]):
            values["top100_off"] = True
        else:
            values["top_size"] = _int(raw["top_size"], "top_size", errors, 1, 100_000)
    if "years" in raw:
        years = raw["years"]
        if _off(years):
            values["years_off"] = True
        elif isinstance(years, Mapping):
            first = _int(years.get("first"), "years.first", errors, 1900, 2100)
            last = _int(years.get("last"), "years.last", errors, 1900, 2100)
            if first is not None and last is not None and first > last:
                errors.append(f"`years` is inverted: first ({first}) is after last ({last})")
            else:
                values["first_year"], values["last_year"] = first, last
        else:
            errors.append("`years` must have `first` and `last`, or be `off`")
    if "thresholds" in raw:
        if _off(raw["thresholds"]):
            values["thresholds_off"] = True
        else:
            values["thresholds"] = _thresholds(raw["thresholds"], errors)
    if "top100_sections" in raw:
        values["top100_sections"] = _titles(raw["top100_sections"], "top100_sections", errors)
    if "sections" in raw:
        values["sections"] = _titles(raw["sections"], "sections", errors)
    if "triage_board" in raw:
        if isinstance(raw["triage_board"], bool):
            values["triage_board"] = raw["triage_board"]
        else:
            errors.append("`triage_board` must be true or false")
    if "max_added_lines" in raw:
        values["max_added_lines"] = _int(raw["max_added_lines"], "max_added_lines", errors, 1,
                                         100_000)
    for key in ("labels", "rules"):
        if key in raw:
            values[key] = _mapping(key, raw[key], errors)
    values = {k: v for k, v in values.items() if v is not None}
    return RepoConfig(errors=tuple(errors), **values)
