"""What web and worker processes agree on through Redis: delivery claims, and per-PR turns.

Every review job carries a sequence number from one Redis counter. A PR's `newest` number is the
highest one queued for it; a job older than that is superseded (the newer job reviews the newer
head). A PR's lease lets one job at a time review it; the job renews it while it runs, so a
worker that dies loses it within one lease and the next job (or the same job, re-run) takes over.
"""

from __future__ import annotations

import json
from typing import Any

from arq.connections import ArqRedis
from redis.asyncio import ConnectionPool

from bot.scale.settings import ScaleSettings

PREFIX = "apb:"
DELIVERY_TTL = 3 * 24 * 3600
TURN_TTL = 7 * 24 * 3600

_RAISE = """
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > cur then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) end
return math.max(cur, tonumber(ARGV[1]))
"""
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  if KEYS[2] ~= '' then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
  return 1
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def dumps(obj: Any) -> bytes:
    """Jobs travel as JSON, never pickles: a Redis shared with others cannot run code here."""
    return json.dumps(obj, separators=(",", ":")).encode()


def loads(raw: bytes | str) -> Any:
    """The JSON of a job."""
    return json.loads(raw)


def connect(scale: ScaleSettings) -> ArqRedis:
    """A client that connects on first use and fails fast (a web process must still answer)."""
    pool = ConnectionPool.from_url(scale.redis_url, socket_connect_timeout=2, socket_timeout=5,
                                   health_check_interval=30)
    return ArqRedis(pool, job_serializer=dumps, job_deserializer=loads,
                    default_queue_name=scale.queue_name)


class SharedState:
    """Delivery claims and per-PR turns in Redis."""

    def __init__(self, redis: ArqRedis) -> None:
        self.redis = redis
        self._raise = redis.register_script(_RAISE)
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)

    # --- deliveries ---------------------------------------------------------------------

    async def claim_delivery(self, delivery: str) -> bool:
        """True for the first claim of a delivery id (in any web process); False for a copy."""
        return bool(await self.redis.set(f"{PREFIX}delivery:{delivery}", b"1", nx=True,
                                         ex=DELIVERY_TTL))

    async def delivery_claimed(self, delivery: str) -> bool:
        """True while a claim on the delivery stands."""
        return bool(await self.redis.exists(f"{PREFIX}delivery:{delivery}"))

    async def release_delivery(self, delivery: str) -> None:
        """Forget a delivery whose review failed or was never queued, so a redelivery counts."""
        await self.redis.delete(f"{PREFIX}delivery:{delivery}")

    # --- turns --------------------------------------------------------------------------

    async def next_seq(self) -> int:
        """A number larger than any handed out before."""
        return int(await self.redis.incr(f"{PREFIX}seq"))

    async def announce(self, pr_key: str, seq: int) -> int:
        """Record that job `seq` is queued for the PR; the PR's newest number after it."""
        return int(await self._raise(keys=[f"{PREFIX}newest:{pr_key}"],
                                     args=[seq, TURN_TTL]))

    async def newest(self, pr_key: str) -> int:
        """The highest job number queued for the PR (0 when none is known)."""
        return int(await self.redis.get(f"{PREFIX}newest:{pr_key}") or 0)

    async def finished(self, pr_key: str, seq: int) -> None:
        """Record that job `seq` of the PR ended (published, superseded, failed: not deferred)."""
        await self._raise(keys=[f"{PREFIX}done:{pr_key}"], args=[seq, TURN_TTL])

    async def newer_pending(self, pr_key: str, seq: int) -> bool:
        """True while a newer job than `seq` is queued for the PR and has not ended (the
        in-process queue's "a newer head waits")."""
        newest, done = await self.redis.mget([f"{PREFIX}newest:{pr_key}",
                                              f"{PREFIX}done:{pr_key}"])
        newest_n, done_n = int(newest or 0), int(done or 0)
        return newest_n > seq and done_n < newest_n

    async def take_lease(self, pr_key: str, owner: str, lease: float) -> bool:
        """Take the PR's lease for `lease` seconds; False while another job holds it."""
        return bool(await self.redis.set(f"{PREFIX}lease:{pr_key}", owner.encode(), nx=True,
                                         px=int(lease * 1000)))

    async def renew_lease(self, pr_key: str, owner: str, lease: float,
                          also: str = "") -> bool:
        """Extend the lease (and the key `also`, the queue's own claim on the job) if still ours."""
        return bool(await self._renew(keys=[f"{PREFIX}lease:{pr_key}", also],
                                      args=[owner, int(lease * 1000)]))

    async def drop_lease(self, pr_key: str, owner: str) -> None:
        """Give the lease back if it is still ours."""
        await self._release(keys=[f"{PREFIX}lease:{pr_key}"], args=[owner])

    async def blocked_until(self, pacer_key: str) -> float:
        """When GitHub's latest "wait" for an installation ends (epoch seconds; 0: none)."""
        raw = await self.redis.get(f"{PREFIX}pace:{pacer_key}:blocked")
        try:
            return float(raw or 0)
        except ValueError:
            return 0.0

    async def count_start(self, job_id: str) -> int:
        """How many times this job has started reviewing (a crash loop shows as a high count)."""
        key = f"{PREFIX}starts:{job_id}"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, DELIVERY_TTL)
            n, _ = await pipe.execute()
        return int(n)

    async def was_started(self, job_id: str) -> bool:
        """True when the job started reviewing once and never ended (its worker died)."""
        return bool(await self.redis.exists(f"{PREFIX}starts:{job_id}"))

    async def forget_starts(self, job_id: str) -> None:
        """The job ended (whatever its outcome): its start count is no longer needed."""
        await self.redis.delete(f"{PREFIX}starts:{job_id}")

