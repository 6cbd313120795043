"""Time parsing the real 2017-02-14 README and synthetic lists of 1,000 and 10,000 entries."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.awesome.parse import parse  # noqa: E402

REAL = ROOT / "tests/fixtures/upstream/versions/2017-02-14_f6fa7dc.md"


def synthetic(n: int) -> str:
    """A list of `n` entries in ten top-100 sections, shaped like the real one."""
    toc = "\n".join(f"* [Area {i}](#area-{i})" for i in range(10))
    out = ["# List", "", "## Contents", toc, "", "*(More than Top 100)*", ""]
    per = max(n // 10, 1)
    k = 0
    for i in range(10):
        out.append(f"### Area {i}")
        for _ in range(per if i < 9 else n - per * 9):
            out.append(
                f"- Paper number {k} about deep things ({2012 + k % 5}), A. Author et al. "
                f"*(Lab)* [[pdf]](https://arxiv.org/pdf/{1500 + k % 99}.{k:05d}v2)"
                + (" :sparkles:" if k % 7 == 0 else "")
            )
            k += 1
        out.append("")
    return "\n".join(out)


def timed(text: str, repeat: int) -> tuple[float, int]:
    """Median milliseconds over `repeat` parses, and the entry count."""
    parse(text)
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        al = parse(text)
        runs.append((time.perf_counter() - t0) * 1000)
    return statistics.median(runs), len(al.entries)


def main() -> None:
    """Print one row per input."""
    cases = [
        ("2017-02-14 README (f6fa7dc)", REAL.read_text(), 20),
        ("synthetic 1,000 entries", synthetic(1_000), 10),
        ("synthetic 10,000 entries", synthetic(10_000), 3),
    ]
    print(f"{'input':<30} {'entries':>8} {'KB':>7} {'ms':>9} {'entries/s':>11} {'us/entry':>9}")
    for name, text, repeat in cases:
        ms, n = timed(text, repeat)
        print(
            f"{name:<30} {n:>8} {len(text) / 1024:>7.0f} {ms:>9.1f} {n / ms * 1000:>11,.0f}"
            f" {ms * 1000 / n:>9.1f}"
        )


if __name__ == "__main__":
    main()
