"""The ``servicedomain`` click group, its global options and the exit codes of errors."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import IO, Any

import click

from servicedomain import __version__
from servicedomain.cli._session import Session, database_url
from servicedomain.errors import InvalidInputError, NotFoundError, RuleViolationError

__all__ = ["cli", "main"]

PROG = "servicedomain"
REFUSED = 1
"""The exit code of a run a business rule refused (or the store failed)."""
BAD_INPUT = 2
"""The exit code of bad input: a usage error, a bad file, value or id."""
# The exit status of a process ended by SIGPIPE (128 + 13), what `yes | head` reports.
_SIGPIPE_STATUS = 141


class Failure(click.ClickException):
    """An expected error of a command: shown as ``servicedomain <command>: <message>``."""

    exit_code = REFUSED

    def __init__(self, command_path: str, message: str) -> None:
        super().__init__(message)
        self.command_path = command_path

    def show(self, file: IO[Any] | None = None) -> None:
        """Print the message to stderr, without a traceback."""
        click.echo(f"{self.command_path}: {self.format_message()}", err=True, file=file)


class BadInput(Failure):
    """Bad input: a value, a file or an id the command cannot use (exit code 2)."""

    exit_code = BAD_INPUT


def _failure(ctx: click.Context, error: Exception) -> Failure:
    """The :class:`Failure` of a library error: a rule's refusal (1), bad input (2), else 1.

    A refusal names its rule once: ``refused by rule <rule>: <entity>: <detail>``
    (the error's own text names the rule too, so it is not repeated after it).
    """
    if isinstance(error, RuleViolationError):
        return Failure(
            ctx.command_path, f"refused by rule {error.rule}: {error.entity_id}: {error.detail}"
        )
    if isinstance(error, InvalidInputError | NotFoundError):
        return BadInput(ctx.command_path, str(error))
    return Failure(ctx.command_path, str(error))


class _ReaderLeft(Exception):  # noqa: N818 (not an error: the reader left)
    """Output went to a pipe whose reader left (``... | head``).

    Carried past click, which would end such a run with exit code 1 on its own.
    """


class _QuietPipes:
    """Parsing prints ``--help`` and ``--version``: a reader that left ends it quietly too."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Parse ``args``; a broken pipe while printing help becomes :class:`_ReaderLeft`."""
        try:
            return super().parse_args(ctx, args)  # type: ignore[misc, no-any-return]
        except BrokenPipeError:
            raise _ReaderLeft from None


class Command(_QuietPipes, click.Command):
    """A command whose library errors become exit codes and one line on stderr."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; turn an expected error into a :class:`Failure`."""
        from servicedomain.errors import ServiceDomainError  # noqa: PLC0415

        try:
            return super().invoke(ctx)
        except ServiceDomainError as error:
            raise _failure(ctx, error) from None
        except BrokenPipeError:
            raise _ReaderLeft from None
        except OSError as error:
            shown = f"{error.filename}: {error.strerror}" if error.filename else str(error)
            raise BadInput(ctx.command_path, shown) from None


class Group(_QuietPipes, click.Group):
    """A group whose commands and subgroups are :class:`Command` and :class:`Group`."""

    command_class = Command
    group_class = type


@click.group(PROG, cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name=PROG, message="%(prog)s %(version)s")
@click.option(
    "--db",
    "db",
    metavar="URL",
    default=None,
    help="The database: a SQLAlchemy URL or a SQLite file's path "
    "(default: $SERVICEDOMAIN_DB_URL, else sqlite:///servicedomain.db).",
)
@click.option(
    "--progress/--no-progress",
    "show_progress",
    default=None,
    help="Show the progress bar of long runs on stderr even when it is not a terminal, "
    "or never (default: on a terminal).",
)
@click.pass_context
def cli(ctx: click.Context, db: str | None, show_progress: bool | None) -> None:
    """The after-sales service-management domain: batch runs over a database."""
    session = Session(database_url(db), db_given=db is not None, show_progress=show_progress)
    ctx.obj = session
    ctx.call_on_close(session.close)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    try:
        try:
            result = cli.main(
                list(argv) if argv is not None else None, prog_name=PROG, standalone_mode=False
            )
            sys.stdout.flush()
        except click.exceptions.Exit as done:
            sys.stdout.flush()
            return done.exit_code
        except click.ClickException as error:
            sys.stdout.flush()
            error.show()
            return error.exit_code
        except click.Abort:
            click.echo("Aborted.", err=True)
            return REFUSED
    except (BrokenPipeError, _ReaderLeft):
        # The reader left (``... | head``): stop quietly, as Unix tools do. Point stdout
        # at /dev/null so the interpreter's final flush does not raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return _SIGPIPE_STATUS
    return result if isinstance(result, int) else 0
