"""Adapter: citation counts (Semantic Scholar, then OpenAlex) and link checks, as plain Facts.

The core never imports this package; a door (`check`, `serve`, `action`) calls `gather_facts`
first and hands the resulting `Facts` to the pure review.
"""

from bot.citations.cache import CitationCache
from bot.citations.lookup import gather_facts, gather_facts_sync
from bot.citations.resolve import PaperRef, resolve
from bot.citations.settings import CLI_BUDGET, SERVICE_BUDGET, CitationSettings

__all__ = [
    "CLI_BUDGET",
    "SERVICE_BUDGET",
    "CitationCache",
    "CitationSettings",
    "PaperRef",
    "gather_facts",
    "gather_facts_sync",
    "resolve",
]
