"""`python -m servicedomain`: the demo, db upgrade and --version; `__main__` runs the CLI."""

from __future__ import annotations

import ast
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import servicedomain.__main__ as entry_point
from cli_helpers import run
from servicedomain.__main__ import main
from servicedomain.demo import run_demo


def test_demo_prints_the_anchored_schedule_and_the_allocation() -> None:
    out = io.StringIO()
    run_demo(out)
    text = out.getvalue()
    for line in (
        "0: 2024-01-31 .. 2024-02-28  (29 days)",
        "1: 2024-02-29 .. 2024-03-30  (31 days)",
        "2: 2024-03-31 .. 2024-04-29  (30 days)",
        "3: 2024-04-30 .. 2024-05-30  (31 days)",
        "[2024-02-15, 2024-04-01)  (46 days)",
        "[2024-10-01, 2025-01-01)  (92 days)",
        "part 1: 33.34 EUR",
        "part 2: 33.33 EUR",
        "part 3: 33.33 EUR",
        "sum:    100.00 EUR",
        "earlier: 2024-03-31 00:30:00+00:00 = 2024-03-31 01:30:00+01:00",
        "later: 2024-03-31 01:30:00+00:00 = 2024-03-31 03:30:00+02:00",
        "s0 --> s1",
        "stage -> COMPLETED",
        "close        COMPLETED  reason DONE",
        "posted SO-1001 line 1 -> HOUR-000001",
        "posted SO-1001 line 3 -> FEE-000001",
        "posting again posts 0 lines",
        "progress: posted",
        "SO-1001 267.40 EUR 117.40 EUR 150.00 EUR 56.10%",
        "Signed off: 2026-03-02 12:00+01:00",
        "3 fee  Call-out fee                   1                                     35.00 EUR",
        (
            "AG-2026-01/2026-01-19      Weekly pump inspection (calc. 2026-01-19), "
            "Biweekly boiler check (calc. 2026-01-21)"
        ),
        "created 17 orders with 23 lines",
        "running again created 0 orders",
        (
            "at Tue 07 Apr 13:00: running, elapsed 9:00:00, remaining 3:00:00, "
            "compliance 75.00%, within"
        ),
        "deadline: Tue 07 Apr 16:00",
        "holiday                24:00  2026-04-03 holiday",
        "paused                 20:00  stage COMPLETED stops the clock",
        "SUB-2 MONTHLY   from 2026-01-31 anchored   150.00 EUR a period (price table level 4)",
        "fees through 2026: 32 fees created",
        "running again: 0 fees created\n",
        "reduction days 2026-03-10 to 2026-03-11 on the 200.00 EUR March fee of SUB-1: -12.90 EUR",
        "INV-C-200-SEK-20260331-1: 1 line, total 3000.00 SEK",
        "Transaction - subscription",
        "Subscription fee transactions",
    ):
        assert line in text, line


def test_python_dash_m_runs_the_demo() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "servicedomain", "demo"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "33.34 EUR" in result.stdout


def test_a_reader_that_leaves_early_gets_no_traceback() -> None:
    """`python -m servicedomain demo | head -1`: no BrokenPipeError traceback on stderr."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has left before the demo writes (deterministic EPIPE)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "servicedomain", "demo"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert result.stderr == ""
    assert result.returncode == 141


def test_the_demo_explains_the_first_biweekly_visit() -> None:
    out = io.StringIO()
    run_demo(out)
    text = out.getvalue()
    assert "except on January 7" in text
    assert "  AG-2026-01/2026-01-07      Biweekly boiler check (calc. 2026-01-07)\n" in text


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == "servicedomain 0.1.0"


def test_a_command_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "demo" in capsys.readouterr().err


def test_the_entry_point_only_delegates_to_the_cli_and_the_demo_scenes_live_apart() -> None:
    """Issue 12, item 12 / issue 15: ``__main__`` defines nothing; it runs the CLI's ``main``."""
    import servicedomain.cli

    tree = ast.parse(Path(entry_point.__file__).read_text(encoding="utf-8"))
    functions = [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]
    assert functions == []
    assert entry_point.main is servicedomain.cli.main
    assert run_demo.__module__ == "servicedomain.demo"


