"""`python -m bot action` as a workflow runs it: a subprocess, a real event file, a fake GitHub."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml
from aiohttp.test_utils import TestClient, TestServer

from bot.cli.workflow import command
from bot.github.webhook import make_app
from tests.conftest import pr_texts
from tests.fakes.github_server import FakeGitHub
from tests.fakes.webhooks import payload_for
from tests.service_kit import BASE_SHA, OFFLINE_CITATIONS, OWNER, REPO, Service, settings_for

ROOT = Path(__file__).resolve().parent.parent
HEAD = "7" * 40


@dataclass
class Run:
    """What one `python -m bot action` step left: exit status, log, summary, outputs."""

    code: int
    out: str
    summary: str
    outputs: dict[str, str]

    def commands(self, kind: str) -> list[tuple[dict[str, str], str]]:
        """The workflow commands `::kind props::message`, unescaped as the runner reads them."""
        found = []
        for m in re.finditer(rf"^::{kind}(?: ([^:]*))?::(.*)$", self.out, re.M):
            props = dict(p.split("=", 1) for p in (m.group(1) or "").split(",") if p)
            found.append(({k: _unescape(v) for k, v in props.items()}, _unescape(m.group(2))))
        return found


def _unescape(text: str) -> str:
    for code, ch in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(code, ch)
    return text


def _read_outputs(path: Path) -> dict[str, str]:
    """GITHUB_OUTPUT's `name<<DELIM` blocks, as the runner reads them."""
    out: dict[str, str] = {}
    lines = path.read_text().split("\n") if path.exists() else []
    i = 0
    while i < len(lines):
        if "<<" in lines[i]:
            name, delim = lines[i].split("<<", 1)
            end = lines.index(delim, i + 1)
            out[name] = "\n".join(lines[i + 1:end])
            i = end
        i += 1
    return out


