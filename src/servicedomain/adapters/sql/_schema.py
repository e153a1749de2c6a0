"""The tables of the SQL adapter, in one :class:`~sqlalchemy.MetaData`.

Aggregates (agreements, service orders, subscriptions, a host's own entity types) are
versioned JSON documents with indexed columns for the port queries. The ledgers (fees,
invoiced items, accrual periods, journal entries) are rows whose natural key is the
primary key, so the database itself refuses a fee billed twice (law P3), a source
invoiced twice (law I1) or an entry journaled twice. Money is exact: ``NUMERIC`` on
PostgreSQL, the canonical decimal text on SQLite (whose ``NUMERIC`` is a float). Instants
are ``timestamptz`` on PostgreSQL and ISO 8601 UTC text on SQLite.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect

PREFIX: Final = "servicedomain_"
"""Every table's name starts with it, so the tables sit beside a host's own."""

metadata: Final = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class ExactDecimal(sa.TypeDecorator[Decimal]):
    """A decimal stored without loss: ``NUMERIC`` on PostgreSQL, its text elsewhere."""

    impl = sa.String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(sa.Numeric(asdecimal=True))
        return dialect.type_descriptor(sa.String())

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None or dialect.name == "postgresql":
            return value
        return str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None or isinstance(value, Decimal):
            return value
        return Decimal(value)


class UtcInstant(sa.TypeDecorator[datetime]):
    """An aware instant, read back in UTC: ``timestamptz`` on PostgreSQL, ISO text elsewhere."""

    impl = sa.String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(sa.DateTime(timezone=True))
        return dialect.type_descriptor(sa.String())

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        utc = value.astimezone(UTC)
        return utc if dialect.name == "postgresql" else utc.isoformat()

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        instant = value if isinstance(value, datetime) else datetime.fromisoformat(value)
        return instant.astimezone(UTC)


_ESCAPE: Final = "\ue000"  # a private-use character: escapes itself and what jsonb refuses
_ESCAPED: Final = "$escaped"  # the key of a document whose texts are escaped
_SURROGATE: Final = re.compile("[\ud800-\udfff]")  # code points a str holds, UTF-8 cannot
_UNESCAPE: Final = re.compile(f"{_ESCAPE}(s[0-9a-f]{{4}}|.)", re.DOTALL)


def _escape_char(found: re.Match[str]) -> str:
    char = found[0]
    if char == _ESCAPE:
        return _ESCAPE * 2
    return f"{_ESCAPE}0" if char == "\x00" else f"{_ESCAPE}s{ord(char):04x}"


def _unescape_char(found: re.Match[str]) -> str:
    code = found[1]
    if code == "0":
        return "\x00"
    return chr(int(code[1:], 16)) if len(code) > 1 else code  # s and 4 hex digits: a surrogate


_ESCAPING: Final = re.compile(f"[{_ESCAPE}\x00\ud800-\udfff]")


def _escape(value: Any) -> Any:
    """``value`` with each text's escape character doubled, its NULs and surrogates escaped."""
    if isinstance(value, str):
        return _ESCAPING.sub(_escape_char, value)
    if isinstance(value, dict):
        return {_escape(key): _escape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_escape(item) for item in value]
    return value


def _unescape(value: Any) -> Any:
    if isinstance(value, str):
        return _UNESCAPE.sub(_unescape_char, value)
    if isinstance(value, dict):
        return {_unescape(key): _unescape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unescape(item) for item in value]
    return value


class FreeText(sa.TypeDecorator[str]):
    """A column of free text (a name): ``varchar``, its NULs escaped on PostgreSQL.

    PostgreSQL's text types cannot hold NUL, which free text may contain; it is stored
    escaped there, as documents are, and read back as it was.
    """

    impl = sa.String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None or dialect.name != "postgresql":
            return value
        return cast("str", _escape(value))

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None or dialect.name != "postgresql":
            return value
        return cast("str", _unescape(value))