def test_the_demo_records_a_repair_with_warranty_a_versioned_bom_and_its_history() -> None:
    """Issue 16, item 9: the repairs part of the demo."""
    out = io.StringIO()
    run_demo(out)
    text = out.getvalue()
    for line in (
        "warranty of LAPTOP-1 on 2026-02-28: covers parts, labour",
        "warranty of LAPTOP-1 on 2026-03-09: covers parts",
        "template T-LAPTOP attached to REL-SO-3001-1: service BOM BOM-LAPTOP-1",
        (
            "refused: symptom_code_id='blue screen': no symptom code 'blue screen' in symptom area "
            "'cooling'"
        ),
        "repair line 1 finished at 2026-03-10 11:00:00+00:00",
        "repair status of SO-3001: in_repair",
        "BOM-LAPTOP-1 as of 2026-03-09: L14 (-), VC-1 (VC-100), FAN-1 (-)",
        "BOM-LAPTOP-1 as of 2026-03-10: L14 (-), VC-2 (VC-200), FAN-1 (-)",
        "suggested: defective part / new video card installed -> replaced: score 1",
        "Repair history: service object LAPTOP-1",
        "Repair steps: 2",
        "BOM changes: 1",
    ):
        assert line in text, line
    history = text[text.index("Repairs and BOM changes") :]
    rows = [row for row in history.splitlines() if row.startswith("2026-")]
    assert [row.split()[:3] for row in rows] == [
        ["2026-03-09", "SO-3001", "Repair"],
        ["2026-03-10", "SO-3001", "Repair"],
        ["2026-03-10", "SO-3001", "Part"],
    ]
    assert rows[2].endswith("VC-100            VC-200")


def test_the_demo_dispatches_technicians_with_reasons_a_refusal_and_the_board() -> None:
    """Issue 17: the dispatch part of the demo (Stockholm times, one 3-hour job each)."""
    out = io.StringIO()
    run_demo(out)
    text = out.getvalue()
    part = text[text.index("Dispatch: technicians") : text.index("Storage: everything")]
    for line in (
        "RQ-4001 (high, SLA SLA-4H) is due 12:00",
        "candidate W-ANA from 08:00",
        "left out: W-BO: missing skill HVAC >= 2 (has 1)",
        "left out: W-CY: absent for the whole window",
        "is not wholly in working time",  # 15:30 + 3 h runs past 17:00: refused
        "booked BK-4001: W-ANA holds 08:00-11:30 (30 min travel, then 3 h of work)",
        "auto-dispatch proposes RQ-4002 to W-ANA at 11:30",
        "auto-dispatch proposes RQ-4003 to W-BO at 08:00",
        "Dispatch board: team NORTH",
        "Undispatched: 0",
    ):
        assert line in part, line
    bars = [row.split()[:2] for row in part.splitlines() if row.startswith(("W-ANA ", "W-BO "))]
    assert ["W-ANA", "BK-4001"] in bars
    assert ["W-BO", "RQ-4003-1"] in bars


def test_the_demo_takes_customer_requests_from_submit_to_the_portal_view() -> None:
    """Issue 18: the requests part of the demo (Stockholm times, SLA-8H from the submission)."""
    out = io.StringIO()
    run_demo(out)
    text = out.getvalue()
    part = text[text.index("Customer requests: submitted") : text.index("Storage: everything")]
    for line in (
        "  C-300 submits REQ-5001: submitted, version 1\n",
        "  the portal retries with key portal-1: REQ-5001, unchanged (version 1)\n",
        "  review log: 10:30 DISPATCHER address: Sveavägen 1 -> Sveavägen 1B\n",
        (
            "  review log: 10:30 DISPATCHER window: 2026-03-03T08:00:00+00:00/"
            "2026-03-03T11:00:00+00:00 -> 2026-03-03T09:00:00+00:00/2026-03-03T12:00:00+00:00\n"
        ),
        "  REQ-5002 rejected: reason NOT-COVERED\n",
        "  REQ-5001 transferred to SO-REQ-5001: origin web, incoming True, SLA SLA-8H\n",
        (
            "  SLA start policy submission: the clock runs from Mon 10:00, "
            "not from the transfer at 11:00\n"
        ),
        "  the visit SO-REQ-5001/visit is due Tue 09:00\n",  # 7 h on Monday, 1 h on Tuesday
        "  booking proposal: W-ANA from Tue 10:00 (not booked: the dispatcher books)\n",
        "  transferring again: the same order SO-REQ-5001\n",
    ):
        assert line in part, line
    view = json.loads(part[part.index("{") : part.rindex("}") + 1])
    assert view["request_id"] == "REQ-5001"
    assert view["status"] == "transferred"
    assert view["order_id"] == "SO-REQ-5001"
    assert [note["text"] for note in view["notes"]] == ["A technician comes on Tuesday"]
    assert [line["symptom_code_id"] for line in view["lines"]] == ["does not start"]
    assert (
        "  repair line 1 on REL-AG-WEB-1: compressor / does not start when below freezing "
        "(the technician diagnoses)\n"
    ) in part
    assert re.search(r"servicedomain_service_requests +2 rows", text)


