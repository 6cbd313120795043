"""Time the offline review, and the whole `check` process beside `awesome-lint` on one README.

    python benchmarks/bench_review.py [--runs N] [--no-awesome-lint]

awesome-lint (npm) is installed into benchmarks/.node on first use when npm is available.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.awesome.review import conclude, prepare  # noqa: E402

REAL = ROOT / "tests/fixtures/upstream/versions/2017-02-14_f6fa7dc.md"
NODE = ROOT / "benchmarks/.node"
ANCHOR = "### Understanding / Generalization / Transfer\n"


def with_added(text: str, n: int) -> str:
    """The README with `n` new entries at the top of its first top-100 section."""
    new = "".join(
        f"- Synthetic paper {i} on deep things (2015), A. Author et al. "
        f"[[pdf]](https://arxiv.org/pdf/1509.{i:05d})\n"
        for i in range(n)
    )
    return text.replace(ANCHOR, ANCHOR + new, 1)


def median_ms(fn, repeat: int) -> float:
    """Median wall time of `fn()` in milliseconds."""
    fn()
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0) * 1000)
    return statistics.median(runs)


def process_ms(cmd: list[str], runs: int, cwd: Path) -> float:
    """Median wall time of a whole process in milliseconds."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, timeout=120, check=False)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, timeout=120, check=False)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def awesome_lint() -> str | None:
    """Path of an awesome-lint executable, installing it with npm if needed."""
    exe = NODE / "node_modules/.bin/awesome-lint"
    if exe.exists():
        return str(exe)
    if shutil.which("npm") is None:
        return None
    print("installing awesome-lint with npm into benchmarks/.node ...", file=sys.stderr)
    NODE.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["npm", "install", "--silent", "--prefix", str(NODE), "awesome-lint"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return str(exe) if done.returncode == 0 and exe.exists() else None


def main() -> None:
    """Print the two tables."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--no-awesome-lint", action="store_true")
    args = ap.parse_args()
    base = REAL.read_text()
    print("Offline review in-process (parse both, diff, rules, render), median:")
    print(f"{'change':<40} {'head entries':>12} {'ms':>9}")
    for name, head in (
        ("2017-02-14 README, one entry added", with_added(base, 1)),
        ("2017-02-14 README, 1,000 entries added", with_added(base, 1000)),
    ):
        ms = median_ms(lambda h=head: conclude(prepare(base, h)), args.runs)
        n = len(prepare(base, head).head.entries)
        print(f"{name:<40} {n:>12} {ms:>9.1f}")

    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        (d / "base.md").write_text(base)
        (d / "README.md").write_text(with_added(base, 1))
        check = [sys.executable, "-m", "bot", "check", "base.md", "README.md", "--offline"]
        ours = process_ms(check, args.runs, d)
        print()
        print(f"Whole process on the 2017-02-14 README (+1 entry), median of {args.runs} runs:")
        print(f"{'command':<44} {'ms':>9}")
        print(f"{'python -m bot check --offline':<44} {ours:>9.0f}")
        exe = None if args.no_awesome_lint else awesome_lint()
        if exe is None:
            print(f"{'awesome-lint README.md':<44} {'n/a':>9}  (npm or the package unavailable)")
            return
        theirs = process_ms([exe, "README.md"], args.runs, d)
        print(f"{'awesome-lint README.md':<44} {theirs:>9.0f}")
        print(f"{'ratio (awesome-lint / check)':<44} {theirs / ours:>9.1f}x")


if __name__ == "__main__":
    main()
