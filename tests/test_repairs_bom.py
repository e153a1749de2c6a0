"""Template BOMs and versioned service BOMs: worked examples and bad input."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from servicedomain.errors import (
    InvalidBomError,
    InvalidDocumentError,
    InvalidInputError,
    InvalidQuantityError,
    NaiveDatetimeError,
    RepairRuleError,
    ServiceDomainError,
    TypeMismatchError,
)
from servicedomain.money import Money
from servicedomain.repairs import (
    BillableItem,
    BomLine,
    BomLineDeleted,
    BomLineInserted,
    BomQuantityReplaced,
    BomQuantityUpdated,
    RelationKind,
    ServiceBom,
    ServiceObjectRelation,
    TemplateBom,
)
from servicedomain.serialization import from_dict, to_dict

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NAIVE = AT.replace(tzinfo=None)
RELATION = ServiceObjectRelation("R-1", "OBJ-1", RelationKind.ORDER, "SO-1")
OTHER_RELATION = ServiceObjectRelation("R-2", "OBJ-1", RelationKind.AGREEMENT, "AG-1")
MAR_1, MAR_2, MAR_3, MAR_5 = date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 5)


def line(line_id: str, item_id: str, quantity: int = 1, **fields: Any) -> BomLine:
    return BomLine(line_id=line_id, item_id=item_id, quantity=quantity, unit="pcs", **fields)


PC = TemplateBom(
    id="T-PC",
    lines=[
        line("1", "CASE"),
        line("2", "BOARD", parent_id="1"),
        line("3", "RAM", 2, parent_id="2"),
        line("4", "DISK", parent_id="1", serial_number="D-1"),
    ],
)


def attached(template: TemplateBom = PC) -> ServiceBom:
    bom, _ = ServiceBom.attach(template, id="B-1", relation=RELATION, on=MAR_1, at=AT)
    return bom


def where(on: date = MAR_2, order_id: str = "SO-1") -> dict[str, Any]:
    return {"on": on, "order_id": order_id, "at": AT}


# ------------------------------------------------------------------ template BOMs


def test_a_template_is_edited_before_attachment_and_deleting_takes_the_sub_lines() -> None:
    edited = PC.insert_line(line("5", "FAN", parent_id="1")).change_quantity("3", 4)
    assert edited.line("3").quantity == Decimal(4)
    assert [x.line_id for x in edited.delete_line("2").lines] == ["1", "4", "5"]
    assert PC.line("3").quantity == 2  # values: the original is untouched


def test_a_template_copied_from_another_bom_has_its_lines() -> None:
    copy = TemplateBom.copy_of(PC.lines, id="T-COPY", description="copy")
    assert (copy.id, copy.lines, copy.description) == ("T-COPY", PC.lines, "copy")


def test_parents_may_come_after_their_children() -> None:
    template = TemplateBom(id="T", lines=[line("2", "B", parent_id="1"), line("1", "A")])
    assert len(template.lines) == 2


@pytest.mark.parametrize(
    ("lines", "field", "words"),
    [
        ([line("1", "A"), line("1", "B")], "lines[1].line_id", "used once"),
        ([line("1", "A", parent_id="9")], "lines[0].parent_id", "not a line of the BOM"),
        ([line("1", "A", parent_id="1")], "lines[0].parent_id", "cycle: 1 -> 1"),
        (
            [
                line("1", "A", parent_id="3"),
                line("2", "B", parent_id="1"),
                line("3", "C", parent_id="2"),
            ],
            "lines[0].parent_id",
            "cycle: 1 -> 3 -> 2 -> 1",
        ),
    ],
)
def test_a_template_that_is_not_a_tree_is_refused(
    lines: list[BomLine], field: str, words: str
) -> None:
    with pytest.raises(InvalidBomError) as caught:
        TemplateBom(id="T", lines=lines)
    assert caught.value.field == field
    assert words in str(caught.value)


def test_template_edits_name_the_culprit() -> None:
    with pytest.raises(InvalidBomError, match=r"line\.line_id='1'"):
        PC.insert_line(line("1", "X"))
    with pytest.raises(InvalidBomError, match=r"line\.parent_id='9'"):
        PC.insert_line(line("9", "X", parent_id="9"))
    with pytest.raises(InvalidBomError, match="line_id='7': not a line"):
        PC.delete_line("7")
    with pytest.raises(InvalidQuantityError, match=r"quantity=Decimal\('-1'\): a quantity is >= 0"):
        PC.change_quantity("1", -1)
    with pytest.raises(TypeMismatchError, match="line="):
        PC.insert_line("1")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("quantity", "words"),
    [(1.5, "float"), (Decimal("-1"), ">= 0"), (Decimal("0.0000001"), "6 decimals"), (True, "bool")],
)
def test_a_bom_line_quantity_is_exact_and_not_negative(quantity: object, words: str) -> None:
    with pytest.raises(InvalidQuantityError) as caught:
        BomLine(line_id="1", item_id="A", quantity=quantity)  # type: ignore[arg-type]
    assert caught.value.field == "quantity"
    assert words in caught.value.reason


# ------------------------------------------------------------------- service BOMs


def test_attaching_copies_the_template_and_later_edits_do_not_reach_it() -> None:
    bom, (event,) = ServiceBom.attach(PC, id="B-1", relation=RELATION, on=MAR_1, at=AT)
    assert (event.entity_id, event.template_id, event.relation_id, event.on) == (
        "B-1",
        "T-PC",
        "R-1",
        MAR_1,
    )
    assert bom.version == 1
    assert bom.current == PC.lines
    PC.change_quantity("3", 8).delete_line("4")
    assert bom.current == PC.lines
    assert bom.as_of(MAR_5) == PC.lines


def test_the_five_change_actions_are_events_with_their_day_and_order() -> None:
    bom = attached()
    bom, (inserted,) = bom.insert_line(line("5", "FAN", parent_id="1"), **where(MAR_2, "SO-1"))
    bom, (updated,) = bom.update_quantity("3", 2, **where(MAR_2, "SO-1"))
    bom, (replaced,) = bom.replace_item(
        "4", new_serial_number="D-2", new_item_id="SSD", **where(MAR_3, "SO-2")
    )
    bom, (set_,) = bom.replace_quantity("3", 1, **where(MAR_3, "SO-2"))
    bom, (deleted,) = bom.delete_line("2", **where(MAR_5, "SO-3"))
    assert isinstance(inserted, BomLineInserted)
    assert isinstance(updated, BomQuantityUpdated)
    assert isinstance(set_, BomQuantityReplaced)
    assert isinstance(deleted, BomLineDeleted)
    assert [(c.number, c.on, c.order_id) for c in bom.changes] == [
        (1, MAR_2, "SO-1"),
        (2, MAR_2, "SO-1"),
        (3, MAR_3, "SO-2"),
        (4, MAR_3, "SO-2"),
        (5, MAR_5, "SO-3"),
    ]
    assert bom.version == 6
    assert (updated.delta, updated.line.quantity) == (Decimal(2), Decimal(4))
    assert (set_.previous, set_.line.quantity) == (Decimal(4), Decimal(1))
    assert (replaced.old_item_id, replaced.old_serial_number) == ("DISK", "D-1")
    assert (replaced.line.item_id, replaced.new_serial_number) == ("SSD", "D-2")
    assert replaced.line.quantity == 1
    assert not replaced.creates_order_line
    assert [x.line_id for x in deleted.lines] == ["2", "3"]  # the line, then its sub-lines
    assert [x.line_id for x in bom.current] == ["1", "4", "5"]
    assert [(x.line_id, x.quantity) for x in bom.as_of(MAR_2) if x.line_id == "3"] == [
        ("3", Decimal(4))
    ]
    assert bom.as_of(MAR_3)[2] == line("3", "RAM", 1, parent_id="2")
    assert [x.item_id for x in bom.as_of(MAR_1)] == ["CASE", "BOARD", "RAM", "DISK"]


def test_a_replacement_may_ask_for_a_billable_item_line_on_the_order() -> None:
    billable = BillableItem(item_id="SSD", quantity=1, unit="pcs", sales_price=Money(89, "EUR"))
    _, (replaced,) = attached().replace_item(
        "4", new_serial_number="D-2", new_item_id="SSD", order_line=billable, **where()
    )
    assert replaced.creates_order_line
    assert replaced.order_line == billable
    assert replaced.order_id == "SO-1"


def test_a_new_template_is_made_of_the_bom_now_or_as_of_a_day() -> None:
    bom, _ = attached().delete_line("4", **where(MAR_3))
    assert [x.line_id for x in bom.to_template("T-NOW").lines] == ["1", "2", "3"]
    earlier = bom.to_template("T-OLD", as_of=MAR_2, description="before the disk went")
    assert (earlier.id, earlier.lines, earlier.description) == (
        "T-OLD",
        PC.lines,
        "before the disk went",
    )


def test_changes_that_change_nothing_record_nothing() -> None:
    bom = attached()
    assert bom.update_quantity("3", 0, **where()) == (bom, ())
    assert bom.replace_quantity("3", 2, **where()) == (bom, ())
    assert bom.move_to(RELATION, at=AT) == (bom, ())


@pytest.mark.parametrize(
    ("change", "error", "field"),
    [
        (
            lambda b: b.insert_line(line("6", "X", parent_id="9"), **where()),
            InvalidBomError,
            "line.parent_id",
        ),
        (lambda b: b.insert_line(line("1", "X"), **where()), InvalidBomError, "line.line_id"),
        (lambda b: b.delete_line("9", **where()), InvalidBomError, "line_id"),
        (
            lambda b: b.replace_item("9", new_serial_number=None, **where()),
            InvalidBomError,
            "line_id",
        ),
        (
            lambda b: b.update_quantity("3", Decimal("-2.5"), **where()),
            InvalidQuantityError,
            "delta",
        ),
        (lambda b: b.update_quantity("3", 0.5, **where()), InvalidQuantityError, "delta"),
        (lambda b: b.replace_quantity("3", -1, **where()), InvalidQuantityError, "quantity"),
        (
            lambda b: b.replace_item("3", new_serial_number=None, quantity=-1, **where()),
            InvalidQuantityError,
            "quantity",
        ),
        (lambda b: b.delete_line("3", **where(order_id=" ")), InvalidInputError, "order_id"),
        (
            lambda b: b.delete_line("3", on=MAR_2, order_id="SO-1", at=NAIVE),
            NaiveDatetimeError,
            "at",
        ),
        (lambda b: b.delete_line("3", on=AT, order_id="SO-1", at=AT), TypeMismatchError, "on"),
        (lambda b: b.delete_line("3", **where(date(2026, 2, 28))), InvalidBomError, "on"),
        (lambda b: b.as_of(date(2026, 2, 28)), InvalidBomError, "day"),
        (
            lambda b: b.replace_item("3", new_serial_number="", **where()),
            InvalidInputError,
            "new_serial_number",
        ),
        (
            lambda b: b.replace_item("3", new_serial_number=None, order_line="x", **where()),
            TypeMismatchError,
            "order_line",
        ),
    ],
)
def test_bad_changes_are_refused_naming_the_argument(
    change: Any, error: type[ServiceDomainError], field: str
) -> None:
    bom = attached()
    with pytest.raises(error) as caught:
        change(bom)
    assert caught.value.field == field  # type: ignore[attr-defined]
    assert bom.current == PC.lines  # and the BOM is as it was


def test_a_change_never_goes_back_in_time_and_a_line_id_is_never_reused() -> None:
    bom, _ = attached().delete_line("4", **where(MAR_3))
    with pytest.raises(InvalidBomError, match="before 2026-03-03"):
        bom.update_quantity("3", 1, **where(MAR_2))
    with pytest.raises(InvalidBomError, match="never used twice"):
        bom.insert_line(line("4", "DISK"), **where(MAR_3))
    same_day, _ = bom.update_quantity("3", 1, **where(MAR_3))
    assert same_day.line("3").quantity == 3


def test_a_quantity_update_below_zero_names_what_the_line_holds() -> None:
    with pytest.raises(InvalidQuantityError, match="holds 2; a quantity never goes below zero"):
        attached().update_quantity("3", -3, **where())


# ------------------------------------------------------------ stored histories


def history() -> ServiceBom:
    bom, _ = attached().update_quantity("3", 2, **where(MAR_2))
    bom, _ = bom.replace_item("4", new_serial_number="D-2", **where(MAR_3))
    bom, _ = bom.delete_line("2", **where(MAR_5))
    return bom


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("changes", 1, "entity_id"), "B-9", "changes[1].entity_id"),
        (("changes", 1, "number"), 5, "changes[1].number"),
        (("changes", 2, "on"), "2026-03-02", "changes[2].on"),
        (("changes", 0, "line", "quantity"), "5", "changes[0].line"),
        (("changes", 1, "old_serial_number"), "D-7", "changes[1].old_item_id"),
        (("changes", 2, "lines", 1, "quantity"), "3", "changes[2].lines"),
        (("template_lines", 1, "parent_id"), "3", "template_lines[1].parent_id"),
    ],
)
def test_a_stored_history_that_does_not_add_up_is_refused(
    path: tuple[Any, ...], value: object, field: str
) -> None:
    document = to_dict(history())
    assert from_dict(ServiceBom, document) == history()
    place: Any = document
    for key in path[:-1]:
        place = place[key]
    place[path[-1]] = value
    with pytest.raises(InvalidDocumentError) as caught:
        from_dict(ServiceBom, document)
    assert caught.value.field == field


def test_a_bom_change_field_holds_only_bom_changes() -> None:
    document = to_dict(history())
    document["changes"][0] = to_dict(attached().move_to(OTHER_RELATION, at=AT)[1][0])
    with pytest.raises(InvalidDocumentError, match="not a change of a service BOM"):
        from_dict(ServiceBom, document)


def test_a_relation_that_names_its_template_bom_takes_only_that_one() -> None:
    named = ServiceObjectRelation("R-3", "OBJ-1", RelationKind.ORDER, "SO-1", "T-PC")
    bom, _ = ServiceBom.attach(PC, id="B-3", relation=named, on=MAR_1, at=AT)
    assert (bom.relation_id, bom.service_object_id, bom.template_id) == ("R-3", "OBJ-1", "T-PC")
    other = ServiceObjectRelation("R-4", "OBJ-1", RelationKind.ORDER, "SO-1", "T-OTHER")
    with pytest.raises(RepairRuleError) as caught:
        ServiceBom.attach(PC, id="B-4", relation=other, on=MAR_1, at=AT)
    assert (caught.value.entity_id, caught.value.rule) == ("R-4", "bom.template_of_relation")
    with pytest.raises(TypeMismatchError) as refused:
        ServiceBom.attach(PC, id="B-4", relation="R-4", on=MAR_1, at=AT)  # type: ignore[arg-type]
    assert refused.value.field == "relation"
