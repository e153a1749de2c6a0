"""The dispatch optimiser: a CP-SAT model over the greedy's inputs (the ``[optimize]`` extra).

Issue 17 item 9 (D.3 item 5). :func:`optimise_dispatch` takes what
:func:`~servicedomain.dispatch.auto_dispatch` takes and returns what it returns, inside
an :class:`OptimisedDispatch` with the objective of the greedy plan and of its own. It
needs OR-Tools (``pip install 'servicedomain[optimize]'``); the package
``servicedomain.dispatch`` does not import this module, so the library core runs
without it.

The model, for each requirement to place and each technician who is a candidate for it
(:func:`~servicedomain.dispatch.candidates`, before the run):

* one optional interval per free interval of the technician
  (:func:`~servicedomain.dispatch.availability`, the window widened by the travel):
  the time the booking takes, ``[start - travel, start + duration)``, lies wholly in
  that free interval and the work in the window. Starts are whole seconds from the
  earliest window start (no coarser grid), so the greedy's starts are in the model;
* at most one of a requirement's intervals is chosen (leaving it out costs its weight);
* per technician, the chosen intervals do not overlap (``AddNoOverlap``), travel
  included; the held bookings are already out of the free intervals.

The objective is :func:`plan_objective` (smaller is better), the weights of
:data:`WEIGHTS` in order of importance. Every booking of the result is made by
:func:`~servicedomain.dispatch.book`, so the whole interval is checked again; what the
solver leaves out is placed greedily where it still fits, and what then remains is
unplaced with the greedy's reasons. The result is the solver's plan only when its
objective is smaller than the greedy plan's; otherwise the greedy plan itself: the
optimiser is never worse than the greedy (law D6).
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, Final

import attrs

from servicedomain._checks import first_duplicate, in_, instance_of, integer, is_bool, items_of
from servicedomain.dispatch._auto_dispatch import (
    AutoDispatchResult,
    TravelEstimate,
    Unplaced,
    _booking_id,
    _urgency,
    auto_dispatch,
    no_travel,
)
from servicedomain.dispatch._availability import availability
from servicedomain.dispatch._booking import book
from servicedomain.dispatch._bookings import Booking
from servicedomain.dispatch._candidates import candidates
from servicedomain.dispatch._intervals import Interval, is_positive_duration, is_travel
from servicedomain.dispatch._reasons import Exclusion, Reason, ReasonKind
from servicedomain.dispatch._requirements import Requirement
from servicedomain.dispatch._skills import Skill, skill_catalog
from servicedomain.dispatch._statuses import BookingStatus
from servicedomain.dispatch._technicians import Technician
from servicedomain.errors import InvalidInputError, MissingExtraError
from servicedomain.events import DomainEvent
from servicedomain.sla import Priority

__all__ = [
    "SOLVER_STATUSES",
    "WEIGHTS",
    "OptimisedDispatch",
    "optimise_dispatch",
    "plan_objective",
]

_SECOND: Final = timedelta(seconds=1)
_ZERO: Final = timedelta(0)

WEIGHTS: Final[Mapping[str, int]] = MappingProxyType(
    {
        "unplaced_high": 4 * 10**14,
        "unplaced_normal": 2 * 10**14,
        "unplaced_low": 10**14,
        "late_second": 10**6,
        "not_preferred": 10**5,
        "travel_second": 10,
        "max_load_second": 1,
    }
)
"""The weights of :func:`plan_objective`, in order of importance.

* ``unplaced_<priority>``: a requirement left unplaced, by its priority (high 4,
  normal 2, low 1, times 10^14): one more placed requirement outweighs every other
  term of any instance of a few weeks.
* ``late_second``: each second a booking ends after its SLA deadline.
* ``not_preferred``: a requirement with a preferred technician booked with another
  (as much as 0.1 s late).
* ``travel_second``: each second of travel.
* ``max_load_second``: each second of work of the technician the run gives the most
  work (load balance).

