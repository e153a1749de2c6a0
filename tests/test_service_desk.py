"""The service desk (issue 12, item 1): every service-side use case, one unit of work each.

Each method is checked on its happy path and its refusals (a refusal saves and
publishes nothing), for law U1 (a fault at any port call of its unit of work leaves
nothing behind and a retry equals one fault-free run), and for publishing only after
commit. Its parameters are explicit and typed: mypy (``--strict``, which warns on an
unused ``type: ignore``) refuses the misspelt keywords below, and so does Python.
"""

# Tests are named after the law they check (test_U1_...), as invariants.md asks.

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast

import attrs
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import desk_adapters
from desk_adapters import Store, Stores, UnitOfWork, Wrapped
from orders_fixtures import AT, boiler_order, line, pump_agreement
from servicedomain import ServiceDesk
from servicedomain.adapters.clocks import FixedClock
from servicedomain.adapters.memory import (
    InMemoryEventPublisher,
    InMemoryJournal,
    InMemoryServiceUnitOfWork,
)
from servicedomain.adapters.sql import SqlJournal
from servicedomain.agreements import (
    AgreementGroup,
    Generation,
    LinesCopied,
    NewAgreementLine,
    ServiceAgreement,
    ServiceTemplate,
)
from servicedomain.errors import (
    AgreementRuleError,
    AlreadyExistsError,
    ConcurrencyConflictError,
    InvalidInputError,
    InvalidPauseError,
    ItemRequirementError,
    NotFoundError,
    OrderRuleError,
    ReasonRequiredError,
    ServiceDomainError,
    StageRuleError,
    TransitionNotAllowedError,
    TypeMismatchError,
    UnknownLineError,
)
from servicedomain.money import Money
from servicedomain.orders import (
    ItemRequirement,
    JournalEntry,
    LineStatus,
    MovedLines,
    ServiceOrder,
    ServiceTask,
    TransactionType,
)
from servicedomain.periods import DateRange
from servicedomain.ports import AgreementUnitOfWork, Journal
from servicedomain.repairs import FaultTaxonomy, RelationKind, RepairStatus, ServiceObjectRelation
from servicedomain.sla import (
    Allowance,
    ServiceLevelAgreement,
    SlaParameters,
    SlaStatus,
    SlaTargets,
)
from servicedomain.stages import EXAMPLE_STAGE_GRAPH as GRAPH
from servicedomain.stages import ReasonCode
from servicedomain.testing.faults import FaultPlan, InjectedFault

NOW = AT + timedelta(hours=1)
MARCH = DateRange(date(2026, 3, 1), date(2026, 4, 1))
REASON = ReasonCode("LATE", "Parts were late")
SLA = ServiceLevelAgreement(id="SLA-1", targets=SlaTargets(resolution=Allowance(hours=8)))
HOURS = line(TransactionType.HOUR, "2", "40.00", "85.00")
ITEM = line(TransactionType.ITEM, "1", "10.00", "25.00")
REQUIREMENT = ItemRequirement(id="IR-1", item_id="FILTER-20", quantity=Decimal(2))
TAXONOMY = FaultTaxonomy.from_dict(
    {
        "symptom_areas": [{"id": "pump"}],
        "symptom_codes": [{"area": "pump", "id": "noise"}],
        "repair_stages": [{"id": "OPEN"}, {"id": "DONE", "finished": True}],
    }
)
OBJECT = ServiceObjectRelation("REL-PUMP-2", "PUMP-2", RelationKind.ORDER, "SO-1")
AGREEMENT_OBJECT = ServiceObjectRelation("AG-9/PUMP-2", "PUMP-2", RelationKind.AGREEMENT, "AG-9")
TASK = ServiceTask("CLEAN", "Cleaning")
TEMPLATE_LINE = NewAgreementLine(
    transaction_type=TransactionType.FEE,
    quantity=1,
    cost_price=Money(0, "EUR"),
    sales_price=Money(30, "EUR"),
    start_date=date(2026, 1, 1),
)


def _completed(order: ServiceOrder) -> ServiceOrder:
    for stage in ("PLANNED", "IN_PROCESS", "COMPLETED"):
        order, _ = order.change_stage(GRAPH, stage, at=AT)
    return order


