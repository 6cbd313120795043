"""Command line: `python -m bot check|audit|parse|serve|action`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import __version__
from bot.awesome.outline import outline
from bot.awesome.parse import ReadmeError, decode_readme, parse
from bot.cli import audit, check


def _cmd_parse(args: argparse.Namespace) -> int:
    """Parse one README and print its outline."""
    try:
        data = Path(args.readme).read_bytes()
    except OSError as exc:
        print(f"error: cannot read {args.readme}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    try:
        al = parse(decode_readme(data))
    except ReadmeError as exc:
        print(f"error: {args.readme}: {exc}", file=sys.stderr)
        return 2
    print(outline(al))
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    """The webhook service, until SIGTERM or SIGINT."""
    from aiohttp import web

    from bot import logs
    from bot.github.settings import ServiceSettings
    from bot.github.webhook import make_app

    try:
        settings = ServiceSettings.from_env()
        logs.configure(settings.secrets())
    except ValueError as exc:  # SettingsError, or a bad LOG_FORMAT / LOG_LEVEL
        print(f"error: {exc}", file=sys.stderr)
        return 2
    web.run_app(make_app(settings), port=settings.port, print=None,
                shutdown_timeout=settings.shutdown_grace + 5, access_log=None)
    return 0


def _cmd_action(args: argparse.Namespace) -> int:
    """The GitHub Action door (imported on use: it needs the HTTP stack, `check` does not)."""
    from bot.cli.action import run_action

    return run_action(args)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for all subcommands."""
    p = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    p.add_argument("--version", action="version", version=f"awesome-papers-bot {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    sp = sub.add_parser("parse", help="parse a README and print its outline")
    sp.add_argument("readme", nargs="?", default="README.md")
    sp.set_defaults(func=_cmd_parse)
    check.add_parser(sub)
    act = sub.add_parser("action", help="review the pull request of a GitHub Actions run")
    act.set_defaults(func=_cmd_action)
    audit.add_parser(sub)
    sv = sub.add_parser("serve", help="run the GitHub webhook service")
    sv.set_defaults(func=_cmd_serve)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
