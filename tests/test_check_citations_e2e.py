"""`python -m bot check` end to end with real counts from a fake Semantic Scholar on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from tests.fakes.citation_server import CitationServer, FakePaper
from tests.listkit import BASE, GAN, LSTM, RESNET, SEQ2SEQ, WGAN, make_list

ROOT = Path(__file__).resolve().parent.parent
ADAM = ("- Adam: A method for stochastic optimization (2014), D. Kingma and J. Ba "
        "[[pdf]](http://arxiv.org/pdf/1412.6980)")
NEW = ("- Batch normalization: Accelerating deep network training (2015), S. Ioffe and "
       "C. Szegedy [[pdf]](http://arxiv.org/pdf/1502.03167v3)")


async def _check(tmp: Path, env: dict[str, str], *extra: str) -> tuple[int, dict]:
    """Run the CLI as a subprocess and parse its JSON."""
    (tmp / "base.md").write_text(BASE)
    (tmp / "head.md").write_text(make_list(vision=[RESNET, GAN, NEW], language=[ADAM, SEQ2SEQ],
                                           new=[WGAN], old=[LSTM]))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "check", "base.md", "head.md", "--format", "json",
        "--no-links", *extra, cwd=tmp, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT), "CITATION_BUDGET": "5", **env})
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None and b"Traceback" not in err
    return proc.returncode, json.loads(out)


def _paper(count: int) -> FakePaper:
    return FakePaper("Batch normalization: Accelerating deep network training", 2015, count,
                     arxiv="1502.03167")


async def test_2015_paper_with_50_citations_fails(tmp_path: Path) -> None:
    async with CitationServer([_paper(50)]) as server:
        code, doc = await _check(tmp_path, server.env())
        assert server.counts["s2.batch"] == 1
    assert code == 1
    [f] = [f for f in doc["findings"] if f["rule"] == "citations/below-threshold"]
    assert "50 citations (Semantic Scholar)" in f["message"] and "100+" in f["message"]
    row = next(r for r in doc["summary_markdown"].split("\n") if r.startswith("| added"))
    assert "| 50 ([Semantic Scholar](https://www.semanticscholar.org/paper/" in row
    assert "| 100+ |" in row


async def test_2015_paper_with_5000_citations_passes(tmp_path: Path) -> None:
    async with CitationServer([_paper(5000)]) as server:
        code, doc = await _check(tmp_path, server.env())
    assert code == 0, doc["findings"]
    assert not [f for f in doc["findings"] if f["rule"].startswith("citations/")]
    assert "meets-criteria" in doc["labels"]
    row = next(r for r in doc["summary_markdown"].split("\n") if r.startswith("| added"))
    assert "5,000 ([Semantic Scholar](https://www.semanticscholar.org/paper/" in row
    assert "✅ meets criteria" in row


async def test_provider_down_is_unverified_with_a_reason(tmp_path: Path) -> None:
    env = {"SEMANTIC_SCHOLAR_API_URL": "http://127.0.0.1:9/graph/v1",
           "OPENALEX_API_URL": "http://127.0.0.1:9"}
    code, doc = await _check(tmp_path, env)
    assert code == 0
    [f] = [f for f in doc["findings"] if f["rule"] == "citations/unverified"]
    assert "Semantic Scholar" in f["message"] and "connect" in f["message"]
    assert doc["lookups_unavailable"]


async def test_unknown_paper_says_so(tmp_path: Path) -> None:
    async with CitationServer([]) as server:
        code, doc = await _check(tmp_path, server.env())
    assert code == 0
    [f] = [f for f in doc["findings"] if f["rule"] == "citations/unverified"]
    assert "neither Semantic Scholar nor OpenAlex knows it" in f["message"]
