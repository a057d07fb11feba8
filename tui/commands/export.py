"""Write the configured rules as CloudWatch metric filters and alarms (CloudFormation or Terraform).

Rules CloudWatch cannot express (distinct, more than 3 group_by fields, a window that is no period)
are listed with why; ``flowtail check`` says the same.
"""

from __future__ import annotations

import argparse
import sys

from tui.commands.output import write_document


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-c", "--config", required=True, help="YAML configuration file")
    parser.add_argument("--format", choices=("cloudformation", "terraform"), default="cloudformation",
                        help="a CloudFormation JSON template (default) or Terraform HCL")
    parser.add_argument("-o", "--output", metavar="FILE", help="write here (default: stdout)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tui.account.export import cloudformation, plan, terraform
    from tui.config import load_config

    result = plan(load_config(args.config))
    text = cloudformation(result) if args.format == "cloudformation" else terraform(result)
    write_document(text, args.output, "export")
    for rule, why in result.refused:
        print(f"flowtail: not exported: rule {rule!r}: {why}", file=sys.stderr)
    for note in result.notes:
        print(f"flowtail: note: {note}", file=sys.stderr)
    return 0