@attrs.define
class World:
    """A store of an adapter with orders and agreements, its journals and its publisher."""

    stores: Stores
    store: Store = attrs.field(init=False)
    publisher: InMemoryEventPublisher = attrs.Factory(InMemoryEventPublisher)
    journals: dict[TransactionType, Journal[JournalEntry]] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.store = self.stores.new()
        self.journals = {
            kind: self.stores.journal(self.store, kind.name, JournalEntry)
            for kind in TransactionType
        }

    def uow(self, *, publisher: InMemoryEventPublisher | None = None) -> UnitOfWork:
        """A fresh unit of work over the store."""
        return self.stores.unit_of_work(self.store, publisher=publisher)

    def desk(
        self,
        plan: FaultPlan | None = None,
        *,
        sla_parameters: SlaParameters | None = None,
    ) -> ServiceDesk:
        def unit_of_work() -> AgreementUnitOfWork:
            uow: AgreementUnitOfWork = self.uow(publisher=self.publisher)
            return uow if plan is None else plan.wrap(uow)

        return ServiceDesk(
            unit_of_work=unit_of_work,
            clock=FixedClock(NOW),
            graph=GRAPH,
            slas={"SLA-1": SLA},
            sla_parameters=sla_parameters,
            journals=self.journals,
            taxonomy=TAXONOMY,
        )

    def state(self) -> object:
        uow = self.uow()
        return (
            uow.service_orders.list(),
            uow.agreements.list(),
            {kind: recorded(journal) for kind, journal in self.journals.items()},
            self.publisher.published,
        )

    def stored(self, order_id: str) -> ServiceOrder:
        return self.uow().service_orders.get(order_id)


def recorded(journal: Journal[JournalEntry]) -> tuple[tuple[str, JournalEntry], ...]:
    """What a journal of either adapter recorded (both have ``recorded``)."""
    assert isinstance(journal, InMemoryJournal | SqlJournal)
    return journal.recorded


stores = desk_adapters.stores  # the fixture: each test on the memory and SQLite adapters
sqlite_stores = desk_adapters.sqlite_stores
THOROUGH = settings.get_current_profile_name() == "thorough"


def world(stores: Stores) -> World:
    """SO-1 (Created, hours), SO-2 and SO-3 on AG-1, SO-C canceled, SO-I item line with a
    project, SO-R with a requirement, SO-S with a running SLA, SO-P and SO-Q completed and
    signed off, SO-X with a repair line on its boiler; agreements AG-1 (SLA-1 by its
    group) and AG-2."""
    w = World(stores)
    orders = w.store.repository(ServiceOrder)
    canceled, _ = boiler_order("SO-C", HOURS).cancel(GRAPH, at=AT)
    item = attrs.evolve(boiler_order("SO-I", ITEM), project_id="P-1")
    required, _ = attrs.evolve(boiler_order("SO-R", ITEM), project_id="P-1").add_item_requirement(
        GRAPH, 1, REQUIREMENT, at=AT
    )
    on_agreement = [
        attrs.evolve(boiler_order(order_id, HOURS, HOURS), agreement_id="AG-1")
        for order_id in ("SO-2", "SO-3")
    ]
    sla_order, _ = ServiceOrder.create(
        GRAPH, id="SO-S", customer_id="C-1", at=AT, sla_id="SLA-1", lines=[HOURS]
    )
    posted = [_completed(boiler_order(order_id, HOURS, ITEM)) for order_id in ("SO-P", "SO-Q")]
    posted = [order.sign_off(at=AT)[0] for order in posted]
    repairing, _ = boiler_order("SO-X", HOURS).add_repair_line(
        GRAPH, TAXONOMY, relation_id="REL-BOILER-1", at=AT, symptom_area_id="pump"
    )
    for order in (boiler_order("SO-1", HOURS), canceled, item, required, sla_order, repairing):
        orders.add(order)
    for order in (*on_agreement, *posted):
        orders.add(order)
    agreements = w.store.repository(ServiceAgreement)
    agreements.add(pump_agreement("AG-1", default_sla_id="SLA-1"))
    agreements.add(pump_agreement("AG-2"))
    return w


# ----------------------------------------------------------- what every method does

Use = Callable[[ServiceDesk], object]

