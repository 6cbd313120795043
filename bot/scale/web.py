"""A web process in Redis mode: the same webhook handler, with delivery claims and the queue
in Redis, and no reviewer (worker processes review)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from bot import metrics
from bot.github.deliveries import QueueUnavailable
from bot.github.webhook import DELIVERIES, PROBE, QUEUE, RUNTIME
from bot.scale import jobs
from bot.scale.queue import REDIS_FAULTS, RedisQueue
from bot.scale.settings import ScaleSettings
from bot.scale.state import SharedState, connect


class RedisDeliveries:
    """Delivery claims in Redis, shared by every web process."""

    def __init__(self, state: SharedState) -> None:
        self.state = state

    async def seen(self, delivery: str) -> bool:
        """True when some web process claimed the delivery."""
        try:
            return bool(await self.state.redis.exists(f"apb:delivery:{delivery}"))
        except REDIS_FAULTS as exc:
            raise QueueUnavailable(type(exc).__name__) from exc

    async def claim(self, delivery: str) -> bool:
        """Claim the delivery for this process (SET NX: one winner among all)."""
        try:
            return await self.state.claim_delivery(delivery)
        except REDIS_FAULTS as exc:
            raise QueueUnavailable(type(exc).__name__) from exc

    async def release(self, delivery: str) -> None:
        """Forget the claim."""
        try:
            await self.state.release_delivery(delivery)
        except REDIS_FAULTS as exc:
            raise QueueUnavailable(type(exc).__name__) from exc


def use_redis(app: web.Application, scale: ScaleSettings) -> None:
    """Swap the app's in-process queue and claims for Redis."""
    state = SharedState(connect(scale))
    queue = RedisQueue(state, scale, jobs.REVIEW)
    app[QUEUE] = queue  # type: ignore[assignment]
    app[DELIVERIES] = RedisDeliveries(state)
    app[PROBE] = queue.reachable
    app[RUNTIME].remote = True

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        queue.start()
        forget_depth = metrics.queue_depth_source(lambda: queue.depth, "redis")
        yield
        forget_depth()
        await queue.shutdown(0)

    app.cleanup_ctx.append(lifecycle)
