"""Issue 18: customer service requests from the command line, on a SQLite file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cli_requests_data import invoke, seed, write_submission
from servicedomain.adapters.clocks import SystemClock
from servicedomain.adapters.sql import open_store
from servicedomain.orders import Origin
from servicedomain.requests import RequestStatus

REQUEST = "C-1/portal-42"


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A SQLite file with the rules, agreement AG-1 of C-1 (SLA-8H) and its pump."""
    made = f"sqlite:///{tmp_path / 'requests.db'}"
    seed(made, tmp_path)
    return made


@pytest.fixture
def file(tmp_path: Path) -> Path:
    return write_submission(tmp_path / "submission.json")


def _submitted(url: str, file: Path) -> None:
    code, _ = invoke(url, "requests", "submit", str(file))
    assert code == 0


def _reviewed(url: str, file: Path) -> None:
    _submitted(url, file)
    assert invoke(url, "requests", "review", REQUEST, "--by", "W-1")[0] == 0


def _stored(url: str) -> list[tuple[str, RequestStatus, str | None]]:
    store = open_store(url)
    try:
        with store.unit_of_work() as uow:
            return [(r.id, r.status, r.order_id) for r in uow.service_requests.list()]
    finally:
        store.dispose()


def test_submit_prints_the_request_and_the_same_file_again_the_same_request_unchanged(
    url: str, file: Path
) -> None:
    code, first = invoke(url, "requests", "submit", str(file))
    assert code == 0
    assert first.splitlines() == [
        f"{REQUEST}: submitted, customer C-1, agreement AG-1 (version 1)",
        "  window: 2026-03-03T09:00:00+00:00 to 2026-03-03T12:00:00+00:00",
        "  address: Storgatan 1",
        "  text: The pump drips",
        "  line 1: AG-1/PUMP-1 HEAT/LEAK ALWAYS drips",
        f"requests submit submission.json: submitted {REQUEST}",
    ]
    code, again = invoke(url, "requests", "submit", str(file), "--id", "OTHER")
    assert code == 0
    assert again.splitlines()[:-1] == first.splitlines()[:-1]
    assert again.splitlines()[-1] == (
        f"requests submit submission.json: unchanged, submitted before as {REQUEST}"
    )
    assert _stored(url) == [(REQUEST, RequestStatus.SUBMITTED, None)]


def test_submit_with_an_id_and_a_wall_time_in_the_zone(url: str, tmp_path: Path) -> None:
    file = write_submission(tmp_path / "s.json", window={"start": "2026-03-03T10:00",
                            "end": "2026-03-03T12:00+01:00"})  # fmt: skip
    code, output = invoke(
        url, "requests", "submit", str(file), "--id", "REQ-1", "--zone", "Europe/Stockholm"
    )
    assert code == 0, output
    assert output.splitlines()[1] == (
        "  window: 2026-03-03T10:00:00+01:00 to 2026-03-03T12:00:00+01:00"
    )
    assert _stored(url) == [("REQ-1", RequestStatus.SUBMITTED, None)]


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"window": {"start": "2026-03-03T09:00"}}, "window.end="),
        ({"window": {"start": "soon", "end": "2026-03-03T12:00"}}, "window.start='soon'"),
        ({"colour": "red"}, "colour='red': unknown field"),
        ({"customer": 7}, "customer=7: expected a string"),
        ({"relations": "AG-1/PUMP-1"}, "relations='AG-1/PUMP-1': expected a list"),
        ({"lines": [{"number": "one", "relation": "AG-1/PUMP-1"}]}, "lines[0].number='one'"),
        ({"lines": [{"number": 1}]}, "lines[0].relation=None"),
        (
            {
                "lines": [
                    {
                        "number": 1,
                        "relation": "AG-1/PUMP-1",
                        "symptom_area": "HEAT",
                        "symptom_code": "DRIP",
                    }
                ]
            },
            "lines[0].symptom_code_id='DRIP'",
        ),
    ],
)
def test_a_bad_submission_file_is_bad_input_naming_the_field(
    url: str, tmp_path: Path, changes: dict[str, object], named: str
) -> None:
    file = write_submission(tmp_path / "bad.json", **changes)
    code, output = invoke(url, "requests", "submit", str(file))
    assert code == 2
    assert output.startswith("servicedomain requests submit: ")
    assert named in output
    assert _stored(url) == []


def test_a_file_that_is_not_json_is_bad_input_naming_the_file(url: str, tmp_path: Path) -> None:
    file = tmp_path / "bad.json"
    file.write_text("{customer", encoding="utf-8")
    code, output = invoke(url, "requests", "submit", str(file))
    assert code == 2
    assert "FILE='bad.json': not JSON" in output


def test_a_submit_rule_refuses_with_exit_1_naming_the_rule(url: str, tmp_path: Path) -> None:
    saturday = {"start": "2026-03-07T09:00", "end": "2026-03-07T12:00"}
    file = write_submission(tmp_path / "sat.json", window=saturday)
    code, output = invoke(url, "requests", "submit", str(file))
    assert code == 1
    assert output.startswith(
        "servicedomain requests submit: refused by rule request.window_no_working_time: "
    )