# Every writing method of the desk, once, on the world above: the U1 sweep runs each.
USES: dict[str, Use] = {
    "create_order": lambda d: d.create_order(
        order_id="SO-9", customer_id="C-1", agreement_id="AG-1", lines=[HOURS]
    ),
    "change_stage": lambda d: d.change_stage("SO-1", "PLANNED"),
    "sign_off": lambda d: d.sign_off("SO-1"),
    "cancel_order": lambda d: d.cancel_order("SO-1", reason=REASON),
    "revoke_cancel": lambda d: d.revoke_cancel("SO-C"),
    "delete_order": lambda d: d.delete_order("SO-1"),
    "add_line": lambda d: d.add_line("SO-1", ITEM),
    "change_line": lambda d: d.change_line("SO-1", 1, quantity=Decimal(3)),
    "remove_line": lambda d: d.remove_line("SO-1", 1),
    "cancel_line": lambda d: d.cancel_line("SO-1", 1),
    "revoke_line_cancel": lambda d: d.revoke_line_cancel("SO-C", 1),
    "relate_object": lambda d: d.relate_object("SO-1", OBJECT),
    "relate_task": lambda d: d.relate_task("SO-1", TASK),
    "add_repair_line": lambda d: d.add_repair_line(
        "SO-1", relation_id="REL-BOILER-1", symptom_area_id="pump", symptom_code_id="noise"
    ),
    "change_repair_line": lambda d: d.change_repair_line("SO-X", 1, note="Bearing worn"),
    "move_repair_line": lambda d: d.move_repair_line("SO-X", 1, "DONE"),
    "delete_repair_line": lambda d: d.delete_repair_line("SO-X", 1),
    "add_item_requirement": lambda d: d.add_item_requirement("SO-I", 1, REQUIREMENT),
    "remove_item_requirement": lambda d: d.remove_item_requirement("SO-R", 1, "IR-1"),
    "move_lines": lambda d: d.move_lines("SO-2", "SO-3", [1, 2], drop_empty_source=True),
    "start_sla": lambda d: (d.stop_sla("SO-S"), d.start_sla("SO-S")),
    "stop_sla": lambda d: d.stop_sla("SO-S", reason=REASON),
    "cancel_sla": lambda d: d.cancel_sla("SO-S"),
    "post_orders": lambda d: d.post_orders(
        order_ids=["SO-P", "SO-Q"], period=MARCH, types=set(TransactionType)
    ),
    "create_agreement": lambda d: d.create_agreement(
        agreement_id="AG-9",
        customer_id="C-9",
        group=AgreementGroup("G"),
        start_date=date(2026, 1, 1),
        lines=[TEMPLATE_LINE],
    ),
    "add_agreement_line": lambda d: d.add_agreement_line("AG-1", TEMPLATE_LINE),
    "change_agreement_line": lambda d: d.change_agreement_line("AG-1", 1, quantity=Decimal(2)),
    "stop_agreement_line": lambda d: d.stop_agreement_line("AG-1", 1),
    "restart_agreement_line": lambda d: (
        d.stop_agreement_line("AG-1", 1),
        d.restart_agreement_line("AG-1", 1),
    ),
    "suspend_agreement": lambda d: d.suspend_agreement("AG-1"),
    "resume_agreement": lambda d: (d.suspend_agreement("AG-1"), d.resume_agreement("AG-1")),
    "relate_agreement_object": lambda d: d.relate_agreement_object(
        "AG-1", attrs.evolve(AGREEMENT_OBJECT, key="AG-1")
    ),
    "relate_agreement_task": lambda d: d.relate_agreement_task("AG-1", TASK),
    "copy_template_lines": lambda d: d.copy_template_lines(
        "AG-2", ServiceTemplate(id="T-1", group_id="TG", lines=(_template_line(),))
    ),
    "copy_agreement_lines": lambda d: d.copy_agreement_lines("AG-2", "AG-1"),
    "generate_orders": lambda d: d.generate_orders(
        agreement_ids=["AG-1", "AG-2"], period=MARCH, types={TransactionType.HOUR}
    ),
}


# The second unit of work of the uses made of two.
SECOND: dict[str, Use] = {
    "start_sla": lambda d: d.start_sla("SO-S"),
    "restart_agreement_line": lambda d: d.restart_agreement_line("AG-1", 1),
    "resume_agreement": lambda d: d.resume_agreement("AG-1"),
}


def _template_line() -> Any:
    agreement, _ = ServiceAgreement.create(
        id="AG-T",
        customer_id="C-1",
        group=AgreementGroup("G"),
        start_date=date(2026, 1, 1),
        at=AT,
        lines=[TEMPLATE_LINE],
    )
    return agreement.line(1)


def test_every_public_method_of_the_desk_is_swept_here() -> None:
    reads = {"order", "agreement", "measure_sla"}
    public = {name for name in dir(ServiceDesk) if not name.startswith("_")}
    assert public - reads == USES.keys()


@pytest.mark.parametrize("name", sorted(USES))
def test_U1_each_desk_method_is_one_unit_of_work_a_fault_anywhere_then_a_retry_is_one_run(
    name: str, stores: Stores
) -> None:
    use = USES[name]
    reference = world(stores)
    use(reference.desk())
    expected = reference.state()
    assert expected != world(stores).state(), f"{name} changed nothing"
    counting, plan = world(stores), FaultPlan()
    use(counting.desk(plan))
    assert plan.calls[-1] == "commit", plan.calls
    for k in range(1, len(plan.calls) + 1):
        w, faulty = world(stores), FaultPlan(fail_at=k)
        with pytest.raises(InjectedFault):
            use(w.desk(faulty))
        if k == 1 or "commit" not in plan.calls[: k - 1]:
            # nothing committed before the fault: nothing is left of the run
            assert w.state() == world(stores).state(), f"{name}: fault at {k} left something"
        if name in SECOND and "commit" in plan.calls[: k - 1]:
            SECOND[name](w.desk())  # two units of work: the retry goes on from the first
        else:
            use(w.desk())
        assert w.state() == expected, f"{name}: fault at step {k} ({faulty.calls[-1]})"


