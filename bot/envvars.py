"""Reading settings from environment variables, with one-line messages for bad values."""

from __future__ import annotations

import math
from collections.abc import Mapping

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})


def env_number(env: Mapping[str, str], name: str, default: float, *, lo: float = 0.0,
               hi: float = math.inf) -> float:
    """A number from `env[name]` within [lo, hi], or `default` when unset; ValueError if bad."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, not {raw[:20]!r}") from None
    if not math.isfinite(value) or not lo <= value <= hi:
        bound = f"between {lo:g} and {hi:g}" if math.isfinite(hi) else f"at least {lo:g}"
        raise ValueError(f"{name} must be {bound}, not {raw[:20]!r}")
    return value


def env_flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    """A yes/no setting; anything unrecognised keeps the default."""
    raw = (env.get(name) or "").strip().lower()
    if raw in TRUE:
        return True
    if raw in FALSE:
        return False
    return default
