"""Link checks: does each URL of an entry still answer?

HEAD first (GET when a server refuses HEAD with 403/405/501), a short timeout, at most
`link_max_redirects` redirects followed by hand, a few requests per host at a time. Nothing
personal is ever sent: a private session with no cookie jar, no auth headers, user-info stripped
from URLs. Unless `link_allow_private` is set, a URL that is, resolves to or redirects to a
loopback, private or link-local address is not fetched (a PR could otherwise make the bot probe
the network it runs in).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from bot.awesome.facts import LinkCheck, LinkStatus
from bot.citations.cache import CitationCache
from bot.citations.http import Deadline, os_error_text, seconds_text
from bot.citations.settings import CitationSettings

log = logging.getLogger(__name__)

REDIRECTS = frozenset({301, 302, 303, 307, 308})
HEAD_REFUSED = frozenset({403, 405, 501})
GONE = frozenset({404, 410})
PRIVATE_DETAIL = "not checked: a private or local address"


class PrivateAddressError(OSError):
    """The host resolves only to addresses the bot must not reach."""


def is_public_ip(host: str) -> bool | None:
    """True/False for an IP literal (public or not); None when `host` is a name."""
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    return ip.is_global and not ip.is_multicast


class PublicOnlyResolver(AbstractResolver):
    """A resolver that drops private, loopback and link-local answers (no DNS-rebinding gap)."""

    def __init__(self) -> None:
        self._inner = aiohttp.ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """The public addresses of `host`; PrivateAddressError when there are none."""
        answers = await self._inner.resolve(host, port, family)
        public = [a for a in answers if is_public_ip(a["host"])]
        if not public:
            raise PrivateAddressError(f"{host} has no public address")
        return public

    async def close(self) -> None:
        """Close the wrapped resolver."""
        await self._inner.close()


def link_session(settings: CitationSettings) -> aiohttp.ClientSession:
    """A session for link checks only: no cookies, no default credentials, guarded resolver."""
    resolver = None if settings.link_allow_private else PublicOnlyResolver()
    connector = aiohttp.TCPConnector(resolver=resolver, limit=settings.link_concurrency * 2)
    return aiohttp.ClientSession(
        connector=connector,
        cookie_jar=aiohttp.DummyCookieJar(),
        headers={"User-Agent": settings.user_agent, "Accept": "*/*"},
        trust_env=False,
    )


def _status_check(url: str, status: int) -> LinkCheck:
    if 200 <= status < 400:
        return LinkCheck(url, LinkStatus.OK, status, f"HTTP {status}")
    if status in GONE:
        return LinkCheck(url, LinkStatus.DEAD, status, f"HTTP {status}")
    return LinkCheck(url, LinkStatus.UNREACHABLE, status, f"HTTP {status}")


def _without_userinfo(url: str) -> URL | None:
    try:
        u = URL(url.strip())
    except (ValueError, TypeError):
        return None
    if u.scheme not in ("http", "https") or not u.host:
        return None
    return u.with_user(None) if (u.user or u.password) else u


@dataclass(slots=True)
class LinkReport:
    """What the link checks found, and which URLs the budget left unchecked."""

    checks: dict[str, LinkCheck] = field(default_factory=dict)
    unchecked: list[str] = field(default_factory=list)
    requests: int = 0


class LinkChecker:
    """Checks many URLs within one deadline, politely per host."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        settings: CitationSettings,
        deadline: Deadline,
        *,
        cache: CitationCache | None = None,
    ) -> None:
        self.session = session
        self.settings = settings
        self.deadline = deadline
        self.cache = cache
        self.report = LinkReport()
        self._all = asyncio.Semaphore(max(1, settings.link_concurrency))
        self._hosts: dict[str, asyncio.Semaphore] = {}

    def _host_slot(self, host: str) -> asyncio.Semaphore:
        if host not in self._hosts:
            self._hosts[host] = asyncio.Semaphore(max(1, self.settings.link_per_host))
        return self._hosts[host]

    async def check_all(self, urls: Iterable[str]) -> LinkReport:
        """Check every distinct http(s) URL once; others are skipped."""
        todo = []
        for url in dict.fromkeys(urls):
            target = _without_userinfo(url)
            if target is None:
                continue
            cached = self.cache.get_link(url) if self.cache is not None else None
            if cached is not None:
                self.report.checks[url] = cached
            else:
                todo.append((url, target))
        await asyncio.gather(*(self._check(url, target) for url, target in todo))
        return self.report

    async def _check(self, url: str, target: URL) -> None:
        async with self._host_slot(target.host or ""), self._all:
            left = self.deadline.remaining()
            if left <= 0.05:
                self.report.unchecked.append(url)
                return
            limit = min(self.settings.link_timeout, left)
            try:
                async with asyncio.timeout(limit):
                    check = await self._follow(url, target)
            except TimeoutError:
                if limit < self.settings.link_timeout:
                    self.report.unchecked.append(url)
                    return
                detail = f"no answer within {seconds_text(limit)}"
                check = LinkCheck(url, LinkStatus.UNREACHABLE, None, detail)
        self.report.checks[url] = check
        if self.cache is not None:
            self.cache.put_link(check)

    async def _follow(self, url: str, target: URL) -> LinkCheck:
        method = "HEAD"
        hops = 0
        while True:
            if not self.settings.link_allow_private and is_public_ip(target.host or "") is False:
                return LinkCheck(url, LinkStatus.UNREACHABLE, None, PRIVATE_DETAIL)
            self.report.requests += 1
            try:
                async with self.session.request(method, target, allow_redirects=False) as resp:
                    status = resp.status
                    location = resp.headers.get("Location")
            except aiohttp.ClientConnectorError as exc:
                if isinstance(exc.os_error, PrivateAddressError):
                    return LinkCheck(url, LinkStatus.UNREACHABLE, None, PRIVATE_DETAIL)
                reason = os_error_text(exc.os_error)
                return LinkCheck(url, LinkStatus.UNREACHABLE, None, f"cannot connect: {reason}")
            except aiohttp.ClientError as exc:
                detail = str(exc)[:100] or type(exc).__name__
                return LinkCheck(url, LinkStatus.UNREACHABLE, None, f"request failed: {detail}")
            if status in REDIRECTS and location:
                hops += 1
                if hops > self.settings.link_max_redirects:
                    return LinkCheck(
                        url,
                        LinkStatus.UNREACHABLE,
                        status,
                        f"more than {self.settings.link_max_redirects} redirects",
                    )
                nxt = _without_userinfo(urljoin(str(target), location))
                if nxt is None:
                    scheme = urlsplit(location).scheme or "?"
                    return LinkCheck(url, LinkStatus.UNREACHABLE, status, f"redirects to {scheme}:")
                target = nxt
                continue
            if method == "HEAD" and status in HEAD_REFUSED:
                method = "GET"
                continue
            return _status_check(url, status)


async def check_links(
    urls: Iterable[str],
    settings: CitationSettings,
    deadline: Deadline | None = None,
    *,
    cache: CitationCache | None = None,
) -> LinkReport:
    """Check URLs within the deadline (a fresh one of `settings.budget` when None)."""
    deadline = deadline or Deadline(settings.budget)
    async with link_session(settings) as session:
        return await LinkChecker(session, settings, deadline, cache=cache).check_all(urls)