def test_the_demo_stores_everything_on_the_sqlite_file_it_is_given(tmp_path: Path) -> None:
    """Issue 13, item 6: the demo runs on a SQLite file; what it stored is there afterwards."""
    from servicedomain.adapters.sql import SqlJournal, open_store
    from servicedomain.orders import JournalEntry

    database = tmp_path / "demo.db"
    assert main(["demo", "--db", str(database)]) == 0
    store = open_store(f"sqlite:///{database}")
    try:
        with store.unit_of_work() as uow:
            order = uow.service_orders.get("SO-1001")
            assert order.progress.value == "posted"
            assert len(uow.subscriptions.list()) == 4
            assert [doc.id for doc in uow.invoices.list() if doc.id.startswith("CN")] == [
                "CN-2026-001"
            ]
            assert len(uow.service_orders.get("SO-3001").repair_lines) == 2
            assert uow.service_objects.get("LAPTOP-1").relations[0].id == "REL-SO-3001-1"
            (bom,) = uow.service_boms.for_object("LAPTOP-1")
            assert [change.order_id for change in bom.changes] == ["SO-3001"]
        hours = SqlJournal(store, "HOUR", JournalEntry).recorded
        assert [transaction_id for transaction_id, _ in hours] == ["HOUR-000001"]
    finally:
        store.dispose()


def test_the_demo_refuses_a_database_that_holds_rows(tmp_path: Path) -> None:
    from servicedomain.errors import InvalidInputError

    database = tmp_path / "demo.db"
    run_demo(io.StringIO(), database)
    with pytest.raises(InvalidInputError, match="the demo needs a new file"):
        run_demo(io.StringIO(), database)


def test_db_upgrade_creates_the_tables_of_the_url_and_again_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 13, item 5: ``servicedomain db upgrade --url``; the store then opens on it."""
    from servicedomain.adapters.sql import open_store
    from servicedomain.adapters.sql.migrate import head_revision

    url = f"sqlite:///{tmp_path / 'desk.db'}"
    assert main(["db", "upgrade", "--url", url]) == 0
    assert main(["db", "upgrade", "--url", url]) == 0
    assert (
        capsys.readouterr().out.splitlines()
        == [f"servicedomain database at revision {head_revision()}"] * 2
    )
    store = open_store(url)
    assert set(store.row_counts().values()) == {0}
    store.dispose()


def test_db_upgrade_without_a_url_uses_the_environment_then_the_sqlite_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SERVICEDOMAIN_DB_URL", raising=False)
    assert main(["db", "upgrade"]) == 0
    assert (tmp_path / "servicedomain.db").exists()
    monkeypatch.setenv("SERVICEDOMAIN_DB_URL", f"sqlite:///{tmp_path / 'other.db'}")
    assert main(["db", "upgrade"]) == 0
    assert (tmp_path / "other.db").exists()


def test_db_upgrade_of_a_bad_url_says_why_and_exits_2_bad_input(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["db", "upgrade", "--url", "mysql://u:secret@h/db"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("servicedomain db upgrade: url=")
    assert "secret" not in error


def test_the_demo_stores_on_the_global_db_sqlite_or_postgresql(database_url: str) -> None:
    """Issue 15, item 1: ``servicedomain --db URL demo`` runs on that database."""
    from servicedomain.adapters.sql import open_store

    result = run(database_url, "demo")
    assert result.exit_code == 0, result.output
    store = open_store(database_url)
    try:
        with store.unit_of_work() as uow:
            assert uow.service_orders.get("SO-1001").progress.value == "posted"
    finally:
        store.dispose()
    again = run(database_url, "demo")
    assert again.exit_code == 2
    assert "the demo needs a new file" in again.output


def test_the_demos_own_db_comes_first_and_without_any_a_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SERVICEDOMAIN_DB_URL", f"sqlite:///{tmp_path / 'env.db'}")
    assert run(None, "demo").exit_code == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == []
    own, global_ = tmp_path / "own.db", tmp_path / "global.db"
    assert run(global_, "demo", "--db", str(own)).exit_code == 0
    assert own.exists()
    assert not global_.exists()
