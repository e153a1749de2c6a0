"""Service order generation from agreements (AX periodic *Create service orders*)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Collection, Iterable
from datetime import date, datetime, timedelta
from itertools import count
from typing import Final
from zoneinfo import ZoneInfo

import attrs

from servicedomain import _trusted, calendars
from servicedomain._checks import (
    deep_iterable,
    in_,
    instance_of,
    is_bool,
    is_id,
    optional,
    predicate,
)
from servicedomain._trusted import field_replacer
from servicedomain.agreements._agreement import ServiceAgreement
from servicedomain.agreements._lines import AgreementLine, line_ordinals
from servicedomain.agreements._values import END_ORDINAL, GroupBy, TimeWindow
from servicedomain.errors import InvalidInputError, TypeMismatchError
from servicedomain.events import DomainEvent
from servicedomain.instants import LocalTimePolicy, named_zone, require_instant, resolve_local
from servicedomain.orders import (
    SERVICE_LINE_FIELDS,
    AgreementLineRef,
    NewLine,
    ServiceOrder,
    ServiceOrderLine,
    TransactionType,
)
from servicedomain.periods import DateRange
from servicedomain.stages import StageGraph

_ONE_DAY: Final = timedelta(days=1)
# A template line, numbered and dated: the three fields in this order, positionally.
_date_line: Final = field_replacer(ServiceOrderLine, "number", "date_range", "calculated_date")

_GROUP_FIELD: Final = {
    GroupBy.AGREEMENT: None,
    GroupBy.SERVICE_TASK: "service_task_id",
    GroupBy.WORKER: "worker_id",
    GroupBy.SERVICE_OBJECT: "service_object_id",
}


# ----------------------------------------------------------------------- results


def _is_date(value: object) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


_SERVICE_DATE: Final = predicate(
    _is_date, "expected a date (not a datetime)", error=TypeMismatchError
)
_GRAPH: Final = instance_of(StageGraph)
_RANGE: Final = instance_of(DateRange)
_AGREEMENT: Final = instance_of(ServiceAgreement)
_ORDER: Final = instance_of(ServiceOrder)
_TRANSACTION_TYPE: Final = in_(TransactionType)
_CLOSED_DAYS: Final = optional(  # a protocol, checked at run time by its methods
    instance_of(
        (calendars.ClosedDays,), reason="expected a ClosedDays (with is_closed(day)) or None"
    )
)
_ORDER_ID: Final = predicate(callable, "expected a callable key -> id", error=TypeMismatchError)


@attrs.frozen(weakref_slot=False)  # no weak references: fast builds
class GeneratedOrderKey:
    """What one generated order groups: an agreement, a service date and a grouping key.

    ``group_key`` is the value of the agreement's grouping field shared by the order's
    lines (a service task, worker or service object id), or ``None`` when the agreement
    groups by agreement (or the lines have no value in that field).

    >>> print(default_order_id(GeneratedOrderKey("AG-1", date(2026, 3, 2), "OBJ-1")))
    AG-1/2026-03-02/OBJ-1
    """

    agreement_id: str = attrs.field(validator=is_id)
    service_date: date = attrs.field(validator=_SERVICE_DATE)
    group_key: str | None = attrs.field(default=None, validator=optional(is_id))


# The generator's hot path: keys and ranges from parts already known to be valid.
_build_key: Final = _trusted.positional_builder(GeneratedOrderKey)
_build_range: Final = _trusted.positional_builder(DateRange)


_KEY: Final = instance_of(GeneratedOrderKey)


def default_order_id(key: GeneratedOrderKey) -> str:
    """The id of a generated order: ``"<agreement>/<service date>[/<group key>]"``.

    >>> default_order_id(GeneratedOrderKey("AG-1", date(2026, 3, 2)))
    'AG-1/2026-03-02'

    Raises:
        TypeMismatchError: ``key`` is not a :class:`GeneratedOrderKey`.
    """
    _KEY.check(key, "key")
    head = f"{key.agreement_id}/{key.service_date.isoformat()}"
    return head if key.group_key is None else f"{head}/{key.group_key}"


_KEYS: Final = deep_iterable(instance_of(GeneratedOrderKey))


@attrs.frozen(kw_only=True)
class Generation:
    """What a generation run created.

    Attributes:
        orders: the new orders, sorted by service date, then agreement id, then group
            key (``None`` first).
        keys: the key of each order, in the same order.
        events: the creation events of the orders, in the same order.
        conflicts: the keys of the orders flagged with a calendar conflict.
    """

    orders: tuple[ServiceOrder, ...] = attrs.field(validator=deep_iterable(_ORDER))
    keys: tuple[GeneratedOrderKey, ...] = attrs.field(validator=_KEYS)
    events: tuple[DomainEvent, ...] = attrs.field(validator=deep_iterable(instance_of(DomainEvent)))
    conflicts: tuple[GeneratedOrderKey, ...] = attrs.field(validator=_KEYS)

    def __attrs_post_init__(self) -> None:
        if len(self.keys) != len(self.orders):
            raise InvalidInputError("keys", self.keys, "one key per order")

    @property
    def lines_count(self) -> int:
        """How many order lines the run created."""
        return sum(len(order.lines) for order in self.orders)


# ------------------------------------------------------------------------ checks


def _check_types(types: object) -> frozenset[TransactionType]:
    if isinstance(types, str | bytes) or not isinstance(types, Collection):
        raise TypeMismatchError("types", types, "expected a collection of TransactionType")
    checked = frozenset(
        _TRANSACTION_TYPE.check(kind, f"types[{index}]") for index, kind in enumerate(types)
    )
    if not checked:
        raise InvalidInputError("types", types, "select at least one transaction type to generate")
    return checked


def _check_agreements(agreements: object) -> list[ServiceAgreement]:
    if isinstance(agreements, str | bytes) or not isinstance(agreements, Iterable):
        raise TypeMismatchError(
            "agreements", agreements, "expected an iterable of ServiceAgreement"
        )
    checked: list[ServiceAgreement] = []
    seen: dict[str, int] = {}
    for index, agreement in enumerate(agreements):
        _AGREEMENT.check(agreement, f"agreements[{index}]")
        if agreement.id in seen:
            raise InvalidInputError(
                f"agreements[{index}].id",
                agreement.id,
                f"an agreement is generated once per run; agreements[{seen[agreement.id]}] has it",
            )
        seen[agreement.id] = index
        checked.append(agreement)
    return checked


# The natural keys already generated: agreement id -> line number -> calculated ordinals.
_Done = dict[str, dict[int, set[int]]]


def _existing_keys(existing: object) -> tuple[_Done, set[str]]:
    """The natural keys already on existing orders, and the order ids already used."""
    if isinstance(existing, str | bytes) or not isinstance(existing, Iterable):
        raise TypeMismatchError("existing", existing, "expected an iterable of ServiceOrder")
    done: _Done = {}
    used: set[str] = set()
    for index, order in enumerate(existing):
        _ORDER.check(order, f"existing[{index}]")
        used.add(order.id)
        for line in order.lines:
            ref, calculated = line.agreement_line, line.calculated_date
            if ref is not None and calculated is not None:
                lines = done.setdefault(ref.agreement_id, {})
                lines.setdefault(ref.line_number, set()).add(calculated.toordinal())
    return done, used


class _Closed:
    """``closed_days.is_closed`` on day ordinals, asked once per day."""

    def __init__(self, closed_days: calendars.ClosedDays) -> None:
        self._port = closed_days
        self._known: dict[int, bool] = {}

    def __call__(self, ordinal: int) -> bool:
        answer = self._known.get(ordinal)
        if answer is None:
            answer = bool(self._port.is_closed(date.fromordinal(ordinal)))
            self._known[ordinal] = answer
        return answer


# -------------------------------------------------------------------- the plan

# One planned order: (service ordinal, agreement, group key, its lines, their calculated
# ordinals). Two parallel lists, not a pair per line: the plan of a run is alive until
# its last order is built, and every container it holds is one more object the garbage
# collector walks.
_Planned = tuple[int, ServiceAgreement, str | None, list[AgreementLine], list[int]]
_Group = tuple[list[AgreementLine], list[int]]


# A line that may generate: (line, group key, first ordinal, end ordinal) of its dates
# cut to the agreement's.
_Active = tuple[AgreementLine, str | None, int, int]


def _active_lines(agreement: ServiceAgreement, low: int, high: int) -> list[_Active]:
    """The lines that are not stopped, with their group key and their dates in ``[low, high)``."""
    field = _GROUP_FIELD[agreement.group_by]
    active: list[_Active] = []
    for line in agreement.lines:
        if line.stopped:
            continue
        start = max(low, line.start_date.toordinal())
        end = high if line.end_date is None else min(high, line.end_date.toordinal() + 1)
        if start < end:
            active.append((line, None if field is None else getattr(line, field), start, end))
    return active


def _group_counts(
    active: list[_Active], low: int, high: int
) -> dict[str | None, tuple[dict[int, int], list[int]]]:
    """Per group key, how many lines are calculated on each day of ``[low, high)``.

    Returns the counts and the days, sorted. Every line of the group counts, whatever
    its type.
    """
    totals: dict[str | None, dict[int, int]] = {}
    for line, key, line_low, line_high in active:
        total = totals.setdefault(key, {})
        for day in line_ordinals(line, max(line_low, low), min(line_high, high)):
            total[day] = total.get(day, 0) + 1
    return {key: (total, sorted(total)) for key, total in totals.items()}


class _Run:
    """The arguments of one generation run that every agreement's plan shares."""

    __slots__ = ("closed", "continuous", "done", "high", "low", "selected")

    def __init__(
        self,
        selected: frozenset[TransactionType],
        period: DateRange,
        *,
        continuous: bool,
        closed: _Closed | None,
        done: _Done,
    ) -> None:
        self.selected = selected
        self.low = period.start.toordinal()
        self.high = period.end.toordinal()
        self.continuous = continuous
        self.closed = closed
        self.done = done

    def plan(self, agreement: ServiceAgreement) -> list[_Planned]:
        """The orders one agreement needs in this run (rules 1 to 7 of the generator)."""
        if agreement.suspended:
            return []
        agreement_low = agreement.start_date.toordinal()
        agreement_high = (
            END_ORDINAL if agreement.end_date is None else agreement.end_date.toordinal() + 1
        )
        low = agreement_low if self.continuous else max(self.low, agreement_low)
        high = min(self.high, agreement_high)
        if low >= high:
            return []
        active = _active_lines(agreement, agreement_low, agreement_high)
        windows = [a[0].time_window for a in active if a[0].time_window is not None]
        reach = max((window.reach for window in windows), default=0)
        counts = _group_counts(active, low - 2 * reach, high + 2 * reach) if windows else {}
        groups: dict[tuple[int, str | None], _Group] = {}
        done = self.done.get(agreement.id, {})
        for line, key, line_low, line_high in active:
            if line.transaction_type not in self.selected:
                continue
            skip = done.get(line.number, ())
            window = line.time_window
            if window is None:
                for calculated in line_ordinals(line, max(line_low, low), min(line_high, high)):
                    if calculated not in skip:
                        _add(groups, (calculated, key), line, calculated)
                continue
            span = (line_low, line_high)
            for calculated, target in self._moves(line, window, counts[key], span, (low, high)):
                if calculated not in skip:
                    _add(groups, (target, key), line, calculated)
        # Lines come in number order and each line's occurrences in date order, so every
        # group's entries are already in (line number, calculated date) order (rule 6).
        return [
            (service, agreement, key, lines, calculated)
            for (service, key), (lines, calculated) in groups.items()
        ]

    def _moves(
        self,
        line: AgreementLine,
        window: TimeWindow,
        counts: tuple[dict[int, int], list[int]],
        line_dates: tuple[int, int],
        span: tuple[int, int],
    ) -> list[tuple[int, int]]:
        """The ``(calculated, target)`` ordinals of a windowed line landing in ``span``.

        Rule 3: the target is decided on the calculated dates of the group only.
        """
        line_low, line_high = line_dates
        low, high = span
        reach = window.reach
        found = line_ordinals(line, max(line_low, low - reach), min(line_high, high + reach))
        total, days = counts
        # The line's own occurrences attract nothing: every one a window of ``found`` can
        # reach is excluded from the counts, not only those in ``found``.
        own = set(
            line_ordinals(line, max(line_low, low - 2 * reach), min(line_high, high + 2 * reach))
        )
        closed = self.closed
        moves: list[tuple[int, int]] = []
        for calculated in found:
            window_low, window_high = window.ordinal_bounds(calculated)
            target = calculated
            best: tuple[int, int, int] | None = None
            for position in range(
                bisect_left(days, max(window_low, line_low)),
                bisect_left(days, min(window_high, line_high)),
            ):
                day = days[position]
                others = total[day] - (day in own)
                if others <= 0 or (closed is not None and closed(day)):
                    continue
                rank = (-others, abs(day - calculated), day)
                if best is None or rank < best:
                    best, target = rank, day
            if low <= target < high:
                moves.append((calculated, target))
        return moves


