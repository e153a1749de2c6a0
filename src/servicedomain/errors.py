"""The exception hierarchy of servicedomain.

Every error the library raises subclasses :class:`ServiceDomainError`. Errors carry
structured fields (the field, the value, the entity, the rule) and build their own
message from them, so a host can both show the message and act on the fields.

* Bad input raises :class:`InvalidInputError` (also a :class:`ValueError`) or
  :class:`TypeMismatchError` (also a :class:`TypeError`), or one of their subclasses.
* A business rule that refuses an operation raises a :class:`RuleViolationError`.
* Ports raise :class:`NotFoundError`, :class:`ConcurrencyConflictError` and
  :class:`IdempotencyConflictError`, never a driver's exception.

>>> from decimal import Decimal
>>> from servicedomain import Money
>>> try:
...     Money(0.1, "EUR")  # type: ignore[arg-type]
... except InvalidAmountError as error:
...     print(error.field, "|", error)
amount | amount=0.1: a float is not money; pass a Decimal or an int
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

__all__ = [
    "AgreementRuleError",
    "AlreadyExistsError",
    "AlreadyInvoicedError",
    "AmbiguousLocalTimeError",
    "BillingRuleError",
    "BookingConflictError",
    "BookingLockedError",
    "BookingStatusError",
    "ConcurrencyConflictError",
    "CreditBeforeInvoiceError",
    "CreditExceededError",
    "CurrencyMismatchError",
    "DispatchRuleError",
    "IdempotencyConflictError",
    "InstantOutOfOrderError",
    "InvalidAmountError",
    "InvalidBomError",
    "InvalidCalendarError",
    "InvalidCancellationError",
    "InvalidDocumentError",
    "InvalidDurationError",
    "InvalidFormatSpecError",
    "InvalidInputError",
    "InvalidOperationError",
    "InvalidPauseError",
    "InvalidPeriodError",
    "InvalidPriceError",
    "InvalidQuantityError",
    "InvalidRatiosError",
    "InvalidRulesError",
    "InvalidScheduleError",
    "InvalidStageGraphError",
    "InvalidSubscriptionError",
    "InvalidTimezoneError",
    "ItemRequirementError",
    "MissingExtraError",
    "NaiveDatetimeError",
    "NonexistentLocalTimeError",
    "NotFoundError",
    "OrderRuleError",
    "ReasonRequiredError",
    "RepairRuleError",
    "RequestRuleError",
    "RequestStatusError",
    "RuleViolationError",
    "ServiceDomainError",
    "StageRuleError",
    "StorageError",
    "TransitionNotAllowedError",
    "TypeMismatchError",
    "UnknownCodeError",
    "UnknownCurrencyError",
    "UnknownEnumValueError",
    "UnknownLineError",
    "UnknownLocaleError",
    "UnknownStageError",
]


def _show(value: object) -> str:
    """Render a value for a message: repr, shortened so a huge input stays readable."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class ServiceDomainError(Exception):
    """The root of every error raised by servicedomain."""


# --------------------------------------------------------------------------- bad input


class InvalidInputError(ServiceDomainError, ValueError):
    """A value given to the library is not acceptable.

    Attributes:
        field: the name of the argument or attribute that was wrong (dotted for nested
            values, e.g. ``"weights[2]"``).
        value: the value that was given.
        reason: why it was refused, in words.
    """

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{field}={_show(value)}: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.field, self.value, self.reason))


class TypeMismatchError(InvalidInputError, TypeError):
    """A value has the wrong type (a ``date`` where a ``datetime`` is expected, ...).

    It is also a :class:`TypeError`, so callers' existing ``except TypeError`` keep working.
    """


class InvalidAmountError(InvalidInputError):
    """An amount is not exact money (float, bool, NaN, infinity, string, too many decimals)."""


class UnknownCurrencyError(InvalidInputError):
    """A currency code is malformed or not in the currency table."""


class UnknownLocaleError(InvalidInputError):
    """A report locale is not one the reports are translated into (en, sv, nl, lv)."""


