"""Benchmark of the SQL adapter storing a fee run, beside bare DB-API writes of the same rows.

Run: ``python benchmarks/bench_persistence.py`` (``--quick`` for a smoke run,
``--subscriptions N`` to choose the size). Prints one JSON line per workload and exits
non-zero when a full run misses the target. PostgreSQL runs where the ``PG*`` variables
name a server on which the benchmark may create (and drops) its databases; else only
SQLite runs and the PostgreSQL line says it was skipped.

The workload of issue 13: 100,000 monthly subscriptions (anchored, billed in advance) of
10,000 customers, built as ``bench_billing`` builds them (a fixed seed, a quarter of
them on days 29-31, prices from a :class:`~servicedomain.billing.PriceTable` of three
levels with two effective dates each) but starting in 2024-2025 and generated through
2025-12-31, about 12.5 fees each: 1.25 million fees. They are streamed in batches of
``BATCH`` subscriptions: each batch is drawn and its fees generated
(:func:`~servicedomain.billing.generate_fees`, untimed), then every path stores the same
batch in turn, each on a fresh database of its own, one transaction per batch:

* ``adapter``: the public API of :mod:`servicedomain.adapters.sql`, one unit of work per
  batch: ``uow.subscriptions.add(sub)`` for each subscription, ``uow.fees.add_all(fees)``,
  ``uow.commit()`` (timed: the adapter's encoding, checks and writes);
* ``executemany``: the same rows (the subscription documents and the ``fee_row`` of each
  fee, in the form the driver takes, built untimed) written by a bare DB-API
  ``cursor.executemany`` of one ``INSERT`` per table, in one transaction;
* ``copy`` (PostgreSQL only): the same rows through psycopg's ``COPY ... FROM STDIN``.

Target (2-core machine), measured in the same run: the adapter within ``RATIO_TARGET``
(2) times ``executemany`` on each database; the ratio to ``COPY`` is reported. Memory
stays flat as the run grows: nothing outlives its batch, and the peak RSS is reported
after 10 %, 50 % and 100 % of the subscriptions. The garbage collector stays on.
"""

from __future__ import annotations

import abc
import argparse
import contextlib
import json
import os
import random
import resource
import shutil
import tempfile
import time
from calendar import monthrange
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from servicedomain import serialization
from servicedomain.adapters.sql import SqlStore, metadata, open_store
from servicedomain.adapters.sql._codecs import fee_row  # the adapter's row of a fee
from servicedomain.billing import (
    FeeTransaction,
    PriceEntry,
    PriceTable,
    Subscription,
    generate_fees,
)
from servicedomain.money import Money
from servicedomain.periods import MONTHLY

SEED = 20240101
SUBSCRIPTIONS = 100_000
QUICK_SUBSCRIPTIONS = 2_000
BATCH = 1_000
QUICK_BATCH = 250
CUSTOMERS_PER_SUBSCRIPTION = 10  # 10,000 customers for 100,000 subscriptions
PROJECTS = 40
CATEGORIES = ("FEE", "SUPPORT", "HOSTING", "LICENCE")
AS_OF = date(2025, 12, 31)
RATIO_TARGET = 2.0
CHECKPOINTS = (0.1, 0.5, 1.0)

FEES = metadata.tables["servicedomain_fees"]
SUBSCRIPTION_TABLE = metadata.tables["servicedomain_subscriptions"]
FEE_COLUMNS = tuple(column.name for column in FEES.columns)
SUBSCRIPTION_COLUMNS = ("id", "version", "schema_version", "body", "customer_id", "group_id")
SCHEMA_VERSION = serialization.SCHEMA_VERSIONS[Subscription]


# ------------------------------------------------------------------------ the workload


def start_date(rng: random.Random) -> date:
    """A start in 2024-2025: one in four on day 29, 30 or 31 of a month that has it."""
    if rng.random() < 0.25:
        day = rng.choice((29, 30, 31))
        while True:
            year, month = rng.randrange(2024, 2026), rng.randrange(1, 13)
            if monthrange(year, month)[1] >= day:
                return date(year, month, day)
    return date(rng.randrange(2024, 2026), rng.randrange(1, 13), rng.randrange(1, 29))