They are weights, not a strict lexicographic order: late seconds and travel are not
bounded, but within a week a term rarely reaches the one above it.
"""

SOLVER_STATUSES: Final = ("OPTIMAL", "FEASIBLE", "INFEASIBLE", "MODEL_INVALID", "UNKNOWN")
"""The CP-SAT statuses an :class:`OptimisedDispatch` may report."""

_OBJECTIVE: Final = integer(minimum=0)
_REQUIREMENTS: Final = items_of(Requirement)
_TECHNICIANS: Final = items_of(Technician)
_BOOKINGS: Final = items_of(Booking)


@attrs.frozen(kw_only=True)
class OptimisedDispatch:
    """What :func:`optimise_dispatch` proposes, with the objectives it compared.

    Attributes:
        result: the plan, as :func:`~servicedomain.dispatch.auto_dispatch` returns it.
        objective: :func:`plan_objective` of ``result``.
        greedy_objective: :func:`plan_objective` of the greedy plan; never below
            ``objective``.
        status: the CP-SAT status (one of :data:`SOLVER_STATUSES`): ``OPTIMAL`` when the
            solver proved its plan best, ``FEASIBLE`` when the time limit stopped it,
            ``UNKNOWN`` when the limit came before its first plan (the result is then
            the greedy plan).
        optimised: ``True`` when ``result`` is the solver's plan (its objective was
            smaller), ``False`` when it is the greedy plan.
    """

    result: AutoDispatchResult = attrs.field(validator=instance_of(AutoDispatchResult))
    objective: int = attrs.field(validator=_OBJECTIVE)
    greedy_objective: int = attrs.field(validator=_OBJECTIVE)
    status: str = attrs.field(validator=in_(SOLVER_STATUSES))
    optimised: bool = attrs.field(validator=is_bool)

    def __attrs_post_init__(self) -> None:
        if self.objective > self.greedy_objective:
            raise InvalidInputError(
                "objective", self.objective, "the optimiser's plan is never worse than the greedy"
            )


def _cp_model() -> Any:
    try:
        return importlib.import_module("ortools.sat.python.cp_model")
    except ImportError:
        raise MissingExtraError("Optimised dispatch plans", "ortools", "optimize") from None


def _seconds_up(span: timedelta) -> int:
    return math.ceil(span / _SECOND)


def _seconds_down(span: timedelta) -> int:
    return math.floor(span / _SECOND)


_RANK_WEIGHT: Final = {
    Priority.HIGH: WEIGHTS["unplaced_high"],
    Priority.NORMAL: WEIGHTS["unplaced_normal"],
    Priority.LOW: WEIGHTS["unplaced_low"],
}


def plan_objective(
    requirements: Iterable[Requirement],
    result: AutoDispatchResult,
) -> int:
    """The cost of a plan (smaller is better): :data:`WEIGHTS` times its terms.

    The terms: each requirement neither proposed nor already booked, by priority; each
    second a proposal ends after its requirement's SLA deadline (rounded up); each
    proposal not with its requirement's preferred technician; each second of travel
    (rounded up); the most work, in seconds (rounded up), that the plan gives one
    technician.

    Args:
        requirements: the requirements the plan was made for (each id once).
        result: the plan, from :func:`~servicedomain.dispatch.auto_dispatch` or
            :func:`optimise_dispatch`.

    Raises:
        TypeMismatchError: an argument of the wrong type.
        InvalidInputError: a requirement twice, or a proposal of a requirement not
            among ``requirements`` (field ``"result"``).
    """
    given = _REQUIREMENTS.check(requirements, "requirements")
    _once((need.id for need in given), "requirements", "a requirement")
    plan = instance_of(AutoDispatchResult).check(result, "result")
    needs = {need.id: need for need in given}
    unknown = [b.requirement_id for b in plan.proposed if b.requirement_id not in needs]
    if unknown:
        raise InvalidInputError("result", unknown[0], "a proposal of a requirement not given")
    placed = {b.requirement_id for b in plan.proposed} | set(plan.already_booked)
    cost = sum(_RANK_WEIGHT[need.priority] for need in given if need.id not in placed)
    work: dict[str, timedelta] = {}
    for booking in plan.proposed:
        need = needs[booking.requirement_id]
        if need.sla_deadline is not None and booking.end > need.sla_deadline:
            cost += WEIGHTS["late_second"] * _seconds_up(booking.end - need.sla_deadline)
        preferred = need.preferred_technician_id
        if preferred is not None and booking.technician_id != preferred:
            cost += WEIGHTS["not_preferred"]
        cost += WEIGHTS["travel_second"] * _seconds_up(booking.travel)
        work[booking.technician_id] = work.get(booking.technician_id, _ZERO) + need.duration
    most = max(work.values(), default=_ZERO)
    return cost + WEIGHTS["max_load_second"] * _seconds_up(most)


@attrs.frozen
class _Option:
    """One way to place a requirement: a technician, a free interval, the travel."""

    need: Requirement
    technician_id: str
    travel: timedelta
    lowest: int  # the earliest busy start, seconds from the origin
    highest: int  # the latest busy start
    presence: Any
    busy_start: Any


def _once(values: Iterable[str], field: str, what: str) -> None:
    repeated = first_duplicate(values)
    if repeated is not None:
        raise InvalidInputError(field, repeated, f"{what} is given once")


def _holding(booking: Booking) -> Booking:
    """``booking`` as a run sees it: a proposal holds time (a copy marked committed)."""
    if booking.status is BookingStatus.PROPOSED:
        return attrs.evolve(booking, status=BookingStatus.COMMITTED)
    return booking


@attrs.frozen
class _Run:
    """The inputs of a run, checked by the greedy :func:`auto_dispatch` over them."""

    instant: datetime
    pending: tuple[Requirement, ...]  # in EDF order, those booked already left out
    people: tuple[Technician, ...]
    given: tuple[Booking, ...]
    before: tuple[Booking, ...]  # the bookings given as the run sees them
    travel: TravelEstimate
    skills: Mapping[str, Skill] | None
    naming: Callable[[Requirement], str] | None

    def technician(self, technician_id: str) -> Technician:
        """The technician of the run of this id."""
        return next(tech for tech in self.people if tech.id == technician_id)

    def held(self, technician: Technician) -> list[Booking]:
        """The bookings of ``technician`` among those the run sees (proposals held)."""
        return [b for b in self.before if b.technician_id == technician.id]


def _ranked(run: _Run, need: Requirement) -> list[tuple[Technician, timedelta]]:
    """The candidates for ``need`` before the run, with their travel, in id order."""
    by_travel: dict[timedelta, list[Technician]] = {}
    for tech in run.people:
        by_travel.setdefault(is_travel.check(run.travel(tech, need), "travel"), []).append(tech)
    found: list[tuple[Technician, timedelta]] = []
    for travel, group in by_travel.items():
        listed = candidates(need, group, run.before, skills=run.skills, travel=travel)
        by_id = {tech.id: tech for tech in group}
        found.extend((by_id[one.technician_id], travel) for one in listed.ranked)
    return sorted(found, key=lambda one: one[0].id)


def _options(run: _Run, model: Any, origin: datetime) -> list[_Option]:
    options: list[_Option] = []
    for number, need in enumerate(run.pending):
        for tech, travel in _ranked(run, need):
            window = need.window
            search = Interval(window.start - travel, window.end)
            free = availability(tech, run.held(tech), search)
            for piece, interval in enumerate(free):
                lowest = _seconds_up(max(interval.start, window.start - travel) - origin)
                latest = min(interval.end, window.end) - need.duration - travel
                highest = _seconds_down(latest - origin)
                if lowest > highest:
                    continue
                name = f"{number}_{tech.id}_{piece}"
                presence = model.NewBoolVar(f"x_{name}")
                busy_start = model.NewIntVar(lowest, highest, f"b_{name}")
                options.append(
                    _Option(need, tech.id, travel, lowest, highest, presence, busy_start)
                )
    return options


def _size(option: _Option) -> int:
    return _seconds_up(option.travel + option.need.duration)


def _model(run: _Run, cp: Any, origin: datetime) -> tuple[Any, list[_Option]]:
    model = cp.CpModel()
    options = _options(run, model, origin)
    terms: list[Any] = []
    by_need: dict[str, list[_Option]] = {}
    by_tech: dict[str, list[_Option]] = {}
    for option in options:
        by_need.setdefault(option.need.id, []).append(option)
        by_tech.setdefault(option.technician_id, []).append(option)
    constant = 0
    for need in run.pending:
        chosen = [option.presence for option in by_need.get(need.id, [])]
        weight = _RANK_WEIGHT[need.priority]
        constant += weight
        if not chosen:
            continue
        model.AddAtMostOne(chosen)
        terms.extend(-weight * presence for presence in chosen)
    for option in options:
        need = option.need
        if need.sla_deadline is not None:
            due = _seconds_down(need.sla_deadline - origin)
            latest_late = max(0, option.highest + _size(option) - due)
            if latest_late > 0:
                late = model.NewIntVar(0, latest_late, "late")
                model.Add(late >= option.busy_start + _size(option) - due).OnlyEnforceIf(
                    option.presence
                )
                terms.append(WEIGHTS["late_second"] * late)
        preferred = need.preferred_technician_id
        if preferred is not None and option.technician_id != preferred:
            terms.append(WEIGHTS["not_preferred"] * option.presence)
        terms.append(WEIGHTS["travel_second"] * _seconds_up(option.travel) * option.presence)
    most_work = sum(_seconds_up(need.duration) for need in run.pending)
    most = model.NewIntVar(0, most_work, "most_work")
    for tech_id, mine in sorted(by_tech.items()):
        intervals = [
            model.NewOptionalFixedSizeIntervalVar(
                option.busy_start, _size(option), option.presence, f"busy_{tech_id}_{n}"
            )
            for n, option in enumerate(mine)
        ]
        model.AddNoOverlap(intervals)
        model.Add(
            most >= sum(_seconds_up(option.need.duration) * option.presence for option in mine)
        )
    terms.append(WEIGHTS["max_load_second"] * most)
    model.Minimize(sum(terms) + constant)
    return model, options


def _hint(
    model: Any, options: Sequence[_Option], greedy: AutoDispatchResult, origin: datetime
) -> None:
    placed = {b.requirement_id: b for b in greedy.proposed}
    for option in options:
        booking = placed.get(option.need.id)
        at = None if booking is None else _seconds_down(booking.busy.start - origin)
        chosen = (
            booking is not None
            and at is not None
            and booking.technician_id == option.technician_id
            and option.lowest <= at <= option.highest
            and booking.busy.start == origin + at * _SECOND
        )
        model.AddHint(option.presence, chosen)
        if chosen:
            model.AddHint(option.busy_start, at)


_SEED: Final = integer(minimum=0, maximum=2**31 - 1)


def optimise_dispatch(
    requirements: Iterable[Requirement],
    technicians: Iterable[Technician],
    bookings: Iterable[Booking],
    *,
    at: datetime,
    travel: TravelEstimate = no_travel,
    skills: Mapping[str, Skill] | Iterable[Skill] | None = None,
    ids: Callable[[Requirement], str] | None = None,
    time_limit: timedelta = timedelta(seconds=10),
    hint: bool = True,
    seed: int = 0,
) -> OptimisedDispatch:
    """Propose bookings as :func:`~servicedomain.dispatch.auto_dispatch` does, optimised.

    The inputs, the rules of what may be booked and the result are those of
    ``auto_dispatch`` (see it): the bookings given are not moved, proposals among them
    hold time for the run, each proposal is made by
    :func:`~servicedomain.dispatch.book` with the same ids. Instead of placing the
    requirements one by one in EDF order, a CP-SAT model (see the module) chooses all
    the placements at once, minimising :func:`plan_objective`; the greedy plan is its
    hint and its bound: the result is the greedy plan unless the solver found a
    smaller objective (law D6).

    The solver runs on one worker with ``seed``, so a run that ends by proving its
    plan optimal is reproducible; one stopped by ``time_limit`` may differ with the
    machine's speed.

    Args:
        requirements: as ``auto_dispatch``.
        technicians: as ``auto_dispatch``.
        bookings: as ``auto_dispatch``.
        at: as ``auto_dispatch``.
        travel: as ``auto_dispatch``.
        skills: as ``auto_dispatch``.
        ids: as ``auto_dispatch``.
        time_limit: the solver's wall-time limit (> 0).
        hint: start the solver from the greedy plan.
        seed: the solver's random seed (0 to 2^31 - 1).

    Returns:
        The plan, its objective and the greedy plan's, the solver status.

    Raises:
        MissingExtraError: OR-Tools is not installed (``servicedomain[optimize]``).
        InvalidInputError: as ``auto_dispatch``; a time limit not above zero, a seed
            out of range.
        TypeMismatchError: as ``auto_dispatch``; a time limit not a timedelta, ``hint``
            not a bool, ``seed`` not an int.
        NaiveDatetimeError: ``at`` is naive.
    """
    needs = _REQUIREMENTS.check(requirements, "requirements")
    people = _TECHNICIANS.check(technicians, "technicians")
    given = _BOOKINGS.check(bookings, "bookings")
    catalog = None if skills is None else skill_catalog(skills)
    # the greedy plan; it checks the arguments as auto_dispatch documents them
    greedy = auto_dispatch(needs, people, given, at=at, travel=travel, skills=catalog, ids=ids)
    limit = is_positive_duration.check(time_limit, "time_limit")
    hinted = is_bool.check(hint, "hint")
    chosen_seed = _SEED.check(seed, "seed")
    cp = _cp_model()
    greedy_objective = plan_objective(needs, greedy)
    booked = {b.requirement_id for b in given if b.status is not BookingStatus.CANCELED}
    run = _Run(
        instant=at,
        pending=tuple(sorted((need for need in needs if need.id not in booked), key=_urgency)),
        people=people,
        given=given,
        before=tuple(_holding(booking) for booking in given),
        travel=travel,
        skills=catalog,
        naming=ids,
    )
    if not run.pending:
        return OptimisedDispatch(
            result=greedy,
            objective=greedy_objective,
            greedy_objective=greedy_objective,
            status="OPTIMAL",
            optimised=False,
        )
    origin = min(need.window.start for need in run.pending)
    model, options = _model(run, cp, origin)
    if hinted:
        _hint(model, options, greedy, origin)
    solver = cp.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = chosen_seed
    solver.parameters.max_time_in_seconds = limit.total_seconds()
    code = solver.Solve(model)
    status = str(solver.StatusName(code))
    if code not in (cp.OPTIMAL, cp.FEASIBLE):
        return OptimisedDispatch(
            result=greedy,
            objective=greedy_objective,
            greedy_objective=greedy_objective,
            status=status,
            optimised=False,
        )
    starts = {option.need.id: option for option in options if solver.BooleanValue(option.presence)}
    optimised = _placed(
        run,
        starts,
        {option.need.id: solver.Value(option.busy_start) for option in starts.values()},
        origin,
        greedy,
    )
    objective = plan_objective(needs, optimised)
    if objective < greedy_objective:
        return OptimisedDispatch(
            result=optimised,
            objective=objective,
            greedy_objective=greedy_objective,
            status=status,
            optimised=True,
        )
    return OptimisedDispatch(
        result=greedy,
        objective=greedy_objective,
        greedy_objective=greedy_objective,
        status=status,
        optimised=False,
    )


def _placed(
    run: _Run,
    chosen: Mapping[str, _Option],
    seconds: Mapping[str, int],
    origin: datetime,
    greedy: AutoDispatchResult,
) -> AutoDispatchResult:
    """The solver's plan: its choices booked by :func:`book`, then the rest greedily.

    Each choice, in EDF order, is booked against the bookings given (proposals held)
    plus the earlier choices (held as committed copies), with the ids ``auto_dispatch``
    gives. What the solver left out goes to a second ``auto_dispatch`` with the choices
    among its bookings; what it cannot place keeps its reasons, and a technician who
    was a candidate before the run gets a ``taken_by_run`` reason, as in the greedy.
    """
    holding = list(run.before)
    taken = {booking.id for booking in run.given}
    placed: list[Booking] = []
    events: list[DomainEvent] = []
    left: list[Requirement] = []
    for need in run.pending:
        option = chosen.get(need.id)
        if option is None:
            left.append(need)
            continue
        busy_start = origin + seconds[need.id] * _SECOND
        booking_id = _booking_id(need, run.naming, taken)
        booking, made = book(
            need,
            run.technician(option.technician_id),
            holding,
            start=busy_start + option.travel,
            id=booking_id,
            at=run.instant,
            travel=option.travel,
            skills=run.skills,
        )
        placed.append(booking)
        events.extend(made)
        holding.append(_holding(booking))
        taken.add(booking_id)
    rest = auto_dispatch(
        left,
        run.people,
        (*run.given, *placed),
        at=run.instant,
        travel=run.travel,
        skills=run.skills,
        ids=run.naming,
    )
    by_id = {need.id: need for need in left}
    return AutoDispatchResult(
        proposed=(*placed, *rest.proposed),
        events=(*events, *rest.events),
        unplaced=tuple(_taken_by_run(run, by_id[one.requirement_id], one) for one in rest.unplaced),
        already_booked=greedy.already_booked,
    )


def _taken_by_run(run: _Run, need: Requirement, unplaced: Unplaced) -> Unplaced:
    """``unplaced`` with ``taken_by_run`` for each technician free for ``need`` before the run."""
    free_before = {tech.id for tech, _ in _ranked(run, need)}
    taken = Reason(kind=ReasonKind.TAKEN_BY_RUN, interval=need.window)
    exclusions = tuple(
        Exclusion(technician_id=one.technician_id, reasons=(*one.reasons, taken))
        if one.technician_id in free_before
        and all(reason.kind is not ReasonKind.TAKEN_BY_RUN for reason in one.reasons)
        else one
        for one in unplaced.exclusions
    )
    return Unplaced(requirement_id=unplaced.requirement_id, exclusions=exclusions)
