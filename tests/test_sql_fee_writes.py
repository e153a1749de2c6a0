"""The SQL adapter's fee writes and adds: exact rows, checks at commit, no read per row."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import attrs
import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql, sqlite

from servicedomain import serialization
from servicedomain.adapters.sql import SqlStore, open_store
from servicedomain.adapters.sql import _schema as schema
from servicedomain.adapters.sql._codecs import (
    FEE_COLUMNS,
    fee_row,
    fee_text_rows,
    fee_values,
)
from servicedomain.billing import FeeKind, FeeTransaction, Subscription, generate_fees
from servicedomain.errors import AlreadyExistsError, IdempotencyConflictError
from servicedomain.money import Money
from servicedomain.periods import MONTHLY, DateRange
from servicedomain.testing.domain_strategies import fee_transactions

POSTGRESQL: sa.Dialect = postgresql.psycopg.dialect()  # type: ignore[no-untyped-call]


def _subscription(number: int, price: str = "100.10") -> Subscription:
    return Subscription(
        id=f"SUB-{number}",
        group_id="G",
        customer_id="CUST-1",
        project_id="P",
        category_id="FEE",
        period_code=MONTHLY,
        base_price=Money(Decimal(price), "EUR"),
        start_date=date(2024, 1, 31),
    )


def _fees(sub: Subscription, as_of: date = date(2024, 6, 30)) -> tuple[FeeTransaction, ...]:
    return generate_fees(sub, as_of=as_of)


def _adjustment() -> FeeTransaction:
    """A price change of a charge: the fee kind whose row has every column filled."""
    (charge, *_) = _fees(_subscription(1))
    return FeeTransaction(
        subscription_id=charge.subscription_id,
        kind=FeeKind.PRICE_CHANGE,
        period=DateRange(charge.period.start, date(2024, 2, 15)),
        billing_period=charge.billing_period,
        amount=Money(Decimal("-12.34"), "EUR"),
        price=Money(Decimal("100.10"), "EUR"),
        customer_id=charge.customer_id,
        project_id=charge.project_id,
        category_id=charge.category_id,
        due_date=charge.due_date,
        adjusts=charge.period,
        revision=1,
    )


@pytest.fixture
def store(database_url: str) -> Iterator[SqlStore]:
    made = open_store(database_url, create_tables=True)
    yield made
    made.dispose()


def _statements(store: SqlStore) -> list[str]:
    """The queries and writes the store's engine runs from now on (a live list)."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        statement = args[2]
        if statement.split(None, 1)[0].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE"):
            seen.append(statement)

    sa.event.listen(store.engine, "before_cursor_execute", record)
    return seen


def _stored_rows(store: SqlStore) -> list[tuple[Any, ...]]:
    table = schema.fees
    with store.engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                sa.select(*(table.c[name] for name in FEE_COLUMNS)).order_by(table.c.id)
            )
        ]


# ---------------------------------------------------------------- the rows' forms


def _bound(fee: FeeTransaction, dialect: sa.Dialect) -> tuple[Any, ...]:
    """What SQLAlchemy binds for ``fee_row(fee)`` through the table's column types."""
    row = fee_row(fee)
    values = []
    for name in FEE_COLUMNS:
        column_type = schema.fees.c[name].type
        process = column_type.dialect_impl(dialect).bind_processor(dialect)
        values.append(row[name] if process is None else process(row[name]))
    return tuple(values)


def test_fee_row_names_the_columns_of_the_fees_table() -> None:
    assert sorted(FEE_COLUMNS) == sorted(column.name for column in schema.fees.columns)
    fee = _adjustment()
    assert list(fee_row(fee)) == list(FEE_COLUMNS)
    assert tuple(fee_row(fee).values()) == fee_values(fee)


@given(fee=st.one_of(fee_transactions(), st.just(_adjustment())))
def test_fee_text_rows_are_what_the_column_types_bind_on_sqlite(fee: FeeTransaction) -> None:
    """The driver rows of the fast insert are the forms the table's types write."""
    assert fee_text_rows([fee, fee]) == [_bound(fee, sqlite.dialect())] * 2


@given(fee=st.one_of(fee_transactions(), st.just(_adjustment())))
def test_fee_values_are_what_the_column_types_bind_on_postgresql(fee: FeeTransaction) -> None:
    assert fee_values(fee) == _bound(fee, POSTGRESQL)


@given(fees=st.lists(fee_transactions(), min_size=1, max_size=6))
def test_P3_stored_fees_read_back_equal_and_a_second_add_is_a_no_op(
    fees: list[FeeTransaction],
) -> None:
    """P3 on the fast insert: exact money and dates back; an equal fee again is done."""
    by_key = {fee.key: fee for fee in fees}  # one payload per key
    unique = list(by_key.values())
    store = open_store("sqlite://", create_tables=True)
    try:
        with store.unit_of_work() as uow:
            assert uow.fees.add_all(unique) == unique
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.fees.add_all(unique) == []
            uow.commit()
            for sub_id in {fee.subscription_id for fee in unique}:
                stored = uow.fees.for_subscription(sub_id)
                assert sorted(stored, key=lambda fee: fee.id) == sorted(
                    (fee for fee in unique if fee.subscription_id == sub_id),
                    key=lambda fee: fee.id,
                )
                for fee in stored:  # exact: the same digits, not only an equal value
                    assert str(fee.amount.amount) == str(by_key[fee.key].amount.amount)
    finally:
        store.dispose()


