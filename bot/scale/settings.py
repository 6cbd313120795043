"""Settings of the Redis mode, from the environment (absent `REDIS_URL`: one process, no Redis)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bot.envvars import env_number
from bot.github.settings import SettingsError

QUEUE_NAME = "awesome-papers:reviews"


@dataclass(frozen=True, slots=True)
class ScaleSettings:
    """Where Redis is, and how long a job may run or stay claimed by a silent worker."""

    redis_url: str = field(repr=False)
    queue_name: str = QUEUE_NAME
    job_timeout: float = 600.0
    lease: float = 20.0
    jobs_per_worker: int = 4
    queue_limit: int = 10_000

    @property
    def beat(self) -> float:
        """How often a running job renews its lease."""
        return self.lease / 4

    def secrets(self) -> tuple[str, ...]:
        """The Redis password, if the URL carries one, for scrubbing from logs."""
        password = urlsplit(self.redis_url).password
        return (password,) if password else ()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ScaleSettings | None:
        """The settings, or None when `REDIS_URL` is not set; SettingsError when one is bad."""
        env = dict(os.environ if environ is None else environ)
        url = (env.get("REDIS_URL") or "").strip()
        if not url:
            return None
        if urlsplit(url).scheme not in ("redis", "rediss", "unix"):
            raise SettingsError("REDIS_URL must be a redis://, rediss:// or unix:// URL")

        def number(name: str, default: float, lo: float, hi: float) -> float:
            try:
                return env_number(env, name, default, lo=lo, hi=hi)
            except ValueError as exc:
                raise SettingsError(str(exc)) from None

        return cls(
            redis_url=url,
            queue_name=(env.get("BOT_QUEUE_NAME") or QUEUE_NAME).strip(),
            job_timeout=number("BOT_JOB_TIMEOUT", 600, 10, 24 * 3600),
            lease=number("BOT_JOB_LEASE", 20, 2, 600),
            jobs_per_worker=int(number("BOT_WORKERS", 4, 1, 64)),
            queue_limit=int(number("BOT_QUEUE_LIMIT", 10_000, 1, 10_000_000)),
        )
