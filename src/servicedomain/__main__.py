"""``python -m servicedomain``: the demo and the command-line entry point.

``python -m servicedomain demo`` exercises every capability built so far and prints its
reports, storing everything on a SQLite file (``--db PATH``, or one in a temporary
folder); ``python -m servicedomain --version`` prints the version.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from servicedomain import __version__
from servicedomain.demo import run_demo

__all__ = ["main", "run_demo"]

# The exit status of a process ended by SIGPIPE (128 + 13), what `yes | head` reports.
_SIGPIPE_STATUS = 141


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m servicedomain",
        description="The after-sales service-management domain, as a library.",
    )
    parser.add_argument("--version", action="version", version=f"servicedomain {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="exercise every capability and print its reports")
    demo.add_argument(
        "--db",
        metavar="PATH",
        help="the SQLite file to store on (a new one; default: a temporary file)",
    )
    arguments = parser.parse_args(argv)
    try:
        run_demo(sys.stdout, arguments.db)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader left (``demo | head``): stop quietly, as Unix tools do. Point stdout
        # at /dev/null so the interpreter's final flush does not raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return _SIGPIPE_STATUS
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
