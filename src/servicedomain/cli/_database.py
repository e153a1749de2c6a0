"""``db upgrade`` and ``demo``."""

from __future__ import annotations

import sys

import click

from servicedomain.adapters.sql.migrate import current_revision, upgrade
from servicedomain.cli._main import cli
from servicedomain.cli._session import database_url, say, session
from servicedomain.demo import run_demo


@cli.group()
def db() -> None:
    """Create or upgrade a servicedomain database."""


@db.command("upgrade")
@click.option("--url", default=None, help="The database URL (default: the global --db).")
@click.option("--revision", default="head", show_default=True, help="The revision to reach.")
def db_upgrade(url: str | None, revision: str) -> None:
    """Create the tables, or bring them up to this release (again: changes nothing)."""
    target = database_url(url) if url is not None else session().url
    upgrade(target, revision)
    say(f"servicedomain database at revision {current_revision(target)}")


@cli.command()
@click.option(
    "--db",
    "path",
    metavar="PATH",
    default=None,
    help="The SQLite file to store on (a new one; default: the global --db if given, "
    "else a temporary file).",
)
def demo(path: str | None) -> None:
    """Exercise every capability and print its reports, on a fresh database.

    The database is the demo's own ``--db PATH``, else the global ``--db`` (a URL or a
    SQLite file's path), else a temporary SQLite file; ``$SERVICEDOMAIN_DB_URL`` is not
    used. A database that holds servicedomain rows is refused (exit 2).
    """
    current = session()
    database = path if path is not None else current.url if current.db_given else None
    run_demo(sys.stdout, database)