@pytest.mark.parametrize("name", sorted(USES))
def test_events_are_published_only_after_the_commit_and_carry_the_clock_time(
    name: str, stores: Stores
) -> None:
    w = world(stores)

    def committed() -> object:
        uow = w.uow()
        return uow.service_orders.list(), uow.agreements.list()

    snapshots = [committed()]

    class Publisher(InMemoryEventPublisher):
        def publish(self, events: Any) -> None:
            # what is committed when the events arrive: the changes they describe
            snapshots.append(committed())
            assert all(event.occurred_at == NOW for event in events)
            super().publish(events)

    w.publisher = Publisher()
    USES[name](w.desk())
    assert len(snapshots) > 1
    for earlier, later in itertools.pairwise(snapshots):
        assert later != earlier, "events published before their changes were committed"
    assert snapshots[-1] == committed()


def _snapshots(result: object) -> list[ServiceOrder | ServiceAgreement]:
    """The orders and agreements a desk method returned, wherever they sit in its result."""
    if isinstance(result, ServiceOrder | ServiceAgreement):
        return [result]
    if isinstance(result, tuple):
        return [snapshot for part in result for snapshot in _snapshots(part)]
    if isinstance(result, Generation):
        return list(result.orders)
    if isinstance(result, MovedLines):
        return _snapshots((result.target, result.source))
    return []


@pytest.mark.parametrize("name", sorted(USES))
def test_forgetting_commit_is_impossible_a_fresh_unit_of_work_sees_every_write(
    name: str, stores: Stores
) -> None:
    """Issue 12, item 1: once a write method returns, its change is committed.

    A unit of work of the in-memory adapter holds its writes until ``commit``, so a
    method that decided and saved but did not commit leaves a fresh unit of work
    seeing nothing; and every snapshot the method returns is the stored one.
    """
    w = world(stores)

    def fresh() -> tuple[list[ServiceOrder], list[ServiceAgreement]]:
        uow = w.uow()
        return uow.service_orders.list(), uow.agreements.list()

    before = fresh()
    result = USES[name](w.desk())
    assert fresh() != before, f"{name}: a fresh unit of work sees no change"
    if name in SECOND:  # two uses: the second's snapshot is the stored one
        result = result[-1]  # type: ignore[index]
    uow = w.uow()
    for snapshot in _snapshots(result):
        stored = uow.service_orders if isinstance(snapshot, ServiceOrder) else uow.agreements
        assert stored.get(snapshot.id) == snapshot, f"{name}: {snapshot.id} is not stored"


# ------------------------------------------------------------------- construction


def test_the_desk_checks_its_configuration_once_naming_the_argument() -> None:
    good: dict[str, Any] = {"unit_of_work": InMemoryServiceUnitOfWork, "clock": FixedClock(NOW)}
    for argument, bad in (
        ("unit_of_work", object()),
        ("clock", object()),
        ("graph", "GRAPH"),
        ("slas", {"SLA-1": "SLA"}),
        ("sla_parameters", object()),
        ("journals", {"HOUR": InMemoryJournal[JournalEntry]("H")}),
        ("closed_days", object()),
        ("zone", "Mars/Olympus"),
    ):
        arguments = {**good, "graph": GRAPH, argument: bad}
        with pytest.raises(ServiceDomainError) as caught:
            ServiceDesk(**arguments)
        assert argument in str(caught.value)


def test_a_factory_that_makes_no_unit_of_work_is_refused_at_the_first_use() -> None:
    desk = ServiceDesk(unit_of_work=object, clock=FixedClock(NOW), graph=GRAPH)  # type: ignore[arg-type]
    with pytest.raises(TypeMismatchError) as caught:
        desk.order("SO-1")
    assert caught.value.field == "unit_of_work()"


def test_the_methods_take_explicit_typed_parameters_and_refuse_a_misspelt_keyword(
    stores: Stores,
) -> None:
    for name, member in inspect.getmembers(ServiceDesk, inspect.isfunction):
        kinds = {p.kind for p in inspect.signature(member).parameters.values()}
        if name in {"change_line", "change_agreement_line", "change_repair_line"}:
            continue  # **changes: Unpack[LineChanges], a TypedDict mypy checks key by key
        assert inspect.Parameter.VAR_KEYWORD not in kinds, name
    desk = world(stores).desk()
    with pytest.raises(TypeError):
        desk.create_order(order_id="SO-9", customer_id="C-1", descripton="x")  # type: ignore[call-arg]
    with pytest.raises(ServiceDomainError):
        desk.create_order(order_id="SO-9", customer_id="C-1", priority="high")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError) as caught:
        desk.change_line("SO-1", 1, descripton="x")  # type: ignore[call-arg]
    assert caught.value.field == "descripton"


