"""Issue 17: dispatch from the command line, on a SQLite file (technicians to the board)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from cli_helpers import run
from servicedomain.adapters.sql import open_store
from servicedomain.dispatch import Booking, BookingStatus, Technician

RULES = """\
[[stage_graphs.SERVICE.stages]]
id = "NEW"

[calendars.DAY]
zone = "UTC"

[calendars.DAY.weekly]
mon = ["08:00-17:00"]
tue = ["08:00-17:00"]

[skills.HVAC]
id = "HVAC"
max_level = 3

[skills.ELEC]
id = "ELEC"
max_level = 2

[slas.STANDARD]
resolution = "PT8H"
calendar = "DAY"
"""
ORDERS = """\
order_id,customer_id,description,priority,sla_id
SO-1,C-1,Boiler leaks,high,
SO-2,C-1,Check the valve,,
SO-3,C-2,Wiring,low,STANDARD
"""
TECHNICIANS = """\
id,name,calendar,skills,territories
W-1,Ada,DAY,HVAC=3;ELEC=1,N;S
W-2,Bob,DAY,HVAC=1,N
"""
DAY = ("--from", "2026-03-02T08:00", "--to", "2026-03-03T00:00")


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """Rules (a calendar, skills, an SLA), three orders and two technicians in team N."""
    path = tmp_path / "desk.db"
    for name, text in (
        ("rules.toml", RULES),
        ("orders.csv", ORDERS),
        ("technicians.csv", TECHNICIANS),
    ):
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert run(path, "db", "upgrade").exit_code == 0
    assert run(path, "rules", "load", str(tmp_path / "rules.toml")).exit_code == 0
    assert run(path, "import", "orders", str(tmp_path / "orders.csv")).exit_code == 0
    imported = run(path, "import", "technicians", str(tmp_path / "technicians.csv"))
    assert imported.output.splitlines() == [
        "added W-1",
        "added W-2",
        "import technicians technicians.csv: imported 2 technicians, 0 unchanged",
    ]
    assert run(
        path, "dispatch", "teams", "set", "N", "--member", "W-1", "--member", "W-2"
    ).output == ("team N: W-1, W-2\n")
    return path


def _technicians(database: Path) -> list[Technician]:
    store = open_store(f"sqlite:///{database}")
    try:
        with store.unit_of_work() as uow:
            return sorted(uow.technicians.list(), key=lambda tech: tech.id)
    finally:
        store.dispose()


def _bookings(database: Path) -> list[Booking]:
    store = open_store(f"sqlite:///{database}")
    try:
        with store.unit_of_work() as uow:
            return sorted(uow.bookings.list(), key=lambda booking: booking.id)
    finally:
        store.dispose()


def test_import_technicians_stores_the_calendar_skills_and_territories(database: Path) -> None:
    ada, bob = _technicians(database)
    assert (ada.name, ada.calendar.id, dict(ada.skills), sorted(ada.territories)) == (
        "Ada",
        "DAY",
        {"HVAC": 3, "ELEC": 1},
        ["N", "S"],
    )
    assert (bob.version, dict(bob.skills), sorted(bob.territories)) == (1, {"HVAC": 1}, ["N"])


def test_import_technicians_again_changes_nothing(database: Path) -> None:
    before = _technicians(database)
    again = run(database, "import", "technicians", str(database.parent / "technicians.csv"))
    assert again.exit_code == 0
    assert (
        again.output
        == "import technicians technicians.csv: imported nothing, 2 technicians unchanged\n"
    )
    assert _technicians(database) == before


def test_import_technicians_reports_every_bad_row_with_its_line_and_imports_none(
    database: Path,
) -> None:
    bad = database.parent / "bad.csv"
    bad.write_text(
        "id,name,calendar,skills,territories\n"
        "W-3,Cy,DAY,HVAC=2,N\n"
        "W-4,Di,NIGHT,,\n"
        "W-5,Ed,DAY,PLUMB=1,\n"
        "W-6,Fa,DAY,HVAC=9,\n"
        "W-7,Gu,DAY,HVAC,\n"
        "W-1,Ada,DAY,HVAC=2;ELEC=1,N;S\n"
        "W-2,Bob,DAY,HVAC=1,N;S\n",
        encoding="utf-8",
    )
    result = run(database, "import", "technicians", str(bad))
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "servicedomain import technicians: bad.csv: 6 bad rows, nothing imported:",
        "  line 3: calendar='NIGHT': no such calendar is stored; stored: DAY",
        "  line 4: skills='PLUMB=1': PLUMB is not a stored skill; stored: ELEC, HVAC",
        "  line 5: skills['HVAC']=9: skill 'HVAC' has levels 1..3",
        (
            "  line 6: skills='HVAC': expected SKILL=LEVEL pairs separated by ';', such as "
            "HVAC=3;ELEC=1"
        ),
        (
            "  line 7: id='W-1': stored already with other values "
            "(skills is ELEC=1;HVAC=3 there, ELEC=1;HVAC=2 here)"
        ),
        "  line 8: id='W-2': stored already with other values (territories is N there, N;S here)",
    ]
    assert [tech.id for tech in _technicians(database)] == ["W-1", "W-2"]


def test_a_worker_in_two_teams_is_refused_naming_the_worker_and_the_teams(
    database: Path,
) -> None:
    result = run(database, "dispatch", "teams", "set", "S", "--member", "W-1")
    assert result.exit_code == 2
    assert result.output == (
        "servicedomain dispatch teams set: teams='W-1': worker 'W-1' is in team 'N' and in "
        "team 'S'; a worker is in at most one dispatch team\n"
    )
    assert run(database, "dispatch", "teams", "show").output == "N: W-1, W-2\n"


def test_the_whole_flow_require_candidates_book_auto_and_the_board(database: Path) -> None:
    required = run(
        database, "dispatch", "require", "SO-1", "--id", "RQ-1", "--duration", "PT3H",
        *DAY, "--skill", "HVAC=2",
    )  # fmt: skip
    assert required.output == (
        "requirement RQ-1 of SO-1: 3:00:00 in "
        "[2026-03-02T08:00:00+00:00, 2026-03-03T00:00:00+00:00)\n"
    )
    assert (
        run(
            database, "dispatch", "require", "SO-2", "--id", "RQ-2", "--duration", "PT2H", *DAY
        ).exit_code
        == 0
    )

    shown = run(database, "dispatch", "candidates", "RQ-1", "--team", "N")
    assert shown.output == (
        "candidates for RQ-1:\n"
        "  1. W-1 from 2026-03-02T08:00:00+00:00 (load 0:00:00)\n"
        "excluded:\n"
        "  W-2: missing skill HVAC >= 2 (has 1)\n"
    )
    data = json.loads(run(database, "dispatch", "candidates", "RQ-1", "--format", "json").output)
    assert data["ranked"][0]["technician_id"] == "W-1"
    assert data["excluded"] == [
        {
            "technician_id": "W-2",
            "reasons": [{"kind": "missing_skill", "text": "missing skill HVAC >= 2 (has 1)"}],
        }
    ]

    booked = run(
        database, "dispatch", "book", "RQ-2", "W-2", "--start", "2026-03-02T09:00",
        "--travel", "PT30M", "--commit",
    )  # fmt: skip
    assert booked.output == (
        "RQ-2-1: RQ-2 -> W-2 2026-03-02T09:00:00+00:00 to 2026-03-02T11:00:00+00:00, "
        "travel 0:30:00 (committed)\n"
    )
    refused = run(database, "dispatch", "book", "RQ-1", "W-2", "--start", "2026-03-02T10:00")
    assert refused.exit_code == 1
    assert refused.output == (
        "servicedomain dispatch book: refused by rule booking.conflict: RQ-1-1: "
        "missing skill HVAC >= 2 (has 1); overlaps booking RQ-2-1\n"
    )

    dry = run(database, "dispatch", "auto", "--team", "N", "--from", "2026-03-02", "--to",
              "2026-03-02", "--dry-run")  # fmt: skip
    assert dry.output.splitlines()[-1] == (
        "dispatch auto N 2026-03-02 to 2026-03-02: (dry run) would have proposed 1 booking"
    )
    assert [b.id for b in _bookings(database)] == ["RQ-2-1"]
    auto = run(database, "dispatch", "auto", "--team", "N", "--from", "2026-03-02", "--to",
               "2026-03-02")  # fmt: skip
    assert auto.output == (
        "RQ-1-1: RQ-1 -> W-1 2026-03-02T08:00:00+00:00 to 2026-03-02T11:00:00+00:00 (proposed)\n"
        "dispatch auto N 2026-03-02 to 2026-03-02: proposed 1 booking\n"
    )
    stored = _bookings(database)
    assert [(b.id, b.technician_id, b.status) for b in stored] == [
        ("RQ-1-1", "W-1", BookingStatus.PROPOSED),
        ("RQ-2-1", "W-2", BookingStatus.COMMITTED),
    ]

    html = run(database, "report", "board", "--team", "N", "--from", "2026-03-02",
               "--format", "html")  # fmt: skip
    assert html.exit_code == 0
    assert "<svg" in html.output
    assert "RQ-1-1" in html.output
    assert "RQ-2-1" in html.output
    board = json.loads(
        run(database, "report", "board", "--team", "N", "--from", "2026-03-02", "--to",
            "2026-03-02", "--format", "json").output
    )  # fmt: skip
    assert board["facts"]["bookings"] == "2"
    assert board["facts"]["undispatched"] == "0"
    assert board["facts"]["from"] == "2026-03-02 00:00"
    assert board["facts"]["to"] == "2026-03-03 00:00"


def test_D4_auto_again_proposes_nothing_new(
    database: Path,
) -> None:
    for order, need, duration in (("SO-1", "RQ-1", "PT3H"), ("SO-2", "RQ-2", "PT2H")):
        assert (
            run(
                database, "dispatch", "require", order, "--id", need, "--duration", duration, *DAY
            ).exit_code
            == 0
        )
    assert run(
        database, "dispatch", "require", "SO-3", "--id", "RQ-3", "--duration", "PT4H",
        "--from", "2026-03-02T08:00", "--to", "2026-03-02T12:00", "--skill", "ELEC=1",
    ).exit_code == 0  # fmt: skip
    week = ("--team", "N", "--from", "2026-03-02", "--to", "2026-03-08")
    first = run(database, "dispatch", "auto", *week)
    assert first.output == (
        "RQ-3-1: RQ-3 -> W-1 2026-03-02T08:00:00+00:00 to 2026-03-02T12:00:00+00:00 (proposed)\n"
        "RQ-1-1: RQ-1 -> W-2 2026-03-02T08:00:00+00:00 to 2026-03-02T11:00:00+00:00 (proposed)\n"
        "RQ-2-1: RQ-2 -> W-2 2026-03-02T11:00:00+00:00 to 2026-03-02T13:00:00+00:00 (proposed)\n"
        "dispatch auto N 2026-03-02 to 2026-03-08: proposed 3 bookings\n"
    )
    proposed = _bookings(database)
    assert [b.id for b in proposed] == ["RQ-1-1", "RQ-2-1", "RQ-3-1"]
    again = run(database, "dispatch", "auto", *week)
    assert again.exit_code == 0
    assert _bookings(database) == proposed
    assert again.output == "dispatch auto N 2026-03-02 to 2026-03-08: proposed nothing\n"


def test_auto_lists_what_it_cannot_place_with_every_technicians_reasons(database: Path) -> None:
    assert run(
        database, "dispatch", "require", "SO-3", "--id", "RQ-3", "--duration", "PT4H",
        "--from", "2026-03-02T13:00", "--to", "2026-03-02T17:00", "--skill", "ELEC=2",
    ).exit_code == 0  # fmt: skip
    result = run(database, "dispatch", "auto", "--team", "N", "--from", "2026-03-02", "--to",
                 "2026-03-02")  # fmt: skip
    assert result.exit_code == 0
    assert result.output == (
        "unplaced RQ-3: [W-1: missing skill ELEC >= 2 (has 1)]; "
        "[W-2: missing skill ELEC >= 2 (has none)]\n"
        "dispatch auto N 2026-03-02 to 2026-03-02: proposed nothing: 1 unplaced\n"
    )
    assert _bookings(database) == []


def test_a_requirement_of_an_order_with_an_sla_carries_its_deadline(database: Path) -> None:
    result = run(
        database, "dispatch", "require", "SO-3", "--id", "RQ-3", "--duration", "PT1H", *DAY
    )
    assert result.exit_code == 0
    assert ", SLA deadline 20" in result.output
    plain = run(database, "dispatch", "require", "SO-2", "--id", "RQ-2", "--duration", "PT1H", *DAY)
    assert "SLA deadline" not in plain.output


def test_require_and_book_again_change_nothing_and_another_under_the_id_is_refused(
    database: Path,
) -> None:
    need = ("dispatch", "require", "SO-2", "--id", "RQ-2", "--duration", "PT2H", *DAY)
    assert run(database, *need).output == run(database, *need).output
    other = run(database, "dispatch", "require", "SO-2", "--id", "RQ-2", "--duration", "PT1H", *DAY)
    assert other.exit_code == 2
    assert other.output == (
        "servicedomain dispatch require: --id='RQ-2': a requirement of this id is stored "
        "already with other values\n"
    )
    booking = ("dispatch", "book", "RQ-2", "W-1", "--start", "2026-03-02T09:00", "--id", "B-1")
    first = run(database, *booking)
    assert first.exit_code == 0
    assert run(database, *booking).output == first.output
    moved = run(database, "dispatch", "book", "RQ-2", "W-1", "--start", "2026-03-02T10:00",
                "--id", "B-1")  # fmt: skip
    assert moved.exit_code == 2
    assert "--id='B-1': a booking of this id is stored already" in moved.output
    assert [b.id for b in _bookings(database)] == ["B-1"]


def test_an_absence_is_recorded_once_and_the_candidates_show_it(database: Path) -> None:
    absent = ("dispatch", "absent", "W-1", "--id", "A-1", "--from", "2026-03-02T08:00", "--to",
              "2026-03-02T17:00", "--reason", "training")  # fmt: skip
    assert run(database, *absent).exit_code == 0
    assert run(database, *absent).exit_code == 0
    (absence,) = _technicians(database)[0].absences
    assert (absence.id, absence.reason) == ("A-1", "training")
    assert run(
        database, "dispatch", "require", "SO-1", "--id", "RQ-1", "--duration", "PT3H",
        "--from", "2026-03-02T08:00", "--to", "2026-03-02T17:00", "--skill", "HVAC=2",
    ).exit_code == 0  # fmt: skip
    assert run(database, "dispatch", "candidates", "RQ-1").output.splitlines() == [
        "candidates for RQ-1:",
        "  none",
        "excluded:",
        "  W-1: absent for the whole window [2026-03-02T08:00:00+00:00, 2026-03-02T17:00:00+00:00)",
        "  W-2: missing skill HVAC >= 2 (has 1)",
    ]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("dispatch", "require", "SO-9", "--id", "RQ-9", "--duration", "PT1H", *DAY), 2,
         "ServiceOrder id='SO-9': not found"),
        (("dispatch", "require", "SO-1", "--id", "RQ-9", "--duration", "2h", *DAY), 2,
         "--duration='2h'"),
        (("dispatch", "require", "SO-1", "--id", "RQ-9", "--duration", "PT1H",
          "--from", "2026-03-02T08:00"), 2, "give --from and --to together"),
        (("dispatch", "require", "SO-1", "--id", "RQ-9", "--duration", "PT1H", *DAY,
          "--skill", "PLUMB=1"), 2, "PLUMB"),
        (("dispatch", "require", "SO-1", "--id", "RQ-9", "--duration", "PT1H", *DAY,
          "--skill", "HVAC=7"), 2, "levels 1..3"),
        (("dispatch", "require", "SO-1", "--id", "RQ-9", "--duration", "PT1H",
          "--from", "yesterday", "--to", "2026-03-02T09:00"), 2, "--from='yesterday'"),
        (("dispatch", "candidates", "RQ-9"), 2, "Requirement id='RQ-9': not found"),
        (("dispatch", "candidates", "RQ-9", "--team", "X"), 2, "not found"),
        (("dispatch", "book", "RQ-9", "W-1", "--start", "2026-03-02T09:00"), 2, "not found"),
        (("dispatch", "auto", "--team", "X", "--from", "2026-03-02", "--to", "2026-03-02"), 2,
         "team_id='X': no dispatch team of this id"),
        (("dispatch", "auto", "--team", "N", "--from", "2026-03-03", "--to", "2026-03-02"), 2,
         "--to='2026-03-02': before --from 2026-03-03"),
        (("dispatch", "auto", "--team", "N", "--from", "March", "--to", "2026-03-02"), 2,
         "'March' is not a date"),
        (("dispatch", "teams", "set", "S", "--member", "W-9"), 2, "Technician id='W-9'"),
        (("report", "board", "--team", "X"), 2, "team_id='X': no dispatch team of this id"),
        (("report", "board", "--team", "N", "--zone", "Mars/Olympus"), 2, "Mars/Olympus"),
        (("report", "board", "--team", "N", "--parameters", "NONE"), 2,
         "dispatch_parameters.NONE: no such rule is stored"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_with_a_clear_message_and_exit_code(
    database: Path, args: tuple[str, ...], code: int, message: str
) -> None:
    result = run(database, *args)
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output


def test_the_board_defaults_to_the_stored_parameters_days_around_today(
    database: Path,
) -> None:
    params = database.parent / "params.toml"
    params.write_text("[dispatch_parameters.DEFAULT]\ndays_before = 1\ndays_after = 2\n", "utf-8")
    assert run(database, "rules", "load", str(params)).exit_code == 0
    facts = json.loads(run(database, "report", "board", "--team", "N", "--format", "json").output)[
        "facts"
    ]
    today = datetime.now(UTC).date()
    start = date.fromisoformat(facts["from"][:10])
    end = date.fromisoformat(facts["to"][:10])
    assert today - timedelta(days=1) - timedelta(days=1) <= start <= today - timedelta(days=1)
    assert (end - start).days == 4


def test_the_board_writes_a_file_with_output(database: Path) -> None:
    page = database.parent / "board.html"
    result = run(database, "report", "board", "--team", "N", "--from", "2026-03-02",
                 "--format", "html", "--output", str(page), "--locale", "sv")  # fmt: skip
    assert result.output == f"report board: wrote {page}\n"
    assert page.read_text("utf-8").startswith("<!DOCTYPE html>")


def test_import_technicians_reads_json_and_a_dry_run_stores_nothing(database: Path) -> None:
    file = database.parent / "more.json"
    file.write_text(
        json.dumps([{"id": "W-3", "calendar": "DAY", "skills": {"HVAC": 2}, "territories": ["S"]}]),
        encoding="utf-8",
    )
    dry = run(database, "import", "technicians", str(file), "--dry-run")
    assert dry.output.splitlines() == [
        "added W-3",
        "import technicians more.json: (dry run) would have imported 1 technician, 0 unchanged",
    ]
    assert [tech.id for tech in _technicians(database)] == ["W-1", "W-2"]
    assert run(database, "import", "technicians", str(file)).exit_code == 0
    third = _technicians(database)[2]
    assert (third.id, dict(third.skills), sorted(third.territories)) == ("W-3", {"HVAC": 2}, ["S"])
    file.write_text(
        json.dumps([{"id": "W-4", "calendar": "DAY", "skills": {"HVAC": 2.5}}]), "utf-8"
    )
    bad = run(database, "import", "technicians", str(file))
    assert bad.exit_code == 2
    assert bad.output.splitlines()[1] == "  item 1: skills['HVAC']=2.5: expected an int, got float"


def test_auto_sums_up_the_proposed_and_the_unplaced(database: Path) -> None:
    assert (
        run(
            database, "dispatch", "require", "SO-2", "--id", "RQ-2", "--duration", "PT2H", *DAY
        ).exit_code
        == 0
    )
    assert run(
        database, "dispatch", "require", "SO-3", "--id", "RQ-3", "--duration", "PT1H", *DAY,
        "--skill", "ELEC=2",
    ).exit_code == 0  # fmt: skip
    result = run(database, "dispatch", "auto", "--team", "N", "--from", "2026-03-02", "--to",
                 "2026-03-02")  # fmt: skip
    assert result.output.splitlines()[0] == (
        "RQ-2-1: RQ-2 -> W-1 2026-03-02T08:00:00+00:00 to 2026-03-02T10:00:00+00:00 (proposed)"
    )
    assert result.output.splitlines()[1].startswith("unplaced RQ-3: [W-1: missing skill ELEC >= 2")
    assert result.output.splitlines()[2] == (
        "dispatch auto N 2026-03-02 to 2026-03-02: proposed 1 booking, 1 unplaced"
    )


def test_dispatch_board_is_the_board_report_where_a_dispatcher_looks(database: Path) -> None:
    """Issue 17 item 10 names it `dispatch board --team --from --to`: the same report."""
    args = ("board", "--team", "N", "--from", "2026-03-02", "--to", "2026-03-03")
    for format_ in ("text", "json"):
        reported = run(database, "report", *args, "--format", format_)
        dispatched = run(database, "dispatch", *args, "--format", format_)
        assert (reported.exit_code, dispatched.exit_code) == (0, 0)
        assert dispatched.output == reported.output
        assert "W-1" in dispatched.output
