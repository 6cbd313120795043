"""A webhook delivery read with bounded memory and verified while it streams.

The `X-Hub-Signature-256` header must be a SHA-256 digest (`sha256=` and 64 hex digits; a SHA-1
digest is refused in any header, gidgethub would take its algorithm from the header's prefix);
the body is hashed chunk by chunk as it arrives and kept only up to `MAX_UNVERIFIED_BYTES`, so an
unsigned or oversized body costs at most that much memory. JSON nested deeper than the parser's
recursion limit is a bad request, not a crash. The unsigned `X-GitHub-Delivery` header is used
(and logged) only when it looks like GitHub's ids.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web
from gidgethub import sansio

MAX_UNVERIFIED_BYTES = 1024 * 1024
"""The most of an unverified body kept in memory: the events the bot handles (pull_request,
check_run) are far smaller (a PR's description is capped at 65,536 characters)."""

CHUNK = 64 * 1024
_SIGNATURE = re.compile(r"sha256=([0-9a-f]{64})")
_DELIVERY_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z-]{0,99}")
_EVENT = re.compile(r"[a-z_]{1,64}")


class Refusal(Exception):
    """Why a delivery is refused: the HTTP status and a one-line message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def safe_delivery_id(raw: str | None) -> str:
    """The delivery id for logs and de-duplication, or `invalid` for anything unlike GitHub's."""
    if raw is None:
        return "-"
    return raw if _DELIVERY_ID.fullmatch(raw) else "invalid"


def _decode(content_type: str, body: bytes) -> Any:
    """The JSON payload (GitHub sends JSON, or a form with a `payload` field)."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        fields = parse_qs(body.decode("utf-8"), strict_parsing=False)
        if len(fields.get("payload", [])) != 1:
            raise ValueError("no payload field")
        return json.loads(fields["payload"][0])
    if kind != "application/json":
        raise ValueError("not JSON")
    return json.loads(body)


async def read_delivery(request: web.Request, secret: str, *,
                        limit: int = MAX_UNVERIFIED_BYTES) -> sansio.Event:
    """The verified event of one delivery, or a Refusal (401, 400 or 413)."""
    signature = request.headers.get("X-Hub-Signature-256", "").strip()
    wanted = _SIGNATURE.fullmatch(signature)
    if wanted is None:
        raise Refusal(401, "bad or missing X-Hub-Signature-256")
    if request.content_length is not None and request.content_length > limit:
        raise Refusal(413, f"the body is larger than the {limit // 1024} KB the bot reads")
    mac = hmac.new(secret.encode("utf-8"), digestmod=hashlib.sha256)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(CHUNK):
        size += len(chunk)
        if size > limit:
            raise Refusal(413, f"the body is larger than the {limit // 1024} KB the bot reads")
        mac.update(chunk)
        chunks.append(chunk)
    if not hmac.compare_digest(mac.hexdigest(), wanted.group(1)):
        raise Refusal(401, "bad or missing X-Hub-Signature-256")
    event = request.headers.get("X-GitHub-Event")
    delivery = request.headers.get("X-GitHub-Delivery")
    if event is None or delivery is None:
        missing = "x-github-event" if event is None else "x-github-delivery"
        raise Refusal(400, f"missing header {missing}")
    if not _EVENT.fullmatch(event) or safe_delivery_id(delivery) != delivery:
        raise Refusal(400, "the X-GitHub-Event or X-GitHub-Delivery header is malformed")
    try:
        data = _decode(request.headers.get("Content-Type", ""), b"".join(chunks))
    except RecursionError:
        raise Refusal(400, "the JSON body is nested too deeply") from None
    except (ValueError, UnicodeDecodeError):
        raise Refusal(400, "expected a JSON body (Content-Type: application/json)") from None
    return sansio.Event(data, event=event, delivery_id=delivery)
