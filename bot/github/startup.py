"""Start-up checks of the service: the port is free, and GitHub accepts the credentials.

An App's id and key are checked with `GET /app` signed by the App's JWT; a token with
`GET /rate_limit` (which costs nothing against the rate limit). A refusal stops the service
with one line; GitHub out of reach does not (the check is repeated and `/healthz` shows it).
"""

from __future__ import annotations

import logging
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
from gidgethub import apps

from bot import __version__
from bot.github.api import USER_AGENT
from bot.github.settings import AuthMode, ServiceSettings

log = logging.getLogger("bot.startup")
RECHECK_EVERY = 15 * 60.0


@dataclass(frozen=True, slots=True)
class CredentialCheck:
    """The outcome of one check: ok True (accepted), False (refused), None (not reached)."""

    ok: bool | None
    detail: str
    at: float

    def as_json(self) -> dict[str, Any]:
        """For /healthz."""
        return {"ok": self.ok, "detail": self.detail,
                "checked_at": datetime.fromtimestamp(self.at, UTC).isoformat(
                    timespec="seconds")}


NOT_CHECKED = CredentialCheck(None, "not checked yet", 0.0)


def _message(data: Any) -> str:
    """GitHub's error message, one short line."""
    text = data.get("message", "") if isinstance(data, dict) else ""
    return " ".join(str(text).split())[:160]


async def check_credentials(settings: ServiceSettings,
                            session: aiohttp.ClientSession | None = None) -> CredentialCheck:
    """Ask GitHub whether it accepts the App's JWT (or the token)."""
    headers = {"User-Agent": USER_AGENT, "Accept": "application/vnd.github+json",
               "X-GitHub-Api-Version": "2022-11-28"}
    if settings.mode is AuthMode.APP:
        assert settings.app_id is not None and settings.private_key is not None
        try:
            jwt = apps.get_jwt(app_id=settings.app_id, private_key=settings.private_key)
        except (ValueError, TypeError) as exc:
            return CredentialCheck(False, f"GITHUB_PRIVATE_KEY cannot sign a JWT: "
                                   f"{type(exc).__name__}", time.time())
        url, what = f"{settings.api_url}/app", f"the App id {settings.app_id} and its key"
        headers["Authorization"] = f"Bearer {jwt}"
    else:
        url, what = f"{settings.api_url}/rate_limit", "GITHUB_TOKEN"
        headers["Authorization"] = f"token {settings.token}"
    own = session is None
    http = session or aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
    try:
        async with http.get(url, headers=headers) as resp:
            data = await resp.json(content_type=None) if resp.content_length != 0 else None
            status = resp.status
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        return CredentialCheck(None, f"GitHub not reached at {settings.api_url} "
                               f"({type(exc).__name__})", time.time())
    finally:
        if own:
            await http.close()
    if status == 200:
        name = data.get("slug") if isinstance(data, dict) else None
        detail = f"App {name} (id {settings.app_id}) accepted" if settings.mode is AuthMode.APP \
            else "token accepted"
        return CredentialCheck(True, detail, time.time())
    if status in (401, 403, 404):
        return CredentialCheck(False, f"GitHub refused {what} ({status}: {_message(data)})",
                               time.time())
    return CredentialCheck(None, f"GitHub answered {status} to the credential check",
                           time.time())


def listen(port: int) -> socket.socket:
    """A socket bound to the port on every interface (OSError when it is taken)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("0.0.0.0", port))
        sock.listen(128)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def log_start(settings: ServiceSettings, check: CredentialCheck) -> None:
    """The one start-up line."""
    log.info("started", extra={
        "version": __version__, "port": settings.port, "mode": settings.mode.value,
        "api_url": settings.api_url, "readme": settings.readme_path,
        "journal": settings.journal or "off", "credentials": check.detail})