async def _run(gh: FakeGitHub | None, tmp: Path, payload: dict | None, *, api_url: str = "",
               **env: str) -> Run:
    """Run the action in a subprocess against the fake, as a workflow step would."""
    event = tmp / "event.json"
    if payload is not None:
        event.write_text(json.dumps(payload))
    summary, outputs = tmp / "summary.md", tmp / "output.txt"
    (tmp / "runner").mkdir(exist_ok=True)
    full = {**os.environ, "PYTHONPATH": str(ROOT), "GITHUB_EVENT_PATH": str(event),
            "GITHUB_EVENT_NAME": "pull_request", "GITHUB_REPOSITORY": f"{OWNER}/{REPO}",
            "GITHUB_TOKEN": gh.static_token if gh else "ghs_x",
            "GITHUB_API_URL": api_url or (gh.url if gh else ""),
            "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs),
            "RUNNER_TEMP": str(tmp / "runner"),
            "SEMANTIC_SCHOLAR_API_URL": "http://127.0.0.1:9/graph/v1",
            "OPENALEX_API_URL": "http://127.0.0.1:9", "CITATION_BUDGET": "1",
            "BOT_CHECK_LINKS": "0", **env}
    for name in ("GITHUB_APP_ID", "GITHUB_PRIVATE_KEY", "GITHUB_WEBHOOK_SECRET"):
        full.pop(name, None)
    full = {k: v for k, v in full.items() if v != "<unset>"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "action", cwd=tmp, env=full,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return Run(proc.returncode, out.decode(),
               summary.read_text() if summary.exists() else "", _read_outputs(outputs))


async def _action(gh: FakeGitHub, tmp: Path, payload: dict, **env: str) -> tuple[int, str]:
    """Exit status and log of one run."""
    run = await _run(gh, tmp, payload, **env)
    return run.code, run.out


def _setup(gh: FakeGitHub, pr: str) -> Service:
    gh.add_repo(OWNER, REPO, installation_id=1)
    svc = Service(gh, None)  # type: ignore[arg-type]
    base, head = pr_texts(pr)
    svc.add_pr(int(pr), base, head, HEAD)
    return svc


def _published(gh: FakeGitHub, number: int) -> dict:
    """What a review left on the PR, without ids and timestamps."""
    [comment] = gh.comments(OWNER, REPO, number)
    return {
        "comment": comment["body"],
        "labels": sorted(gh.issue_labels(OWNER, REPO, number)),
        "review": [c["body"] for r in gh.reviews(OWNER, REPO, number) for c in r["comments"]],
        "conclusion": [r["conclusion"] for r in gh.check_runs(OWNER, REPO)],
    }


async def test_action_publishes_what_the_service_publishes(tmp_path: Path) -> None:
    async with FakeGitHub(static_token_kind="actions") as gh_action, FakeGitHub() as gh_service:
        svc = _setup(gh_action, "072")
        code, out = await _action(gh_action, tmp_path, svc.payload("pull_request.opened", 72,
                                                                   HEAD))
        assert code == 1, out  # the review fails: a required check would block the merge
        assert "awesome-papers: failure" in out and "Traceback" not in out

        service = _setup(gh_service, "072")
        app = make_app(settings_for(gh_service), citations=OFFLINE_CITATIONS)
        async with TestClient(TestServer(app)) as client:
            service.client = client
            await service.deliver("pull_request", service.payload("pull_request.opened", 72,
                                                                   HEAD))
            await service.settle()
        assert _published(gh_action, 72) == _published(gh_service, 72)
        assert gh_action.errors == [] and gh_service.errors == []


async def test_fail_on_never_exits_0_on_a_failing_review(tmp_path: Path) -> None:
    async with FakeGitHub(static_token_kind="actions") as gh:
        svc = _setup(gh, "072")
        code, out = await _action(gh, tmp_path, svc.payload("pull_request.opened", 72, HEAD),
                                  **{"INPUT_FAIL-ON": "never"})
        assert code == 0, out


async def test_read_only_token_is_reported_not_a_crash(tmp_path: Path) -> None:
    async with FakeGitHub(static_token_kind="actions") as gh:
        svc = _setup(gh, "068")
        gh.set_read_only(gh.static_token)
        code, out = await _action(gh, tmp_path, svc.payload("pull_request.opened", 68, HEAD))
        assert "Traceback" not in out
        assert "::warning::" in out and "permission" in out
        assert gh.comments(OWNER, REPO, 68) == [] and gh.check_runs(OWNER, REPO) == []
        assert code == 0  # the review itself is neutral


async def test_personal_token_falls_back_to_a_commit_status(tmp_path: Path) -> None:
    async with FakeGitHub(static_token_kind="pat") as gh:
        svc = _setup(gh, "068")
        code, out = await _action(gh, tmp_path, svc.payload("pull_request.opened", 68, HEAD))
        assert code == 0, out
        assert "checks: write" in out
        assert gh.check_runs(OWNER, REPO) == []
        assert [s["state"] for s in gh.statuses(OWNER, REPO, HEAD)][-1] == "success"


async def test_bad_event_file_exits_2(tmp_path: Path) -> None:
    async with FakeGitHub(static_token_kind="actions") as gh:
        _setup(gh, "068")
        code, out = await _action(gh, tmp_path, {"action": "opened"})
        assert code == 2 and "::error::" in out and "Traceback" not in out
        missing = await _run(gh, tmp_path, None, GITHUB_EVENT_PATH="<unset>")
        assert missing.code == 2
        assert missing.out.startswith("::error::GITHUB_EVENT_PATH is not set")
        directory = await _run(gh, tmp_path, None, GITHUB_EVENT_PATH=".")
        assert (directory.code, directory.out.strip()) == (
            2, "::error::GITHUB_EVENT_PATH='.' is not a file")


async def test_read_only_token_still_annotates_summarises_and_sets_outputs(tmp_path: Path) -> None:
    """A fork PR's token may publish nothing: the job log, summary and outputs carry the review."""
    async with FakeGitHub(static_token_kind="actions") as gh:
        svc = _setup(gh, "068")
        gh.set_read_only(gh.static_token)
        run = await _run(gh, tmp_path, svc.payload("pull_request.opened", 68, HEAD))
        assert gh.comments(OWNER, REPO, 68) == [] and gh.check_runs(OWNER, REPO) == []
    assert run.code == 0, run.out  # neutral
    [(props, message)] = run.commands("warning")[-1:]
    assert props == {"file": "README.md", "line": "250", "title": "format/double-space"}
    assert message.startswith("Use one space after the dash")
    assert "\nSuggested: - SQuAD: 100,000+ Questions" in message  # a comma and a newline, escaped
    assert any("permission" in m for _, m in run.commands("warning")[:-1])
    assert "| added |" in run.summary and "SQuAD" in run.summary
    assert "Not posted on the pull request" in run.summary
    assert run.outputs["conclusion"] == "neutral" and run.outputs["added"] == "1"
    assert run.outputs["labels"] == "adds-paper,format"
    report = json.loads(Path(run.outputs["report"]).read_text())
    assert report["conclusion"] == "neutral" and report["added"][0]["line"] == 250
    assert Path(run.outputs["report"]).parent == tmp_path / "runner"
    assert "awesome-papers: neutral" in run.out and "writes 0)" in run.out  # none accepted


async def test_writable_token_annotates_each_finding_and_publishes(tmp_path: Path) -> None:
    async with FakeGitHub(static_token_kind="actions") as gh:
        svc = _setup(gh, "072")
        run = await _run(gh, tmp_path, svc.payload("pull_request.opened", 72, HEAD))
        [check] = gh.check_runs(OWNER, REPO)
        assert len(gh.comments(OWNER, REPO, 72)) == 1
    assert run.code == 1, run.out
    report = json.loads(Path(run.outputs["report"]).read_text())
    annotated = [(kind, p.get("title"), int(p["line"]) if "line" in p else None)
                 for kind in ("error", "warning", "notice") for p, _ in run.commands(kind)]
    expected = [(f["severity"], f["rule"], f["line"]) for f in report["findings"]]
    assert sorted(annotated, key=str) == sorted(expected, key=str)
    assert ("error", "duplicate/entry") in {(k, r) for k, r, _ in annotated}
    assert all(p["file"] == "README.md" for k in ("error", "warning", "notice")
               for p, _ in run.commands(k))
    assert run.commands("warning") == [] or all("permission" not in m
                                                 for _, m in run.commands("warning"))
    assert check["conclusion"] == "failure" == run.outputs["conclusion"]
    assert set(run.outputs["labels"].split(",")) >= {"over-100", "duplicate", "adds-paper"}
    assert run.summary.strip() == report["summary_markdown"].strip()
    writes = int(re.search(r"writes (\d+)\)", run.out).group(1))
    assert writes >= 3


async def test_fail_on_warning_and_bad_inputs(tmp_path: Path) -> None:
    async with FakeGitHub(static_token_kind="actions") as gh:
        svc = _setup(gh, "068")
        payload = svc.payload("pull_request.opened", 68, HEAD)
        strict = await _run(gh, tmp_path, payload, **{"INPUT_FAIL-ON": "warning"})
        assert strict.code == 1, strict.out
        bad = await _run(gh, tmp_path, payload, INPUT_FAIL_ON="sometimes")
        assert bad.code == 2 and bad.out.startswith("::error::input fail-on must be one of")


async def test_config_and_offline_inputs(tmp_path: Path) -> None:
    async with FakeGitHub(static_token_kind="actions") as gh:
        svc = _setup(gh, "068")
        gh.set_file(OWNER, REPO, BASE_SHA, "lists/papers.yml",
                    "rules:\n  format/double-space: off\n")
        payload = svc.payload("pull_request.opened", 68, HEAD)
        run = await _run(gh, tmp_path, payload, INPUT_CONFIG="lists/papers.yml",
                         INPUT_OFFLINE="true")
    assert run.code == 0, run.out
    assert not any(p.get("title") == "format/double-space" for p, _ in run.commands("warning"))
    assert json.loads(Path(run.outputs["report"]).read_text())["lookups_unavailable"] == []


async def test_github_unreachable_exits_2_with_an_error(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    payload = payload_for("pull_request.opened", owner=OWNER, repo=REPO, number=5,
                          head_sha=HEAD, base_sha=BASE_SHA, installation_id=1)
    run = await _run(None, tmp_path, payload, api_url=closed, BOT_RETRY_BUDGET="0")
    assert run.code == 2, run.out
    [(_, message)] = run.commands("error")
    assert message.startswith("awesome-papers: GitHub could not be reached")
    assert "Traceback" not in run.out


def test_workflow_commands_escape_as_the_runner_reads_them() -> None:
    line = command("error", "50% done\r\nnext", {"file": "a,b:c.md", "line": 3, "title": None})
    assert line == "::error file=a%2Cb%3Ac.md,line=3::50%25 done%0D%0Anext"
    assert command("notice", "::set-output name=x::y") == "::notice::::set-output name=x::y"


def test_action_yml_declares_inputs_outputs_and_a_pinned_cached_install() -> None:
    spec = yaml.safe_load((ROOT / "action.yml").read_text())
    assert set(spec["outputs"]) == {"conclusion", "labels", "added", "report"}
    for name, out in spec["outputs"].items():
        assert out["value"] == f"${{{{ steps.review.outputs.{name} }}}}"
    assert {"config", "offline", "check-links", "fail-on"} <= set(spec["inputs"])
    steps = spec["runs"]["steps"]
    setup = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python"))
    assert setup["with"]["cache"] == "pip"
    staged = setup["with"]["cache-dependency-path"]
    assert any(staged in s.get("run", "") and "requirements.txt" in s.get("run", "")
               for s in steps)
    assert any('--constraint "$GITHUB_ACTION_PATH/requirements.txt"' in s.get("run", "")
               for s in steps)
    review = next(s for s in steps if s.get("id") == "review")
    env = review["env"]
    for name in ("config", "offline", "check-links", "fail-on"):
        key = f"INPUT_{name.upper().replace('-', '_')}"
        assert env[key] == f"${{{{ inputs.{name} }}}}"
    readme = (ROOT / "README.md").read_text()
    tags = re.findall(r"uses: OWNER/awesome-papers-bot@(\S+)", readme)
    assert tags and set(tags) == {"v1"}  # the review workflow and the triage-board one


def test_a_finding_of_another_list_file_is_annotated_on_that_file() -> None:
    import io
    from dataclasses import replace

    from bot.awesome.findings import Finding, Severity
    from bot.awesome.review import review
    from bot.cli.action import annotate

    r = review("## P\n", "## P\n- T (2016), A [[pdf]](http://x.org/a.pdf)\n")
    tagged = replace(r, findings=(
        Finding("duplicate/entry", Severity.ERROR, "again", line=3, path="papers/2023.md"),
        Finding("format/no-link", Severity.WARNING, "no link", line=2)))
    out = io.StringIO()
    annotate(out, tagged, "README.md")
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("::error file=papers/2023.md,line=3")
    assert lines[1].startswith("::warning file=README.md,line=2")
