"""The App reads the list's rules from the base branch only: config, criteria and guide."""

from __future__ import annotations

from tests.conftest import FINAL_README, UPSTREAM, read
from tests.service_kit import OWNER, REPO, Service

HEAD1 = "1" * 40
BASE_SHA = "a" * 40


async def test_the_guide_on_the_base_forbids_new_sections_and_loosened_criteria_are_labelled(
        svc: Service) -> None:
    base = read(FINAL_README)
    anchor = "### Optimization / Training Techniques\n"
    head = base.replace(anchor, "### Robotics\n- **A robot paper** (2015), A. B "
                        "[[pdf]](https://x.org/r.pdf)\n\n" + anchor).replace(
        "published from 2012 to 2016", "published from 2012 to 2018")
    svc.add_pr(90, base, head, HEAD1)
    svc.gh.set_file(OWNER, REPO, BASE_SHA, "Contributing.md", read(UPSTREAM / "Contributing.md"))
    svc.gh.set_file(OWNER, REPO, HEAD1, "Contributing.md", "Add any section you like.\n")
    await svc.deliver("pull_request", svc.payload("pull_request.opened", 90, HEAD1))
    await svc.settle()
    [run] = svc.gh.check_runs(OWNER, REPO)
    assert run["conclusion"] == "failure"
    [comment] = svc.gh.comments(OWNER, REPO, 90)
    assert "section/new-section" in comment["body"] and "does not allow new sections" in \
        comment["body"]
    assert "years 2012–2016 → 2012–2018" in comment["body"]
    assert "criteria-changed" in svc.gh.issue_labels(OWNER, REPO, 90)
    guides = [c for c in svc.gh.calls if c.path.endswith("ontributing.md")]
    assert guides and all(c.query.get("ref") == BASE_SHA for c in guides)