def subscription_id(number: int) -> str:
    return f"S-{number:06d}"


def subscriptions(rng: random.Random, count: int) -> Iterator[Subscription]:
    """The subscriptions one by one (as ``bench_billing`` builds them), never all held."""
    customers = max(1, count // CUSTOMERS_PER_SUBSCRIPTION)
    for number in range(count):
        yield Subscription(
            id=subscription_id(number),
            group_id="M-EQUAL" if number % 2 else "M-DAY",
            customer_id=f"C-{number % customers:05d}",
            project_id=f"P-{rng.randrange(PROJECTS):02d}",
            category_id=rng.choice(CATEGORIES),
            period_code=MONTHLY,
            base_price=Money(Decimal(rng.randrange(2_000, 50_000)).scaleb(-2), "EUR"),
            start_date=start_date(rng),
        )


def price_table(rng: random.Random, count: int) -> PriceTable:
    """Three levels with two effective dates each: project; project + category; own."""

    def entry(day: date, project: str | None, category: str | None, sub: str | None) -> PriceEntry:
        return PriceEntry(
            effective_date=day,
            category_id=category,
            project_id=project,
            subscription_id=sub,
            period_code=MONTHLY,
            price=Money(Decimal(rng.randrange(5_000, 60_000)).scaleb(-2), "EUR"),
        )

    entries = []
    for number in range(PROJECTS):
        project = f"P-{number:02d}"
        entries += [entry(day, project, None, None) for day in (date(2022, 1, 1), date(2025, 1, 1))]
        for category in CATEGORIES[number % 2 :: 2]:  # half of the pairs
            entries += [
                entry(day, project, category, None) for day in (date(2024, 7, 1), date(2025, 4, 1))
            ]
    for number in range(0, count, 10):  # one subscription in ten its own
        sub = subscription_id(number)
        entries += [entry(day, None, None, sub) for day in (date(2024, 4, 1), date(2025, 9, 15))]
    return PriceTable(tuple(entries))


def batches(
    count: int, size: int, seed: int = SEED
) -> Iterator[tuple[list[Subscription], list[FeeTransaction]]]:
    """Each batch of subscriptions with the fees generated for them (as of AS_OF)."""
    rng = random.Random(seed)
    prices = price_table(random.Random(seed + 1), count)
    stream = subscriptions(rng, count)
    while True:
        subs = [sub for _, sub in zip(range(size), stream, strict=False)]
        if not subs:
            return
        fees = [fee for sub in subs for fee in generate_fees(sub, (), prices, as_of=AS_OF)]
        for fee in fees:
            fee.id  # noqa: B018 - the domain's id, computed once per fee: part of generation
        yield subs, fees


# ------------------------------------------------------------------------ the paths


@dataclass
class StorePath(abc.ABC):
    """One way of storing the batches, with the time it took and the rows it wrote."""

    name: str
    database: str
    seconds: float = 0.0
    fees: int = 0
    subscriptions: int = 0
    closers: list[Any] = field(default_factory=list)

    @abc.abstractmethod
    def prepare(self, subs: Sequence[Subscription], fees: Sequence[FeeTransaction]) -> None:
        """Build what the path takes as given (untimed): nothing, or the driver's rows."""

    @abc.abstractmethod
    def store(self, subs: Sequence[Subscription], fees: Sequence[FeeTransaction]) -> None:
        """Store one batch in one transaction (timed)."""

    def timed(self, subs: Sequence[Subscription], fees: Sequence[FeeTransaction]) -> None:
        began = time.perf_counter()
        self.store(subs, fees)
        self.seconds += time.perf_counter() - began
        self.fees += len(fees)
        self.subscriptions += len(subs)


class AdapterPath(StorePath):
    """The SQL adapter's public API: one unit of work per batch."""

    def __init__(self, database: str, store: SqlStore) -> None:
        super().__init__("adapter", database)
        self.sql_store = store

    def prepare(self, subs: Sequence[Subscription], fees: Sequence[FeeTransaction]) -> None:
        """Nothing: the adapter takes the domain's values as they are."""
        del subs, fees

    def store(self, subs: Sequence[Subscription], fees: Sequence[FeeTransaction]) -> None:
        with self.sql_store.unit_of_work() as uow:
            for sub in subs:
                uow.subscriptions.add(sub)
            added = uow.fees.add_all(fees)
            uow.commit()
        assert len(added) == len(fees), (len(added), len(fees))


def insert_sql(
    table: sa.Table, columns: Sequence[str], marker: str, casts: dict[str, str] | None = None
) -> str:
    """A plain ``INSERT`` of one row of ``columns`` (``casts``: column to SQL type)."""
    given = casts or {}
    markers = ", ".join(f"{marker}::{given[name]}" if name in given else marker for name in columns)
    return f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({markers})"


def subscription_rows(subs: Sequence[Subscription]) -> list[tuple[Any, ...]]:
    """The subscription documents as either driver takes them (the JSON as text)."""
    return [
        (
            sub.id,
            sub.version,
            SCHEMA_VERSION,
            json.dumps(serialization.to_dict(sub)),
            sub.customer_id,
            sub.group_id,
        )
        for sub in subs
    ]


def _sqlite_text(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)  # the exact text the adapter's ExactDecimal stores
    if isinstance(value, date):
        return value.isoformat()  # SQLAlchemy's Date on SQLite
    return value


def sqlite_fee_rows(fees: Sequence[FeeTransaction]) -> list[tuple[Any, ...]]:
    """The fee rows as the sqlite3 driver takes them: the forms the adapter stores."""
    return [tuple(_sqlite_text(value) for value in fee_row(fee).values()) for fee in fees]


class SqliteExecutemany(StorePath):
    """Bare ``sqlite3`` ``executemany`` of the same rows, one transaction per batch."""

    def __init__(self, database: str, store: SqlStore) -> None:
        super().__init__("executemany", database)
        self.connection = store.engine.raw_connection()  # the adapter's pragmas (WAL, NORMAL)
        self.closers.append(self.connection.close)
        self.subscription_sql = insert_sql(SUBSCRIPTION_TABLE, SUBSCRIPTION_COLUMNS, "?")
        self.fee_sql = insert_sql(FEES, FEE_COLUMNS, "?")
        self.rows: tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]] = ([], [])

    def prepare(self, subs: Sequence[Subscription], fees: Sequence[FeeTransaction]) -> None:
        self.rows = (subscription_rows(subs), sqlite_fee_rows(fees))

    def store(self, subs: Sequence[Subscription], fees: Sequence[FeeTransaction]) -> None:
        cursor = self.connection.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        cursor.executemany(self.subscription_sql, self.rows[0])
        cursor.executemany(self.fee_sql, self.rows[1])
        cursor.execute("COMMIT")
        cursor.close()


