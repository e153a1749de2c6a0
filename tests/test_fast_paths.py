"""The internal fast paths build exactly what the validating constructors build.

Each builder of :mod:`servicedomain._trusted` has a checked mode (the
``SERVICEDOMAIN_CHECKED`` environment variable at import, or ``checked=True``) that routes
it through the validating constructor; CI runs the whole suite once in that mode.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import servicedomain
from servicedomain._trusted import (
    _twin,
    build,
    builder,
    derived_replacer,
    field_replacer,
    field_setters,
    positional_builder,
    replace,
    replacer,
)
from servicedomain.agreements import (
    AgreementGroup,
    GroupBy,
    IntervalUnit,
    NewAgreementLine,
    ServiceAgreement,
    ServiceInterval,
    TimeWindow,
    WindowKind,
    generate_service_orders,
)
from servicedomain.errors import InvalidInputError, InvalidPeriodError
from servicedomain.money import Money
from servicedomain.orders import (
    NewLine,
    ServiceOrder,
    ServiceOrderCreated,
    ServiceOrderLine,
    ServiceTask,
    TransactionType,
)
from servicedomain.periods import DateRange
from servicedomain.repairs import RelationKind, ServiceObjectRelation
from servicedomain.stages import EXAMPLE_STAGE_GRAPH as GRAPH

AT = datetime(2026, 1, 1, 6, tzinfo=UTC)


def agreements() -> list[ServiceAgreement]:
    intervals = [
        ServiceInterval(IntervalUnit.WEEK, 1),
        ServiceInterval(IntervalUnit.MONTH, 1),
        ServiceInterval(IntervalUnit.DAY, 10),
        None,
    ]
    made = []
    for number, group_by in enumerate(GroupBy):
        lines = [
            NewAgreementLine(
                transaction_type=list(TransactionType)[index % 4],
                description=f"line {index}",
                quantity=Decimal("0.25") * (index + 1),
                unit="h",
                cost_price=Money(Decimal("40.00"), "EUR"),
                sales_price=Money(Decimal("85.00"), "EUR"),
                worker_id=f"W-{index % 2}",
                service_object_id=f"O-{index % 2}",
                service_task_id=f"T-{index % 2}",
                interval=intervals[index % 4],
                time_window=TimeWindow(WindowKind.MONTH) if index == 1 else None,
                start_date=date(2026, 1, 1 + index * 3),
            )
            for index in range(6)
        ]
        agreement, _ = ServiceAgreement.create(
            id=f"AG-{number}",
            customer_id="C-1",
            group=AgreementGroup("G", default_sla_id="SLA-1"),
            start_date=date(2026, 1, 1),
            at=AT,
            group_by=group_by,
            project_id="P-1",
            responsible_worker_id="W-0",
            object_relations=tuple(
                ServiceObjectRelation(f"R-{obj}", obj, RelationKind.AGREEMENT, f"AG-{number}")
                for obj in ("O-0", "O-1")
            ),
            service_tasks=(ServiceTask("T-0"), ServiceTask("T-1")),
            lines=lines,
        )
        made.append(agreement)
    return made


def test_generated_orders_are_what_the_validating_constructor_builds() -> None:
    run = generate_service_orders(
        agreements(),
        GRAPH,
        period=DateRange(date(2026, 1, 1), date(2026, 7, 1)),
        types=set(TransactionType),
        at=AT,
        attach_sla=True,
        zone=None,
    )
    assert len(run.orders) > 50
    for order, event in zip(run.orders, run.events, strict=True):
        lines = tuple(ServiceOrderLine(**attrs.asdict(line, recurse=False)) for line in order.lines)
        assert lines == order.lines
        fields = attrs.asdict(order, recurse=False)
        fields["lines"] = lines
        assert ServiceOrder(**fields) == order
        assert ServiceOrderCreated(**attrs.asdict(event, recurse=False)) == event
        assert [line.number for line in order.lines] == list(range(1, len(order.lines) + 1))


def test_numbering_a_new_line_equals_the_validated_line() -> None:
    new_line = NewLine(
        transaction_type=TransactionType.ITEM,
        quantity=Decimal(2),
        cost_price=Money(1, "EUR"),
        sales_price=Money(3, "EUR"),
        execution_date=date(2026, 1, 5),
    )
    numbered = new_line.numbered(7)
    assert numbered == ServiceOrderLine(number=7, **attrs.asdict(new_line, recurse=False))
    copy = replace(numbered, number=8)
    assert copy == attrs.evolve(numbered, number=8)
    assert copy is not numbered


def test_the_fast_path_refuses_classes_it_cannot_build() -> None:
    @attrs.frozen
    class WithFactory:
        items: list[int] = attrs.field(factory=list)

    with pytest.raises(TypeError):
        build(WithFactory)
    with pytest.raises(TypeError):
        build(ServiceTask)  # id has no default and is not given
    assert build(ServiceTask, id="O-1") == ServiceTask("O-1")


def test_the_keyword_builder_is_compiled_once_and_takes_keywords_only() -> None:
    assert builder(ServiceTask) is builder(ServiceTask)
    pump = ServiceTask("O-1", "pump")
    for checked in (False, True):
        assert builder(ServiceTask, checked=checked)(id="O-1", description="pump") == pump
    for checked in (False, True):
        with pytest.raises(TypeError):
            builder(ServiceTask, checked=checked)("O-1")
        with pytest.raises(TypeError):
            builder(ServiceTask, checked=checked)(id="O-1", colour="red")


@given(st.lists(st.dates(), min_size=2, max_size=2, unique=True).map(sorted))
def test_a_checked_builder_builds_what_the_fast_builder_builds(bounds: list[date]) -> None:
    start, end = bounds
    made = DateRange(start, end)
    for checked in (False, True):
        assert positional_builder(DateRange, checked=checked)(start, end) == made
        assert builder(DateRange, checked=checked)(start=start, end=end) == made
        assert replacer(DateRange, checked=checked)(made, end=end) == made
        first, last = field_setters(DateRange, "start", "end", checked=checked)
        inline = object.__new__(DateRange)
        first(inline, start)
        last(inline, end)
        assert inline == made


def test_a_checked_builder_refuses_what_the_constructor_refuses() -> None:
    backwards = (date(2026, 2, 1), date(2026, 1, 1))
    assert positional_builder(DateRange, checked=False)(*backwards).start == backwards[0]
    with pytest.raises(InvalidPeriodError):
        positional_builder(DateRange, checked=True)(*backwards)
    with pytest.raises(InvalidPeriodError):
        builder(DateRange, checked=True)(start=backwards[0], end=backwards[1])
    january = DateRange(date(2026, 1, 1), date(2026, 2, 1))
    assert replacer(DateRange, checked=False)(january, end=backwards[1]).end == backwards[1]
    with pytest.raises(InvalidPeriodError):
        replacer(DateRange, checked=True)(january, end=backwards[1])
    with pytest.raises(InvalidInputError):
        builder(ServiceTask, checked=True)(id="")
    first, last = field_setters(DateRange, "start", "end", checked=True)
    inline = object.__new__(DateRange)
    first(inline, backwards[0])
    with pytest.raises(InvalidPeriodError):
        last(inline, backwards[1])


def test_inline_setters_set_every_field() -> None:
    with pytest.raises(TypeError):
        field_setters(DateRange, "start")


def _run_checked(value: str | None, code: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SERVICEDOMAIN_CHECKED"}
    if value is not None:
        env["SERVICEDOMAIN_CHECKED"] = value
    return subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_environment_variable_turns_every_fast_path_into_the_checked_one() -> None:
    code = (
        "from datetime import date\n"
        "from servicedomain import _trusted\n"
        "from servicedomain.periods import DateRange\n"
        "print(_trusted.CHECKED)\n"
        "try:\n"
        "    DateRange._trusted(date(2026, 2, 1), date(2026, 1, 1))\n"
        "    print('built')\n"
        "except ValueError as error:\n"
        "    print(type(error).__name__)\n"
    )
    assert _run_checked("1", code).stdout.split() == ["True", "InvalidPeriodError"]
    assert _run_checked(None, code).stdout.split() == ["False", "built"]
    assert _run_checked("0", code).stdout.split() == ["False", "built"]


def test_a_generated_order_is_checked_whole_in_checked_mode() -> None:
    # ServiceOrder.generated trusts the consistency of its lines (the generator's
    # promise); checked mode shows the promise kept, and catches one that is not.
    code = (
        "from datetime import UTC, datetime\n"
        "from decimal import Decimal\n"
        "from servicedomain.money import Money\n"
        "from servicedomain.orders import NewLine, ServiceOrder, TransactionType\n"
        "line = NewLine(transaction_type=TransactionType.HOUR, quantity=Decimal(1),\n"
        "               cost_price=Money(1, 'EUR'), sales_price=Money(2, 'EUR')).numbered(1)\n"
        "try:\n"
        "    ServiceOrder.generated(\n"
        "        id='SO-1', customer_id='C-1', at=datetime(2026, 3, 2, tzinfo=UTC),\n"
        "        stage_id='CREATED', description='', agreement_id='AGR-1',\n"
        "        project_id=None, preferred_service_at=None, responsible_worker_id=None,\n"
        "        preferred_technician_id=None, sla_id=None, calendar_conflict=False,\n"
        "        object_relations=(), service_tasks=(), lines=(line, line))\n"
        "    print('built')\n"
        "except ValueError as error:\n"
        "    print(type(error).__name__, error.field)\n"
    )
    assert _run_checked(None, code).stdout.split() == ["built"]
    assert _run_checked("1", code).stdout.split() == ["InvalidInputError", "lines"]


# The modules that make an instance without its constructor (``object.__new__``,
# ``tuple.__new__``), each through the fast-path mechanism and its checked mode: the
# compiled builders, the inline setters of DateRange (periods, the fee loop) and
# FeeTransaction.key. Money._exact is the one exception: it holds an exact arithmetic
# result, which may carry more decimals than the currency has and which the constructor
# therefore refuses by design; it checks its own range.
MAKE_WITHOUT_CONSTRUCTOR = {
    "_trusted.py",
    "periods/_ranges.py",
    "billing/_fees.py",
    "money.py",
}


def test_only_the_fast_path_mechanism_makes_instances_without_their_constructor() -> None:
    source = Path(servicedomain.__file__).parent
    found = {
        path.relative_to(source).as_posix()
        for path in source.rglob("*.py")
        if re.search(r"\b(object|tuple)\.__new__\b", path.read_text(encoding="utf-8"))
    }
    assert found == MAKE_WITHOUT_CONSTRUCTOR


@given(st.lists(st.dates(), min_size=3, max_size=3, unique=True).map(sorted))
def test_a_field_replacer_copies_what_replacer_copies_and_refuses_in_checked_mode(
    bounds: list[date],
) -> None:
    start, middle, end = bounds
    made = DateRange(start, middle)
    for checked in (False, True):
        assert field_replacer(DateRange, "end", checked=checked)(made, end) == DateRange(start, end)
        assert field_replacer(DateRange, "end", "start", checked=checked)(
            made, end, middle
        ) == DateRange(middle, end)
    assert field_replacer(DateRange, "end", checked=False)(made, start).end == start
    with pytest.raises(InvalidPeriodError):
        field_replacer(DateRange, "end", checked=True)(made, start)
    for names in (("colour",), ("end", "end")):
        with pytest.raises(TypeError):
            field_replacer(DateRange, *names)


@attrs.frozen
class _Weak:
    """A frozen slotted class with a weak-reference slot: Python gives it no twin."""

    name: str
    size: int = 0


@attrs.frozen(weakref_slot=False)
class _Base:
    name: str


@attrs.frozen(weakref_slot=False)
class _Derived(_Base):
    size: int = 0


def test_builds_through_a_twin_are_instances_of_the_class_itself() -> None:
    # The hot classes build through a plain twin of their layout, then take their class.
    for cls, fields in (
        (_Base, {"name": "a"}),
        (_Derived, {"name": "a", "size": 3}),  # inherited slots too
        (DateRange, {"start": date(2024, 1, 1), "end": date(2024, 2, 1)}),
    ):
        assert _twin(cls) is not None
        made = builder(cls, checked=False)(**fields)
        assert type(made) is cls
        assert made == cls(**fields)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            made.start = None  # type: ignore[misc,union-attr]
        copied = replacer(cls, checked=False)(made)
        assert type(copied) is cls
        assert copied == made
        assert copied is not made


def test_a_twin_stores_with_objects_own_setattr_even_below_a_frozen_base() -> None:
    # __setattr__ and __delattr__ share one type slot: a frozen base's __delattr__ left
    # in the twin's MRO would send every plain store through the slow generic path.
    twin = _twin(_Derived)
    assert twin is not None
    for name in ("__setattr__", "__delattr__"):
        found = next(cls.__dict__[name] for cls in twin.__mro__ if name in cls.__dict__)
        assert found is object.__dict__[name]


def test_a_class_with_a_weak_reference_slot_builds_through_its_descriptors() -> None:
    assert _twin(_Weak) is None
    made = builder(_Weak, checked=False)(name="a", size=2)
    assert type(made) is _Weak
    assert made == _Weak("a", 2)
    assert positional_builder(_Weak, checked=False)("b", 1) == _Weak("b", 1)
    assert replacer(_Weak, checked=False)(made, size=5) == _Weak("a", 5)


@attrs.frozen(weakref_slot=False)
class _Totalled:
    """A value with a derived field (a cache its __attrs_post_init__ computes)."""

    parts: tuple[int, ...]
    label: str = ""
    _total: int = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_total", sum(self.parts))


@pytest.mark.parametrize("checked", [False, True])
def test_a_derived_replacer_copies_the_fields_and_takes_the_derived_ones(checked: bool) -> None:
    source = _Totalled((1, 2), "a")
    replace_ = derived_replacer(_Totalled, checked=checked)
    made = replace_(source, {"_total": 6}, parts=(1, 2, 3))
    assert made == _Totalled((1, 2, 3), "a")
    assert made._total == 6  # given (unchecked), or derived by the constructor (checked)
    assert type(made) is _Totalled
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        made.label = "b"  # type: ignore[misc]


def test_a_derived_replacer_refuses_a_class_with_a_factory_default() -> None:
    @attrs.frozen
    class Listed:
        items: list[int] = attrs.field(factory=list)

    with pytest.raises(TypeError, match="cannot be built on the fast path"):
        derived_replacer(Listed, checked=False)