# ---------------------------------------------------------------------- the orders


def test_create_order_by_hand_takes_the_sla_of_the_agreement_group_and_starts_its_clock(
    stores: Stores,
) -> None:
    w = world(stores)
    order = w.desk().create_order(
        order_id="SO-9", customer_id="C-1", agreement_id="AG-1", lines=[HOURS]
    )
    assert (order.version, order.sla_id, order.stage_id) == (1, "SLA-1", GRAPH.root.id)
    assert w.stored("SO-9") == order
    assert w.desk().measure_sla("SO-9").status is SlaStatus.WITHIN
    own = w.desk().create_order(
        order_id="SO-10", customer_id="C-1", agreement_id="AG-2", sla_id="SLA-1"
    )
    assert own.sla_id == "SLA-1"
    assert (
        w.desk().create_order(order_id="SO-11", customer_id="C", agreement_id="AG-2").sla_id is None
    )


def test_create_order_refuses_a_taken_id_and_an_unknown_agreement_storing_nothing(
    stores: Stores,
) -> None:
    w = world(stores)
    before = w.state()
    with pytest.raises(AlreadyExistsError):
        w.desk().create_order(order_id="SO-1", customer_id="C-1")
    with pytest.raises(NotFoundError):
        w.desk().create_order(order_id="SO-9", customer_id="C-1", agreement_id="AG-404")
    assert w.state() == before


def test_lines_record_hours_expenses_items_and_fees_and_change_and_go(stores: Stores) -> None:
    w = world(stores)
    desk = w.desk()
    for kind in TransactionType:
        desk.add_line("SO-1", line(kind, "1", "1.00", "2.00"))
    order = desk.change_line("SO-1", 2, quantity=Decimal(4), description="filters")
    assert [li.transaction_type for li in order.lines][1:] == list(TransactionType)
    assert (order.line(2).quantity, order.line(2).description) == (Decimal(4), "filters")
    order = desk.remove_line("SO-1", 1)
    assert 1 not in order.line_numbers
    assert desk.cancel_line("SO-1", 2).line(2).status is LineStatus.CANCELED
    assert desk.revoke_line_cancel("SO-1", 2).line(2).status is LineStatus.CREATED
    assert w.stored("SO-1") == desk.order("SO-1")
    with pytest.raises(UnknownLineError):
        desk.remove_line("SO-1", 99)
    with pytest.raises(InvalidInputError):
        desk.change_line("SO-1", 2)


def test_relations_attach_and_relating_again_changes_nothing(stores: Stores) -> None:
    w = world(stores)
    desk = w.desk()
    order = desk.relate_object("SO-1", OBJECT)
    order = desk.relate_task("SO-1", TASK)
    assert OBJECT in order.object_relations
    assert TASK in order.service_tasks
    published = len(w.publisher.published)
    assert desk.relate_task("SO-1", TASK) == order
    assert len(w.publisher.published) == published
    with pytest.raises(OrderRuleError):
        desk.relate_task("SO-1", ServiceTask("CLEAN", "Something else"))


def test_change_stage_sign_off_and_the_refusals_save_nothing(stores: Stores) -> None:
    w = world(stores)
    desk = w.desk()
    assert desk.change_stage("SO-1", "PLANNED").stage_id == "PLANNED"
    before = w.state()
    with pytest.raises(TransitionNotAllowedError):
        desk.change_stage("SO-1", "COMPLETED")
    assert w.state() == before
    signed = desk.sign_off("SO-1")
    assert signed.signed_off
    assert signed.signed_off_at == NOW
    assert desk.sign_off("SO-1") == signed  # nothing new to sign off: nothing saved
    with pytest.raises(NotFoundError):
        desk.sign_off("SO-404")


def test_an_exceeded_sla_needs_a_reason_when_the_configured_parameters_say_so(
    stores: Stores,
) -> None:
    w = world(stores)
    late = FixedClock(AT + timedelta(days=2))
    desk = ServiceDesk(
        unit_of_work=w.uow,
        clock=late,
        graph=GRAPH,
        slas={"SLA-1": SLA},
        sla_parameters=SlaParameters(reason_on_exceeding=True, reason_on_canceling=True),
    )
    assert desk.measure_sla("SO-S").status is SlaStatus.EXCEEDED
    with pytest.raises(ReasonRequiredError):
        desk.sign_off("SO-S")
    with pytest.raises(ReasonRequiredError):
        desk.stop_sla("SO-S")
    with pytest.raises(ReasonRequiredError):
        desk.cancel_sla("SO-S")
    assert desk.sign_off("SO-S", reason=REASON).signed_off