def _add(
    groups: dict[tuple[int, str | None], _Group],
    group: tuple[int, str | None],
    line: AgreementLine,
    calculated: int,
) -> None:
    """Add ``line``, calculated on ``calculated``, to the order ``group`` (service, key)."""
    found = groups.get(group)
    if found is None:
        found = groups[group] = ([], [])
    found[0].append(line)
    found[1].append(calculated)


def _order_sort_key(planned: _Planned) -> tuple[int, str, bool, str]:
    service, agreement, key, _, _ = planned
    return service, agreement.id, key is not None, key or ""


# --------------------------------------------------------------- the generator


def generate_service_orders(
    agreements: Iterable[ServiceAgreement],
    graph: StageGraph,
    *,
    period: DateRange,
    types: Collection[TransactionType],
    at: datetime,
    existing: Iterable[ServiceOrder] = (),
    continuous: bool = False,
    closed_days: calendars.ClosedDays | None = None,
    attach_sla: bool = False,
    zone: ZoneInfo | str | None = None,
    order_id: Callable[[GeneratedOrderKey], str] = default_order_id,
) -> Generation:
    """Generate the service orders that agreements call for in ``period`` (pure).

    The rules (AX *Create service orders*):

    1. **Dates.** ``period`` is half-open ``[start, end)``; AX's inclusive *To date* is
       ``DateRange.inclusive(from_date, to_date)``. It is clamped to the agreement's
       ``[start_date, end_date]`` and to each line's (inclusive ends, open end =
       unbounded). A suspended agreement and a stopped line yield nothing; only lines
       whose transaction type is in ``types`` yield order lines.
    2. **Occurrences.** A line occurs on ``start_date + k x interval`` (k >= 0), counted
       from the line's start date, not from the period (month ends clamp: a monthly
       line from Jan 31 recurs Feb 29, Mar 31). A line with a ``recurrence`` (an RFC
       5545 ``RRULE`` value) occurs on the dates ``dateutil.rrule`` expands from its
       start date as DTSTART, also counted from the start (``COUNT`` too, whatever the
       period) and cut by the rule's ``UNTIL``; month ends skip there: a
       ``FREQ=MONTHLY;BYMONTHDAY=31`` line has no February date, and
       ``BYMONTHDAY=-1`` gives every month's last day. A line with neither occurs
       once, on its start date. These are the *calculated* dates; only those inside
       the agreement's and the line's dates exist. Rules 3 to 8 treat every line
       alike, whatever its schedule.
    3. **Time windows.** An occurrence of a line with a window moves from its calculated
       date ``c`` to the date of its window (cut to the line's and the agreement's
       dates, and not closed when ``closed_days`` is given) on which the most
       occurrences of *other* lines of the same order group (same agreement and
       grouping key) are calculated; ties go to the date nearest ``c``, then to the
       earliest. With no such date, or no window, it stays on ``c``. Only calculated
       dates are counted (never moved ones), and every line of the group counts,
       whatever its type, so the target is a function of the agreement alone: it does
       not depend on the period or the types asked for. Occurrences of the same line
       do not attract each other, so a window never merges two visits of one line.
    4. **Selection.** An occurrence belongs to this run when its service (target) date
       lies in the clamped period. So two runs over adjacent periods make the same
       orders as one run over both, even when windows move lines across the split.
    5. **Continuous** (AX *Continuous*): the period's start is ignored, and whatever is
       missing in each line's series from its start (clamped to the agreement's) up to
       the period's end is generated.
    6. **Grouping.** Occurrences with the same service date, agreement and grouping key
       (see :class:`GroupBy`) make one new order. Its lines come from the agreement
       lines (type, description, quantity, unit, prices, item, category, worker,
       object, task) with ``agreement_line``, the ``calculated_date`` and a
       ``date_range`` of the single service day, in agreement-line-number then
       calculated-date order.
    7. **Nothing twice.** The natural key of a generated line is (agreement id,
       agreement line number, calculated date). An occurrence whose key is on a line of
       an ``existing`` order (whatever that line's status) is skipped, so running again
       creates nothing, and a group with every occurrence skipped creates no order. An
       order id ``order_id(key)`` already used by an existing order (or earlier in the
       run) gets the first free suffix ``-2``, ``-3``, ...
    8. **Orders** are created with :meth:`ServiceOrder.create` in the root stage of
       ``graph`` at ``at``, origin ``SYSTEM``, with the agreement's description,
       customer, project, responsible worker, preferred technician and all its related
       service objects and tasks. ``calendar_conflict`` is set when ``closed_days``
       says the service date is closed (the order is still created). Generated orders
       carry no SLA unless ``attach_sla`` (then the agreement's ``effective_sla_id``).
       ``preferred_service_at`` is the earliest ``preferred_time`` of the order's lines
       on the service date in ``zone`` (a time in a DST gap moves later, an ambiguous
       one takes its first occurrence) when both are given, else ``None``.

    Orders are sorted by service date, agreement id and grouping key; the events are
    the orders' creation events in the same order.

    Args:
        agreements: the agreements to generate from (each once).
        graph: the stage graph of service orders.
        period: the half-open range of service dates to generate.
        types: the transaction types to generate (AX *Include transaction types*).
        at: the instant of creation, an aware datetime.
        existing: orders already generated (to skip what they hold, and their ids).
        continuous: fill the whole series up to the period's end.
        closed_days: the calendar that says which days are closed.
        attach_sla: attach the agreement's SLA to the orders.
        zone: the zone preferred times are read in.
        order_id: names the order of a key (default :func:`default_order_id`).

    Raises:
        TypeMismatchError: an argument of the wrong type (the field is named, e.g.
            ``"agreements[2]"``, ``"types[0]"``, ``"existing[1]"``).
        InvalidInputError: ``types`` is empty; an agreement given twice
            (``"agreements[i].id"``); ``order_id`` returned an empty id.
        InvalidTimezoneError: ``zone`` is not a named IANA zone.

    >>> from datetime import UTC
    >>> from decimal import Decimal
    >>> from servicedomain.agreements import (
    ...     AgreementGroup, IntervalUnit, NewAgreementLine, ServiceInterval)
    >>> from servicedomain.money import Money
    >>> from servicedomain.stages import EXAMPLE_STAGE_GRAPH as graph
    >>> at = datetime(2007, 3, 30, 8, 0, tzinfo=UTC)
    >>> weekly = NewAgreementLine(
    ...     transaction_type=TransactionType.HOUR, quantity=Decimal(1), unit="h",
    ...     cost_price=Money(40, "EUR"), sales_price=Money(85, "EUR"),
    ...     interval=ServiceInterval(IntervalUnit.WEEK, 1), start_date=date(2007, 4, 1))
    >>> agreement, _ = ServiceAgreement.create(
    ...     id="AG-1", customer_id="C-1", group=AgreementGroup("MAINT"),
    ...     start_date=date(2007, 4, 1), at=at, lines=[weekly])
    >>> april = DateRange.inclusive(date(2007, 4, 1), date(2007, 4, 30))
    >>> run = generate_service_orders(
    ...     [agreement], graph, period=april, types=set(TransactionType), at=at)
    >>> [order.id for order in run.orders]
    ['AG-1/2007-04-01', 'AG-1/2007-04-08', 'AG-1/2007-04-15', 'AG-1/2007-04-22', 'AG-1/2007-04-29']
    >>> again = generate_service_orders(
    ...     [agreement], graph, period=april, types=set(TransactionType), at=at,
    ...     existing=run.orders)
    >>> again.orders
    ()
    """
    instant = require_instant(at, "at")
    _GRAPH.check(graph, "graph")
    _RANGE.check(period, "period")
    selected = _check_types(types)
    is_bool.check(continuous, "continuous")
    is_bool.check(attach_sla, "attach_sla")
    _CLOSED_DAYS.check(closed_days, "closed_days")
    named = None if zone is None else named_zone(zone)
    _ORDER_ID.check(order_id, "order_id")
    checked = _check_agreements(agreements)
    done, used = _existing_keys(existing)
    closed = None if closed_days is None else _Closed(closed_days)
    run = _Run(selected, period, continuous=continuous, closed=closed, done=done)
    planned: list[_Planned] = []
    for agreement in checked:
        planned.extend(run.plan(agreement))
    # Last order first, so that each plan is dropped as its order is built (pop from the
    # end): the plan and the orders are not all alive at once. The keys are unique (one
    # agreement id per run), so the reverse order is exactly the forward one reversed.
    planned.sort(key=_order_sort_key, reverse=True)
    orders: list[ServiceOrder] = []
    keys: list[GeneratedOrderKey] = []
    events: list[DomainEvent] = []
    conflicts: list[GeneratedOrderKey] = []
    fields = _LineFields()
    root_stage = graph.root.id
    while planned:
        service, agreement, group_key, lines, calculated = planned.pop()
        day = fields.day(service)
        key = _build_key(agreement.id, day, group_key)
        conflict = closed is not None and closed(service)
        order, created = ServiceOrder.generated(
            id=_unique(is_id.check(order_id(key), "order_id"), used),
            customer_id=agreement.customer_id,
            at=instant,
            stage_id=root_stage,
            description=agreement.description,
            agreement_id=agreement.id,
            project_id=agreement.project_id,
            preferred_service_at=None if named is None else _preferred_at(day, lines, named),
            responsible_worker_id=agreement.responsible_worker_id,
            preferred_technician_id=agreement.preferred_technician_id,
            sla_id=agreement.effective_sla_id if attach_sla else None,
            calendar_conflict=conflict,
            object_relations=agreement.object_relations,
            service_tasks=agreement.service_tasks,
            lines=fields.order_lines(agreement.id, service, lines, calculated),
        )
        orders.append(order)
        keys.append(key)
        events.extend(created)
        if conflict:
            conflicts.append(key)
    return Generation(
        orders=tuple(orders), keys=tuple(keys), events=tuple(events), conflicts=tuple(conflicts)
    )


