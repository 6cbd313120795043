"""The deploy files agree with each other and with the README: Procfile and compose.yaml run
`serve` and `worker` against one Redis, and the README shows the committed compose file."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.__main__ import build_parser

ROOT = Path(__file__).resolve().parent.parent


def test_procfile_runs_a_web_and_a_worker_process() -> None:
    lines = dict(ln.split(": ", 1) for ln in (ROOT / "Procfile").read_text().splitlines() if ln)
    assert lines == {"web": "python -m bot serve", "worker": "python -m bot worker"}
    assert build_parser().parse_args(["worker"]).command == "worker"


def test_compose_runs_web_and_workers_on_one_redis_and_the_readme_shows_it() -> None:
    text = (ROOT / "compose.yaml").read_text()
    services = yaml.safe_load(text)["services"]
    assert set(services) == {"redis", "web", "worker"}
    assert services["web"]["command"][-1] == "serve"
    assert services["worker"]["command"][-1] == "worker"
    for name in ("web", "worker"):
        assert services[name]["environment"]["REDIS_URL"].startswith("redis://redis:")
        assert "redis" in services[name]["depends_on"]
    assert "noeviction" in services["redis"]["command"]
    assert text.strip() in (ROOT / "README.md").read_text()