class CurrencyMismatchError(InvalidInputError):
    """Two amounts in different currencies were combined or compared.

    Attributes:
        left: the currency code on the left of the operation.
        right: the currency code on the right.
    """

    def __init__(self, field: str, left: str, right: str) -> None:
        self.left = left
        self.right = right
        super().__init__(field, right, f"currency {right} does not match {left}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.field, self.left, self.right))


class InvalidOperationError(InvalidInputError, TypeError):
    """An operation money does not support (Money x Money, division by zero, ...)."""


class InvalidFormatSpecError(InvalidInputError):
    """A format spec (``f"{money:...}"``) that a Decimal amount cannot be formatted with."""


class InvalidRatiosError(InvalidInputError):
    """Allocation weights are empty, negative, all zero, or not exact numbers."""


class InvalidPeriodError(InvalidInputError):
    """A date range or period is empty, inverted, or outside what it must lie in."""


class InvalidScheduleError(InvalidInputError):
    """A period code or schedule is malformed: unknown unit, count <= 0, bad anchor."""


class NaiveDatetimeError(TypeMismatchError):
    """A naive ``datetime`` was given where an instant (an aware datetime) is needed."""


class InstantOutOfOrderError(InvalidInputError):
    """An operation is dated before the last instant its aggregate recorded (law U2).

    Time moves forward: a service order refuses an operation whose ``at`` is earlier
    than anything it already recorded (an equal instant is fine), and stays usable.

    Attributes:
        last: the last instant the aggregate recorded; ``value`` is the refused one.
    """

    def __init__(self, field: str, value: datetime, last: datetime) -> None:
        self.last = last
        super().__init__(
            field,
            value,
            f"{value.isoformat()} is before {last.isoformat()}, the last instant recorded; "
            "time moves forward",
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.field, self.value, self.last))


class InvalidTimezoneError(InvalidInputError):
    """A time zone is unknown, a fixed offset where a named zone is needed, or pytz.

    A pytz zone attached with ``replace()`` gives local mean time offsets (+00:09 for
    Paris), so pytz zones are refused; use :class:`zoneinfo.ZoneInfo`.
    """


class NonexistentLocalTimeError(InvalidInputError):
    """A local wall time falls in a DST gap (it never shows on the clock that day)."""


class AmbiguousLocalTimeError(InvalidInputError):
    """A local wall time occurs twice (DST fall-back) and no policy chose one."""


class InvalidQuantityError(InvalidInputError):
    """A quantity is a float, NaN, negative where it may not be, or too precise."""


class InvalidPriceError(InvalidInputError):
    """A price is negative, or in another currency than the line's."""


class InvalidStageGraphError(InvalidInputError):
    """A stage graph is malformed (roots, duplicate ids, cycles, unknown parents, ...).

    Also raised for a dict that does not describe a graph.
    """


class InvalidDocumentError(InvalidInputError):
    """A stored or sent document does not decode to a value of the library.

    Raised by :mod:`servicedomain.serialization` for an unknown or missing key, a wrong
    ``$type``, an unsupported ``$version``, a value of the wrong JSON type (a float
    amount, a naive instant) or a value the type's constructor refuses. ``field`` is the
    path of the key in the document, such as ``"lines[2].quantity"``.
    """


class InvalidRulesError(InvalidInputError):
    """A rules file (TOML or JSON) does not hold valid rules.

    Raised by :mod:`servicedomain.rules`. The message starts with the file's name, then
    the path of the culprit key and its value: ``rules.toml: calendars.MAIN.weekly.mon=
    ['8-17']: ...``.

    Attributes:
        source: the name of the file (or other source) read.
    """

    def __init__(self, source: str, field: str, value: object, reason: str) -> None:
        self.source = source
        super().__init__(field, value, reason)
        where = f"{field}={_show(value)}: " if field else ""
        self.args = (f"{source}: {where}{reason}",)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.source, self.field, self.value, self.reason))


class UnknownEnumValueError(InvalidInputError):
    """A value is none of an enumeration's values: ``Priority("High")``.

    Every public enum of the library raises it from its constructor (it is also a
    :class:`ValueError`, as the standard ``enum`` lookup raises).

    Attributes:
        enum: the enumeration; ``field`` is its name.
        valid: the values it accepts, in definition order.
    """

    def __init__(self, enum: type[Any], value: object) -> None:
        self.enum = enum
        self.valid = tuple(member.value for member in enum)
        known = ", ".join(repr(item) for item in self.valid)
        super().__init__(
            enum.__name__, value, f"not a {enum.__name__} value; the valid values are {known}"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.enum, self.value))


class UnknownStageError(InvalidInputError):
    """A stage id is not in the stage graph."""


class UnknownLineError(InvalidInputError):
    """A line number is not on the service order."""


