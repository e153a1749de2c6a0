"""Issue 15, item 1: a night's run over 10,000 subscriptions and 1,000 agreements.

The data comes in through the import commands (CSV files), on a SQLite file in the
test's temporary folder; every run then goes through the CLI, with the progress bar
forced on (``--progress``: the runner's stderr is not a terminal). Running every
command again changes nothing: the row counts of every table stay equal. About a
minute on a quiet two-core machine (its speed is measured by the benchmarks, not here).
"""

from __future__ import annotations

from pathlib import Path

from click.testing import Result

from cli_helpers import run
from servicedomain.adapters.sql import open_store

SUBSCRIPTIONS = 10_000
AGREEMENTS = 1_000
RULES = """\
[[stage_graphs.SERVICE.stages]]
id = "NEW"

[[stage_graphs.SERVICE.stages]]
id = "DONE"
parent = "NEW"
rules = {may_post = true}

[subscription_groups.MONTHLY]
invoicing_period_code = "P1M"

[subscription_groups.QUARTERLY]
invoicing_period_code = "P3M"
accrual_period_code = "P1M"
accrue_revenue = true
accrual_method = "per_day"
"""
# Every command of the night, in order: the imports, then the runs.
NIGHT = (
    ("import", "subscriptions", "subscriptions.csv"),
    ("import", "agreements", "agreements.csv"),
    ("generate-fees", "--as-of", "2026-01-31"),
    ("invoice", "--as-of", "2026-01-31"),
    ("accrue", "--as-of", "2026-01-31"),
    ("generate-orders", "--from", "2026-01-01", "--to", "2026-01-11"),
    ("post", "--from", "2026-01-01", "--to", "2026-01-31"),
)


def _files(folder: Path) -> None:
    """10,000 subscriptions of 1,000 customers (one in ten quarterly, accrued monthly),
    and 1,000 agreements with a weekly inspection, one per customer."""
    subscriptions = [
        "id,group_id,customer_id,project_id,category_id,base_price,currency,start_date"
    ]
    for number in range(SUBSCRIPTIONS):
        group = "QUARTERLY" if number % 10 == 0 else "MONTHLY"
        subscriptions.append(
            f"SUB-{number:05d},{group},C-{number // 10:04d},P-1,FEE,"
            f"{100 + number % 7}.50,EUR,2026-01-01"
        )
    (folder / "subscriptions.csv").write_text("\n".join(subscriptions) + "\n", encoding="utf-8")
    agreements = [
        (
            "agreement_id,customer_id,group_id,start_date,line,transaction_type,line_description,"
            "quantity,unit,cost_price,sales_price,currency,interval_unit,interval_frequency,"
            "line_start_date"
        )
    ]
    agreements.extend(
        f"AG-{number:04d},C-{number:04d},MAINT,2026-01-01,1,hour,Weekly inspection,1,h,"
        "42,85,EUR,week,1,2026-01-05"
        for number in range(AGREEMENTS)
    )
    (folder / "agreements.csv").write_text("\n".join(agreements) + "\n", encoding="utf-8")


def _counts(database: Path) -> dict[str, int]:
    store = open_store(f"sqlite:///{database}")
    try:
        return store.row_counts()
    finally:
        store.dispose()


def _run(database: Path, folder: Path, command: tuple[str, ...], *options: str) -> Result:
    argv = [str(folder / part) if part.endswith(".csv") else part for part in command]
    result = run(database, *options, *argv)
    assert result.exit_code == 0, result.output
    return result


def test_a_night_over_10000_subscriptions_and_1000_agreements_and_again_nothing(
    tmp_path: Path,
) -> None:
    database = tmp_path / "night.db"
    (tmp_path / "rules.toml").write_text(RULES, encoding="utf-8")
    _files(tmp_path)
    assert run(database, "db", "upgrade").exit_code == 0
    assert run(database, "rules", "load", str(tmp_path / "rules.toml")).exit_code == 0
    summaries = []
    for command in NIGHT:
        result = _run(database, tmp_path, command, "--progress")
        summaries.append(result.stdout.splitlines()[-1])
        # the bar (rich draws it with box characters), on stderr only; accrue is one
        # call of the billing desk, without a bar
        assert ("━" in result.stderr) is (command[0] != "accrue"), command
        assert "━" not in result.stdout
    assert summaries == [
        "import subscriptions subscriptions.csv: imported 10000 subscriptions, 0 unchanged",
        "import agreements agreements.csv: imported 1000 agreements, 0 unchanged",
        (
            "generate-fees as of 2026-01-31: created 10000 fees for 10000 subscriptions, "
            "total 1034994.00 EUR"
        ),
        ("invoice as of 2026-01-31: posted 1000 invoices and 0 credit notes, total 1034994.00 EUR"),
        "accrue through 2026-01-31: posted 1000 accrual entries, total 35649.65 EUR",
        (
            "generate-orders 2026-01-01 to 2026-01-11: created 1000 orders with 1000 lines "
            "from 1000 agreements"
        ),
        "post 2026-01-01 to 2026-01-31: posted nothing (1000 orders not posted, 0 lines skipped)",
    ]
    counts = _counts(database)
    assert counts["servicedomain_subscriptions"] == SUBSCRIPTIONS
    assert counts["servicedomain_agreements"] == AGREEMENTS
    assert counts["servicedomain_fees"] == SUBSCRIPTIONS
    for command in NIGHT:
        again = _run(database, tmp_path, command)
        assert again.stderr == ""  # not a terminal, not forced: no bar
        assert "nothing" in again.stdout.splitlines()[-1], command
        assert _counts(database) == counts, command
