"""The output options of the commands that render a report (``--format`` and others).

``report ...`` and ``sla measure --explain`` share them: the format by name (text and
HTML for people, CSV and JSON for programs), the locale of text and HTML, and a file
to write instead of stdout.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from servicedomain.cli._session import say
from servicedomain.reports import ReportFormat, ReportView, render

__all__ = ["emit", "output_options"]

_LOCALE = "servicedomain.report_locale"  # where --locale keeps its value (click's ctx.meta)


def _keep_locale(context: click.Context, _parameter: click.Parameter, value: str) -> str:
    context.meta[_LOCALE] = value
    return value


def output_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--format`` (passed as ``format_``), ``--output`` and ``--locale`` to ``command``."""
    command = click.option(
        "--locale",
        default="en",
        show_default=True,
        expose_value=False,
        callback=_keep_locale,
        help=(
            "The language and formats of text and HTML: en, sv, nl or lv, with an optional "
            "region (sv_SE); CSV and JSON read the same in every locale."
        ),
    )(command)
    command = click.option(
        "--output",
        "output",
        type=click.Path(dir_okay=False, writable=True, path_type=Path),
        default=None,
        help="Write the report to FILE (default: stdout).",
    )(command)
    return click.option(
        "--format",
        "format_",
        type=click.Choice([member.value for member in ReportFormat]),
        default=ReportFormat.TEXT.value,
        show_default=True,
        help="The format: text and HTML for people, CSV and JSON for programs.",
    )(command)


def locale_given() -> str:
    """The ``--locale`` of the running command (``en`` when it has none)."""
    value: str = click.get_current_context().meta.get(_LOCALE, "en")
    return value


def emit(view: ReportView, format_: str, output: Path | None) -> None:
    """Print ``view`` in ``format_``, or write it to ``output`` and say so."""
    text = render(view, format_, locale=locale_given())
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    say(f"{_command_name()}: wrote {output}")


def _command_name() -> str:
    """The running command's name below the program's (``report margin``)."""
    names = []
    context: click.Context | None = click.get_current_context()
    while context is not None and context.parent is not None:
        names.append(context.info_name or "")
        context = context.parent
    return " ".join(reversed(names))