def test_the_sla_clock_by_hand_and_its_measure(stores: Stores) -> None:
    w = world(stores)
    desk = w.desk()
    assert desk.measure_sla("SO-S").elapsed == timedelta(hours=1)
    assert desk.measure_sla("SO-S", now=AT).elapsed == timedelta(0)
    desk.stop_sla("SO-S")
    with pytest.raises(InvalidPauseError):
        desk.stop_sla("SO-S")
    desk.start_sla("SO-S")
    desk.cancel_sla("SO-S")
    assert desk.order("SO-S").sla_canceled
    with pytest.raises(InvalidPauseError):
        desk.start_sla("SO-S")
    with pytest.raises(OrderRuleError):
        desk.measure_sla("SO-1")
    with pytest.raises(OrderRuleError):
        desk.start_sla("SO-1")
    unconfigured = ServiceDesk(unit_of_work=w.uow, clock=FixedClock(NOW), graph=GRAPH)
    with pytest.raises(InvalidInputError) as caught:
        unconfigured.measure_sla("SO-S")
    assert caught.value.field == "slas"


def test_cancel_revoke_and_delete_an_order(stores: Stores) -> None:
    w = world(stores)
    desk = w.desk()
    canceled = desk.cancel_order("SO-1", reason=REASON)
    assert canceled.line(1).status is LineStatus.CANCELED
    with pytest.raises(OrderRuleError):
        desk.cancel_order("SO-1")
    assert desk.revoke_cancel("SO-1").line(1).status is LineStatus.CREATED
    with pytest.raises(ReasonRequiredError):
        desk.cancel_order("SO-1", reason_required=True)
    desk.delete_order("SO-1")
    with pytest.raises(NotFoundError):
        desk.order("SO-1")
    with pytest.raises(StageRuleError):
        desk.revoke_cancel("SO-P")  # a completed order is not canceled or revoked
    with pytest.raises(ItemRequirementError):
        desk.delete_order("SO-R")


def test_move_lines_between_orders_of_one_agreement_and_drop_the_empty_source(
    stores: Stores,
) -> None:
    w = world(stores)
    moved = w.desk().move_lines("SO-2", "SO-3", [1, 2], drop_empty_source=True)
    assert moved.source is None
    assert moved.target.line_numbers == (1, 2, 3, 4)
    assert w.stored("SO-3") == moved.target
    with pytest.raises(NotFoundError):
        w.stored("SO-2")
    with pytest.raises(OrderRuleError):
        w.desk().move_lines("SO-1", "SO-3", [1])
    kept = world(stores).desk().move_lines("SO-2", "SO-3", [1])
    assert kept.source is not None
    assert kept.source.line_numbers == (2,)


def test_item_requirements_come_and_go_and_block_removing_the_line(stores: Stores) -> None:
    w = world(stores)
    desk = w.desk()
    order = desk.add_item_requirement("SO-I", 1, REQUIREMENT)
    assert order.item_requirements == ((1, REQUIREMENT),)
    with pytest.raises(ItemRequirementError):
        desk.remove_line("SO-I", 1)
    with pytest.raises(ItemRequirementError):
        desk.add_item_requirement("SO-1", 1, REQUIREMENT)
    assert desk.remove_item_requirement("SO-I", 1, "IR-1").item_requirements == ()


def test_post_orders_posts_each_order_through_its_journals_once(stores: Stores) -> None:
    w = world(stores)
    desk = w.desk()
    result = desk.post_orders(order_ids=["SO-P", "SO-1"], period=MARCH, types=set(TransactionType))
    assert [(o, n) for o, n, _ in result.posted] == [("SO-P", 1), ("SO-P", 2)]
    assert [o for o, _ in result.refused] == ["SO-1"]
    assert {li.status for li in w.stored("SO-P").lines} == {LineStatus.POSTED}
    assert len(recorded(w.journals[TransactionType.HOUR])) == 1
    again = desk.post_orders(order_ids=["SO-P"], period=MARCH, types=set(TransactionType))
    assert again.posted == ()
    no_journals = ServiceDesk(unit_of_work=w.uow, clock=FixedClock(NOW), graph=GRAPH)
    with pytest.raises(InvalidInputError) as caught:
        no_journals.post_orders(order_ids=["SO-Q"], period=MARCH, types={TransactionType.HOUR})
    assert caught.value.field == "journals"


