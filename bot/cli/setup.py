"""`python -m bot setup`: create the GitHub App from its manifest, as Probot does.

A local page holds a form that posts the manifest (bot/app.yml, with the webhook URL and this
page's callback filled in) to GitHub; GitHub creates the App and redirects the browser back
with a one-time `code`, which is exchanged with `POST /app-manifests/{code}/conversions` for the
App's id, private key and webhook secret. Those are written to `.env` (mode 0600).
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import os
import secrets
import sys
import webbrowser
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from bot.cli.helptext import subcommand

DEFAULT_GITHUB = "https://github.com"
DEFAULT_API = "https://api.github.com"
CALLBACK = "/callback"


class SetupError(Exception):
    """Setup cannot go on; the message is one line for the user."""


def manifest(webhook_url: str, redirect_url: str, name: str | None = None) -> dict[str, Any]:
    """The App's manifest from bot/app.yml, with this deployment's URLs."""
    doc = yaml.safe_load(resources.files("bot").joinpath("app.yml").read_text("utf-8"))
    doc["hook_attributes"] = {**doc.get("hook_attributes", {}), "url": webhook_url}
    doc["redirect_url"] = redirect_url
    if name:
        doc["name"] = name
    return doc


def new_app_url(github_url: str, org: str | None, state: str) -> str:
    """Where the form posts: the user's or an organization's new-App page."""
    base = github_url.rstrip("/")
    owner = f"/organizations/{org}" if org else ""
    return f"{base}{owner}/settings/apps/new?state={state}"


def form_page(action: str, doc: Mapping[str, Any]) -> str:
    """The local page: the manifest as a hidden JSON field, and one button."""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Create the awesome-papers GitHub App</title>
</head><body>
<h1>Create the awesome-papers GitHub App</h1>
<p>GitHub will ask you to confirm the App's name, then bring you back here.</p>
<form action="{html.escape(action)}" method="post">
<input type="hidden" name="manifest" value="{html.escape(json.dumps(doc))}">
<button type="submit">Create the GitHub App on GitHub</button>
</form></body></html>
"""


def _env_value(text: str) -> str:
    """One line per setting: newlines written as `\\n`, which the service reads back."""
    return text.strip().replace("\r", "").replace("\n", "\\n")


def write_env(path: Path, values: Mapping[str, str]) -> None:
    """Set `values` in a .env file (other lines kept), readable by its owner only."""
    kept: list[str] = []
    if path.exists():
        kept = [line for line in path.read_text(encoding="utf-8").splitlines()
                if line.split("=", 1)[0].strip() not in values]
    lines = [*kept, *(f"{k}={_env_value(v)}" for k, v in values.items())]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


@dataclass(frozen=True, slots=True)
class CreatedApp:
    """What GitHub's conversion answered, the parts the service needs."""

    id: int
    slug: str
    html_url: str
    pem: str
    webhook_secret: str

    def env(self) -> dict[str, str]:
        """The .env settings for this App."""
        return {"GITHUB_APP_ID": str(self.id), "GITHUB_PRIVATE_KEY": self.pem,
                "GITHUB_WEBHOOK_SECRET": self.webhook_secret, "BOT_LOGIN": f"{self.slug}[bot]"}


async def convert(api_url: str, code: str) -> CreatedApp:
    """Exchange the one-time code for the App's credentials."""
    import aiohttp

    url = f"{api_url.rstrip('/')}/app-manifests/{code}/conversions"
    headers = {"Accept": "application/vnd.github+json", "User-Agent": "awesome-papers-bot",
               "X-GitHub-Api-Version": "2022-11-28"}
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as s, \
                s.post(url, headers=headers) as resp:
            body = await resp.json(content_type=None) if resp.status < 500 else {}
            status = resp.status
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        raise SetupError(f"GitHub could not be reached to finish the App: "
                         f"{type(exc).__name__}") from None
    if status != 201 or not isinstance(body, dict):
        why = body.get("message") if isinstance(body, dict) else None
        raise SetupError(f"GitHub refused the code ({status}{': ' + why if why else ''}); "
                         "codes last an hour and work once: run setup again")
    try:
        return CreatedApp(int(body["id"]), str(body["slug"]), str(body["html_url"]),
                          str(body["pem"]), str(body["webhook_secret"] or ""))
    except (KeyError, TypeError, ValueError):
        raise SetupError("GitHub's answer lacks the App's id, key or secret") from None