class Document(sa.TypeDecorator[Any]):
    """A JSON document: ``jsonb`` on PostgreSQL, text elsewhere (money inside is text).

    jsonb cannot hold NUL nor an unpaired surrogate, which free text (a description)
    may contain: on PostgreSQL a document with one is stored as ``{"$escaped":
    <document>}`` with its texts escaped, and read back as it was.
    """

    impl = sa.JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.JSONB(none_as_null=True))
        return dialect.type_descriptor(sa.JSON(none_as_null=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name != "postgresql":
            return value
        # json writes NUL as \u0000 and keeps surrogates as they are (ensure_ascii=False);
        # a document that looks escaped is wrapped too.
        text = json.dumps(value, ensure_ascii=False)
        if "\\u0000" not in text and _SURROGATE.search(text) is None and not _looks_escaped(value):
            return value
        return {_ESCAPED: _escape(value)}

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if dialect.name == "postgresql" and _looks_escaped(value):
            return _unescape(value[_ESCAPED])
        return value


def document_json(value: Any, *, postgresql: bool) -> str:
    """The JSON text a document is stored as (escaped on PostgreSQL where jsonb needs it).

    For writers that hand the driver the text themselves; it is what :class:`Document`
    stores.
    """
    if not postgresql:
        return json.dumps(value)  # as SQLAlchemy's JSON type writes it (ASCII)
    text = json.dumps(value, ensure_ascii=False)
    if "\\u0000" in text or _SURROGATE.search(text) is not None or _looks_escaped(value):
        return json.dumps({_ESCAPED: _escape(value)}, ensure_ascii=False)
    return text


def _looks_escaped(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and _ESCAPED in value


def _document_table(name: str, *columns: sa.Column[Any] | sa.Index | sa.Constraint) -> sa.Table:
    """An aggregate table: id, version, the document's schema version and the document."""
    return sa.Table(
        f"{PREFIX}{name}",
        metadata,
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("schema_version", sa.Integer, nullable=False),
        sa.Column("body", Document, nullable=False),
        *columns,
    )


agreements: Final = _document_table(
    "agreements", sa.Column("customer_id", sa.String(255), nullable=False, index=True)
)
#: Service orders. ``request_id`` (migration 0005) is the customer request an order was
#: transferred from: a unique index, so one request makes one order (law Q1); orders
#: without a request hold NULL, which the index allows any number of times.
service_orders: Final = _document_table(
    "service_orders",
    sa.Column("customer_id", sa.String(255), nullable=False, index=True),
    sa.Column("agreement_id", sa.String(255), nullable=True, index=True),
    sa.Column("request_id", sa.String(255), nullable=True),
    sa.Index(None, "request_id", unique=True),
)
#: Customer service requests (migration 0005): one per idempotency key of a customer (a
#: unique key), indexed by status for the dispatcher's queue.
service_requests: Final = _document_table(
    "service_requests",
    sa.Column("customer_id", sa.String(255), nullable=False),
    sa.Column("idempotency_key", sa.String(255), nullable=False),
    sa.Column("status", sa.String(32), nullable=False, index=True),
    sa.UniqueConstraint("customer_id", "idempotency_key"),
)
subscriptions: Final = _document_table(
    "subscriptions",
    sa.Column("customer_id", sa.String(255), nullable=False, index=True),
    sa.Column("group_id", sa.String(255), nullable=False, index=True),
)

#: Service objects; the item and serial number are indexed together (AX's parameter
#: "Allow one item on multiple service objects" is the application's rule, not a key).
service_objects: Final = _document_table(
    "service_objects",
    sa.Column("group_id", sa.String(255), nullable=False, index=True),
    sa.Column("item_id", sa.String(255), nullable=True),
    sa.Column("serial_number", sa.String(255), nullable=True),
    sa.Index(None, "item_id", "serial_number"),
)
#: Service BOMs with their history; one per object relation (a unique key).
service_boms: Final = _document_table(
    "service_boms",
    sa.Column("relation_id", sa.String(255), nullable=False, unique=True),
    sa.Column("service_object_id", sa.String(255), nullable=False, index=True),
)
#: The relation ids of the service objects' cached relations, one row per relation id: a
#: relation id names one relation of one object (law R8), and this primary key keeps it
#: so against concurrent units of work (the relations themselves live in each object's
#: document). Written in the transaction of each object write; migration 0004.
service_object_relations: Final = sa.Table(
    f"{PREFIX}service_object_relations",
    metadata,
    sa.Column("relation_id", sa.String(255), primary_key=True),
    sa.Column("object_id", sa.String(255), nullable=False, index=True),
)
#: Template BOMs: values stored once under their id.
template_boms: Final = _document_table("template_boms")

#: Technicians (workers), with their name for people.
technicians: Final = _document_table(
    "technicians", sa.Column("name", FreeText(1000), nullable=False)
)
#: The dispatch teams: one document (id ``dispatch-teams``), so a worker is in one team.
dispatch_teams: Final = _document_table("dispatch_teams")
#: Requirements (values stored once under their id), by order and window.
requirements: Final = _document_table(
    "requirements",
    sa.Column("order_id", sa.String(255), nullable=False, index=True),
    sa.Column("window_start", UtcInstant, nullable=False),
    sa.Column("window_end", UtcInstant, nullable=False),
)
#: Bookings, with the time they hold, ``[busy_start, end_at)``, in columns. On
#: PostgreSQL migration 0003 adds an exclusion constraint (btree_gist): no two committed
#: or in-progress bookings of one technician overlap there.
bookings: Final = _document_table(
    "bookings",
    sa.Column("technician_id", sa.String(255), nullable=False),
    sa.Column("requirement_id", sa.String(255), nullable=False, index=True),
    sa.Column("start_at", UtcInstant, nullable=False),
    sa.Column("end_at", UtcInstant, nullable=False),
    sa.Column("busy_start", UtcInstant, nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Index(None, "technician_id", "busy_start"),
)
#: The schedule version of each technician: every booking write for a technician in a
#: commit bumps it with a compare-and-set, so two units of work booking one technician
#: at once cannot both commit.
technician_schedules: Final = sa.Table(
    f"{PREFIX}technician_schedules",
    metadata,
    sa.Column("technician_id", sa.String(255), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
)

#: A host's own entity types (registered with a codec), one row per (type, id).
entities: Final = sa.Table(
    f"{PREFIX}entities",
    metadata,
    sa.Column("entity_type", sa.String(255), primary_key=True),
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("schema_version", sa.Integer, nullable=False),
    sa.Column("body", Document, nullable=False),
)

#: Fee transactions; the primary key is the natural key (law P3).
fees: Final = sa.Table(
    f"{PREFIX}fees",
    metadata,
    sa.Column("subscription_id", sa.String(255), primary_key=True),
    sa.Column("kind", sa.String(32), primary_key=True),
    sa.Column("period_start", sa.Date, primary_key=True),
    sa.Column("period_end", sa.Date, primary_key=True),
    sa.Column("revision", sa.Integer, primary_key=True),
    sa.Column("id", sa.String(600), nullable=False, unique=True),
    sa.Column("billing_start", sa.Date, nullable=False),
    sa.Column("billing_end", sa.Date, nullable=False),
    sa.Column("amount", ExactDecimal, nullable=False),
    sa.Column("price", ExactDecimal, nullable=False),
    sa.Column("currency", sa.String(16), nullable=False),
    sa.Column("minor_units", sa.Integer, nullable=False),
    sa.Column("customer_id", sa.String(255), nullable=False),
    sa.Column("project_id", sa.String(255), nullable=False),
    sa.Column("category_id", sa.String(255), nullable=False),
    sa.Column("due_date", sa.Date, nullable=False),
    sa.Column("adjusts_start", sa.Date, nullable=True),
    sa.Column("adjusts_end", sa.Date, nullable=True),
    sa.Index(None, "due_date", "customer_id"),
)

#: Posted invoices and credit notes, numbered gaplessly per series.
invoices: Final = sa.Table(
    f"{PREFIX}invoices",
    metadata,
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("customer_id", sa.String(255), nullable=False, index=True),
    sa.Column("invoice_date", sa.Date, nullable=False),
    sa.Column("series", sa.String(255), nullable=True),
    sa.Column("number", sa.Integer, nullable=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("schema_version", sa.Integer, nullable=False),
    sa.Column("body", Document, nullable=False),
    sa.UniqueConstraint("series", "number"),
)

#: What each source (fee or order transaction) has been invoiced; one row per source (I1).
invoiced_items: Final = sa.Table(
    f"{PREFIX}invoiced_items",
    metadata,
    sa.Column("source_id", sa.String(600), primary_key=True),
    sa.Column("invoice_id", sa.String(255), nullable=False, index=True),
    sa.Column("schema_version", sa.Integer, nullable=False),
    sa.Column("body", Document, nullable=False),
)

#: The accrual periods of invoiced fees, by (fee id, number).
accrual_periods: Final = sa.Table(
    f"{PREFIX}accrual_periods",
    metadata,
    sa.Column("source_id", sa.String(600), primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("period_end", sa.Date, nullable=False),
    sa.Column("posting_date", sa.Date, nullable=True),
    sa.Column("schema_version", sa.Integer, nullable=False),
    sa.Column("body", Document, nullable=False),
    sa.Index(None, "posting_date", "period_end"),
)

#: Journal entries: gapless numbers per journal, one row per entry key.
journal_entries: Final = sa.Table(
    f"{PREFIX}journal_entries",
    metadata,
    sa.Column("journal", sa.String(255), primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("transaction_id", sa.String(300), nullable=False),
    sa.Column("entry_key", sa.Text, nullable=False),
    sa.Column("entry_type", sa.String(255), nullable=False),
    sa.Column("body", Document, nullable=False),
    sa.UniqueConstraint("journal", "entry_key"),
    sa.UniqueConstraint("journal", "transaction_id"),
)

#: Domain events, written in the transaction of the state that caused them.
outbox: Final = sa.Table(
    f"{PREFIX}outbox",
    metadata,
    sa.Column(
        "position",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("entity_id", sa.String(255), nullable=False, index=True),
    sa.Column("event_type", sa.String(255), nullable=False),
    sa.Column("occurred_at", UtcInstant, nullable=False),
    sa.Column("body", Document, nullable=False),
    sa.Column("published_at", UtcInstant, nullable=True, index=True),
)

#: The last number given in each document numbering series (gapless numbers).
number_sequences: Final = sa.Table(
    f"{PREFIX}number_sequences",
    metadata,
    sa.Column("series", sa.String(255), primary_key=True),
    sa.Column("last_number", sa.Integer, nullable=False),
)

#: Batch runs (migration 0006): one row per planned run, its id a hash of what it runs.
batch_runs: Final = sa.Table(
    f"{PREFIX}batch_runs",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("params", sa.Text, nullable=False),
    sa.Column("chunk_size", sa.Integer, nullable=False),
    sa.Column("chunks", sa.Integer, nullable=False),
)

#: The chunks of a run: the keyset range ``(after_id, last_id]`` (``None``: open), its
#: state (``ready``, ``running``, ``done``), the worker holding it until ``lease_until``,
#: how often it was claimed, and its counters.
batch_chunks: Final = sa.Table(
    f"{PREFIX}batch_chunks",
    metadata,
    sa.Column("run_id", sa.String(64), primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("after_id", sa.String(255), nullable=True),
    sa.Column("last_id", sa.String(255), nullable=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("owner", sa.String(255), nullable=True),
    sa.Column("lease_until", UtcInstant, nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("items", sa.Integer, nullable=False),
    sa.Column("created", sa.Integer, nullable=False),
    sa.Column("parked", sa.Integer, nullable=False),
    sa.Index(None, "run_id", "state"),
)

#: Items of a run that failed by a business rule or bad data: one row per run and item,
#: deleted when a later run of its chunk processes the item.
batch_parked: Final = sa.Table(
    f"{PREFIX}batch_parked",
    metadata,
    sa.Column("run_id", sa.String(64), primary_key=True),
    sa.Column("item_id", sa.String(255), primary_key=True),
    sa.Column("chunk", sa.Integer, nullable=False),
    sa.Column("error_type", sa.String(255), nullable=False),
    sa.Column("message", FreeText, nullable=False),
)
