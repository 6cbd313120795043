"""GitHub API calls per `opened` and per `synchronize` delivery, split into reads and writes.

Runs the real service against the fake GitHub on 127.0.0.1 with real PRs of the list. Target:
no more than 4 writes per event and no read repeated within one event.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.github.webhook import make_app  # noqa: E402
from tests.conftest import pr_texts  # noqa: E402
from tests.fakes.github_server import FakeGitHub  # noqa: E402
from tests.service_kit import (  # noqa: E402
    OFFLINE_CITATIONS,
    OWNER,
    REPO,
    Service,
    settings_for,
)


async def main() -> None:
    """Print one row per event."""
    rows = []
    async with FakeGitHub() as gh:
        gh.add_repo(OWNER, REPO, installation_id=1)
        # The default: an in-progress check run only for reviews still running after 2 s.
        app = make_app(settings_for(gh, BOT_IN_PROGRESS_AFTER="2"), citations=OFFLINE_CITATIONS)
        async with TestClient(TestServer(app)) as client:
            svc = Service(gh, client)
            for number, pr in ((68, "068"), (72, "072")):
                base, head = pr_texts(pr)
                h1, h2 = f"{number:02d}" * 20, f"{number + 1:02d}" * 20
                svc.add_pr(number, base, head, h1)
                events = [("opened", "pull_request.opened", h1, None),
                          ("synchronize", "pull_request.synchronize", h2,
                           head.replace("(2016)", "(2016) ", 1))]
                for name, payload, sha, new_head in events:
                    if new_head is not None:
                        svc.push(number, base, new_head, sha)
                    start = len(gh.calls)
                    await svc.deliver("pull_request", svc.payload(payload, number, sha))
                    await svc.settle()
                    calls = gh.calls[start:]
                    reads = [c for c in calls if c.method == "GET"]
                    writes = [c for c in calls if c.method != "GET"
                              and "access_tokens" not in c.path]
                    repeated = sum(n - 1 for n in Counter(
                        (c.path, tuple(sorted(c.query.items()))) for c in reads).values() if n > 1)
                    kinds = Counter(f"{c.method} {c.operation}" for c in writes)
                    rows.append((f"PR {pr} {name}", len(reads), len(writes), repeated,
                                 ", ".join(f"{k} x{v}" for k, v in sorted(kinds.items()))))
    print("(installation token requests are per hour, not per event, and not counted; labels are")
    print(" created in the repository once, on first use)")
    print(f"{'event':<22} {'reads':>5} {'writes':>6} {'repeated reads':>14}  writes")
    for event, r, w, rep, kinds in rows:
        print(f"{event:<22} {r:>5} {w:>6} {rep:>14}  {kinds}")


if __name__ == "__main__":
    asyncio.run(main())
