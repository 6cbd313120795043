"""Deploying: the Dockerfile's shape (docker is not on these machines), and its steps run for
real in a fresh virtualenv built from requirements.txt alone (what Heroku's buildpack and the
image install), which then serves, answers the image's HEALTHCHECK and stops on SIGTERM.

The venv test downloads the pinned set from PyPI (pip's cache makes later runs quick); it is
marked `slow` and still runs in CI, bounded by INSTALL_TIMEOUT.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from dockerfile_parse import DockerfileParser
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
INSTALL_TIMEOUT = 420
CACHE_FLAGS = ("--no-cache-dir",)  # the image keeps no cache; the test may reuse pip's


def _dockerfile() -> DockerfileParser:
    return DockerfileParser(str(ROOT / "Dockerfile"))


def _instructions(name: str) -> list[str]:
    return [i["value"] for i in _dockerfile().structure if i["instruction"] == name]


def _exec_form(value: str) -> list[str]:
    """A JSON-array (exec form) instruction value."""
    parsed = json.loads(value)
    assert isinstance(parsed, list), f"use the exec form: {value}"
    return parsed


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            m = re.fullmatch(r"([A-Za-z0-9_.-]+)==([A-Za-z0-9_.+!-]+)", line)
            assert m, f"not pinned: {line}"
            pins[canonicalize_name(m.group(1))] = m.group(2)
    return pins


def test_dockerfile_base_user_healthcheck_and_cmd() -> None:
    df = _dockerfile()
    python = (ROOT / ".python-version").read_text().strip()
    assert df.baseimage == f"python:{python}-slim"  # the version Heroku's buildpack gets too
    [user] = _instructions("USER")
    assert user not in ("root", "0") and not user.startswith(("root:", "0:"))
    assert any("useradd" in r and user in r.split() for r in _instructions("RUN"))
    [health] = _instructions("HEALTHCHECK")
    assert "/healthz" in health and "CMD" in health
    [cmd] = _instructions("CMD")
    assert _exec_form(cmd) == ["python", "-m", "bot", "serve"]
    assert _instructions("EXPOSE") == [df.envs["PORT"]]
    for copy in _instructions("COPY"):
        *sources, _ = copy.split()
        assert all((ROOT / s).exists() for s in sources), copy
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert ".env" in ignored and "*.pem" in ignored


def test_requirements_pin_every_dependency_of_the_package() -> None:
    pins = _pins()
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for dep in map(Requirement, deps):
        name = canonicalize_name(dep.name)
        assert name in pins, f"{dep.name} is not pinned in requirements.txt"
        assert dep.specifier.contains(pins[name]), f"{name}=={pins[name]} does not fit {dep}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """The image's steps in a fresh venv: COPY into a work dir, RUN with the venv's python."""
    base = tmp_path_factory.mktemp("image")
    app, venv = base / "app", base / "venv"
    app.mkdir()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    for step in _dockerfile().structure:
        kind, value = step["instruction"], step["value"]
        if kind == "COPY":
            *sources, _ = value.split()
            for s in sources:
                src = ROOT / s
                if src.is_dir():
                    shutil.copytree(src, app / s, ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    shutil.copy(src, app / s)
        elif kind == "RUN" and "pip install" in value:
            argv = [a for a in shlex.split(value) if a not in CACHE_FLAGS]
            assert argv[0] == "python"
            done = subprocess.run([str(python), *argv[1:]], cwd=app, capture_output=True,
                                  text=True, timeout=INSTALL_TIMEOUT, check=False)
            assert done.returncode == 0, done.stderr[-2000:]
    yield app, python


@pytest.mark.slow
def test_the_pinned_set_installs_alone_and_is_consistent(image: tuple[Path, Path]) -> None:
    _, python = image
    check = subprocess.run([str(python), "-m", "pip", "check"], capture_output=True, text=True,
                           timeout=60, check=False)
    assert check.returncode == 0, check.stdout
    listed = json.loads(subprocess.run(
        [str(python), "-m", "pip", "list", "--format", "json", "--exclude", "pip",
         "--exclude", "setuptools"], capture_output=True, text=True, timeout=60,
        check=True).stdout)
    installed = {canonicalize_name(p["name"]): p["version"] for p in listed}
    assert installed == _pins()


@pytest.mark.slow
def test_the_image_serves_and_passes_its_healthcheck(image: tuple[Path, Path]) -> None:
    app, python = image
    port = _free_port()
    df = _dockerfile()
    env = {"PATH": f"{python.parent}:{os.environ.get('PATH', '')}", **df.envs,
           "PORT": str(port), "GITHUB_WEBHOOK_SECRET": "a-webhook-secret",
           "GITHUB_TOKEN": "ghp_not-a-real-token", "GITHUB_API_URL": "http://127.0.0.1:9"}
    [cmd] = _instructions("CMD")
    proc = subprocess.Popen(_exec_form(cmd), cwd=app, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        health = _instructions("HEALTHCHECK")[0]
        probe = _exec_form(health[health.index("CMD") + 3:].strip())
        deadline = time.monotonic() + 30
        while True:
            ok = subprocess.run(probe, cwd=app, env=env, capture_output=True, timeout=10,
                                check=False).returncode == 0
            if ok or time.monotonic() > deadline or proc.poll() is not None:
                break
            time.sleep(0.3)
        assert ok, "the HEALTHCHECK never passed"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
            assert b"awesome_papers_reviews_total" in resp.read()
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=40)
        assert proc.returncode == 0, out
        assert "Traceback" not in out and "a-webhook-secret" not in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