def postgresql_fee_rows(fees: Sequence[FeeTransaction]) -> list[tuple[Any, ...]]:
    """The fee rows as psycopg takes them (dates and decimals as they are)."""
    return [tuple(fee_row(fee).values()) for fee in fees]


class PostgresqlExecutemany(StorePath):
    """Bare psycopg ``executemany`` of the same rows, one transaction per batch."""

    def __init__(self, database: str, store: SqlStore, name: str = "executemany") -> None:
        super().__init__(name, database)
        self.connection = store.engine.raw_connection()
        self.closers.append(self.connection.close)
        self.subscription_sql = insert_sql(
            SUBSCRIPTION_TABLE, SUBSCRIPTION_COLUMNS, "%s", {"body": "jsonb"}
        )
        self.fee_sql = insert_sql(FEES, FEE_COLUMNS, "%s")
        self.rows: tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]] = ([], [])

    def prepare(self, subs: Sequence[Subscription], fees: Sequence[FeeTransaction]) -> None:
        self.rows = (subscription_rows(subs), postgresql_fee_rows(fees))

    def store(self, subs: Sequence[Subscription], fees: Sequence[FeeTransaction]) -> None:
        cursor = self.connection.cursor()
        cursor.executemany(self.subscription_sql, self.rows[0])
        cursor.executemany(self.fee_sql, self.rows[1])
        self.connection.commit()
        cursor.close()