def test_the_same_key_with_another_payload_is_refused_naming_the_field(
    url: str, file: Path, tmp_path: Path
) -> None:
    _submitted(url, file)
    other = write_submission(tmp_path / "other.json", text="Other")
    code, output = invoke(url, "requests", "submit", str(other))
    assert code == 1
    assert "text" in output
    assert len(_stored(url)) == 1


def test_review_edit_and_note_are_logged_and_shown(url: str, file: Path) -> None:
    _reviewed(url, file)
    code, output = invoke(
        url, "requests", "edit", REQUEST, "--by", "W-2", "--address", "Storgatan 2",
        "--from", "2026-03-03T10:00", "--to", "2026-03-03T13:00",
    )  # fmt: skip
    assert code == 0, output
    assert "  address: Storgatan 2" in output
    log = [line for line in output.splitlines() if line.startswith("  log: ")]
    assert len(log) == 2
    assert log[0].endswith("W-2 address: 'Storgatan 1' -> 'Storgatan 2'")
    assert log[1].endswith(
        "W-2 window: '2026-03-03T09:00:00+00:00/2026-03-03T12:00:00+00:00' -> "
        "'2026-03-03T10:00:00+00:00/2026-03-03T13:00:00+00:00'"
    )
    assert invoke(url, "requests", "note", REQUEST, "Internal", "--by", "W-2")[0] == 0
    code, output = invoke(url, "requests", "note", REQUEST, "Tuesday", "--by", "W-2", "--public")
    assert code == 0
    code, shown = invoke(url, "requests", "show", REQUEST)
    assert code == 0
    assert shown.splitlines()[0] == (
        f"{REQUEST}: under_review, customer C-1, agreement AG-1 (version 5)"
    )
    notes = [line for line in shown.splitlines() if line.startswith("  note ")]
    assert [note.split(" at ")[0] for note in notes] == [
        "  note (internal) by W-2",
        "  note (public) by W-2",
    ]
    assert [line for line in shown.splitlines() if line.startswith("  log: ")] == log


def test_edit_with_from_alone_is_bad_input(url: str, file: Path) -> None:
    _reviewed(url, file)
    code, output = invoke(url, "requests", "edit", REQUEST, "--by", "W-1", "--from", "2026-03-03")
    assert code == 2
    assert "give --from and --to together" in output


def test_edit_of_a_submitted_request_is_refused_by_the_status_rule(url: str, file: Path) -> None:
    _submitted(url, file)
    code, output = invoke(url, "requests", "edit", REQUEST, "--by", "W-1", "--address", "X")
    assert code == 1
    assert output.startswith(
        f"servicedomain requests edit: refused by rule request.status: {REQUEST}"
    )


def test_reject_keeps_the_request_with_its_reason_and_a_second_reject_is_refused(
    url: str, file: Path
) -> None:
    _submitted(url, file)
    code, output = invoke(url, "requests", "reject", REQUEST, "--reason", "DUP", "--by", "W-1")
    assert code == 0
    assert "  rejected: DUP" in output.splitlines()
    code, output = invoke(url, "requests", "reject", REQUEST, "--reason", "DUP", "--by", "W-1")
    assert code == 1
    assert "refused by rule request.status" in output
    assert _stored(url) == [(REQUEST, RequestStatus.REJECTED, None)]


def test_withdraw_by_another_customer_is_not_found_and_by_the_customer_withdraws(
    url: str, file: Path
) -> None:
    _submitted(url, file)
    code, output = invoke(url, "requests", "withdraw", REQUEST, "--customer", "C-2")
    assert code == 2
    assert "not found" in output
    code, output = invoke(url, "requests", "withdraw", REQUEST, "--customer", "C-1")
    assert code == 0
    assert output.startswith(f"{REQUEST}: withdrawn")


def test_transfer_prints_the_web_incoming_order_and_a_retry_the_same_order(
    url: str, file: Path
) -> None:
    _reviewed(url, file)
    code, output = invoke(url, "requests", "transfer", REQUEST)
    assert code == 0, output
    lines = output.splitlines()
    assert lines[0].startswith(f"order SO-{REQUEST}: origin web, incoming, SLA SLA-8H from ")
    assert lines[-1] == f"requests transfer {REQUEST}: transferred to SO-{REQUEST}"
    code, again = invoke(url, "requests", "transfer", REQUEST)
    assert code == 0
    assert again.splitlines() == [
        lines[0],
        f"requests transfer {REQUEST}: already transferred to SO-{REQUEST}",
    ]
    code, other = invoke(url, "requests", "transfer", REQUEST, "--order", "SO-9")
    assert code == 1
    assert "refused by rule request.transferred_once" in other
    store = open_store(url)
    try:
        with store.unit_of_work() as uow:
            orders = uow.service_orders.list()
    finally:
        store.dispose()
    assert [(o.id, o.origin, o.incoming, o.request_id) for o in orders] == [
        (f"SO-{REQUEST}", Origin.WEB, True, REQUEST)
    ]