class UnknownCodeError(InvalidInputError):
    """A fault code is not in the fault taxonomy, or not in the area it is looked up in.

    A symptom or diagnosis code belongs to its area (AX keys them by area and code), so
    a code of another area, or an area the taxonomy does not define, is refused with
    both named: ``symptom_code='blue screen': no symptom code 'blue screen' in symptom
    area 'monitor'; ...``.

    Attributes:
        kind: what was looked up (``"symptom area"``, ``"symptom code"``, ``"condition"``,
            ``"diagnosis code"``, ``"resolution"``, ``"repair stage"``, ...).
        area_id: the area the code was looked up in (``None`` for a kind without areas).
        known: the ids the taxonomy defines there, sorted.
    """

    def __init__(
        self,
        field: str,
        value: object,
        kind: str,
        area_id: str | None = None,
        known: tuple[str, ...] = (),
    ) -> None:
        self.kind = kind
        self.area_id = area_id
        self.known = tuple(known)
        where = f" in {kind.rsplit(' ', 1)[0]} area {area_id!r}" if area_id is not None else ""
        listed = ", ".join(repr(item) for item in self.known) if self.known else "none"
        super().__init__(field, value, f"no {kind} {value!r}{where}; known: {listed}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.field, self.value, self.kind, self.area_id, self.known))


class InvalidDurationError(InvalidInputError):
    """A duration is negative, malformed, or not a whole number of what it counts."""


class InvalidPauseError(InvalidInputError):
    """An SLA clock entry that does not fit its log.

    A stop while stopped, a start while running, an entry earlier than the one it
    follows, or anything after a cancel.
    """


class InvalidCalendarError(InvalidInputError):
    """A working calendar has no working time, bad slots, or a search ran past its horizon."""


class InvalidBomError(InvalidInputError):
    """A bill of materials or a change of one does not fit it.

    A repeated or unknown line id, an unknown parent, a cycle of parents, a change
    dated before the last one recorded or before the BOM was attached.
    """


# ---------------------------------------------------------------------- business rules


class RuleViolationError(ServiceDomainError):
    """A business rule refused an operation.

    Attributes:
        entity_id: the entity the operation was applied to.
        rule: a short, stable name of the rule (e.g. ``"stage.may_post"``).
        detail: the explanation, in words.
    """

    def __init__(self, entity_id: str, rule: str, detail: str) -> None:
        self.entity_id = entity_id
        self.rule = rule
        self.detail = detail
        super().__init__(f"{entity_id}: rule {rule} refused the operation: {detail}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.entity_id, self.rule, self.detail))


class TransitionNotAllowedError(RuleViolationError):
    """A stage change that the stage graph does not declare.

    Only *next* (to a child of the current stage) and *previous* (to its parent) are
    declared; anything else, including leaving a stage that has no children by going
    forward, is refused.

    Attributes:
        from_stage: the stage the entity is in.
        to_stage: the stage that was asked for.
        explanation: why, beyond "no such transition" (e.g. the choices at a branch).
    """

    def __init__(self, entity_id: str, from_stage: str, to_stage: str, detail: str = "") -> None:
        self.from_stage = from_stage
        self.to_stage = to_stage
        self.explanation = detail
        super().__init__(
            entity_id,
            "stage.transition",
            f"no transition from stage {from_stage!r} to {to_stage!r}"
            + (f": {detail}" if detail else ""),
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.entity_id, self.from_stage, self.to_stage, self.explanation))


class StageRuleError(RuleViolationError):
    """The current stage does not allow an action (modify, delete, cancel, post).

    Attributes:
        stage_id: the stage whose rule refused.
        action: the action refused, e.g. ``"post"``; the rule is ``stage.may_<action>``.
    """

    def __init__(self, entity_id: str, stage_id: str, action: str) -> None:
        self.stage_id = stage_id
        self.action = action
        super().__init__(
            entity_id, f"stage.may_{action}", f"stage {stage_id!r} does not allow {action}"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.entity_id, self.stage_id, self.action))


