"""`.github/awesome-papers.yml`: the repository's overrides of what the README says.

Where the file and the README disagree, the file wins. A file that cannot be read is reported
as a finding (`config/invalid`) and the README's own criteria apply.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from bot.awesome.findings import Severity
from bot.awesome.model import AwesomeList, Criteria, SectionKind, Threshold

MAX_CONFIG_BYTES = 64 * 1024
RULE_OFF = "off"
LABEL_NAME_MAX = 50  # GitHub refuses longer label names (422, observed)


@dataclass(frozen=True, slots=True)
class RepoConfig:
    """Validated settings; None means 'as the README says'."""

    top_size: int | None = None
    first_year: int | None = None
    last_year: int | None = None
    thresholds: tuple[Threshold, ...] | None = None
    top100_sections: tuple[str, ...] | None = None
    labels: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    rules: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    errors: tuple[str, ...] = ()

    def severity_of(self, rule: str, default: Severity) -> Severity | None:
        """The configured severity of a rule, None when it is switched off."""
        value = self.rules.get(rule) or self.rules.get(rule.split("/", 1)[0] + "/*")
        if value is None:
            return default
        return None if value == RULE_OFF else Severity(value)

    def label(self, name: str) -> str:
        """A label's configured name."""
        return self.labels.get(name, name)


DEFAULT_CONFIG = RepoConfig()
_KEYS = {"top_size", "years", "thresholds", "top100_sections", "labels", "rules"}
_SEVERITIES = {s.value for s in Severity} | {RULE_OFF}


def _int(value: Any, what: str, errors: list[str], lo: int = 0, hi: int = 10**6) -> int | None:
    """An integer within bounds, or None with an error noted."""
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        errors.append(f"`{what}` must be a whole number from {lo} to {hi}, not {value!r:.40}")
        return None
    return value


def _thresholds(raw: Any, errors: list[str]) -> tuple[Threshold, ...] | None:
    """`{2016: 60, 2015: {citations: 200, bold: 400}}` -> thresholds."""
    if not isinstance(raw, Mapping):
        errors.append("`thresholds` must map a year to a citation count")
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


def load_config(text: str | None) -> RepoConfig:
    """Validate the YAML text of the config file (None: no file)."""
    if text is None or not text.strip():
        return DEFAULT_CONFIG
    import yaml  # only repositories with a config file pay for the import

    if len(text) > MAX_CONFIG_BYTES:
        return RepoConfig(errors=(f"the file is larger than {MAX_CONFIG_BYTES // 1024} KB",))
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        return RepoConfig(errors=(f"it is not valid YAML{where}",))
    if not isinstance(raw, Mapping):
        return RepoConfig(errors=("it must be a YAML mapping of settings",))
    errors: list[str] = [f"unknown setting `{k}`" for k in raw if k not in _KEYS]
    values: dict[str, Any] = {}
    if "top_size" in raw:
        values["top_size"] = _int(raw["top_size"], "top_size", errors, 1, 100_000)
    if "years" in raw:
        years = raw["years"]
        if isinstance(years, Mapping):
            values["first_year"] = _int(years.get("first"), "years.first", errors, 1900, 2100)
            values["last_year"] = _int(years.get("last"), "years.last", errors, 1900, 2100)
        else:
            errors.append("`years` must have `first` and `last`")
    if "thresholds" in raw:
        values["thresholds"] = _thresholds(raw["thresholds"], errors)
    if "top100_sections" in raw:
        secs = raw["top100_sections"]
        if isinstance(secs, list) and all(isinstance(s, str) for s in secs):
            values["top100_sections"] = tuple(s.strip() for s in secs)
        else:
            errors.append("`top100_sections` must be a list of section titles")
    for key in ("labels", "rules"):
        if key not in raw:
            continue
        m = raw[key]
        if not isinstance(m, Mapping) or not all(isinstance(k, str) for k in m):
            errors.append(f"`{key}` must map names to values")
            continue
        clean = {k: (RULE_OFF if v is False else str(v).lower()) if key == "rules" else str(v)
                 for k, v in m.items() if v is not None}
        if key == "rules":
            bad = [k for k, v in clean.items() if v not in _SEVERITIES]
            errors.extend(f"rule `{k}` must be one of error, warning, notice, off" for k in bad)
            clean = {k: v for k, v in clean.items() if k not in bad}
        else:
            bad = [k for k, v in clean.items() if not 0 < len(v.strip()) <= LABEL_NAME_MAX]
            errors.extend(f"label `{k:.40}` must be 1 to {LABEL_NAME_MAX} characters long "
                          f"(GitHub's limit), not {len(clean[k].strip())}" for k in bad)
            clean = {k: v.strip() for k, v in clean.items() if k not in bad}
        values[key] = MappingProxyType(clean)
    values = {k: v for k, v in values.items() if v is not None}
    return RepoConfig(errors=tuple(errors), **values)


def apply_config(al: AwesomeList, cfg: RepoConfig) -> AwesomeList:
    """The list with the config's criteria and top-100 sections laid over the README's."""
    c = al.criteria
    criteria = Criteria(
        top_size=cfg.top_size or c.top_size,
        first_year=cfg.first_year or c.first_year,
        last_year=cfg.last_year or c.last_year,
        thresholds=cfg.thresholds or c.thresholds,
        new_papers_rule=c.new_papers_rule,
        old_papers_before=min(c.old_papers_before, cfg.first_year or c.old_papers_before),
        source="config" if cfg != DEFAULT_CONFIG else c.source,
    )
    sections = al.sections
    if cfg.top100_sections is not None:
        wanted = {t.casefold() for t in cfg.top100_sections}
        sections = tuple(
            dataclasses.replace(
                s, kind=SectionKind.TOP100 if s.title.casefold() in wanted
                else (SectionKind.APPENDIX if s.kind is SectionKind.TOP100 else s.kind))
            for s in sections
        )
    if criteria == c and sections is al.sections:
        return al
    return dataclasses.replace(al, criteria=criteria, sections=sections, _by_section={},
                               _bold={})