class PostgresqlCopy(PostgresqlExecutemany):
    """psycopg's ``COPY ... FROM STDIN`` of the same rows, one transaction per batch."""

    def __init__(self, database: str, store: SqlStore) -> None:
        super().__init__(database, store, "copy")

    def store(self, subs: Sequence[Subscription], fees: Sequence[FeeTransaction]) -> None:
        cursor = self.connection.cursor()
        for table, columns, rows in (
            (SUBSCRIPTION_TABLE, SUBSCRIPTION_COLUMNS, self.rows[0]),
            (FEES, FEE_COLUMNS, self.rows[1]),
        ):
            with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        self.connection.commit()
        cursor.close()


# ------------------------------------------------------------------------ databases


def _server_url(database: str) -> str:
    """A database on the server the ``PG*`` variables name (as tests/sql_databases.py)."""
    user = os.environ.get("PGUSER", "postgres")
    password = os.environ.get("PGPASSWORD")
    auth = user if password is None else f"{user}:{password}"
    host, port = os.environ.get("PGHOST", "localhost"), os.environ.get("PGPORT", "5432")
    if host.startswith("/"):
        return f"postgresql+psycopg://{auth}@/{database}?host={host}&port={port}"
    return f"postgresql+psycopg://{auth}@{host}:{port}/{database}"


@contextlib.contextmanager
def postgresql_databases(names: Sequence[str]) -> Iterator[list[str]]:
    """Fresh databases on the server (dropped afterwards)."""
    admin = sa.create_engine(_server_url("postgres"), isolation_level="AUTOCOMMIT")
    wanted = [f"servicedomain_bench_{name}_{os.getpid()}" for name in names]
    made: list[str] = []
    try:
        with admin.connect() as connection:
            for name in wanted:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
                made.append(name)
        yield [_server_url(name) for name in made]
    finally:
        if made:
            with admin.connect() as connection:
                for name in made:
                    connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def count_rows(store: SqlStore) -> tuple[int, int]:
    with store.engine.connect() as connection:
        return tuple(  # type: ignore[return-value]
            int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
            for table in (SUBSCRIPTION_TABLE, FEES)
        )


# ------------------------------------------------------------------------ measurements