class ReasonRequiredError(RuleViolationError):
    """An action needs a reason code and none was given.

    Attributes:
        context: what needed the reason, e.g. ``"entering stage 'CANCELED'"``.
    """

    def __init__(self, entity_id: str, rule: str, context: str) -> None:
        self.context = context
        super().__init__(entity_id, rule, f"a reason code is required when {context}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.entity_id, self.rule, self.context))


class OrderRuleError(RuleViolationError):
    """A rule of service orders refused an operation; ``rule`` names it.

    For example ``"line.posted"`` (a posted line cannot change) or
    ``"move.same_agreement"`` (lines move only between orders of one agreement).
    """


class ItemRequirementError(OrderRuleError):
    """An item requirement refused an operation on a service order (AX rule).

    An order with item requirements is neither canceled nor deleted, and a line with
    one is not removed, until the requirements are removed; a requirement goes only on
    an open item line of an order with a project.

    Attributes:
        line_number: the line concerned.
        requirement_id: the item requirement concerned.
        explanation: why, in words (``detail`` adds the line and the requirement).
    """

    def __init__(
        self, entity_id: str, rule: str, line_number: int, requirement_id: str, detail: str
    ) -> None:
        self.line_number = line_number
        self.requirement_id = requirement_id
        self.explanation = detail
        super().__init__(
            entity_id, rule, f"line {line_number}, item requirement {requirement_id!r}: {detail}"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        fields = (self.entity_id, self.rule, self.line_number, self.requirement_id)
        return (type(self), (*fields, self.explanation))


class AgreementRuleError(RuleViolationError):
    """A rule of service agreements refused an operation; ``rule`` names it.

    For example ``"object.conflict"`` (another object with the same id is related) or
    ``"copy.object_not_related"`` (a copied line needs an object that is not related).
    """


class RepairRuleError(RuleViolationError):
    """A rule of repair management refused an operation; ``rule`` names it.

    For example ``"relation.conflict"`` (another relation with the same id is on the
    service object) or ``"bom.same_object"`` (a service BOM's history moves only to
    another relation of the same service object).
    """


class DispatchRuleError(RuleViolationError):
    """A rule of dispatching refused an operation; ``rule`` names it.

    For example ``"booking.status"`` (a status move the booking does not allow) or
    ``"booking.conflict"`` (the interval asked for is not free).
    """


class BookingStatusError(DispatchRuleError):
    """A booking's status does not allow the move asked for (rule ``booking.status``).

    Attributes:
        status: the booking's status (its value, such as ``"completed"``).
        move: the move refused: a target status value or an operation
            (``"reschedule"``, ``"reassign"``).
    """

    def __init__(self, entity_id: str, status: str, move: str) -> None:
        self.status = status
        self.move = move
        super().__init__(
            entity_id, "booking.status", f"a {status} booking does not allow the move {move!r}"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.entity_id, self.status, self.move))


class RequestRuleError(RuleViolationError):
    """A rule of customer service requests refused an operation; ``rule`` names it.

    For example ``"request.agreement_suspended"`` (a request is not submitted under a
    suspended agreement) or ``"request.relation_unknown"`` (an object relation that is
    neither the agreement's nor one of the customer's).
    """


class RequestStatusError(RequestRuleError):
    """A request's status does not allow the move asked for (rule ``request.status``).

    Attributes:
        status: the request's status (its value, such as ``"transferred"``).
        move: the move refused (``"start_review"``, ``"edit"``, ``"transfer"``, ...).
    """

    def __init__(self, entity_id: str, status: str, move: str) -> None:
        self.status = status
        self.move = move
        super().__init__(
            entity_id, "request.status", f"a {status} request does not allow the move {move!r}"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.entity_id, self.status, self.move))


class BookingLockedError(DispatchRuleError):
    """A locked booking's time or technician was to change (rule ``booking.locked``).

    Attributes:
        lock: ``"time"`` or ``"technician"``.
    """

    def __init__(self, entity_id: str, lock: str) -> None:
        self.lock = lock
        super().__init__(
            entity_id, "booking.locked", f"the booking's {lock} is locked; unlock it first"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.entity_id, self.lock))


class BookingConflictError(DispatchRuleError):
    """A booking was refused: the reasons are data (rule ``booking.conflict``).

    Attributes:
        reasons: the reasons, ``servicedomain.dispatch.Reason`` values, the same data
            ``candidates`` gives for a technician it leaves out; at least one.
    """

    def __init__(self, entity_id: str, reasons: tuple[Any, ...]) -> None:
        self.reasons: tuple[Any, ...] = tuple(reasons)
        super().__init__(
            entity_id, "booking.conflict", "; ".join(str(reason) for reason in self.reasons)
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.entity_id, self.reasons))


class BillingRuleError(RuleViolationError):
    """A rule of subscriptions, invoicing or accruals refused an operation; ``rule`` names it.

    For example ``"fee.reduction_overlaps"`` (the same days are removed twice) or
    ``"accrual.not_invoiced"`` (revenue is accrued only after the fee is invoiced).
    """


class AlreadyInvoicedError(BillingRuleError):
    """A fee or transaction is already on a posted invoice, so it cannot be invoiced again.

    Attributes:
        source_id: the fee or transaction that was given again.
        invoice_id: the invoice it is already on.
    """

    def __init__(self, source_id: str, invoice_id: str) -> None:
        self.source_id = source_id
        self.invoice_id = invoice_id
        super().__init__(source_id, "invoice.once", f"already invoiced on invoice {invoice_id!r}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.source_id, self.invoice_id))


class CreditExceededError(BillingRuleError):
    """A credit asks for more than can still be credited (invoiced minus already credited).

    Attributes:
        source_id: the fee or transaction to credit.
        requested: the credit asked for.
        available: what can still be credited.
    """

    def __init__(self, source_id: str, requested: object, available: object) -> None:
        self.source_id = source_id
        self.requested = requested
        self.available = available
        super().__init__(
            source_id,
            "credit.at_most_invoiced",
            f"a credit of {requested} exceeds the {available} that can still be credited",
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.source_id, self.requested, self.available))


