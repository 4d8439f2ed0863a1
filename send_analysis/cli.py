"""The ``send-analysis`` command line.

Each sub-package that offers commands has a ``cli`` module with ``register(subparsers)``;
this module only assembles them, so a command lives beside the code it runs.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from send_analysis import __version__
from send_analysis.cli_checks import check_options
from send_analysis.errors import STOPPED, SendAnalysisError
from send_analysis.interrupt import hold_ctrl_c, name_command, release_ctrl_c

COMMAND_MODULES = [
    "send_analysis.data.cli",
    "send_analysis.report.cli",
    "send_analysis.demand.cli",
    "send_analysis.finance.cli",
    "send_analysis.benchmark.cli",
    "send_analysis.cohort.cli",
    "send_analysis.casework.cli",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="send-analysis",
        description="Evidence base for a SEND High Needs Block recovery plan.",
    )
    parser.add_argument("--version", action="version", version=f"send-analysis {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a sub-package without commands yet
            if exc.name and name.startswith(exc.name):
                continue
            raise
        module.register(sub)
    return parser


def runs_workers(args: argparse.Namespace) -> bool:
    """Whether the command runs many LAs on Dask workers (``evidence``, ``scenario`` with a list
    of LAs or ``all``): such a command keeps Ctrl-C on its own thread for its whole run
    (:mod:`send_analysis.interrupt`)."""
    if not hasattr(args, "workers") or not isinstance(getattr(args, "la", None), str):
        return False
    from send_analysis.report.grid import is_grid

    return is_grid(args.la)


def main(argv: list[str] | None = None) -> int:
    held = hold_ctrl_c()  # before any thread starts: Ctrl-C is one line from the start
    try:
        return _main(argv, held)
    finally:
        if held:
            release_ctrl_c()


def _main(argv: list[str] | None, held: bool) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    name_command(args.command)
    if held and not runs_workers(args):
        release_ctrl_c()  # Python's KeyboardInterrupt from here (handled below)
    try:
        check_options(args)
        result = args.func(args)
    except (SendAnalysisError, FileNotFoundError) as exc:
        print(f"send-analysis {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: one line, and out now (issue 19)
        print(f"send-analysis {args.command}: {STOPPED}", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        # no clean-up handlers: a local Dask cluster's workers and their kernels exit with this
        # process (they watch their parent), where closing them politely takes many seconds
        import os

        os._exit(130)
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