def _unique(wanted: str, used: set[str]) -> str:
    """``wanted``, or ``wanted-2``, ``wanted-3``, ... the first one not in ``used``."""
    chosen, suffix = wanted, 1
    while chosen in used:
        suffix += 1
        chosen = f"{wanted}-{suffix}"
    used.add(chosen)
    return chosen


def _preferred_at(day: date, lines: list[AgreementLine], zone: ZoneInfo) -> datetime | None:
    times = [line.preferred_time for line in lines if line.preferred_time is not None]
    if not times:
        return None
    return resolve_local(
        datetime.combine(day, min(times)),
        zone,
        nonexistent=LocalTimePolicy.LATER,
        ambiguous=LocalTimePolicy.EARLIER,
    )


class _LineFields:
    """The order line an agreement line makes, validated once per agreement line.

    Also the values a run's orders share: one date and one service-day
    :class:`DateRange` per day of the run, however many orders and lines fall on it
    (all are immutable, so sharing them changes no result).
    """

    __slots__ = ("_days", "_known", "_ranges")

    def __init__(self) -> None:
        self._known: dict[str, dict[int, ServiceOrderLine]] = {}
        self._days: dict[int, date] = {}
        self._ranges: dict[int, DateRange] = {}

    def of(self, agreement_id: str, line: AgreementLine) -> ServiceOrderLine:
        """The line's order line (number 1, no dates), validated as a NewLine on first use."""
        known = self._known.get(agreement_id)
        if known is None:
            known = self._known[agreement_id] = {}
        template = known.get(line.number)
        if template is None:
            template = known[line.number] = NewLine(
                **{name: getattr(line, name) for name in SERVICE_LINE_FIELDS},
                agreement_line=AgreementLineRef(agreement_id, line.number),
            ).numbered(1)
        return template

    def day(self, ordinal: int) -> date:
        """The date of ``ordinal``, one instance per day of the run."""
        found = self._days.get(ordinal)
        if found is None:
            found = self._days[ordinal] = date.fromordinal(ordinal)
        return found

    def service_day(self, ordinal: int) -> DateRange:
        """The one-day range of ``ordinal``, one instance per day of the run."""
        found = self._ranges.get(ordinal)
        if found is None:
            day = self.day(ordinal)
            found = self._ranges[ordinal] = _build_range(day, day + _ONE_DAY)
        return found

    def order_lines(
        self,
        agreement_id: str,
        service: int,
        lines: list[AgreementLine],
        calculated: list[int],
    ) -> tuple[ServiceOrderLine, ...]:
        """The lines of one generated order on the ``service`` day, numbered (rule 6)."""
        service_day = self.service_day(service)
        known = self._known.get(agreement_id, {})
        days = self._days
        made = []
        for number, line, on in zip(count(1), lines, calculated, strict=False):
            template = known.get(line.number) or self.of(agreement_id, line)
            made.append(_date_line(template, number, service_day, days.get(on) or self.day(on)))
        return tuple(made)
