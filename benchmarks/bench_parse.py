"""Parse time and entries/s: each fixture list, synthetic lists of each family (A-E) at 256 KB
and 1 MB (cost linear in size: the us/KB column stays flat), and the crafted inputs of issue 12.

    .venv/bin/python benchmarks/bench_parse.py
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.awesome.parse import parse  # noqa: E402

FIX = ROOT / "tests" / "fixtures"
LISTS = FIX / "lists"
REAL = {
    "first list 2017-02-14 (f6fa7dc)": FIX / "upstream/versions/2017-02-14_f6fa7dc.md",
    "A jason718/self-supervised": LISTS / "jason718__awesome-self-supervised-learning/README.md",
    "B thunlp/PLMpapers": LISTS / "thunlp__PLMpapers/README.md",
    "C yueliu1999/graph-clustering": LISTS / "yueliu1999__Awesome-Deep-Graph-Clustering/README.md",
    "D ChanganVR/embodied-vision": LISTS / "ChanganVR__awesome-embodied-vision/README.md",
}


def _a(k: int) -> str:
    return (f"- Paper number {k} on self-supervised things\n  [[pdf]](https://arxiv.org/abs/"
            f"2101.{k:05d})\n  [[code]](https://github.com/x/p{k})\n  - A. Author, B. Author "
            f"*ICCV {2015 + k % 9}*\n")


def _b(k: int) -> str:
    return (f"{k % 50 + 1}. **Paper number {k} on language models**. *A. Author, B. Author*. "
            f"ACL {2015 + k % 9}. [[pdf](https://arxiv.org/pdf/2101.{k:05d}.pdf)]\n")


def _c(k: int) -> str:
    return (f"| {2015 + k % 9} | **Paper number {k} on graph clustering** | KDD | "
            f"[Link](https://arxiv.org/abs/2101.{k:05d}) | [Link](https://github.com/x/p{k}) |\n")


def _d(k: int) -> str:
    return (f"* **Paper number {k} on embodied vision** <br>\n*A. Author, B. Author* <br>\n"
            f"CVPR, {2015 + k % 9}. [[Paper]](https://arxiv.org/abs/2101.{k:05d}) "
            f"[[Code]](https://github.com/x/p{k})\n\n")


def _e(k: int) -> str:
    return (f"+ [Paper number {k} on agents](https://arxiv.org/abs/2101.{k:05d}) (Mar., "
            f"{2015 + k % 9})\n  ![Stars](https://img.shields.io/github/stars/x/p{k})\n")


FAMILIES: dict[str, Callable[[int], str]] = {"A": _a, "B": _b, "C": _c, "D": _d, "E": _e}
TABLE_HEAD = "| Year | Title | Venue | Paper | Code |\n| --- | --- | --- | --- | --- |\n"


def synthetic(family: str, size: int) -> str:
    """A list of one family about `size` bytes: 20 sections of entries."""
    make = FAMILIES[family]
    per_entry = len(make(0).encode())
    n = size // per_entry
    out = ["# A list\n\n"]
    for s in range(20):
        out.append(f"\n## Area {s}\n\n" + (TABLE_HEAD if family == "C" else ""))
        out.extend(make(k) for k in range(s * n // 20, (s + 1) * n // 20))
    return "".join(out)


CRAFTED = {
    "`#### a` + 40,000 spaces + `b`": "#### a" + " " * 40_000 + "b\n",
    "`[` x 85,000 under Contents": "## Contents\n" + "[" * 85_000 + "\n",
    "`- a` + 85,000 spaces + entry": "## P\n- a" + " " * 85_000 + "b (2016), A [[pdf]](http://x/)\n",
    "`* ` x 500,000 (1 MB)": "## P\n" + "* " * 500_000 + "\n",
    "one 100,000-character item": "## P\n- " + "word " * 20_000 + "(2016), A [[pdf]](http://x/)\n",
    "5,000 identical entry lines": "## P\n" + "- Same (2016), A [[pdf]](http://x.org/a)\n" * 5_000,
    "`> ` x 100,000 (nested quotes)": "## P\n" + "> " * 100_000 + "x\n",
}


def timed(text: str, repeat: int) -> tuple[float, int]:
    """Median milliseconds over `repeat` parses, and the entry count."""
    parse(text)
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        al = parse(text)
        runs.append((time.perf_counter() - t0) * 1000)
    return statistics.median(runs), len(al.entries)


def row(name: str, text: str, repeat: int) -> str:
    """One table row."""
    ms, n = timed(text, repeat)
    kb = len(text.encode()) / 1024
    rate = f"{n / ms * 1000:,.0f}" if n else "-"
    return f"| {name} | {n} | {kb:,.0f} | {ms:,.1f} | {rate} | {ms * 1000 / kb:,.0f} |"


def main() -> None:
    """Print a markdown table."""
    print("| input | entries | KB | ms | entries/s | us/KB |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, path in REAL.items():
        print(row(name, path.read_text(encoding="utf-8"), 5), flush=True)
    for fam in FAMILIES:
        for size, label in ((256 * 1024, "256 KB"), (1024 * 1024, "1 MB")):
            print(row(f"synthetic {fam}, {label}", synthetic(fam, size), 3), flush=True)
    for name, text in CRAFTED.items():
        print(row(name, text, 1), flush=True)


if __name__ == "__main__":
    main()
