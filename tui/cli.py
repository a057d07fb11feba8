"""Command-line entry point: ``flowtail watch|replay|demo|test-pattern|check|discover|history``.

Each sub-command lives in its own module under ``tui.commands`` and is imported only when used, so
``flowtail test-pattern`` and headless replays start without loading Textual or boto3.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from tui import __version__
from tui.errors import FlowtailError

# sub-command name -> (module under tui.commands, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "watch": ("watch", "follow the configured CloudWatch log groups live"),
    "replay": ("replay", "run the rules and views over flow-log files"),
    "demo": ("demo", "local CloudWatch + SNS with simulated traffic and attacks"),
    "test-pattern": ("test_pattern", "test a CloudWatch filter pattern on messages, offline"),
    "check": ("check", "validate a configuration file and every pattern in it"),
    "discover": ("discover", "print a configuration for the account's flow logs (ec2:DescribeFlowLogs)"),
    "history": ("history", "what did an address, CIDR, ENI or port do: timeline, peers, records"),
    "import": ("import_", "the account's alarms on metric filters as rules (CloudWatch's evaluation)"),
    "export": ("export", "the rules as CloudWatch metric filters and alarms (CloudFormation or Terraform)"),
}


def build_parser() -> argparse.ArgumentParser:
    parser, _ = build_parsers()
    return parser


def build_parsers() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The top-level parser and each sub-command's, so that a sub-command's mistake prints its own usage."""
    parser = argparse.ArgumentParser(
        prog="flowtail",
        description="A terminal monitor for AWS VPC Flow Logs in CloudWatch Logs.",
    )
    parser.add_argument("--version", action="version", version=f"flowtail {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands = {}
    for name, (module, help_text) in COMMANDS.items():
        command = importlib.import_module(f"tui.commands.{module}")
        commands[name] = sub.add_parser(name, help=help_text, description=command.__doc__)
        command.register(commands[name])
    return parser, commands


def main(argv: Sequence[str] | None = None) -> int:
    try:
        parser, commands = build_parsers()
        args, unknown = parser.parse_known_args(_prepared(list(sys.argv[1:] if argv is None else argv)))
        if unknown:  # said with the sub-command's usage (`demo --speed 10`), not the top level's
            (commands.get(args.command) or parser).error(f"unrecognized arguments: {' '.join(unknown)}")
        if args.command is None:
            parser.print_help()
            return 2
        return int(args.run(args))
    except FlowtailError as error:
        print(f"flowtail: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader of our output went away (`| head`): not an error worth a traceback.
        sys.stderr.close()
        return 0


def _prepared(argv: list[str]) -> list[str]:
    """The arguments as the command's own ``prepare_argv`` rewrites them (test-pattern: a pattern that
    starts with '-'), for the commands that have one."""
    if not argv or argv[0] not in COMMANDS:
        return argv
    command = importlib.import_module(f"tui.commands.{COMMANDS[argv[0]][0]}")
    prepare = getattr(command, "prepare_argv", None)
    return argv if prepare is None else [argv[0], *prepare(argv[1:])]


if __name__ == "__main__":
    sys.exit(main())
