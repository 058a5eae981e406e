"""`digiwatt-bot` command line: each sub-command only parses its arguments and runs what others build."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

Command = Callable[[argparse.Namespace], int | None]


def _setup_logging(level: str | None) -> None:
    # LOG_FORMAT text|json, secrets redacted, httpx (bot token in URLs) held at WARNING.
    from bot.logging_setup import configure_logging

    configure_logging(level)


def _cmd_simulator(args: argparse.Namespace) -> int | None:
    from simulator.server import serve  # the CLI is the only place that may start the stand-in

    return serve(host=args.host, port=args.port, state=args.state)


def _cmd_db_upgrade(args: argparse.Namespace) -> int | None:
    from storage.migrate import upgrade_cli

    return upgrade_cli(revision=args.revision)


def _cmd_run(args: argparse.Namespace) -> int | None:
    from bot.runner import run

    return run(args)


def _cmd_link_url(args: argparse.Namespace) -> int | None:
    from bot.links import link_url_cli

    return link_url_cli(args)


def _cmd_demo(args: argparse.Namespace) -> int | None:
    from playground.demo import main as demo_main

    return demo_main(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="digiwatt-bot", description=__doc__)
    parser.add_argument(
        "--log-level", default=None, help="DEBUG, INFO, WARNING (default: LOG_LEVEL or INFO)"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("run", help="run the bot (long polling against TELEGRAM_API_URL)")
    p.add_argument(
        "--webhook",
        action="store_true",
        help="receive updates by webhook (WEBHOOK_URL, WEBHOOK_SECRET, ...) instead of polling",
    )
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("simulator", help="serve the Digiwatt API stand-in over HTTP")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8081)
    p.add_argument("--state", default=None, help="JSON file that keeps created users across runs")
    p.set_defaults(func=_cmd_simulator)

    p = sub.add_parser("db", help="database maintenance")
    db_sub = p.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    up = db_sub.add_parser("upgrade", help="apply the migrations to DATABASE_URL")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(func=_cmd_db_upgrade)

    p = sub.add_parser("link-url", help="print a signed deep link that links a chat to an account")
    p.add_argument("account_number")
    p.add_argument("--pod", default=None)
    p.add_argument("--ttl", default="7d", help="validity, e.g. 30m, 12h, 7d (default 7d)")
    p.add_argument(
        "--bot-username", default=None, help="skip the getMe call (default: BOT_USERNAME or getMe)"
    )
    p.set_defaults(func=_cmd_link_url)

    p = sub.add_parser("demo", help="the bot in the local playground against the simulator")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument(
        "--db", default=None, help="SQLite file to keep (default: a fresh temporary one)"
    )
    p.set_defaults(func=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup_logging(args.log_level)
    try:
        result = args.func(args)
    except KeyboardInterrupt:
        return 130
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