def test_a_concurrent_change_between_load_and_save_is_a_conflict_and_saves_nothing(
    stores: Stores,
) -> None:
    w = world(stores)

    class Meddling(Wrapped[UnitOfWork]):
        meddled = False

        @property
        def service_orders(self) -> Any:
            repo = self.inner.service_orders
            if not Meddling.meddled:
                Meddling.meddled = True
                order = repo.get("SO-1")
                w.desk().add_line("SO-1", ITEM)  # another desk commits a new version
                return _Stale(repo, order)
            return repo

    desk = ServiceDesk(
        unit_of_work=lambda: cast("AgreementUnitOfWork", Meddling(w.uow())),
        clock=FixedClock(NOW),
        graph=GRAPH,
    )
    with pytest.raises(ConcurrencyConflictError):
        desk.change_stage("SO-1", "PLANNED")
    assert w.stored("SO-1").stage_id == GRAPH.root.id


@attrs.define
class _Stale:
    repo: Any
    order: ServiceOrder

    def get(self, _order_id: str) -> ServiceOrder:
        return self.order

    def save(self, order: ServiceOrder, *, expected_version: int) -> None:
        self.repo.save(order, expected_version=expected_version)


# ------------------------------------------------------------------ the agreements


def test_create_an_agreement_change_stop_and_suspend_it(stores: Stores) -> None:
    w = world(stores)
    desk = w.desk()
    agreement = desk.create_agreement(
        agreement_id="AG-9",
        customer_id="C-9",
        group=AgreementGroup("G"),
        start_date=date(2026, 1, 1),
    )
    assert agreement.version == 1
    assert desk.agreement("AG-9") == agreement
    with pytest.raises(AlreadyExistsError):
        desk.create_agreement(
            agreement_id="AG-9",
            customer_id="C",
            group=AgreementGroup("G"),
            start_date=date(2026, 1, 1),
        )
    assert desk.add_agreement_line("AG-9", TEMPLATE_LINE).line_numbers == (1,)
    assert desk.change_agreement_line("AG-9", 1, quantity=Decimal(3)).line(1).quantity == 3
    assert desk.stop_agreement_line("AG-9", 1).line(1).stopped
    assert not desk.restart_agreement_line("AG-9", 1).line(1).stopped
    assert desk.suspend_agreement("AG-9").suspended
    assert not desk.resume_agreement("AG-9").suspended
    relations = desk.relate_agreement_object("AG-9", AGREEMENT_OBJECT).object_relations
    assert AGREEMENT_OBJECT in relations
    assert TASK in desk.relate_agreement_task("AG-9", TASK).service_tasks
    with pytest.raises(UnknownLineError):
        desk.stop_agreement_line("AG-9", 7)
    with pytest.raises(NotFoundError):
        desk.suspend_agreement("AG-404")


def test_copy_lines_from_a_template_and_from_a_stored_agreement(stores: Stores) -> None:
    w = world(stores)
    desk = w.desk()
    template = ServiceTemplate(id="T-1", group_id="TG", lines=(_template_line(),))
    copied = desk.copy_template_lines("AG-2", template)
    assert copied.line_numbers == (1, 2)
    assert isinstance(w.publisher.published[-1], LinesCopied)
    assert desk.copy_agreement_lines("AG-2", "AG-1").line_numbers == (1, 2, 3)
    with pytest.raises(TypeMismatchError):
        desk.copy_template_lines("AG-2", desk.agreement("AG-1"))  # type: ignore[arg-type]
    with pytest.raises(AgreementRuleError):
        desk.relate_agreement_object(
            "AG-2",
            ServiceObjectRelation("AG-2/PUMP-1", "OTHER", RelationKind.AGREEMENT, "AG-2"),
        )


def test_generate_orders_stores_them_all_and_a_rerun_creates_nothing(stores: Stores) -> None:
    w = world(stores)
    desk = w.desk()
    generation = desk.generate_orders(
        agreement_ids=["AG-1"], period=MARCH, types={TransactionType.HOUR}
    )
    assert len(generation.orders) == 1
    assert w.stored(generation.orders[0].id) == generation.orders[0]
    again = desk.generate_orders(agreement_ids=["AG-1"], period=MARCH, types={TransactionType.HOUR})
    assert again.orders == ()
    with pytest.raises(NotFoundError):
        desk.generate_orders(agreement_ids=["AG-404"], period=MARCH, types={TransactionType.HOUR})


# ------------------------------------------------------- U1 over sequences of uses

SINGLE = sorted(USES.keys() - SECOND.keys())


def _run(w: World, names: list[str], plan: FaultPlan | None = None) -> list[str]:
    """Run the uses in turn; a refusal is an outcome. A fault stops the run."""
    outcomes: list[str] = []
    for name in names:
        try:
            USES[name](w.desk(plan))
            outcomes.append("done")
        except ServiceDomainError as error:
            outcomes.append(type(error).__name__)
    return outcomes


DAYS = st.lists(st.sampled_from(SINGLE), min_size=1, max_size=5)


