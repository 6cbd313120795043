"""Tokens for GitHub: an installation token per installation, cached until shortly before it
expires (tokens live an hour), or one static token in token mode."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

from cachetools import TTLCache
from gidgethub import apps
from gidgethub.abc import GitHubAPI

from bot.github.settings import AuthMode, ServiceSettings
from bot.scrub import remember

REFRESH_MARGIN = 5 * 60
CACHE_TTL = 55 * 60


class TokenProvider:
    """Hands out a token for an installation, asking GitHub at most once per token lifetime."""

    def __init__(self, settings: ServiceSettings) -> None:
        self._settings = settings
        remember(*settings.secrets())
        self._cache: TTLCache[str, tuple[str, float]] = TTLCache(maxsize=10_000, ttl=CACHE_TTL)
        self._locks: dict[str, asyncio.Lock] = {}
        self.requests = 0

    def _cached(self, key: str) -> str | None:
        """A cached token with more than the refresh margin left."""
        hit = self._cache.get(key)
        if hit is not None and hit[1] - time.time() > REFRESH_MARGIN:
            return hit[0]
        return None

    async def token(self, gh: GitHubAPI, installation_id: int | str | None) -> str:
        """A token valid for at least a few more minutes."""
        s = self._settings
        if s.mode is AuthMode.TOKEN:
            assert s.token is not None
            return s.token
        if installation_id is None:
            raise PermissionError("the delivery names no App installation")
        key = str(installation_id)
        if (hit := self._cached(key)) is not None:
            return hit
        async with self._locks.setdefault(key, asyncio.Lock()):
            if (hit := self._cached(key)) is not None:
                return hit
            assert s.app_id is not None and s.private_key is not None
            self.requests += 1
            data = await apps.get_installation_access_token(
                gh, installation_id=key, app_id=s.app_id, private_key=s.private_key)
            token = str(data["token"])
            remember(token)
            self._cache[key] = (token, _expiry(data.get("expires_at")))
            return token

    def forget(self, installation_id: int | str | None) -> None:
        """Drop a token GitHub refused (revoked, or the App was reinstalled)."""
        self._cache.pop(str(installation_id), None)


def _expiry(expires_at: object) -> float:
    """Epoch seconds of an ISO-8601 expiry; an hour from now when GitHub did not say."""
    if isinstance(expires_at, str):
        try:
            return datetime.fromisoformat(expires_at.replace("Z", "+00:00")).timestamp()
        except ValueError:
            pass
    return time.time() + 3600.0
