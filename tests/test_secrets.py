"""Recipe 5 of issue 12: no secret the bot holds reaches a URL it need not, a comment, a check
run, or a log line; one scrubber (bot/scrub.py) is tested with every one of them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from gidgethub import apps

from bot.awesome.review import review
from bot.citations import CitationSettings, gather_facts
from bot.github.settings import ServiceSettings
from bot.github.webhook import make_app
from bot.logs import KeyValueFormatter
from bot.scrub import Scrubber, scrub
from tests.fakes.github_server import FakeGitHub
from tests.listkit import BASE, GAN, LSTM, RESNET, SEQ2SEQ, WGAN, make_list
from tests.service_kit import OWNER, REPO, Service, settings_for

OA_KEY = "oa-key-7f3a9c1e2b5d"
S2_KEY = "s2-key-0d4c8b2a6e1f"
NEW = "- A new paper on things (2015), A. Author [[pdf]](http://papers.nips.cc/paper/1-new.pdf)"
HEAD = make_list(vision=[RESNET, GAN, NEW], language=[SEQ2SEQ], new=[WGAN], old=[LSTM])


def _pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


PEM = _pem()


def _all_secrets() -> dict[str, str]:
    """Every kind of secret the bot holds, as it really looks."""
    return {
        "webhook secret": "It's a Secret to Everybody 42",
        "App private key": PEM,
        "JWT": apps.get_jwt(app_id="12345", private_key=PEM),
        "installation token": "ghs_16C7e42F292c6912E7710c838347Ae178B4a",
        "GITHUB_TOKEN": "ghp_R2D2c3poBB8xwing0000000000000000abcd",
        "GITHUB_TOKEN without a known shape": "v1.3f9a0c2b7d1e4a6b8c0d2e4f6a8b0c2d4e6f8a0b",
        "OpenAlex key": OA_KEY,
        "Semantic Scholar key": S2_KEY,
    }


@pytest.mark.parametrize(("kind", "secret"), list(_all_secrets().items()))
def test_the_scrubber_masks_every_secret_the_bot_holds(kind: str, secret: str) -> None:
    s = Scrubber([secret])
    one_line = secret.replace("\n", "\\n")
    for text in (f"failed: {secret} (x)", f'{{"body": "{one_line}"}}',
                 f"GET https://api.openalex.org/works?api_key={secret}&x=1"):
        assert secret not in s(text), kind
        assert one_line not in s(text), kind
    for line in (ln for ln in secret.split("\n") if len(ln) >= 16 and "-----" not in ln):
        assert line not in s(f"... {line} ..."), kind  # a piece of the key on its own


@pytest.mark.parametrize("text", [
    "https://api.openalex.org/works?select=id&api_key=zzzunknown",
    "Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIxMjM0NSJ9.c2lnbmF0dXJl",
    "token ghs_abcdefghijklmnopqrstuvwxyz0123456789 expired",
    "x-api-key: zzzunknown1",
])
def test_secret_shaped_text_is_masked_even_when_never_registered(text: str) -> None:
    assert "zzzunknown" not in scrub(text) and "ghs_abc" not in scrub(text)
    assert "eyJpc3Mi" not in scrub(text) and "***" in scrub(text)


def test_ordinary_text_is_left_alone() -> None:
    text = "Batch normalization: 50% faster (2015), see https://arxiv.org/abs/1502.03167?v=2"
    assert scrub(text) == text


@pytest.mark.parametrize(("kind", "secret"), list(_all_secrets().items()))
def test_log_lines_never_carry_a_secret(kind: str, secret: str) -> None:
    fmt = KeyValueFormatter([secret])
    try:
        raise RuntimeError(f"boom with {secret}")
    except RuntimeError:
        import sys

        rec = logging.LogRecord("bot", logging.ERROR, __file__, 1, "failed %s", (secret,),
                                sys.exc_info())
    rec.reason = f"reason {secret}"
    line = fmt.format(rec)
    assert secret not in line and secret.replace("\n", "\\n") not in line, kind
    assert "\n" not in line


# --- an upstream that answers garbage ----------------------------------------------------


@pytest.fixture
async def garbage() -> AsyncIterator[str]:
    """A server whose every answer is malformed HTTP (a bad chunk size)."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.close()
    await server.wait_closed()


def _leaks(text: str) -> bool:
    """Even a piece of a citation key counts (error texts get cut to a length)."""
    return OA_KEY[:10] in text or S2_KEY[:10] in text


def _citations(url: str) -> CitationSettings:
    return CitationSettings(s2_url=f"{url}/graph/v1", openalex_url=url, s2_api_key=S2_KEY,
                            openalex_api_key=OA_KEY, budget=2.0, max_attempts=1)


async def test_a_malformed_upstream_reply_puts_no_key_in_the_summary(garbage: str) -> None:
    from bot.awesome.parse import parse

    new = next(e for e in parse(HEAD).entries if e.title.startswith("A new paper"))
    facts = await gather_facts([new], _citations(garbage), check_links=False)
    assert facts.unavailable, "the failure is still reported"
    assert not any(_leaks(line) for line in facts.unavailable), facts.unavailable
    summary = review(BASE, HEAD, facts=facts).summary_markdown
    assert "OpenAlex" in summary and not _leaks(summary)


@pytest.fixture
async def gh() -> AsyncIterator[FakeGitHub]:
    async with FakeGitHub() as fake:
        yield fake


async def test_the_service_posts_and_logs_no_secret(aiohttp_client: Any, gh: FakeGitHub,
                                                    garbage: str,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    gh.add_repo(OWNER, REPO, installation_id=1)
    settings = settings_for(gh)
    app = make_app(settings, citations=_citations(garbage))
    svc = Service(gh, await aiohttp_client(app))
    svc.add_pr(5, BASE, HEAD, "b" * 40)
    fmt = KeyValueFormatter(settings.secrets())
    with caplog.at_level(logging.DEBUG):
        status, _ = await svc.deliver("pull_request", svc.payload("pull_request.opened", 5,
                                                                  "b" * 40))
        assert status == 202
        await svc.settle()
    [comment] = gh.comments(OWNER, REPO, 5)
    [run] = gh.check_runs(OWNER, REPO)
    held = [OA_KEY, S2_KEY, settings.webhook_secret, *_issued(gh)]
    written = [comment["body"], str(run["output"])]
    assert "OpenAlex" in comment["body"]
    logs = "\n".join(fmt.format(r) for r in caplog.records)
    assert not any(_leaks(text) for text in written)
    for secret in held:
        assert all(secret not in text for text in written), secret
        assert secret not in logs, secret


def _issued(gh: FakeGitHub) -> list[str]:
    tokens = [t["token"] for t in gh.issued_tokens]
    assert tokens, "the review used an installation token"
    return [str(t) for t in tokens]


def test_service_settings_list_every_secret_for_the_scrubber() -> None:
    s = ServiceSettings.from_env({"GITHUB_WEBHOOK_SECRET": "whsec-123456789",
                                  "GITHUB_APP_ID": "1", "GITHUB_PRIVATE_KEY": PEM})
    assert set(s.secrets()) == {"whsec-123456789", PEM}