def test_an_adjustment_round_trips_with_every_column(store: SqlStore) -> None:
    fee = _adjustment()
    with store.unit_of_work() as uow:
        uow.fees.add_all([fee])
        uow.commit()
    with store.unit_of_work() as uow:
        assert uow.fees.for_subscription(fee.subscription_id) == [fee]
    (row,) = _stored_rows(store)
    assert row == fee_values(fee)


# -------------------------------------------------------------- checks at commit


def test_P3_a_rival_commit_of_a_key_with_another_payload_fails_the_commit(
    store: SqlStore,
) -> None:
    """Held fees whose key a rival stored meanwhile with another amount: nothing stored."""
    fees = _fees(_subscription(1))
    cheaper = _fees(_subscription(1, price="90.00"))
    later = _fees(_subscription(2))
    with store.unit_of_work() as uow, store.unit_of_work() as rival:
        assert len(uow.fees.add_all([*fees, *later])) == len(fees) + len(later)
        rival.fees.add_all(cheaper[:1])
        rival.commit()
        with pytest.raises(IdempotencyConflictError):
            uow.commit()
    with store.unit_of_work() as uow:
        assert uow.fees.for_subscription("SUB-1") == list(cheaper[:1])
        assert uow.fees.for_subscription("SUB-2") == []


def test_P3_a_rival_commit_of_equal_fees_leaves_the_others_to_store(store: SqlStore) -> None:
    fees = _fees(_subscription(1))
    with store.unit_of_work() as uow, store.unit_of_work() as rival:
        uow.fees.add_all(fees)
        rival.fees.add_all(fees[:2])
        rival.commit()
        uow.commit()
    with store.unit_of_work() as uow:
        assert uow.fees.for_subscription("SUB-1") == list(fees)


def test_P2_an_add_of_a_stored_id_is_refused_by_the_commit_which_writes_nothing(
    store: SqlStore,
) -> None:
    first = _subscription(1)
    with store.unit_of_work() as uow:
        uow.subscriptions.add(first)
        uow.commit()
    with store.unit_of_work() as uow:
        uow.subscriptions.add(_subscription(2))
        uow.subscriptions.add(attrs.evolve(first, customer_id="CUST-2"))  # held: checked later
        uow.fees.add_all(_fees(_subscription(2)))
        with pytest.raises(AlreadyExistsError) as raised:
            uow.commit()
    assert raised.value.entity_id == "SUB-1"
    with store.unit_of_work() as uow:
        assert uow.subscriptions.list() == [first]
        assert uow.fees.for_subscription("SUB-2") == []


def test_an_add_of_an_id_this_unit_of_work_holds_is_refused_at_once(store: SqlStore) -> None:
    with store.unit_of_work() as uow:
        uow.subscriptions.add(_subscription(1))
        with pytest.raises(AlreadyExistsError):
            uow.subscriptions.add(_subscription(1))


# ------------------------------------------------------------- statements per run


@pytest.mark.parametrize("count", [5, 200])
def test_adds_read_nothing_and_a_commit_runs_the_same_statements_for_any_count(
    store: SqlStore, count: int
) -> None:
    """Adding n subscriptions and their fees costs no statement per entity or per fee."""
    subs = [_subscription(number) for number in range(count)]
    fees = [fee for sub in subs for fee in _fees(sub)]
    seen = _statements(store)
    with store.unit_of_work() as uow:
        for sub in subs:
            uow.subscriptions.add(sub)
        assert seen == []
        uow.fees.add_all(fees)
        reads = len(seen)
        uow.commit()
    # One keys-only read of the held fees' subscriptions (n <= 500: one chunk); the
    # commit: the versions, the fee keys, one insert per table.
    assert reads == 1, seen
    assert len(seen) - reads == 4, seen[reads:]
    with store.unit_of_work() as uow:
        assert len(uow.subscriptions.list()) == count
        assert len(_stored_rows(store)) == len(fees)


def test_added_documents_are_stored_as_the_json_sqlalchemy_writes(store: SqlStore) -> None:
    """The one-statement insert of new documents keeps their body as the JSON type's."""
    subs = [_subscription(number) for number in range(3)]
    with store.unit_of_work() as uow:
        for sub in subs:
            uow.subscriptions.add(sub)
        uow.commit()
    table = schema.subscriptions
    dialect = store.engine.dialect
    bind = table.c.body.type.dialect_impl(dialect).bind_processor(dialect)
    with store.engine.connect() as connection:
        rows = connection.execute(
            sa.select(table.c.id, table.c.version, table.c.customer_id, table.c.body)
        ).all()
    assert [(row.id, row.version, row.customer_id) for row in rows] == [
        (sub.id, sub.version, sub.customer_id) for sub in subs
    ]
    for row, sub in zip(rows, subs, strict=True):
        body = serialization.to_dict(sub)
        assert row.body == body
        if dialect.name == "sqlite" and bind is not None:
            with store.engine.connect() as connection:
                raw = connection.exec_driver_sql(
                    f"SELECT body FROM {table.name} WHERE id = ?", (sub.id,)
                ).scalar()
            assert raw == bind(body)
    with store.unit_of_work() as uow:
        assert uow.subscriptions.list() == subs
