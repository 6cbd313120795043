"""A plain-text outline of a parsed list: sections, counts and criteria."""

from __future__ import annotations

from bot.awesome.model import AwesomeList, SectionKind


def outline(al: AwesomeList) -> str:
    """Describe a parsed README for a person at a terminal."""
    c = al.criteria
    rows = [f"{'line':>5}  {'kind':<11} {'entries':>7}  section"]
    for s in al.sections:
        n = len(al.in_section(s.index))
        if s.level == 1:
            continue
        rows.append(f"{s.start_line:>5}  {s.kind.value:<11} {n:>7}  {'#' * s.level} {s.title}")
    declared = any(s.kind is SectionKind.TOP100 for s in al.sections)
    top = f"; {len(al.top100)} count toward the top {c.top_size}" if declared else ""
    lines = [
        f"{len(al.entries)} entries in {sum(1 for s in al.sections if s.kind.holds_papers)} "
        f"paper sections{top}.",
        "",
        *rows,
        "",
        f"Criteria ({'from the README' if c.source == 'readme' else 'built-in defaults'}): "
        f"top {c.top_size}, years {c.first_year}-{c.last_year}; "
        f"new papers {c.new_papers_rule}; old papers before {c.old_papers_before}.",
    ]
    for th in c.thresholds:
        extra = f" (bold/:sparkles: {th.bold})" if th.bold else ""
        alt = f" or '{th.alternative}'" if th.alternative else ""
        lines.append(f"  {th.year}: {th.citations}+ citations{extra}{alt}")
    if al.researchers:
        lines.append(f"{len(al.researchers)} distinguished researchers.")
    if not declared:
        lines.append("The list declares no top N: no section counts toward one.")
    if al.unrecognized:
        lines.append(f"{len(al.unrecognized)} lines hold a link or look like an item but were "
                     "read as no entry, first at line " f"{al.unrecognized[0].line}.")
    return "\n".join(lines)