@dataclass
class SetupServer:
    """The local page and its callback; `done` resolves with the created App or an error."""

    args: argparse.Namespace
    state: str
    done: asyncio.Future[CreatedApp | SetupError]

    async def page(self, request: Any) -> Any:
        """GET /: the form that posts the manifest to GitHub."""
        from aiohttp import web

        base = f"http://{request.host}"
        doc = manifest(self.args.webhook_url, base + CALLBACK, self.args.name)
        action = new_app_url(self.args.github_url, self.args.org, self.state)
        return web.Response(text=form_page(action, doc), content_type="text/html")

    async def callback(self, request: Any) -> Any:
        """GET /callback?code=...&state=...: exchange the code, write .env, say what is next."""
        from aiohttp import web

        if request.query.get("state") != self.state:
            return web.Response(status=400, text="This is not the answer to this setup's form "
                                "(state mismatch); start again from the setup page.")
        code = request.query.get("code", "")
        if not code.isalnum():
            return web.Response(status=400, text="GitHub sent no code; start again.")
        try:
            app = await convert(self.args.api_url, code)
            write_env(Path(self.args.env_file), app.env())
        except SetupError as exc:
            if not self.done.done():
                self.done.set_result(exc)
            return web.Response(status=502, text=f"Setup failed: {exc}")
        except OSError as exc:
            err = SetupError(f"cannot write {self.args.env_file}: {exc.strerror or exc}")
            if not self.done.done():
                self.done.set_result(err)
            return web.Response(status=500, text=str(err))
        if not self.done.done():
            self.done.set_result(app)
        install = f"{app.html_url}/installations/new"
        return web.Response(content_type="text/html", text=(
            f"<!doctype html><meta charset='utf-8'><title>App created</title>"
            f"<h1>{html.escape(app.slug)} is created</h1><p>Its id, private key and webhook "
            f"secret are in <code>{html.escape(str(self.args.env_file))}</code>. Next: "
            f"<a href='{html.escape(install)}'>install it on the list's repository</a>, then "
            f"start the service.</p>"))


async def _serve(args: argparse.Namespace) -> CreatedApp | SetupError:
    """Serve the page until the callback has run (or the time is up)."""
    from aiohttp import web

    loop = asyncio.get_running_loop()
    server = SetupServer(args, secrets.token_urlsafe(16), loop.create_future())
    app = web.Application()
    app.router.add_get("/", server.page)
    app.router.add_get(CALLBACK, server.callback)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, args.host, args.port)
        try:
            await site.start()
        except OSError as exc:
            return SetupError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
        port = runner.addresses[0][1]
        url = f"http://{args.host}:{port}/"
        print(f"setup: open {url} in your browser to create the GitHub App "
              f"(waiting up to {args.timeout:g} s)", flush=True)
        if args.open:
            webbrowser.open(url)
        try:
            return await asyncio.wait_for(server.done, args.timeout)
        except TimeoutError:
            return SetupError(f"no answer from GitHub within {args.timeout:g} s; run setup "
                              "again")
    finally:
        await asyncio.sleep(0.2)  # let the browser receive the last page
        await runner.cleanup()


def run_setup(args: argparse.Namespace) -> int:
    """Run the manifest flow; 0 when .env is written, 1 when GitHub refused, 2 bad usage."""
    if urlsplit(args.webhook_url).scheme not in ("http", "https"):
        print("error: --webhook-url must be the http(s) URL of your deployment's /webhook",
              file=sys.stderr)
        return 2
    result = asyncio.run(_serve(args))
    if isinstance(result, SetupError):
        print(f"error: {result}", file=sys.stderr)
        return 1
    print(f"setup: created the App {result.slug} (id {result.id}); wrote {args.env_file} "
          f"(GITHUB_APP_ID, GITHUB_PRIVATE_KEY, GITHUB_WEBHOOK_SECRET, BOT_LOGIN), mode 0600.\n"
          f"setup: install it: {result.html_url}/installations/new")
    return 0


def add_parser(sub: Any) -> None:
    """Register `setup` on the command line."""
    p = subcommand(
        sub, "setup", summary="create the GitHub App from its manifest and write .env",
        description="Create the GitHub App as Probot does: serve a local page whose form "
        "posts the App's manifest (bot/app.yml: permissions, events, and your webhook URL) "
        "to GitHub; after you confirm there, GitHub sends the browser back to this page with "
        "a one-time code, which is exchanged for the App's id, private key and webhook "
        "secret. They are written to .env (mode 0600), which `serve` reads.\n\nExit status: "
        "0 .env written, 1 GitHub refused or no answer in time, 2 bad usage.",
        environment=(("(none)", "everything is given as options; the result goes to .env"),),
        examples=(("for your account, the service at example.org",
                   "python -m bot setup --webhook-url https://bot.example.org/webhook"),
                  ("for an organization, GitHub Enterprise Server",
                   "python -m bot setup --webhook-url https://bot.example.org/webhook "
                   "--org my-org --github-url https://ghe.example.com --api-url "
                   "https://ghe.example.com/api/v3")))
    p.add_argument("--webhook-url", required=True,
                   help="your deployment's webhook URL, https://HOST/webhook")
    p.add_argument("--org", help="create the App for this organization (default: your account)")
    p.add_argument("--name", help="the App's name (default: from bot/app.yml)")
    p.add_argument("--github-url", default=DEFAULT_GITHUB,
                   help=f"GitHub's web address (default {DEFAULT_GITHUB})")
    p.add_argument("--api-url", default=DEFAULT_API,
                   help=f"GitHub's API (default {DEFAULT_API})")
    p.add_argument("--env-file", default=".env", help="where to write the settings (.env)")
    p.add_argument("--host", default="127.0.0.1", help="address of the local page")
    p.add_argument("--port", type=int, default=3000, help="port of the local page (3000)")
    p.add_argument("--timeout", type=float, default=900.0,
                   help="seconds to wait for GitHub's answer (900)")
    p.add_argument("--no-open", dest="open", action="store_false",
                   help="do not open a browser; print the page's address only")
    p.set_defaults(func=run_setup)
