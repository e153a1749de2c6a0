"""docs/how-to/run-batch-commands.md: every console block, run, prints what the page shows.

The page's ``rules.toml`` is loaded as shown; the day's data (two subscriptions, an
agreement whose January orders were generated and two of them signed off) is stored
through the application objects, as the page says the host did.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli_helpers import seed_desks
from servicedomain.adapters.clocks import SystemClock
from servicedomain.adapters.sql import open_store
from servicedomain.app import BillingDesk, ServiceDesk
from servicedomain.cli import RULE_CODEC, cli, stored_rules
from servicedomain.orders import TransactionType
from servicedomain.periods import DateRange

PAGE = Path(__file__).parents[1] / "docs" / "how-to" / "run-batch-commands.md"
_BLOCK = re.compile(r"```(console|toml|text)\n(.*?)```", re.DOTALL)
# The page's text blocks (CSV), in order: the files its import commands read.
_CSV_FILES = (
    "subscriptions.csv",
    "more.csv",
    "agreements.csv",
    "orders.csv",
    "technicians.csv",
)


def _blocks() -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in _BLOCK.finditer(PAGE.read_text("utf-8"))]


def _sessions(text: str) -> list[tuple[str, str]]:
    """The ``$ command`` lines of a console block, each with the output under it."""
    runs: list[tuple[str, str]] = []
    for line in text.splitlines(keepends=True):
        if line.startswith("$ "):
            runs.append((line[2:].strip(), ""))
        else:
            command, output = runs[-1]
            runs[-1] = (command, output + line)
    return runs


def _seed(url: str) -> None:
    store = open_store(url, codecs=(RULE_CODEC,))
    rules = stored_rules(store)
    clock = SystemClock()
    billing = BillingDesk(
        unit_of_work=store.unit_of_work, clock=clock, groups=dict(rules.subscription_groups)
    )
    service = ServiceDesk(
        unit_of_work=store.unit_of_work, clock=clock, graph=rules.stage_graphs["SERVICE"]
    )
    seed_desks(billing, service)
    service.generate_orders(
        agreement_ids=["AG-1"],
        period=DateRange.inclusive(date(2026, 1, 1), date(2026, 1, 31)),
        types=set(TransactionType),
    )
    for order_id in ("AG-1/2026-01-05", "AG-1/2026-01-12"):
        service.change_stage(order_id, "DONE")
        service.sign_off(order_id)
    store.dispose()


def replay(
    page: Path,
    monkeypatch: pytest.MonkeyPatch,
    files: tuple[str, ...],
    after: dict[int, Callable[[], None]] | None = None,
) -> int:
    """Run every ``$ servicedomain ...`` of ``page``'s console blocks in the current folder.

    Each command must print what the page shows under it. ``files`` names the page's
    text blocks, in order (written first, as the files the commands read); ``after``
    runs a step (the host storing its data) after the command of that number. Returns
    how many commands ran.
    """
    blocks = [(m.group(1), m.group(2)) for m in _BLOCK.finditer(page.read_text("utf-8"))]
    texts = [text for kind, text in blocks if kind == "text"]
    assert len(texts) == len(files)
    for name, text in zip(files, texts, strict=True):
        Path(name).write_text(text, encoding="utf-8")
    runner = CliRunner()
    ran = 0
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
            result = runner.invoke(cli, argv[1:], catch_exceptions=False)
            assert result.output == expected, command
            ran += 1
            if after and ran in after:
                after[ran]()
    return ran


def replay_batch_page(monkeypatch: pytest.MonkeyPatch) -> int:
    """The batch page, replayed in the current folder (its database: ``night.db``)."""
    (rules,) = [text for kind, text in _blocks() if kind == "toml"]
    Path("rules.toml").write_text(rules, encoding="utf-8")
    bad = rules.split("[[price_tables")[1].replace('amount = "150.00"', "amount = 150.5")
    Path("prices.toml").write_text("[[price_tables" + bad, encoding="utf-8")
    return replay(PAGE, monkeypatch, _CSV_FILES, {2: lambda: _seed("sqlite:///night.db")})


def test_the_page_shows_what_the_commands_print(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert replay_batch_page(monkeypatch) == 36
    # the dispatch section's board, as the page wrote it: the Gantt chart of both bookings
    board = Path("board.html").read_text("utf-8")
    assert "<svg" in board
    assert "RQ-1-1" in board
    assert "RQ-2-1" in board
