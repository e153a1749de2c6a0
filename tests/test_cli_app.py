"""Issue 15, item 1: the click command line: global --db, exit codes, db upgrade, demo."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import click
import pytest

from cli_helpers import run
from servicedomain.adapters.sql import open_store
from servicedomain.adapters.sql.migrate import head_revision
from servicedomain.cli import main
from servicedomain.cli._main import _failure
from servicedomain.errors import (
    AlreadyInvoicedError,
    OrderRuleError,
    RuleViolationError,
    StageRuleError,
    TransitionNotAllowedError,
)


def test_the_console_script_and_python_dash_m_run_the_same_main() -> None:
    import servicedomain.__main__ as entry_point

    (script,) = entry_points(group="console_scripts", name="servicedomain")
    assert script.load() is main
    assert entry_point.main is main


def test_the_core_package_does_not_import_click_or_rich() -> None:
    code = (
        "import servicedomain, servicedomain.app, servicedomain.adapters.sql, sys; "
        "print('click' in sys.modules, 'rich' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False"]


def test_db_upgrade_on_the_global_db_path_creates_a_sqlite_file(tmp_path: Path) -> None:
    database = tmp_path / "desk.db"
    result = run(database, "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert result.output == f"servicedomain database at revision {head_revision()}\n"
    again = run(f"sqlite:///{database}", "db", "upgrade")
    assert again.exit_code == 0
    store = open_store(f"sqlite:///{database}")
    assert set(store.row_counts().values()) == {0}
    store.dispose()


def test_db_upgrade_of_an_unknown_revision_exits_2_naming_it(tmp_path: Path) -> None:
    result = run(tmp_path / "desk.db", "db", "upgrade", "--revision", "9999")
    assert result.exit_code == 2
    assert result.output.startswith("servicedomain db upgrade: revision='9999': ")
    assert "Traceback" not in result.output


def test_the_default_db_is_the_environment_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SERVICEDOMAIN_DB_URL", f"sqlite:///{tmp_path / 'env.db'}")
    assert run(None, "db", "upgrade").exit_code == 0
    assert (tmp_path / "env.db").exists()


def test_a_usage_error_exits_2_without_a_traceback() -> None:
    result = run(None, "no-such-command")
    assert result.exit_code == 2
    assert "No such command" in result.output
    assert "Traceback" not in result.output


def test_demo_through_the_runner_stores_on_its_file(tmp_path: Path) -> None:
    database = tmp_path / "demo.db"
    result = run(None, "demo", "--db", str(database))
    assert result.exit_code == 0
    assert "running again: 0 fees created" in result.output
    store = open_store(f"sqlite:///{database}")
    assert store.row_counts()["servicedomain_subscriptions"] == 4
    store.dispose()


def test_demo_on_a_used_file_is_bad_input_exit_2(tmp_path: Path) -> None:
    database = tmp_path / "demo.db"
    assert run(None, "demo", "--db", str(database)).exit_code == 0
    result = run(None, "demo", "--db", str(database))
    assert result.exit_code == 2
    assert result.output.startswith("servicedomain demo: database=")
    assert "the demo needs a new file" in result.output


def test_output_piped_into_head_ends_quietly() -> None:
    """``servicedomain demo | head -1``: one line, no traceback, the SIGPIPE status."""
    result = subprocess.run(
        f"{sys.executable} -m servicedomain demo | head -1; exit ${{PIPESTATUS[0]}}",
        shell=True,
        executable="/bin/bash",
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.stdout == "servicedomain 0.1.0 demo\n"
    assert result.stderr == ""
    assert result.returncode == 141


def test_without_the_cli_extra_one_line_says_what_to_install() -> None:
    code = (
        "import runpy, sys; sys.modules['click'] = None; sys.argv = ['servicedomain', 'demo']; "
        "runpy.run_module('servicedomain', run_name='__main__')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert result.stderr == (
        "servicedomain: the command line needs the [cli] extra (click is missing): "
        "pip install 'servicedomain[cli]'\n"
    )


@pytest.mark.parametrize(
    "args", [("--help",), ("rules", "load", "--help"), ("stages", "show", "SERVICE")]
)
def test_every_command_ends_quietly_when_the_reader_left(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    """The reader has left before the command writes (deterministic EPIPE): no traceback."""
    import os

    database = tmp_path / "desk.db"
    rules = tmp_path / "rules.toml"
    rules.write_text('[[stage_graphs.SERVICE.stages]]\nid = "NEW"\n', encoding="utf-8")
    assert main(["--db", str(database), "db", "upgrade"]) == 0
    assert main(["--db", str(database), "rules", "load", str(rules)]) == 0
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "servicedomain", "--db", str(database), *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert result.stderr == ""
    assert result.returncode == 141


@pytest.mark.parametrize(
    ("error", "code", "message"),
    [
        (
            "StageRuleError('SO-1', 'NEW', 'post')",
            1,
            "refused by rule stage.may_post: SO-1: stage 'NEW' does not allow post\n",
        ),
        (
            "AgreementRuleError('AG-1', 'object.conflict', 'PUMP-1 is related')",
            1,
            "refused by rule object.conflict: ",
        ),
        ("BillingRuleError('INV-1', 'accrual.reverse_manually_first', 'x')", 1, "refused by"),
        ("UnknownStageError('stage_id', 'DONEE', 'not in the graph')", 2, "stage_id='DONEE'"),
        ("InvalidAmountError('amount', 0.5, 'a float is not money')", 2, "amount=0.5: "),
        ("NotFoundError('Invoice', 'INV-9')", 2, "INV-9"),
        ("StorageError('commit', 'disk I/O error')", 1, "commit: the store failed"),
        ("FileNotFoundError(2, 'No such file or directory', 'x.csv')", 2, "x.csv: No such"),
    ],
)
def test_each_error_family_has_its_exit_code_and_one_line(
    error: str, code: int, message: str
) -> None:
    """0 done, 1 refused by a rule (named) or a failed store, 2 bad input; no traceback."""
    import click
    from click.testing import CliRunner

    from servicedomain import errors
    from servicedomain.cli._main import Group

    @click.group("servicedomain", cls=Group)
    def group() -> None:
        pass

    @group.command("fail")
    def fail() -> None:
        raise eval(error, vars(errors) | {"FileNotFoundError": FileNotFoundError})

    result = CliRunner().invoke(group, ["fail"], catch_exceptions=False)
    assert result.exit_code == code
    assert result.output.startswith("servicedomain fail: ")
    assert message in result.output
    assert len(result.output.splitlines()) == 1


@pytest.mark.parametrize(
    "error",
    [
        StageRuleError("AG-1/2026-01-19", "NEW", "post"),
        TransitionNotAllowedError("SO-1", "NEW", "CLOSED"),
        AlreadyInvoicedError("HOUR-000001", "INV-1"),
        OrderRuleError("SO-1", "order.no_sla", "the order has no SLA to measure"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_a_refusal_names_its_rule_once(error: RuleViolationError) -> None:
    """It read ``refused by rule X: SO-1: rule X refused the operation: ...``."""
    context = click.Context(click.Command("post"), info_name="servicedomain post")
    failure = _failure(context, error)
    assert failure.exit_code == 1
    assert failure.format_message() == (
        f"refused by rule {error.rule}: {error.entity_id}: {error.detail}"
    )
    assert failure.format_message().count(error.rule) == 1


@pytest.mark.parametrize("where", ["missing-file", "missing-folder"])
@pytest.mark.parametrize(
    "command",
    [("invoice", "--as-of", "2026-01-31"), ("stages", "show", "SERVICE")],
    ids=lambda command: command[0],
)
def test_a_command_on_a_missing_sqlite_file_exits_2_and_creates_nothing(
    tmp_path: Path, where: str, command: tuple[str, ...]
) -> None:
    """The revision check of a command that needs an upgraded database created the file."""
    database = tmp_path / "desk.db" if where == "missing-file" else tmp_path / "nope" / "desk.db"
    result = run(database, *command)
    assert result.exit_code == 2, result.output
    assert result.output == (
        f"servicedomain {command[0]}{' ' + command[1] if command[0] == 'stages' else ''}: "
        f"no such database file {database}: run `servicedomain db upgrade` to create it\n"
    )
    assert not database.exists()
    assert list(tmp_path.iterdir()) == []
