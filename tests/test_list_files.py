"""A list kept in several markdown files (`files:` in the base config): the App reviews every
changed file the globs name, in one check run and one comment, and nothing else."""

from __future__ import annotations

from tests.hostile_corpus import problems
from tests.service_kit import BASE_SHA, OWNER, REPO, Service, patch_of

HEAD = "2" * 40
CONFIG = ".github/awesome-papers.yml"
README = ("# Awesome graph papers\n\nPapers by year: [2023](papers/2023.md).\n\n## Papers\n\n"
          "- **Graph attention networks** (2018), Velickovic et al. "
          "[[pdf]](https://arxiv.org/abs/1710.10903)\n")
YEAR = ("# 2023\n\n## Papers\n\n"
        "- **Graph transformers at scale** (2023), A. Author "
        "[[pdf]](https://arxiv.org/abs/2301.00001)\n")
NEW = ("- **Message passing in the wild** (2023), B. Author "
       "[[pdf]](https://arxiv.org/abs/2302.00002)\n")
COPY = ("- **Graph transformers, at scale** (2023), C. Author "
        "[[pdf]](https://arxiv.org/abs/2301.00001)\n")


def _pr(svc: Service, changes: dict[str, tuple[str, str]], config: str | None) -> None:
    """PR 7 changing each file `path: (base, head)`, with `config` on the base branch."""
    gh = svc.gh
    if config is not None:
        gh.set_file(OWNER, REPO, BASE_SHA, CONFIG, config)
    files = []
    for path, (base, head) in changes.items():
        gh.set_file(OWNER, REPO, BASE_SHA, path, base)
        gh.set_file(OWNER, REPO, HEAD, path, head)
        files.append({"filename": path, "status": "modified", "patch": patch_of(base, head)})
    gh.add_pull(OWNER, REPO, 7, base_sha=BASE_SHA, head_sha=HEAD, files=files)


async def _open(svc: Service) -> None:
    status, _ = await svc.deliver("pull_request", svc.payload("pull_request.opened", 7, HEAD))
    assert status == 202
    await svc.settle()


async def test_a_file_the_config_names_is_reviewed(svc: Service) -> None:
    _pr(svc, {"papers/2023.md": (YEAR, YEAR + COPY)}, 'files: ["README.md", "papers/*.md"]\n')
    await _open(svc)
    [run] = svc.gh.check_runs(OWNER, REPO)
    assert run["status"] == "completed" and run["conclusion"] == "failure"
    assert {a["path"] for a in run["annotations"]} == {"papers/2023.md"}
    [comment] = svc.gh.comments(OWNER, REPO, 7)
    assert "duplicate/entry" in comment["body"]  # the copy, found within papers/2023.md
    [review] = svc.gh.reviews(OWNER, REPO, 7)
    assert {c["path"] for c in review["comments"]} == {"papers/2023.md"}


async def test_two_list_files_make_one_review_naming_both(svc: Service) -> None:
    _pr(svc, {"README.md": (README, README + NEW), "papers/2023.md": (YEAR, YEAR + NEW)},
        'files: ["README.md", "papers/*.md"]\n')
    await _open(svc)
    [run] = svc.gh.check_runs(OWNER, REPO)
    summary = run["output"]["summary"]
    assert "in 2 files" in run["output"]["title"]
    assert "README.md" in summary and "papers/2023.md" in summary
    [comment] = svc.gh.comments(OWNER, REPO, 7)
    assert "2 papers added" in comment["body"]
    assert len(svc.gh.comments(OWNER, REPO, 7)) == 1


async def test_without_files_only_the_readme_is_the_list(svc: Service) -> None:
    _pr(svc, {"papers/2023.md": (YEAR, YEAR + COPY)}, None)
    await _open(svc)
    assert svc.gh.check_runs(OWNER, REPO) == [] and svc.gh.comments(OWNER, REPO, 7) == []


async def test_files_can_leave_the_readme_out(svc: Service) -> None:
    _pr(svc, {"README.md": (README, README + NEW), "notes/todo.md": ("a\n", "b\n")},
        'files: ["papers/*.md"]\n')
    await _open(svc)
    assert svc.gh.check_runs(OWNER, REPO) == []


async def test_a_hostile_file_name_is_inert(svc: Service) -> None:
    name = "papers/x https:/e.example/`<img src=https:/evil.example/p.png>` @octocat.md"
    _pr(svc, {name: (YEAR, YEAR + NEW), "papers/2023.md": (YEAR, YEAR + NEW)},
        'files: ["papers/*.md"]\n')
    await _open(svc)
    [run] = svc.gh.check_runs(OWNER, REPO)
    [comment] = svc.gh.comments(OWNER, REPO, 7)
    assert problems(run["output"]["summary"]) == [] and problems(comment["body"], comments=2) == []


async def test_past_ten_list_files_the_rest_fail_unread(svc: Service) -> None:
    _pr(svc, {f"papers/{2000 + i}.md": (YEAR, YEAR + NEW) for i in range(12)},
        'files: ["papers/*.md"]\n')
    await _open(svc)
    [run] = svc.gh.check_runs(OWNER, REPO)
    assert run["conclusion"] == "failure"
    assert "readme/change-too-large" in run["output"]["summary"]
    assert "2 more list files" in run["output"]["summary"]


async def test_the_queue_follows_the_readme_only(svc: Service) -> None:
    """Cross-PR conflicts and the board are about README_PATH: a paper added to another list
    file is not recorded as the PR's proposal (README.md's PR is not flagged by it)."""
    _pr(svc, {"papers/2023.md": (YEAR, YEAR + NEW)}, 'files: ["README.md", "papers/*.md"]\n')
    await _open(svc)
    gh, readme_head = svc.gh, "3" * 40
    gh.set_file(OWNER, REPO, BASE_SHA, "README.md", README)
    gh.set_file(OWNER, REPO, readme_head, "README.md", README + NEW)
    gh.add_pull(OWNER, REPO, 8, base_sha=BASE_SHA, head_sha=readme_head, files=[
        {"filename": "README.md", "status": "modified", "patch": patch_of(README, README + NEW)}])
    await svc.deliver("pull_request", svc.payload("pull_request.opened", 8, readme_head))
    await svc.settle()
    [comment] = gh.comments(OWNER, REPO, 8)
    assert "2 papers added" not in comment["body"] and "1 paper added" in comment["body"]
    assert "duplicate/open-pr" not in comment["body"]