def peak_rss_mib() -> float:
    """The process's peak resident set size so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def current_rss_mib() -> float:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):  # not Linux
        return float("nan")
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def run(count: int, size: int, postgresql: bool) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="servicedomain-bench-"))
    stack = contextlib.ExitStack()
    stack.callback(shutil.rmtree, folder, ignore_errors=True)
    with stack:
        stores: dict[str, SqlStore] = {}

        def store_at(key: str, url: str) -> SqlStore:
            store = stores[key] = open_store(url, create_tables=True)
            stack.callback(store.dispose)
            return store

        paths: list[StorePath] = [
            AdapterPath("sqlite", store_at("sqlite-adapter", f"sqlite:///{folder / 'adapter.db'}")),
            SqliteExecutemany(
                "sqlite", store_at("sqlite-executemany", f"sqlite:///{folder / 'executemany.db'}")
            ),
        ]
        if postgresql:
            urls = stack.enter_context(postgresql_databases(("adapter", "executemany", "copy")))
            paths += [
                AdapterPath("postgresql", store_at("postgresql-adapter", urls[0])),
                PostgresqlExecutemany("postgresql", store_at("postgresql-executemany", urls[1])),
                PostgresqlCopy("postgresql", store_at("postgresql-copy", urls[2])),
            ]
        for path in paths:
            for close in path.closers:
                stack.callback(close)
        marks = sorted({max(1, round(count * share)) for share in CHECKPOINTS})
        memory: list[dict[str, Any]] = []
        done = fees_done = 0
        for subs, fees in batches(count, size):
            for path in paths:
                path.prepare(subs, fees)  # the reference's rows, untimed
                path.timed(subs, fees)
                path.prepare((), ())
            done += len(subs)
            fees_done += len(fees)
            while marks and done >= marks[0]:
                memory.append(
                    {
                        "at": marks.pop(0),
                        "subscriptions": done,
                        "fees": fees_done,
                        "peak_rss_mib": peak_rss_mib(),
                        "rss_mib": current_rss_mib(),
                    }
                )
        counts = {key: count_rows(store) for key, store in stores.items()}
        assert len(set(counts.values())) == 1, counts
        return {"paths": paths, "memory": memory, "rows": counts}


def report(
    database: str, paths: Sequence[StorePath], count: int, size: int, quick: bool
) -> dict[str, Any]:
    by_name = {path.name: path for path in paths if path.database == database}
    adapter, bare = by_name["adapter"], by_name["executemany"]
    rows = adapter.fees + adapter.subscriptions
    line: dict[str, Any] = {
        "workload": f"store_{database}",
        "operation": (
            "one SqlUnitOfWork per batch: subscriptions.add(sub) each, fees.add_all(fees), commit()"
        ),
        "what": (
            "fees generated batch by batch outside the timed part (their ids, computed once "
            "per fee by the domain, there too); each batch then stored by every path in turn "
            "on a fresh database of its own (one transaction per batch); "
            "the reference rows (subscription documents and fee_row tuples in the driver's "
            "form) are built untimed, the adapter's encoding is timed"
        ),
        "subscriptions": adapter.subscriptions,
        "batch_subscriptions": size,
        "fees": adapter.fees,
        "rows": rows,
        "seconds": round(adapter.seconds, 6),
        "fees_per_second": round(adapter.fees / adapter.seconds),
        "rows_per_second": round(rows / adapter.seconds),
        "executemany_seconds": round(bare.seconds, 6),
        "executemany_rows_per_second": round(rows / bare.seconds),
        "ratio": round(adapter.seconds / bare.seconds, 2),
        "target_ratio": RATIO_TARGET,
    }
    copy = by_name.get("copy")
    if copy is not None:
        line["copy_seconds"] = round(copy.seconds, 6)
        line["copy_rows_per_second"] = round(rows / copy.seconds)
        line["ratio_to_copy"] = round(adapter.seconds / copy.seconds, 2)
    line["meets_target"] = line["ratio"] <= RATIO_TARGET
    if quick:
        line["quick"] = True
    return line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--subscriptions", type=int, default=None, help=f"default {SUBSCRIPTIONS:,}"
    )
    parser.add_argument(
        "--batch",
        type=int,
        default=None,
        help=f"subscriptions per unit of work (default {BATCH:,})",
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run (never fails on the target)"
    )
    parser.add_argument("--no-postgresql", action="store_true", help="SQLite only")
    args = parser.parse_args(argv)
    count = args.subscriptions or (QUICK_SUBSCRIPTIONS if args.quick else SUBSCRIPTIONS)
    size = args.batch or (QUICK_BATCH if args.quick else BATCH)
    postgresql = not args.no_postgresql and "PGHOST" in os.environ
    result = run(count, size, postgresql)
    meets = True
    for database in ("sqlite", "postgresql"):
        if database == "postgresql" and not postgresql:
            print(
                json.dumps(
                    {
                        "workload": "store_postgresql",
                        "skipped": "no PG* server (or --no-postgresql)",
                    }
                ),
                flush=True,
            )
            continue
        line = report(database, result["paths"], count, size, args.quick)
        meets = meets and line["meets_target"]
        print(json.dumps(line), flush=True)
    print(
        json.dumps(
            {
                "workload": "memory",
                "what": "peak and current RSS of the process after each share of the run",
                "subscriptions": count,
                "checkpoints": result["memory"],
                "peak_growth_mib": round(
                    result["memory"][-1]["peak_rss_mib"] - result["memory"][0]["peak_rss_mib"], 1
                ),
            }
        ),
        flush=True,
    )
    return 0 if meets or args.quick else 1


if __name__ == "__main__":
    raise SystemExit(main())
