"""Repair parts on the order: replacements with an order line, add, remove and recycle parts.

Each operation is one unit of work over the service BOM, the service order (and the
service object whose warranty prices the line): on memory and SQLite, worked examples,
refusals that store nothing, a fault at any port call that stores nothing, law R6 (add
a part, then remove it: every derived status as before) and the warranty pricing rule
(never a higher price, never another cost).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import desk_adapters
from desk_adapters import Stores
from orders_fixtures import pump_agreement
from servicedomain.adapters.clocks import FixedClock
from servicedomain.adapters.memory import InMemoryEventPublisher, InMemoryStore, InMemoryUnitOfWork
from servicedomain.app import PartChange, RepairDesk, ServiceDesk
from servicedomain.errors import (
    InvalidBomError,
    InvalidInputError,
    InvalidPriceError,
    InvalidQuantityError,
    NotFoundError,
    RepairRuleError,
    ServiceDomainError,
    StageRuleError,
    TypeMismatchError,
)
from servicedomain.money import Money
from servicedomain.orders import (
    NewLine,
    TransactionType,
    WarrantyPricing,
    free_under_warranty,
    no_warranty_pricing,
    priced_under_warranty,
)
from servicedomain.repairs import (
    BillableItem,
    BomLine,
    BomLineReplaced,
    CoverageKind,
    RelationKind,
    TemplateBom,
    WarrantyCoverage,
    WarrantyStatus,
)
from servicedomain.stages import EXAMPLE_STAGE_GRAPH as GRAPH
from servicedomain.testing.domain_strategies import new_lines, warranty_statuses
from servicedomain.testing.faults import FaultPlan, InjectedFault

stores = desk_adapters.stores  # the fixture: each test on the memory and SQLite adapters

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MARCH = date(2026, 3, 1)
DAY = date(2026, 3, 4)
TEMPLATE = TemplateBom(
    id="T-PC",
    lines=(
        BomLine(line_id="1", item_id="PC", quantity=1, unit="pcs"),
        BomLine(line_id="2", item_id="GPU-1", quantity=1, parent_id="1", serial_number="G-100"),
    ),
)
PARTS = WarrantyCoverage.inclusive(CoverageKind.PARTS, date(2026, 1, 1), date(2026, 12, 31))
FAN = BomLine(line_id="F-1", item_id="FAN", quantity=2, unit="pcs", parent_id="1")


class World:
    """A store with OBJ-1 (parts warranty in 2026) on SO-7 by R-1, B-1 on R-1; the desks."""

    def __init__(
        self,
        stores: Stores,
        *,
        pricing: WarrantyPricing = no_warranty_pricing,
        store: Any = None,
    ) -> None:
        self.stores = stores
        self.store = stores.new() if store is None else store
        self.publisher = InMemoryEventPublisher()
        self.clock = FixedClock(AT)
        self.pricing = pricing
        self.desk = self.repair_desk()
        self.service = ServiceDesk(unit_of_work=self.open, clock=self.clock, graph=GRAPH)

    def open(self) -> Any:
        return self.stores.unit_of_work(self.store, publisher=self.publisher)

    def repair_desk(self, *, plan: FaultPlan | None = None, graph: Any = GRAPH) -> RepairDesk:
        def unit() -> Any:
            return self.open() if plan is None else plan.wrap(self.open())

        return RepairDesk(unit_of_work=unit, clock=self.clock, graph=graph, pricing=self.pricing)

    def set_up(self) -> World:
        self.desk.store_template(TEMPLATE)
        self.desk.create_object(
            id="OBJ-1", group_id="PCS", item_id="PC", serial_number="S-1", coverage=[PARTS]
        )
        self.service.create_order(order_id="SO-7", customer_id="C-1")
        self.service.create_order(order_id="SO-8", customer_id="C-1")  # not related
        with self.open() as uow:
            uow.agreements.add(pump_agreement("AG-1"))
            uow.commit()
        # The document owns the relation: one call relates the order (or agreement)
        # and caches the relation on the object.
        self.desk.relate("OBJ-1", relation_id="R-1", kind=RelationKind.ORDER, key="SO-7")
        self.desk.relate("OBJ-1", relation_id="R-2", kind=RelationKind.AGREEMENT, key="AG-1")
        self.desk.attach_template("OBJ-1", "R-1", bom_id="B-1", template_id="T-PC", on=MARCH)
        return self

    def add_fan(self, *, on: date = DAY) -> PartChange:
        return self.desk.add_part(
            "SO-7",
            "B-1",
            FAN,
            on=on,
            cost_price=Money(6, "EUR"),
            sales_price=Money(15, "EUR"),
        )

    def state(self) -> tuple[Any, ...]:
        """Everything stored that these operations touch, and what was published."""
        with self.stores.unit_of_work(self.store) as uow:
            return (
                uow.service_orders.list(),
                uow.service_boms.list(),
                uow.service_objects.list(),
                tuple(self.publisher.published),
            )


def world(stores: Stores, **options: Any) -> World:
    return World(stores, **options).set_up()


GPU_2 = BillableItem(item_id="GPU-2", quantity=1, unit="pcs", sales_price=Money(80, "EUR"))


def replace_gpu(desk: RepairDesk, *, order_id: str = "SO-7", on: date = DAY) -> Any:
    return desk.replace_bom_item(
        "B-1",
        "2",
        new_item_id="GPU-2",
        new_serial_number="G-200",
        order_line=GPU_2,
        on=on,
        order_id=order_id,
    )


# ------------------------------------------------------------ a replacement with a line


def test_a_replacement_with_an_order_line_puts_a_typed_item_line_on_the_order(
    stores: Stores,
) -> None:
    w = world(stores)
    bom = replace_gpu(w.desk)
    order = w.service.order("SO-7")
    (line,) = order.lines
    assert (line.transaction_type, line.item_id, line.quantity, line.unit) == (
        TransactionType.ITEM,
        "GPU-2",
        Decimal(1),
        "pcs",
    )
    assert (line.sales_price, line.cost_price) == (Money(80, "EUR"), Money(0, "EUR"))
    assert (line.service_object_id, line.execution_date) == ("OBJ-1", DAY)
    assert bom.changes[-1].name == "BomLineReplaced"
    assert [event.name for event in w.publisher.published[-2:]] == [
        "BomLineReplaced",
        "LineAdded",
    ]


def test_a_replacement_without_an_order_line_puts_nothing_on_the_order(stores: Stores) -> None:
    w = world(stores)
    bom = w.desk.replace_bom_item("B-1", "2", new_serial_number="G-200", on=DAY, order_id="SO-7")
    assert bom.line("2").serial_number == "G-200"
    assert w.service.order("SO-7").lines == ()
    # The order is still the one the change happened on: a stored order of the relation.
    replace = w.desk.replace_bom_item
    _refused(
        w,
        NotFoundError,
        lambda: replace("B-1", "2", new_serial_number="G-3", on=DAY, order_id="SO-NOT-STORED"),
    )


def _refused(w: World, error: type[ServiceDomainError], call: Any) -> ServiceDomainError:
    before = w.state()
    with pytest.raises(error) as caught:
        call()
    assert w.state() == before, "a refusal stores and publishes nothing"
    return caught.value


def test_a_replacement_with_an_order_line_is_refused_and_stores_nothing(stores: Stores) -> None:
    w = world(stores)
    _refused(w, NotFoundError, lambda: replace_gpu(w.desk, order_id="SO-NONE"))
    error = _refused(w, RepairRuleError, lambda: replace_gpu(w.desk, order_id="SO-8"))
    assert isinstance(error, RepairRuleError)
    assert error.rule == "bom.relation_not_on_order"
    assert "'R-1'" in str(error)
    assert "'SO-8'" in str(error)
    no_graph = w.repair_desk(graph=None)
    error = _refused(w, InvalidInputError, lambda: replace_gpu(no_graph))
    assert isinstance(error, InvalidInputError)
    assert error.field == "graph"
    for stage in ("PLANNED", "IN_PROCESS", "COMPLETED"):
        w.service.change_stage("SO-7", stage)
    _refused(w, StageRuleError, lambda: replace_gpu(w.desk))


def test_an_agreement_relation_the_order_carries_serves_as_the_boms_relation(
    stores: Stores,
) -> None:
    w = world(stores)
    w.desk.move_bom("B-1", "R-2")  # the BOM is now on the agreement relation
    error = _refused(w, RepairRuleError, lambda: replace_gpu(w.desk))
    assert isinstance(error, RepairRuleError)
    assert error.rule == "bom.relation_not_on_order"


# ------------------------------------------------------------------------------ parts


def test_add_remove_and_recycle_parts_each_an_item_line_and_a_bom_event(stores: Stores) -> None:
    w = world(stores)
    added = w.add_fan()
    fan_line = added.order.line(added.line_number)
    assert (fan_line.item_id, fan_line.quantity, fan_line.transaction_type) == (
        "FAN",
        Decimal(2),
        TransactionType.ITEM,
    )
    assert added.bom.line("F-1") == FAN
    assert added.bom.changes[-1].name == "BomLineInserted"
    assert w.service.order("SO-7") == added.order
    # Recycle one fan: the BOM quantity goes down, the order gets a recycle line.
    recycled = w.desk.recycle_part(
        "SO-7", "B-1", "F-1", 1, on=DAY, category_id="RECYCLE", cost_price=Money(2, "EUR")
    )
    back = recycled.order.line(recycled.line_number)
    assert (back.category_id, back.quantity, back.sales_price, back.cost_price) == (
        "RECYCLE",
        Decimal(1),
        Money(0, "EUR"),
        Money(2, "EUR"),
    )
    assert recycled.bom.line("F-1").quantity == Decimal(1)
    assert recycled.bom.changes[-1].name == "BomQuantityUpdated"
    # Remove the part: its item line goes, the BOM line is deleted.
    removed = w.desk.remove_part("SO-7", "B-1", "F-1", order_line=added.line_number, on=DAY)
    assert [line.number for line in removed.order.lines] == [recycled.line_number]
    assert "F-1" not in {line.line_id for line in removed.bom.current}
    assert removed.bom.changes[-1].name == "BomLineDeleted"
    assert [event.name for event in w.publisher.published[-6:]] == [
        "BomLineInserted",
        "LineAdded",
        "BomQuantityUpdated",
        "LineAdded",
        "BomLineDeleted",
        "LineRemoved",
    ]


def test_part_refusals_name_the_rule_or_the_argument_and_store_nothing(stores: Stores) -> None:
    w = world(stores)
    added = w.add_fan()
    desk = w.desk
    zero = BomLine(line_id="Z", item_id="FAN", quantity=0, parent_id="1")
    error = _refused(
        w,
        InvalidQuantityError,
        lambda: desk.add_part(
            "SO-7", "B-1", zero, on=DAY, cost_price=Money(1, "EUR"), sales_price=Money(1, "EUR")
        ),
    )
    assert isinstance(error, InvalidQuantityError)
    assert error.field == "line.quantity"
    _refused(w, InvalidBomError, w.add_fan)  # the line id F-1 is taken
    other = BomLine(line_id="F-2", item_id="FAN", quantity=1)
    error = _refused(
        w,
        RepairRuleError,
        lambda: desk.add_part(
            "SO-8", "B-1", other, on=DAY, cost_price=Money(1, "EUR"), sales_price=Money(1, "EUR")
        ),
    )
    assert isinstance(error, RepairRuleError)
    assert error.rule == "bom.relation_not_on_order"
    hours = w.service.add_line(
        "SO-7",
        NewLine(
            transaction_type=TransactionType.HOUR,
            quantity=1,
            cost_price=Money(40, "EUR"),
            sales_price=Money(80, "EUR"),
        ),
    )
    hour_number = hours.lines[-1].number
    error = _refused(
        w,
        RepairRuleError,
        lambda: desk.remove_part("SO-7", "B-1", "F-1", order_line=hour_number, on=DAY),
    )
    assert isinstance(error, RepairRuleError)
    assert error.rule == "part.other_line"
    error = _refused(
        w, RepairRuleError, lambda: desk.remove_part("SO-7", "B-1", "1", order_line=1, on=DAY)
    )
    assert isinstance(error, RepairRuleError)
    assert error.rule == "part.has_sub_lines"
    error = _refused(
        w,
        InvalidQuantityError,
        lambda: desk.recycle_part(
            "SO-7", "B-1", "F-1", 3, on=DAY, category_id="RECYCLE", cost_price=Money(1, "EUR")
        ),
    )
    assert isinstance(error, InvalidQuantityError)
    assert error.field == "delta"
    error = _refused(
        w,
        InvalidQuantityError,
        lambda: desk.recycle_part(
            "SO-7", "B-1", "F-1", 0, on=DAY, category_id="RECYCLE", cost_price=Money(1, "EUR")
        ),
    )
    assert isinstance(error, InvalidQuantityError)
    assert error.field == "quantity"
    # A part whose item line is posted never goes away; on a stage without modify,
    # nothing is removed either.
    for stage in ("PLANNED", "IN_PROCESS", "COMPLETED"):
        w.service.change_stage("SO-7", stage)
    _refused(
        w,
        StageRuleError,
        lambda: desk.remove_part("SO-7", "B-1", "F-1", order_line=added.line_number, on=DAY),
    )


# --------------------------------------------------------------------- fault injection

OPERATIONS: dict[str, Any] = {
    "replacement": replace_gpu,
    "add_part": lambda desk: desk.add_part(
        "SO-7",
        "B-1",
        BomLine(line_id="F-2", item_id="FAN", quantity=1),
        on=DAY,
        cost_price=Money(6, "EUR"),
        sales_price=Money(15, "EUR"),
    ),
    "remove_part": lambda desk: desk.remove_part("SO-7", "B-1", "F-1", order_line=1, on=DAY),
    "recycle_part": lambda desk: desk.recycle_part(
        "SO-7", "B-1", "F-1", 1, on=DAY, category_id="RECYCLE", cost_price=Money(2, "EUR")
    ),
    # After the set-up's replacement (order line 2, the fan being line 1).
    "revoke_replacement": lambda desk: desk.revoke_replacement(
        "SO-7", "B-1", "2", on=DAY, order_line=2
    ),
}


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_U1_a_part_operation_failing_at_any_port_call_stores_nothing(
    stores: Stores, operation: str
) -> None:
    """U1: a fault at step k of one operation leaves the store as it was; a rerun is one run."""

    def fresh() -> World:
        w = World(stores, pricing=free_under_warranty()).set_up()
        w.add_fan(on=MARCH)
        if operation == "revoke_replacement":
            replace_gpu(w.desk)
        return w

    counting = FaultPlan()
    reference = fresh()
    OPERATIONS[operation](reference.repair_desk(plan=counting))
    steps = len(counting.calls)
    assert steps >= 5  # BOM, order, object reads, two saves, collect, commit
    for k in range(1, steps + 1):
        w = fresh()
        before = w.state()
        with pytest.raises(InjectedFault):
            OPERATIONS[operation](w.repair_desk(plan=FaultPlan(fail_at=k)))
        assert w.state() == before, f"step {k} ({counting.calls[k - 1]}) stored something"
        OPERATIONS[operation](w.desk)
        assert w.state()[:3] == reference.state()[:3]


# -------------------------------------------------------------------------- law R6


def _derived(w: World) -> tuple[Any, ...]:
    """Every status derived from the order and the BOM (not versions, not history)."""
    order, bom = w.service.order("SO-7"), w.desk.service_bom("B-1")
    return (
        order.lines,
        order.progress,
        order.repair_status,
        bom.current,
        bom.as_of(MARCH),
        w.desk.warranty_status("OBJ-1", on=DAY),
    )


@given(
    quantity=st.integers(1, 5_000).map(lambda n: Decimal(n).scaleb(-3)),
    cost=st.integers(0, 10_000),
    sales=st.integers(0, 10_000),
    on=st.dates(MARCH, date(2027, 6, 30)),
    free=st.booleans(),
    under=st.sampled_from(["1", "2", None]),
)
def test_R6_adding_a_part_then_removing_it_restores_every_derived_status(
    *, quantity: Decimal, cost: int, sales: int, on: date, free: bool, under: str | None
) -> None:
    w = World(
        _MemoryStores(),  # type: ignore[arg-type]
        pricing=free_under_warranty() if free else no_warranty_pricing,
    ).set_up()
    before = _derived(w)
    part = BomLine(line_id="P", item_id="SSD", quantity=quantity, parent_id=under)
    added = w.desk.add_part(
        "SO-7",
        "B-1",
        part,
        on=on,
        cost_price=Money(Decimal(cost).scaleb(-2), "EUR"),
        sales_price=Money(Decimal(sales).scaleb(-2), "EUR"),
    )
    assert _derived(w) != before
    w.desk.remove_part("SO-7", "B-1", "P", order_line=added.line_number, on=on)
    assert _derived(w) == before


# ------------------------------------------------------------ revoking a replacement


def test_revoking_a_replacement_puts_the_old_part_back_and_removes_its_line(
    stores: Stores,
) -> None:
    w = world(stores)
    before = _derived(w)
    replace_gpu(w.desk)
    (line,) = w.service.order("SO-7").lines
    bom = w.desk.revoke_replacement("SO-7", "B-1", "2", on=DAY, order_line=line.number)
    assert (bom.line("2").item_id, bom.line("2").serial_number) == ("GPU-1", "G-100")
    assert [type(change).__name__ for change in bom.changes] == ["BomLineReplaced"] * 2
    back = bom.changes[-1]
    assert isinstance(back, BomLineReplaced)
    assert (back.old_serial_number, back.new_serial_number) == ("G-200", "G-100")
    assert _derived(w) == before
    # A replacement that was history only comes back without an order line.
    w.desk.replace_bom_item("B-1", "2", new_serial_number="G-300", on=DAY, order_id="SO-7")
    bom = w.desk.revoke_replacement("SO-7", "B-1", "2", on=DAY)
    assert bom.line("2").serial_number == "G-100"


def test_a_replacement_that_set_the_quantity_gets_the_old_quantity_back(
    stores: Stores,
) -> None:
    w = world(stores)
    w.desk.replace_bom_item(
        "B-1", "2", new_serial_number="G-2", quantity=3, on=DAY, order_id="SO-7"
    )
    bom = w.desk.revoke_replacement("SO-7", "B-1", "2", on=DAY)
    assert (bom.line("2").quantity, bom.line("2").serial_number) == (Decimal(1), "G-100")


def test_revoking_is_refused_where_it_would_not_undo_the_replacement(stores: Stores) -> None:
    w = world(stores)
    revoke = w.desk.revoke_replacement
    error = _refused(w, RepairRuleError, lambda: revoke("SO-7", "B-1", "2", on=DAY))
    assert isinstance(error, RepairRuleError)
    assert error.rule == "replacement.none"
    replace_gpu(w.desk)
    (line,) = w.service.order("SO-7").lines
    for call in (
        lambda: revoke("SO-7", "B-1", "2", on=DAY),  # the order line is not named
        lambda: revoke("SO-8", "B-1", "2", on=DAY, order_line=line.number),  # not its order
    ):
        error = _refused(w, RepairRuleError, call)
        assert isinstance(error, RepairRuleError)
        assert error.rule in {"replacement.order_line", "bom.relation_not_on_order"}
    w.add_fan()
    fan_line = w.service.order("SO-7").lines[-1].number
    error = _refused(
        w, RepairRuleError, lambda: revoke("SO-7", "B-1", "2", on=DAY, order_line=fan_line)
    )
    assert isinstance(error, RepairRuleError)
    assert error.rule == "replacement.order_line"
    # A later change of the line builds on the replacement: nothing to revoke then.
    w.desk.update_bom_quantity("B-1", "2", 1, on=DAY, order_id="SO-7")
    error = _refused(
        w, RepairRuleError, lambda: revoke("SO-7", "B-1", "2", on=DAY, order_line=line.number)
    )
    assert isinstance(error, RepairRuleError)
    assert error.rule == "replacement.none"
    _refused(w, NotFoundError, lambda: revoke("SO-7", "B-9", "2", on=DAY))
    _refused(w, InvalidBomError, lambda: revoke("SO-7", "B-1", "9", on=DAY))


@given(
    item=st.sampled_from([None, "GPU-2", "GPU-3"]),
    quantity=st.sampled_from([None, 1, 2, Decimal("0.5")]),
    billed=st.booleans(),
    on=st.dates(DAY, date(2027, 6, 30)),
    free=st.booleans(),
)
def test_R6_replacing_a_part_then_revoking_it_restores_every_derived_status(
    *, item: str | None, quantity: Any, billed: bool, on: date, free: bool
) -> None:
    w = World(
        _MemoryStores(),  # type: ignore[arg-type]
        pricing=free_under_warranty() if free else no_warranty_pricing,
    ).set_up()
    before = _derived(w)
    w.desk.replace_bom_item(
        "B-1",
        "2",
        new_item_id=item,
        new_serial_number="G-NEW",
        quantity=quantity,
        order_line=GPU_2 if billed else None,
        on=on,
        order_id="SO-7",
    )
    assert _derived(w) != before
    lines = w.service.order("SO-7").lines
    number = lines[-1].number if billed else None
    w.desk.revoke_replacement("SO-7", "B-1", "2", on=on, order_line=number)
    assert _derived(w) == before


class _MemoryStores:
    """The memory half of the ``stores`` fixture, for a Hypothesis test (no fixture)."""

    def new(self) -> InMemoryStore:
        return InMemoryStore()

    def unit_of_work(self, store: InMemoryStore, *, publisher: Any = None) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(store, publisher=publisher)


# ------------------------------------------------------------------ warranty pricing


def test_a_part_under_parts_warranty_is_free_and_keeps_its_cost(stores: Stores) -> None:
    w = world(stores, pricing=free_under_warranty(parts=True, labour=True))
    added = w.add_fan()
    line = added.order.line(added.line_number)
    assert (line.sales_price, line.cost_price) == (Money(0, "EUR"), Money(6, "EUR"))
    replace_gpu(w.desk)
    assert w.service.order("SO-7").lines[-1].sales_price == Money(0, "EUR")


def test_an_hour_line_with_only_parts_coverage_is_charged(stores: Stores) -> None:
    w = world(stores, pricing=free_under_warranty())
    hours = NewLine(
        transaction_type=TransactionType.HOUR,
        quantity=2,
        unit="h",
        cost_price=Money(40, "EUR"),
        sales_price=Money(85, "EUR"),
        service_object_id="OBJ-1",
        execution_date=DAY,
    )
    order = w.desk.add_order_line("SO-7", hours)
    assert order.lines[-1].sales_price == Money(85, "EUR")
    w.desk.change_warranty(
        "OBJ-1",
        CoverageKind.LABOUR,
        WarrantyCoverage.inclusive(CoverageKind.LABOUR, MARCH, DAY).period,
    )
    order = w.desk.add_order_line("SO-7", hours)
    assert order.lines[-1].sales_price == Money(0, "EUR")


def test_a_line_the_day_after_the_coverage_ends_is_charged(stores: Stores) -> None:
    w = world(stores, pricing=free_under_warranty())
    last = w.add_fan(on=date(2026, 12, 31))
    assert last.order.lines[-1].sales_price == Money(0, "EUR")
    after = w.desk.add_part(
        "SO-7",
        "B-1",
        BomLine(line_id="F-2", item_id="FAN", quantity=1),
        on=date(2027, 1, 1),
        cost_price=Money(6, "EUR"),
        sales_price=Money(15, "EUR"),
    )
    assert after.order.lines[-1].sales_price == Money(15, "EUR")


def test_the_default_pricing_changes_no_price(stores: Stores) -> None:
    w = world(stores)
    assert w.add_fan().order.lines[-1].sales_price == Money(15, "EUR")


def test_a_pricing_rule_that_raises_a_price_or_changes_the_cost_is_refused(
    stores: Stores,
) -> None:
    def dearer(line: NewLine, status: WarrantyStatus) -> NewLine:
        return line.__class__(
            **{**_fields(line), "sales_price": line.sales_price + Money(1, "EUR")}
        )

    def cheaper_cost(line: NewLine, status: WarrantyStatus) -> NewLine:
        return line.__class__(**{**_fields(line), "cost_price": Money(0, "EUR")})

    def not_a_line(line: NewLine, status: WarrantyStatus) -> NewLine:
        return "free"  # type: ignore[return-value]

    for rule, error in (
        (dearer, InvalidPriceError),
        (cheaper_cost, InvalidPriceError),
        (not_a_line, TypeMismatchError),
    ):
        w = world(stores, pricing=rule)
        refused = _refused(w, error, w.add_fan)
        assert isinstance(refused, InvalidInputError)
        assert refused.field == "pricing"


def _fields(line: NewLine) -> dict[str, Any]:
    return attrs.asdict(line, recurse=False)


def test_free_under_warranty_refuses_a_bad_flag_by_name() -> None:
    with pytest.raises(TypeMismatchError, match="parts"):
        free_under_warranty(parts="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeMismatchError, match="labour"):
        free_under_warranty(labour=None)  # type: ignore[arg-type]


@given(
    line=new_lines(),
    status=warranty_statuses(),
    parts=st.booleans(),
    labour=st.booleans(),
)
def test_warranty_pricing_never_raises_a_price_and_never_changes_the_cost(
    line: NewLine, status: WarrantyStatus, parts: bool, labour: bool
) -> None:
    priced = priced_under_warranty(free_under_warranty(parts=parts, labour=labour), line, status)
    assert priced.sales_price <= line.sales_price
    assert priced.cost_price == line.cost_price
    kind = {TransactionType.ITEM: CoverageKind.PARTS, TransactionType.HOUR: CoverageKind.LABOUR}
    covered = line.transaction_type in kind and status.covered(kind[line.transaction_type])
    wanted = {CoverageKind.PARTS: parts, CoverageKind.LABOUR: labour}
    free = covered and wanted[kind[line.transaction_type]]
    assert priced.sales_price == (Money(0, "EUR") if free else line.sales_price)
    assert priced_under_warranty(no_warranty_pricing, line, status) == line
