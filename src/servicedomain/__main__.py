"""``python -m servicedomain``: the demo and the command-line entry point.

``python -m servicedomain demo`` exercises every capability built so far and prints its
reports, storing everything on a SQLite file (``--db PATH``, or one in a temporary
folder); ``python -m servicedomain db upgrade [--url URL]`` creates or upgrades a
database (default: ``$SERVICEDOMAIN_DB_URL``, else ``sqlite:///servicedomain.db``);
``python -m servicedomain --version`` prints the version.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from servicedomain import __version__
from servicedomain.adapters.sql import default_url
from servicedomain.adapters.sql.migrate import current_revision, upgrade
from servicedomain.demo import run_demo
from servicedomain.errors import ServiceDomainError

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
    database = commands.add_parser("db", help="create or upgrade a servicedomain database")
    database_commands = database.add_subparsers(dest="db_command", required=True)
    upgrading = database_commands.add_parser(
        "upgrade", help="create the tables, or bring them up to this release"
    )
    upgrading.add_argument(
        "--url", help="the database URL (default: $SERVICEDOMAIN_DB_URL, else servicedomain.db)"
    )
    upgrading.add_argument("--revision", default="head", help="the revision (default: head)")
    arguments = parser.parse_args(argv)
    if arguments.command == "db":
        url = arguments.url or default_url(os.environ)
        try:
            upgrade(url, arguments.revision)
            print(f"servicedomain database at revision {current_revision(url)}")
        except ServiceDomainError as error:
            print(f"servicedomain db upgrade: {error}", file=sys.stderr)
            return 1
        return 0
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
