"""Running the ``servicedomain`` command line in tests, through click's runner."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from servicedomain.cli import cli


def run(db: Path | str | None, *args: str) -> Result:
    """Run ``servicedomain [--db db] args``; the result has the exit code and the output."""
    argv = ([] if db is None else ["--db", str(db)]) + list(args)
    return CliRunner().invoke(cli, argv, catch_exceptions=False)
