"""The data of the ``requests`` command tests: rules, an agreement with a pump, a submission.

Shared by the CLI tests and the race tests' spawned workers (a top-level module they
import by name).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from servicedomain.adapters.clocks import SystemClock
from servicedomain.adapters.sql import open_store
from servicedomain.agreements import AgreementGroup
from servicedomain.app import RepairDesk, ServiceDesk
from servicedomain.cli import RULE_CODEC, cli, stored_rules
from servicedomain.repairs import RelationKind

RULES = """\
[[stage_graphs.SERVICE.stages]]
id = "NEW"

[calendars.DAY]
zone = "UTC"

[calendars.DAY.weekly]
mon = ["08:00-17:00"]
tue = ["08:00-17:00"]
wed = ["08:00-17:00"]
thu = ["08:00-17:00"]
fri = ["08:00-17:00"]

[slas.SLA-8H]
resolution = "PT8H"
calendar = "DAY"

[fault_taxonomies.HOME]
symptom_areas = [{ id = "HEAT", description = "heating" }]
symptom_codes = [{ area = "HEAT", id = "LEAK", description = "leaks" }]
conditions = [{ id = "ALWAYS", description = "always" }]
"""

SUBMISSION: dict[str, Any] = {
    "customer": "C-1",
    "contact": "Ann",
    "agreement": "AG-1",
    "relations": ["AG-1/PUMP-1"],
    "window": {"start": "2026-03-03T09:00", "end": "2026-03-03T12:00"},
    "address": "Storgatan 1",
    "lines": [
        {
            "number": 1,
            "relation": "AG-1/PUMP-1",
            "condition": "ALWAYS",
            "symptom_area": "HEAT",
            "symptom_code": "LEAK",
            "description": "drips",
        }
    ],
    "text": "The pump drips",
    "attachments": ["photo-1.jpg"],
    "idempotency_key": "portal-42",
}


def invoke(url: str, *args: str) -> tuple[int, str]:
    """Run ``servicedomain --db url args`` in this process: the exit code and the output."""
    result = CliRunner().invoke(cli, ["--db", url, *args], catch_exceptions=False)
    return result.exit_code, result.output


def seed(url: str, folder: Path) -> None:
    """Upgrade the database, load :data:`RULES`, store AG-1 (SLA-8H) of C-1 and its pump."""
    rules = folder / "rules.toml"
    rules.write_text(RULES, encoding="utf-8")
    assert invoke(url, "db", "upgrade")[0] == 0
    assert invoke(url, "rules", "load", str(rules))[0] == 0
    store = open_store(url, codecs=(RULE_CODEC,))
    try:
        clock = SystemClock()
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


def write_submission(path: Path, **changes: Any) -> Path:
    """Write :data:`SUBMISSION` (with ``changes``) as JSON to ``path``."""
    path.write_text(json.dumps({**SUBMISSION, **changes}), encoding="utf-8")
    return path
