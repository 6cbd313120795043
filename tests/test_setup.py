"""`python -m bot setup` end to end: the local page's form, the fake GitHub's manifest flow,
the code exchange, and the .env it writes."""

from __future__ import annotations

import asyncio
import json
import os
import re
import stat
import sys
from html.parser import HTMLParser
from pathlib import Path

import aiohttp
import yaml
from dotenv import dotenv_values

from bot.github.settings import ServiceSettings
from tests.fakes.github_server import FakeGitHub

ROOT = Path(__file__).resolve().parent.parent
HOOK = "https://bot.example.org/webhook"


class _Form(HTMLParser):
    """The page's form: its action, method and fields, as a browser reads them."""

    def __init__(self) -> None:
        super().__init__()
        self.action = self.method = ""
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.action, self.method = a.get("action") or "", (a.get("method") or "").lower()
        elif tag == "input" and a.get("name"):
            self.fields[a["name"] or ""] = a.get("value") or ""


async def _start(gh: FakeGitHub, env_file: Path, *extra: str) -> tuple[asyncio.subprocess.Process,
                                                                        str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "setup", "--webhook-url", HOOK, "--port", "0",
        "--no-open", "--github-url", gh.url, "--api-url", gh.url, "--env-file", str(env_file),
        "--timeout", "30", *extra, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    assert proc.stdout is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
    m = re.search(r"open (http://127\.0\.0\.1:\d+/) in your browser", line)
    assert m, line
    return proc, m.group(1)


async def test_setup_creates_the_app_and_writes_env(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("PORT=9000\nGITHUB_APP_ID=1\n")  # other settings are kept
    async with FakeGitHub() as gh, aiohttp.ClientSession() as browser:
        proc, page = await _start(gh, env_file, "--org", "my-org")
        async with browser.get(page) as resp:
            assert resp.status == 200
            form = _Form()
            form.feed(await resp.text())
        assert form.method == "post"
        assert form.action.startswith(f"{gh.url}/organizations/my-org/settings/apps/new?state=")
        sent = json.loads(form.fields["manifest"])
        source = yaml.safe_load((ROOT / "bot" / "app.yml").read_text())
        assert sent["default_permissions"] == source["default_permissions"]
        assert sent["default_events"] == source["default_events"]
        assert sent["hook_attributes"] == {"url": HOOK, "active": True}
        assert sent["redirect_url"] == f"{page}callback"
        # wrong state: refused, the flow goes on
        async with browser.get(f"{page}callback?code=abc&state=forged") as resp:
            assert resp.status == 400
        # the browser submits the form; GitHub redirects back with the code (a GET)
        async with browser.post(form.action, data={"manifest": form.fields["manifest"]},
                                allow_redirects=False) as resp:
            assert resp.status == 302
            back = resp.headers["Location"]
        assert back.startswith(f"{page}callback?code=")
        async with browser.get(back) as resp:
            assert resp.status == 200 and "installations/new" in await resp.text()
        out, err = await asyncio.wait_for(proc.communicate(), 30)
        assert proc.returncode == 0, err.decode()
        [created] = gh.created_apps
        assert created["manifest"] == sent
        conversions = [c for c in gh.calls if c.operation == "apps/create-from-manifest"]
        assert [c.status for c in conversions] == [201]
        # the code worked once
        async with browser.post(f"{gh.url}/app-manifests/{back.split('code=')[1][:20]}"
                                "/conversions", headers={"User-Agent": "t"}) as resp:
            assert resp.status == 404
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    values = dotenv_values(env_file)
    assert values["PORT"] == "9000" and values["GITHUB_APP_ID"] == str(gh.app_id)
    assert values["GITHUB_WEBHOOK_SECRET"] == created["app"]["webhook_secret"]
    assert values["BOT_LOGIN"] == f"{gh.app_slug}[bot]"
    assert env_file.read_text().count("\n") == 5  # one line per setting
    settings = ServiceSettings.from_env({k: v or "" for k, v in values.items()})
    assert settings.private_key == gh.private_key_pem.strip() + "\n"
    assert "created the App" in out.decode()


async def test_setup_reports_a_refused_code(tmp_path: Path) -> None:
    async with FakeGitHub() as gh, aiohttp.ClientSession() as browser:
        proc, page = await _start(gh, tmp_path / ".env")
        async with browser.get(page) as resp:
            form = _Form()
            form.feed(await resp.text())
        state = form.action.split("state=")[1]
        async with browser.get(f"{page}callback?code=0123abcd&state={state}") as resp:
            assert resp.status == 502
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 1
    assert err.decode().startswith("error: GitHub refused the code (404")
    assert not (tmp_path / ".env").exists()