class CreditBeforeInvoiceError(InvalidPeriodError):
    """A credit note dated before the invoice it credits.

    ``field`` is ``credit_date`` (or ``invoice_date`` of a credit note being recorded),
    ``value`` the date given; the message names the invoice and its date.
    """


class InvalidCancellationError(InvalidInputError):
    """A cancellation date before the subscription's start or after its end."""


class InvalidSubscriptionError(InvalidInputError):
    """An input that does not fit the subscription.

    For example ``as_of`` before its start, or a regular run off its period boundaries.
    """


# ------------------------------------------------------------------------------- ports


class NotFoundError(ServiceDomainError, LookupError):
    """A port holds no entity with this id.

    Attributes:
        entity_type: the kind of entity looked for (e.g. ``"ServiceOrder"``).
        entity_id: the id that was not found.
    """

    def __init__(self, entity_type: str, entity_id: str) -> None:
        self.entity_type = entity_type
        self.entity_id = entity_id
        super().__init__(f"{entity_type} id={_show(entity_id)}: not found")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.entity_type, self.entity_id))


class ConcurrencyConflictError(ServiceDomainError):
    """A save expected a version the store no longer holds (someone else wrote first).

    Attributes:
        entity_type: the kind of entity.
        entity_id: its id.
        expected_version: the version the writer started from (``None``: it expected
            the entity not to exist yet).
        actual_version: the version the store holds (``None``: it holds none).
    """

    def __init__(
        self,
        entity_type: str,
        entity_id: str,
        expected_version: int | None,
        actual_version: int | None,
    ) -> None:
        self.entity_type = entity_type
        self.entity_id = entity_id
        self.expected_version = expected_version
        self.actual_version = actual_version
        super().__init__(
            f"{entity_type} id={_show(entity_id)}: expected_version={expected_version!r} "
            f"but the store holds version {actual_version!r}"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            type(self),
            (self.entity_type, self.entity_id, self.expected_version, self.actual_version),
        )


class AlreadyExistsError(ConcurrencyConflictError):
    """``add`` was given an id the store already holds."""

    def __init__(self, entity_type: str, entity_id: str, actual_version: int | None) -> None:
        super().__init__(entity_type, entity_id, None, actual_version)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.entity_type, self.entity_id, self.actual_version))


class StorageError(ServiceDomainError):
    """The store failed (connection lost, database locked past its timeout, disk full).

    Nothing of the unit of work that met it was written, with one exception no store
    can rule out: the connection lost while the database answered the commit itself,
    which it may have made durable. The desks' runs (fees, invoicing, accruals,
    posting) are idempotent, so running them again is safe either way; an id added
    again is refused (:class:`AlreadyExistsError`); before running a change that is
    not idempotent again (adding a line to an order), read the state back.

    Attributes:
        operation: what the adapter was doing (``"commit"``, ``"read fees"``).
        reason: the driver's message.
    """

    def __init__(self, operation: str, reason: str) -> None:
        self.operation = operation
        self.reason = reason
        super().__init__(f"{operation}: the store failed: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.operation, self.reason))


class MissingExtraError(ServiceDomainError, ImportError):
    """A feature needs a package of an extra that is not installed.

    It is also an :class:`ImportError`.

    Attributes:
        feature: what was asked for (``"HTML reports"``).
        package: the missing package (``"jinja2"``).
        extra: the extra that brings it (``"reports"``).
    """

    def __init__(self, feature: str, package: str, extra: str) -> None:
        self.feature = feature
        self.package = package
        self.extra = extra
        super().__init__(
            f"{feature} need the {package!r} package: pip install 'servicedomain[{extra}]'"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.feature, self.package, self.extra))


class IdempotencyConflictError(ServiceDomainError):
    """The same natural key was given again with a different payload.

    Attributes:
        key: the natural key (e.g. subscription, period, kind).
        field: the first field whose value differs.
        stored: the value already stored.
        given: the value given now.
    """

    def __init__(self, key: object, field: str, stored: object, given: object) -> None:
        self.key = key
        self.field = field
        self.stored = stored
        self.given = given
        super().__init__(
            f"key={_show(key)}: {field}={_show(given)} differs from the stored "
            f"{field}={_show(stored)}"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.key, self.field, self.stored, self.given))
