"""The ``raer-agreement`` command line: a thin shell over the library.

Each subcommand lives in :mod:`raer_agreement.commands` as a module with
``register(subparsers)`` and ``run(args) -> int``.  A user error is one line
on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from ._version import __version__
from .errors import MAX_MESSAGE, InputError, one_line

#: subcommand name -> module in raer_agreement.commands (in --help order)
COMMANDS = {
    "validate": "validate",
    "inspect": "inspect",
    "simulate": "simulate",
    "agreement": "agreement",
    "aggregate": "aggregate",
    "soft-labels": "soft_labels",
    "report": "report",
    "plan": "plan",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="raer-agreement",
        description="Agreement reports, aggregated labels and soft-label targets for multi-annotator data "
        "(RAER and similar). With no input, commands use the bundled synthetic RAER-like corpus.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in COMMANDS.items():
        try:
            mod = importlib.import_module(f".commands.{module}", __package__)
        except ModuleNotFoundError as e:
            if e.name != f"{__package__}.commands.{module}":
                raise
            continue  # a subcommand not shipped in this build
        mod.register(sub, name)
    from .distributed.cli import ENGINE_COMMANDS, add_engine_arguments

    for name in ENGINE_COMMANDS:
        if name in sub.choices:
            add_engine_arguments(sub.choices[name])
    return parser


def refusal_line(args, e: InputError) -> str:
    """The one line printed for a refusal, at most :data:`MAX_MESSAGE` characters
    with the command's prefix: a long path gives way to the file's name before
    the reason is cut, and the pointer to ``inspect`` comes only if it fits."""
    prefix = f"raer-agreement {args.command}: error: "
    budget = MAX_MESSAGE - len(prefix)
    message = str(e)
    path = getattr(e, "path", None)
    if path and len(message) > budget:
        message = message.replace(path, os.path.basename(path), 1)
    inputs = getattr(args, "input", None) or []
    inputs = [str(i) for i in ([inputs] if isinstance(inputs, str) else inputs)]
    if args.command != "inspect" and path in inputs:
        # a refusal of an input file: the command that shows how it was read
        from .commands.inspect import with_inspect_hint

        message = with_inspect_hint(message, path, limit=budget)
    return prefix + one_line(message, budget)


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 0
    try:
        if getattr(args, "engine", "memory") == "dask":
            from .distributed.cli import run as run_dask

            return int(run_dask(args) or 0)
        return int(args.run(args) or 0)
    except InputError as e:
        print(refusal_line(args, e), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("raer-agreement: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
