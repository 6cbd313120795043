"""Settings of the citation and link-check adapter, read once from the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from bot.envvars import env_flag, env_number

DEFAULT_S2_URL = "https://api.semanticscholar.org/graph/v1"
DEFAULT_OPENALEX_URL = "https://api.openalex.org"

CLI_BUDGET = 4.0
"""Seconds a `check` run may spend on outside facts: short, a person is waiting."""

SERVICE_BUDGET = 20.0
"""Seconds a webhook delivery may spend on outside facts: the review is posted later anyway."""

COUNT_TTL = 6 * 3600.0
"""Seconds a known citation count stays cached."""

UNKNOWN_TTL = 20 * 60.0
"""Seconds a "no source knows this paper" answer stays cached: shorter, new papers appear."""

USER_AGENT = "awesome-papers-bot/0.1 (+https://github.com/terryum/awesome-deep-learning-papers)"



@dataclass(frozen=True, slots=True)
class CitationSettings:
    """Where the citation sources live, which keys to send, and how long to wait and cache."""

    s2_url: str = DEFAULT_S2_URL
    s2_api_key: str | None = field(default=None, repr=False)
    openalex_url: str = DEFAULT_OPENALEX_URL
    openalex_api_key: str | None = field(default=None, repr=False)
    openalex_mailto: str | None = None
    use_openalex: bool = True
    budget: float = CLI_BUDGET
    request_timeout: float = 10.0
    s2_share: float = 0.7
    title_concurrency: int = 3
    openalex_concurrency: int = 4
    backoff_base: float = 0.25
    backoff_cap: float = 2.0
    max_attempts: int = 6
    count_ttl: float = COUNT_TTL
    unknown_ttl: float = UNKNOWN_TTL
    link_ttl: float = 15 * 60.0
    cache_size: int = 4096
    link_timeout: float = 5.0
    link_concurrency: int = 8
    link_per_host: int = 2
    link_max_redirects: int = 3
    link_allow_private: bool = False
    user_agent: str = USER_AGENT

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str], *, budget: float | None = None, **overrides: object
    ) -> CitationSettings:
        """Settings from environment variables; `budget` (seconds) wins over CITATION_BUDGET."""
        env = {k: v.strip() for k, v in environ.items() if v is not None}

        def text(name: str) -> str | None:
            return env.get(name) or None

        def number(name: str, default: float, scale: float = 1.0) -> float:
            return env_number(env, name, default) * scale

        settings = cls(
            s2_url=(text("SEMANTIC_SCHOLAR_API_URL") or DEFAULT_S2_URL).rstrip("/"),
            s2_api_key=text("SEMANTIC_SCHOLAR_API_KEY"),
            openalex_url=(text("OPENALEX_API_URL") or DEFAULT_OPENALEX_URL).rstrip("/"),
            openalex_api_key=text("OPENALEX_API_KEY"),
            openalex_mailto=text("OPENALEX_MAILTO"),
            use_openalex=not env_flag(env, "OPENALEX_DISABLED", False),
            budget=budget if budget is not None else number("CITATION_BUDGET", CLI_BUDGET),
            count_ttl=number("CITATION_CACHE_HOURS", COUNT_TTL / 3600.0, 3600.0),
            unknown_ttl=number("CITATION_UNKNOWN_CACHE_MINUTES", UNKNOWN_TTL / 60.0, 60.0),
            link_allow_private=env_flag(env, "LINK_CHECK_ALLOW_PRIVATE", False),
        )
        return replace(settings, **overrides) if overrides else settings  # type: ignore[arg-type]

    @property
    def s2_headers(self) -> dict[str, str]:
        """Headers for Semantic Scholar: the key goes in `x-api-key`, when there is one."""
        headers = {"User-Agent": self.user_agent, "Accept": "application/json"}
        if self.s2_api_key:
            headers["x-api-key"] = self.s2_api_key
        return headers

    @property
    def openalex_params(self) -> dict[str, str]:
        """Query parameters OpenAlex wants on every call: `api_key` and the polite-pool `mailto`."""
        params: dict[str, str] = {}
        if self.openalex_api_key:
            params["api_key"] = self.openalex_api_key
        if self.openalex_mailto:
            params["mailto"] = self.openalex_mailto
        return params