@given(names=DAYS, data=st.data())
def test_U1_a_fault_anywhere_in_a_day_of_desk_uses_then_a_retry_is_one_fault_free_day(
    names: list[str], data: st.DataObject
) -> None:
    _day_with_a_fault(Stores("memory"), names, data)


@settings(
    max_examples=10 if THOROUGH else 3,
    suppress_health_check=[HealthCheck.function_scoped_fixture],  # stores makes new ones
)
@given(names=DAYS, data=st.data())
def test_U1_a_fault_anywhere_in_a_day_of_desk_uses_on_sqlite_then_a_retry_is_one_fault_free_day(
    names: list[str], data: st.DataObject, sqlite_stores: Stores
) -> None:
    _day_with_a_fault(sqlite_stores, names, data)


def _day_with_a_fault(stores: Stores, names: list[str], data: st.DataObject) -> None:
    reference = world(stores)
    expected_outcomes = _run(reference, names)
    counting, plan = world(stores), FaultPlan()
    _run(counting, names, plan)
    assume(plan.calls)
    k = data.draw(st.integers(1, len(plan.calls)), label="fault at step")
    w, faulty = world(stores), FaultPlan(fail_at=k)
    outcomes: list[str] = []
    for index, name in enumerate(names):
        try:
            outcomes.extend(_run(w, [name], faulty))
        except InjectedFault:
            # the use that failed is retried, and the day goes on without faults
            outcomes.extend(_run(w, names[index:]))
            break
    assert faulty.failed
    assert outcomes == expected_outcomes
    assert w.state() == reference.state()


def test_repair_lines_are_recorded_through_the_desk_one_unit_of_work_each(
    stores: Stores,
) -> None:
    w = world(stores)
    desk = w.desk()
    order = desk.add_repair_line(
        "SO-1", relation_id="REL-BOILER-1", symptom_area_id="pump", stage_id="OPEN"
    )
    line = order.repair_line(1)
    assert (line.created_at, line.finished_at, line.stage_id) == (NOW, None, "OPEN")
    assert desk.order("SO-1") == order
    published = len(w.publisher.published)
    order = desk.change_repair_line("SO-1", 1, symptom_code_id="noise", technician_id="W-2")
    assert order.repair_line(1).technician_id == "W-2"
    order = desk.move_repair_line("SO-1", 1, "DONE")
    assert order.repair_line(1).finished_at == NOW
    assert order.repair_status is RepairStatus.REPAIRED
    assert [event.name for event in w.publisher.published[published:]] == [
        "RepairLineChanged",
        "RepairLineStageChanged",
    ]
    with pytest.raises(OrderRuleError) as frozen:
        desk.delete_repair_line("SO-1", 1)
    assert frozen.value.rule == "repair_line.finished"
    assert desk.change_repair_line("SO-1", 1, note="Checked").repair_line(1).note == "Checked"
    with pytest.raises(OrderRuleError) as elsewhere:
        desk.add_repair_line("SO-1", relation_id="REL-9")
    assert elsewhere.value.rule == "relation.not_on_order"
    assert desk.delete_repair_line("SO-X", 1).repair_lines == ()


def test_a_desk_without_a_fault_taxonomy_records_no_repair_lines(stores: Stores) -> None:
    w = world(stores)
    desk = ServiceDesk(unit_of_work=w.uow, clock=FixedClock(NOW), graph=GRAPH)
    with pytest.raises(InvalidInputError) as caught:
        desk.add_repair_line("SO-1", relation_id="REL-BOILER-1")
    assert caught.value.field == "taxonomy"
    with pytest.raises(TypeMismatchError):
        ServiceDesk(
            unit_of_work=w.uow,
            clock=FixedClock(NOW),
            graph=GRAPH,
            taxonomy="repairs",  # type: ignore[arg-type]
        )


def test_an_order_created_on_an_agreement_carries_the_agreements_relations(
    stores: Stores,
) -> None:
    w = world(stores)
    desk = w.desk()
    agreement = desk.agreement("AG-1")
    own = ServiceObjectRelation("REL-9", "BOILER-9", RelationKind.ORDER, "SO-9")
    order = desk.create_order(
        order_id="SO-9",
        customer_id="C-1",
        agreement_id="AG-1",
        sla_id="SLA-1",
        object_relations=(*agreement.object_relations, own),
    )
    # the agreement's relation, unchanged (the same id on both), then the order's own
    assert order.object_relations == (*agreement.object_relations, own)
    assert order.relation_of("PUMP-1") == agreement.relation_of("PUMP-1")
    plain = desk.create_order(order_id="SO-8", customer_id="C-1", agreement_id="AG-2")
    assert plain.object_relations == desk.agreement("AG-2").object_relations != ()
    with pytest.raises(NotFoundError):
        desk.create_order(order_id="SO-7", customer_id="C-1", agreement_id="AG-404", sla_id="S")
