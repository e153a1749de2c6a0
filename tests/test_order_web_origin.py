"""An order transferred from a customer request: incoming, request_id and the SLA start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest

from servicedomain.errors import InvalidInputError, NaiveDatetimeError
from servicedomain.orders import Origin, ServiceOrder
from servicedomain.serialization import from_dict, to_dict
from servicedomain.stages import EXAMPLE_STAGE_GRAPH as GRAPH

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _web(**changes: object) -> ServiceOrder:
    fields: dict[str, object] = {
        "id": "SO-1",
        "customer_id": "C-1",
        "at": AT,
        "origin": Origin.WEB,
        "incoming": True,
        "request_id": "REQ-1",
        **changes,
    }
    order, _ = ServiceOrder.create(GRAPH, **fields)  # type: ignore[arg-type]
    return order


def test_an_order_keeps_incoming_and_request_id_through_its_operations() -> None:
    order = _web()
    assert (order.origin, order.incoming, order.request_id) == (Origin.WEB, True, "REQ-1")
    later, _ = order.change_stage(GRAPH, "PLANNED", at=AT + timedelta(hours=1))
    assert (later.incoming, later.request_id) == (True, "REQ-1")
    assert from_dict(ServiceOrder, to_dict(later)) == later


def test_a_default_order_is_not_incoming_and_has_no_request() -> None:
    order, _ = ServiceOrder.create(GRAPH, id="SO-1", customer_id="C-1", at=AT)
    assert (order.incoming, order.request_id) == (False, None)


@pytest.mark.parametrize("origin", [Origin.USER, Origin.SYSTEM])
def test_a_request_id_needs_origin_web(origin: Origin) -> None:
    with pytest.raises(InvalidInputError) as caught:
        _web(origin=origin)
    assert (caught.value.field, caught.value.value) == ("request_id", "REQ-1")
    with pytest.raises(InvalidInputError, match="request_id"):
        attrs.evolve(_web(), origin=origin)


def test_the_sla_clock_starts_at_sla_started_at() -> None:
    submitted = AT - timedelta(hours=5)
    order = _web(sla_id="SLA-1", sla_started_at=submitted)
    assert [entry.at for entry in order.sla_log] == [submitted]
    assert order.recorded_at == AT
    assert [entry.at for entry in _web(sla_id="SLA-1").sla_log] == [AT]


def test_the_sla_clock_does_not_start_after_the_order_is_created() -> None:
    with pytest.raises(InvalidInputError) as caught:
        _web(sla_id="SLA-1", sla_started_at=AT + timedelta(seconds=1))
    assert caught.value.field == "sla_started_at"
    with pytest.raises(NaiveDatetimeError) as naive:
        _web(sla_id="SLA-1", sla_started_at=datetime(2026, 3, 2, 8))  # noqa: DTZ001
    assert naive.value.field == "sla_started_at"


def test_incoming_must_be_a_bool() -> None:
    with pytest.raises(InvalidInputError) as caught:
        _web(incoming=1)
    assert caught.value.field == "incoming"