def test_transfer_with_a_booking_proposal_and_the_sla_from_the_transfer(
    url: str, file: Path
) -> None:
    _reviewed(url, file)
    code, output = invoke(
        url, "requests", "transfer", REQUEST, "--order", "SO-1", "--propose-booking",
        "--sla-start", "transfer", "--visit", "PT2H",
    )  # fmt: skip
    assert code == 0, output
    lines = output.splitlines()
    assert lines[1] == (
        "requirement SO-1/visit: 2:00:00 in [2026-03-03T09:00:00+00:00, 2026-03-03T12:00:00+00:00)"
    )
    assert lines[2] == "proposal: nobody fits"
    submitted_at = json.loads(invoke(url, "requests", "show", REQUEST, "--customer", "C-1")[1])[
        "submitted_at"
    ]
    started = lines[0].rpartition(" from ")[2]
    assert started > submitted_at


def test_transfer_with_a_bad_visit_is_bad_input_naming_the_option(url: str, file: Path) -> None:
    _reviewed(url, file)
    code, output = invoke(url, "requests", "transfer", REQUEST, "--visit", "2h")
    assert code == 2
    assert "--visit='2h'" in output
    assert _stored(url) == [(REQUEST, RequestStatus.UNDER_REVIEW, None)]


def test_show_as_the_customer_is_the_portal_json_without_internal_notes(
    url: str, file: Path
) -> None:
    _reviewed(url, file)
    invoke(url, "requests", "note", REQUEST, "Internal", "--by", "W-1")
    invoke(url, "requests", "note", REQUEST, "Tuesday", "--by", "W-1", "--public")
    invoke(url, "requests", "transfer", REQUEST)
    code, output = invoke(url, "requests", "show", REQUEST, "--customer", "C-1")
    assert code == 0
    view = json.loads(output)
    assert view["request_id"] == REQUEST
    assert view["status"] == "transferred"
    assert view["order_id"] == f"SO-{REQUEST}"
    assert [note["text"] for note in view["notes"]] == ["Tuesday"]
    assert view["lines"][0]["symptom_code_id"] == "LEAK"
    code, output = invoke(url, "requests", "show", REQUEST, "--customer", "C-2")
    assert code == 2
    assert "not found" in output


def test_list_filters_by_status_as_a_table_or_json(url: str, file: Path, tmp_path: Path) -> None:
    _submitted(url, file)
    invoke(url, "requests", "submit", str(write_submission(tmp_path / "2.json",
           idempotency_key="portal-43")))  # fmt: skip
    invoke(url, "requests", "reject", "C-1/portal-43", "--reason", "DUP", "--by", "W-1")
    code, table = invoke(url, "requests", "list")
    assert code == 0
    assert [line.split()[:2] for line in table.splitlines()[3:]] == [
        [REQUEST, "submitted"],
        ["C-1/portal-43", "rejected"],
    ]
    code, output = invoke(url, "requests", "list", "--status", "rejected", "--format", "json")
    assert code == 0
    rows = json.loads(output)["tables"]["requests"]["rows"]
    assert [(row["id"], row["status"], row["order_id"]) for row in rows] == [
        ("C-1/portal-43", "rejected", None)
    ]


def test_an_unknown_request_is_bad_input(url: str) -> None:
    code, output = invoke(url, "requests", "review", "NOPE", "--by", "W-1")
    assert code == 2
    assert "id='NOPE': not found" in output


def test_a_taxonomy_not_stored_is_bad_input_naming_the_stored_ones(url: str, file: Path) -> None:
    code, output = invoke(url, "requests", "--taxonomy", "OFFICE", "submit", str(file))
    assert code == 2
    assert "fault_taxonomies.OFFICE: no such rule is stored; stored: HOME" in output


def test_a_retry_at_the_same_instant_is_still_unchanged(
    url: str, file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two runs reading one instant (two racers in one microsecond): "unchanged" comes from
    # whether the run committed, not from comparing the stored instants with its own.
    at = datetime.now(UTC)  # after the seeding's instants
    monkeypatch.setattr(SystemClock, "now", lambda _clock: at)
    _submitted(url, file)
    code, output = invoke(url, "requests", "submit", str(file))
    assert code == 0
    assert output.splitlines()[-1] == (
        f"requests submit submission.json: unchanged, submitted before as {REQUEST}"
    )
    assert invoke(url, "requests", "review", REQUEST, "--by", "W-1")[0] == 0
    assert invoke(url, "requests", "transfer", REQUEST)[1].splitlines()[-1] == (
        f"requests transfer {REQUEST}: transferred to SO-{REQUEST}"
    )
    assert invoke(url, "requests", "transfer", REQUEST)[1].splitlines()[-1] == (
        f"requests transfer {REQUEST}: already transferred to SO-{REQUEST}"
    )


def test_transfer_on_a_stage_graph_not_stored_is_bad_input_and_transfers_nothing(
    url: str, file: Path
) -> None:
    _reviewed(url, file)
    code, output = invoke(url, "requests", "--graph", "REPAIR", "transfer", REQUEST)
    assert code == 2
    assert "stage_graphs.REPAIR: no such rule is stored; stored: SERVICE" in output
    assert _stored(url) == [(REQUEST, RequestStatus.UNDER_REVIEW, None)]
