"""Which webhook deliveries were taken, so a copy is not reviewed twice: kept in this process's
memory, or in Redis for several web processes (`bot.scale.web`)."""

from __future__ import annotations

from typing import Protocol

from cachetools import TTLCache

KEEP_FOR = 3 * 24 * 3600  # GitHub lets a delivery be redelivered for 3 days


class QueueUnavailable(Exception):
    """The job queue (Redis) could not be reached: nothing was queued."""


class Deliveries(Protocol):
    """Claims on delivery ids."""

    async def seen(self, delivery: str) -> bool:
        """True when the delivery was claimed (and not released)."""
        ...

    async def claim(self, delivery: str) -> bool:
        """Claim the delivery; False when it was claimed already."""
        ...

    async def release(self, delivery: str) -> None:
        """Forget the claim (the job was not queued, or its review failed)."""
        ...


class MemoryDeliveries:
    """Claims in this process's memory (the single-process service)."""

    def __init__(self, maxsize: int = 20_000, ttl: float = KEEP_FOR) -> None:
        self._ids: TTLCache[str, bool] = TTLCache(maxsize=maxsize, ttl=ttl)

    async def seen(self, delivery: str) -> bool:
        """True when the delivery was claimed."""
        return delivery in self._ids

    async def claim(self, delivery: str) -> bool:
        """Claim the delivery (no await inside: a copy arriving meanwhile sees it)."""
        if delivery in self._ids:
            return False
        self._ids[delivery] = True
        return True

    async def release(self, delivery: str) -> None:
        """Forget the claim."""
        self._ids.pop(delivery, None)
