"""docs/how-to/handle-customer-service-requests.md, "From the command line": every console
block, run, prints what the page shows.

The page's ``rules.toml`` and ``submission.json`` are written as shown; the agreement
AG-1 and the pump's relation are stored through the application objects after
``rules load``, as the page says the host did. The commands read the time from a
clock pinned per step (Monday 2 March 2026: 08:00 UTC for the submits, 09:00 for the
review, 10:00 for the transfer), so the times the page shows are the ones printed.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from servicedomain.adapters.clocks import FixedClock, SystemClock
from servicedomain.adapters.sql import open_store
from servicedomain.agreements import AgreementGroup
from servicedomain.app import RepairDesk, ServiceDesk
from servicedomain.cli import RULE_CODEC, cli, stored_rules
from servicedomain.repairs import RelationKind
from test_cli_docs import _sessions

PAGE = Path(__file__).parents[1] / "docs" / "how-to" / "handle-customer-service-requests.md"
_BLOCK = re.compile(r"```(console|toml|json)\n(.*?)```", re.DOTALL)
_SECTION = "## From the command line"
STORED = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
SUBMITTED = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
REVIEWED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TRANSFERRED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _blocks() -> list[tuple[str, str]]:
    text = PAGE.read_text("utf-8")
    return [(m.group(1), m.group(2)) for m in _BLOCK.finditer(text[text.index(_SECTION) :])]


def _seed(url: str) -> None:
    """AG-1 of C-1 (the group's SLA SLA-8H) and the pump's relation AG-1/PUMP-1."""
    store = open_store(url, codecs=(RULE_CODEC,))
    try:
        clock = FixedClock(STORED)
        graph = stored_rules(store).stage_graphs["SERVICE"]
        service = ServiceDesk(unit_of_work=store.unit_of_work, clock=clock, graph=graph)
        service.create_agreement(
            agreement_id="AG-1",
            customer_id="C-1",
            group=AgreementGroup("G", default_sla_id="SLA-8H"),
            start_date=date(2026, 1, 1),
        )
        repairs = RepairDesk(unit_of_work=store.unit_of_work, clock=clock)
        repairs.create_object(id="PUMP-1", group_id="PUMPS")
        repairs.relate("PUMP-1", relation_id="AG-1/PUMP-1", kind=RelationKind.AGREEMENT, key="AG-1")
    finally:
        store.dispose()


def page_runs(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str, str]]:
    """Run the section's commands in the current folder: (command, printed, shown) each."""
    blocks = _blocks()
    (rules,) = [text for kind, text in blocks if kind == "toml"]
    (submission,) = [text for kind, text in blocks if kind == "json"]
    Path("rules.toml").write_text(rules, encoding="utf-8")
    Path("submission.json").write_text(submission, encoding="utf-8")
    now = [SUBMITTED]
    monkeypatch.setattr(SystemClock, "now", lambda _clock: now[0])
    runner = CliRunner()
    for kind, text in blocks:
        if kind != "console":
            continue
        for command, expected in _sessions(text):
            if command.startswith("export "):
                name, _, value = command.removeprefix("export ").partition("=")
                monkeypatch.setenv(name, value)
                continue
            argv = shlex.split(command)
            assert argv[0] == "servicedomain"
            if argv[1:3] == ["requests", "review"]:
                now[0] = REVIEWED
            if argv[1:3] == ["requests", "transfer"]:
                now[0] = TRANSFERRED
            result = runner.invoke(cli, argv[1:], catch_exceptions=False)
            yield command, result.output, expected
            if argv[1:3] == ["rules", "load"]:
                _seed("sqlite:///requests.db")


def test_the_page_shows_what_the_requests_commands_print(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    ran = 0
    for command, printed, shown in page_runs(monkeypatch):
        assert printed == shown, command
        ran += 1
    assert ran == 14
