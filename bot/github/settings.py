"""Service settings from the environment, checked once at start-up with one-line errors."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from bot.envvars import env_flag, env_number

DEFAULT_API_URL = "https://api.github.com"
MAX_BODY_BYTES = 25 * 1024 * 1024


def default_journal(env: Mapping[str, str]) -> str:
    """Where the queue keeps its jobs unless BOT_JOURNAL says (empty: nowhere)."""
    return str(Path(tempfile.gettempdir()) / "awesome-papers-bot" /
               f"jobs-{env.get('PORT') or 8080}.sqlite3")


class SettingsError(ValueError):
    """A setting is missing or wrong; the message is one line for the operator."""


class AuthMode(StrEnum):
    """How the bot authenticates: as a GitHub App, or with one token for one repository."""

    APP = "app"
    TOKEN = "token"


@dataclass(frozen=True, slots=True)
class ServiceSettings:
    """Everything `serve` and `action` need, without secrets in repr."""

    webhook_secret: str = field(repr=False)
    mode: AuthMode
    app_id: str | None = None
    private_key: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    api_url: str = DEFAULT_API_URL
    port: int = 8080
    readme_path: str = "README.md"
    config_path: str = ".github/awesome-papers.yml"
    workers: int = 4
    queue_size: int = 200
    in_progress_after: float = 2.0
    writes_per_minute: int = 60
    creates_per_hour: int = 450
    max_attempts: int = 8
    inline_wait: float = 5.0
    concurrent_requests: int = 4
    retry_budget: float = 30.0
    citation_budget: float = 20.0
    shutdown_grace: float = 25.0
    bot_login: str | None = None
    checks: bool = True
    check_links: bool = True
    http_timeout: float = 30.0
    journal: str = ""

    def secrets(self) -> tuple[str, ...]:
        """The secret values, for scrubbing from logs."""
        return tuple(s for s in (self.webhook_secret, self.private_key, self.token) if s)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *,
                 require_secret: bool = True) -> ServiceSettings:
        """Read and check the settings; raise SettingsError with a one-line message."""
        env = dict(os.environ if environ is None else environ)
        secret = env.get("GITHUB_WEBHOOK_SECRET", "")
        if require_secret and not secret:
            raise SettingsError("GITHUB_WEBHOOK_SECRET is not set; the bot refuses to accept "
                                "unsigned deliveries")
        app_id = env.get("GITHUB_APP_ID") or None
        key = env.get("GITHUB_PRIVATE_KEY") or None
        key_path = env.get("GITHUB_PRIVATE_KEY_PATH") or None
        token = env.get("GITHUB_TOKEN") or None
        if key is None and key_path:
            try:
                key = Path(key_path).read_text()
            except OSError as exc:
                raise SettingsError(f"GITHUB_PRIVATE_KEY_PATH: cannot read {key_path}: "
                                    f"{exc.strerror or exc}") from None
        if key is not None:
            key = key.replace("\\n", "\n").strip() + "\n"
            if "PRIVATE KEY-----" not in key:
                raise SettingsError("GITHUB_PRIVATE_KEY is not a PEM private key")
        if app_id and key:
            mode = AuthMode.APP
        elif token:
            mode = AuthMode.TOKEN
        elif app_id or key:
            raise SettingsError("GitHub App mode needs both GITHUB_APP_ID and "
                                "GITHUB_PRIVATE_KEY (or GITHUB_PRIVATE_KEY_PATH)")
        else:
            raise SettingsError("set GITHUB_APP_ID and GITHUB_PRIVATE_KEY (GitHub App), or "
                                "GITHUB_TOKEN (one repository)")

        def number(name: str, default: float, lo: float, hi: float) -> float:
            try:
                return env_number(env, name, default, lo=lo, hi=hi)
            except ValueError as exc:
                raise SettingsError(str(exc)) from None

        api_url = (env.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")
        if not api_url.startswith(("https://", "http://")):
            raise SettingsError("GITHUB_API_URL must be an http(s) URL")
        return cls(
            webhook_secret=secret, mode=mode, app_id=app_id, private_key=key, token=token,
            api_url=api_url,
            port=int(number("PORT", 8080, 1, 65535)),
            readme_path=(env.get("README_PATH") or "README.md").strip("/"),
            workers=int(number("BOT_WORKERS", 4, 1, 64)),
            queue_size=int(number("BOT_QUEUE_SIZE", 200, 1, 100_000)),
            in_progress_after=number("BOT_IN_PROGRESS_AFTER", 2.0, 0, 60),
            writes_per_minute=int(number("BOT_WRITES_PER_MINUTE", 60, 1, 500)),
            creates_per_hour=int(number("BOT_CREATES_PER_HOUR", 450, 1, 100_000)),
            max_attempts=int(number("BOT_MAX_ATTEMPTS", 8, 1, 50)),
            inline_wait=number("BOT_INLINE_WAIT", 5.0, 0, 30),
            concurrent_requests=int(number("BOT_CONCURRENT_REQUESTS", 4, 1, 50)),
            retry_budget=number("BOT_RETRY_BUDGET", 30.0, 0, 600),
            citation_budget=number("CITATION_BUDGET", 20.0, 0, 300),
            shutdown_grace=number("BOT_SHUTDOWN_GRACE", 25.0, 0, 300),
            bot_login=env.get("BOT_LOGIN") or None,
            http_timeout=number("BOT_HTTP_TIMEOUT", 30.0, 1, 300),
            check_links=env_flag(env, "BOT_CHECK_LINKS", True),
            checks=mode is AuthMode.APP or env_flag(env, "BOT_TOKEN_CHECK_RUNS", False),
            journal=env.get("BOT_JOURNAL", default_journal(env)),
        )
