"""A web process in Redis mode: the same webhook handler, with delivery claims and the queue
in Redis, and no reviewer (worker processes review)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from bot import metrics
from bot.github.webhook import DELIVERIES, PROBE, QUEUE, RUNTIME
from bot.scale.queue import RedisDeliveries, RedisQueue
from bot.scale.settings import ScaleSettings
from bot.scale.state import SharedState, connect


def use_redis(app: web.Application, scale: ScaleSettings) -> None:
    """Swap the app's in-process queue and claims for Redis."""
    state = SharedState(connect(scale))
    queue = RedisQueue(state, scale)
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
