"""Reports in English, Swedish, Dutch and Latvian (issue 15, item 3).

Labels come from the gettext catalogs (read here with Babel's own ``read_po``, not
through the library), amounts, numbers and dates as Babel's CLDR data formats them
(computed here with Babel), plus one literal per locale so a change of Babel's data or
of the locale wiring shows.
"""

from __future__ import annotations

import ast
import pickle
import string
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest
from babel.dates import format_skeleton
from babel.messages.pofile import read_po
from babel.numbers import format_currency
from hypothesis import given
from hypothesis import strategies as st

from report_parsing import assert_self_contained, csv_rows, json_document, parse_page
from report_samples import Report, every_report, fee_rows, order, transaction_rows
from servicedomain.errors import (
    InvalidInputError,
    TypeMismatchError,
    UnknownLocaleError,
)
from servicedomain.money import Money
from servicedomain.orders import TransactionType
from servicedomain.reports import (
    ReportView,
    SubscriptionTransactionsReport,
    WorkDescription,
    WorkReceipt,
    margin_report,
    render,
    render_csv,
    render_html,
    render_json,
    render_subscription_fee_summary_text,
    render_subscription_transactions_csv,
    render_text,
    work_description,
)
from servicedomain.reports._labels import Message, label
from servicedomain.testing.domain_strategies import report_views

LANGUAGES = ("en", "sv", "nl", "lv")
TRANSLATED = ("sv", "nl", "lv")
REPORTS_SOURCE = Path(__file__).parents[1] / "src" / "servicedomain" / "reports"


def catalog(language: str) -> dict[str, str]:
    """The catalog of ``language`` as Babel reads the packaged .po file."""
    path = resources.files("servicedomain.reports").joinpath(
        "locale", language, "LC_MESSAGES", "servicedomain.po"
    )
    with path.open("rb") as source:
        read = read_po(source, locale=language)
    return {str(message.id): str(message.string) for message in read if message.id}


def label_calls() -> Iterator[tuple[Path, ast.Call]]:
    for path in sorted(REPORTS_SOURCE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "label"
            ):
                yield path, node


def used_msgids() -> set[str]:
    """Every msgid the reports use: the literal argument of each ``label(...)`` call."""
    found = set()
    for path, call in label_calls():
        (argument,) = call.args
        assert isinstance(argument, ast.Constant), f"{path.name}:{call.lineno} label(literal)"
        assert isinstance(argument.value, str)
        found.add(argument.value)
    return found


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


# ----------------------------------------------------------------------------- catalogs


def test_the_scan_finds_the_labels_of_every_report() -> None:
    msgids = used_msgids()
    assert {
        "Service order margin",
        "Work description: service order {order_id}",
        "Work receipt: service order {order_id}",
        "Invoice {id}",
        "Transaction - subscription",
        "Subscription fee transactions",
        "n/a",
    } <= msgids
    assert len(msgids) > 60


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_msgid_of_the_reports_has_a_translation_in_every_catalog(language: str) -> None:
    translations = catalog(language)
    for msgid in sorted(used_msgids()):
        assert translations.get(msgid), f"{language}: no translation of {msgid!r}"
        assert placeholders(translations[msgid]) == placeholders(msgid), (language, msgid)
    assert set(translations) == used_msgids(), "the catalog holds no label the reports dropped"


def test_the_english_catalog_is_the_msgids_themselves() -> None:
    assert all(msgid == text for msgid, text in catalog("en").items())


@pytest.mark.parametrize(
    ("language", "terms"),
    [
        ("sv", {"Work description: service order {order_id}": "Arbetsbeskrivning"}),
        ("nl", {"Work description: service order {order_id}": "Werkomschrijving"}),
        ("lv", {"Work description: service order {order_id}": "Darba apraksts"}),
        ("sv", {"Service order margin": "Serviceorder"}),
        ("nl", {"Service order margin": "Serviceorder"}),
    ],
)
def test_the_catalogs_use_the_ax_terms_of_the_seed_documents(
    language: str, terms: dict[str, str]
) -> None:
    for msgid, term in terms.items():
        assert term in catalog(language)[msgid]


def test_every_transaction_type_and_fee_kind_has_a_label() -> None:
    from servicedomain.billing import FeeKind
    from servicedomain.reports import _orders, _subscriptions

    assert set(_orders._TYPE_LABELS) == set(TransactionType)
    assert set(_subscriptions._KIND_LABELS) == set(FeeKind)
    for labels in (_orders._TYPE_LABELS, _subscriptions._KIND_LABELS):
        assert all(str(text) == member.value for member, text in labels.items())


# ----------------------------------------------------------------------------- labels


def test_a_label_reads_as_english_and_keeps_its_msgid_and_parameters() -> None:
    title = label("Invoice {id}").format(id="INV-1")
    assert title == "Invoice INV-1"
    assert isinstance(title, Message)
    assert (title.msgid, dict(title.params)) == ("Invoice {id}", {"id": "INV-1"})
    assert pickle.loads(pickle.dumps(title)).params == {"id": "INV-1"}
    with pytest.raises(InvalidInputError) as caught:
        label("Invoice {id}").format("INV-1")
    assert caught.value.field == "args"
    with pytest.raises(TypeMismatchError) as refused:
        label(3)  # type: ignore[arg-type]
    assert refused.value.field == "message"


# ------------------------------------------------------------------ every report, every language


def titles(language: str) -> dict[str, str]:
    """The title each sample report must show, from the catalog."""
    texts = catalog(language)
    return {
        "margin": texts["Service order margin"],
        "work_description": texts["Work description: service order {order_id}"].format(
            order_id="SO-2"
        ),
        "work_receipt": texts["Work receipt: service order {order_id}"].format(order_id="SO-1"),
        "invoice": texts["Invoice {id}"].format(id="INV-1"),
        "credit_note": texts["Credit note {id}"].format(id="CN-1"),
        "subscription_transactions": texts["Transaction - subscription"],
        "subscription_fees": texts["Subscription fee transactions"],
    }


def amounts_of(view: ReportView) -> list[Money]:
    return [
        cell
        for table in view.tables
        for row in (*table.rows, *table.totals)
        for cell, column in zip(row, table.columns, strict=True)
        if isinstance(cell, Money) and column.shown
    ]


def render_in(report: Report, form: str, locale: str) -> str:
    method = getattr(report, f"render_{form}")
    text: str = method(locale=locale)
    return text


@pytest.mark.parametrize("locale", LANGUAGES)
@pytest.mark.parametrize("name", list(every_report()))
def test_every_report_renders_in_every_language(name: str, locale: str) -> None:
    report = every_report()[name]
    view = report.view()
    text = render_in(report, "text", locale)
    page = render_in(report, "html", locale)
    title = titles(locale)[name]
    assert text.splitlines()[0] == title
    assert f"<h1>{title}</h1>" in page
    assert_self_contained(page)
    parsed = parse_page(page)
    assert parsed.tags[0] == ("html", {"lang": locale})
    texts = catalog(locale)
    for table in view.tables:
        shown = parsed.tables[table.key]
        assert shown.head == [texts[column.label] for column in table.shown_columns]
        assert len(shown.body) == len(table.rows)
        assert len(shown.foot) == len(table.totals)
    cells = {
        cell
        for table in parsed.tables.values()
        for row in (*table.body, *table.foot)
        for cell in row
    }
    for money in amounts_of(view):
        expected = (
            str(money)
            if locale == "en"
            else format_currency(money.amount, money.currency.code, locale=locale)
        )
        assert expected in text
        assert expected in cells


@pytest.mark.parametrize("locale", TRANSLATED)
def test_translated_dates_are_babels_numeric_dates(locale: str) -> None:
    text = every_report()["invoice"].render_text(locale=locale)
    day = format_skeleton("yMMdd", date(2026, 3, 31), locale=locale)
    assert f"{catalog(locale)['Date']}: {day}" in text
    assert "2026-03-31" not in text or locale == "sv"


@pytest.mark.parametrize(
    ("locale", "literal"),
    [
        ("sv", "1\N{NO-BREAK SPACE}234,50\N{NO-BREAK SPACE}kr"),
        ("nl", "SEK\N{NO-BREAK SPACE}1.234,50"),
        ("lv", "1\N{NO-BREAK SPACE}234,50\N{NO-BREAK SPACE}SEK"),
        ("en", "1234.50 SEK"),
    ],
)
def test_money_reads_as_each_locale_writes_it_swedish_crowns(locale: str, literal: str) -> None:
    text = SubscriptionTransactionsReport(transaction_rows()).render_text(locale=locale)
    assert literal in text


@pytest.mark.parametrize(
    ("locale", "literal"),
    [
        ("sv", "1\N{NO-BREAK SPACE}234,50\N{NO-BREAK SPACE}€"),
        ("nl", "€\N{NO-BREAK SPACE}1.234,50"),
        ("lv", "1\N{NO-BREAK SPACE}234,50\N{NO-BREAK SPACE}€"),
        ("en", "1234.50 EUR"),
    ],
)
def test_money_reads_as_each_locale_writes_it_euros(locale: str, literal: str) -> None:
    assert literal in render_subscription_fee_summary_text(fee_rows(), locale=locale)
    assert literal in every_report()["invoice"].render_html(locale=locale)


def test_percents_and_quantities_keep_their_decimals_in_the_locale() -> None:
    swedish = margin_report([order()]).render_text(locale="sv")
    assert "91,90\N{NO-BREAK SPACE}%" in swedish  # 2.5 h: 1134.50 / 1234.50
    latvian = work_description(order()).render_text(locale="lv")
    assert "2,5" in latvian
    assert "n/a" not in margin_report([]).render_text(locale="sv")


def test_a_missing_percent_reads_in_the_locale() -> None:
    from orders_fixtures import boiler_order, line

    # No revenue, no margin percent: "n/a" in the reader's language.
    gift = boiler_order("SO-9", line(TransactionType.HOUR, "1", "10.00", "0.00"))
    assert catalog("nl")["n/a"] in margin_report([gift]).render_text(locale="nl")


def test_a_chart_per_currency_is_titled_in_the_locale() -> None:
    from orders_fixtures import boiler_order, line

    two = boiler_order(
        "SO-3",
        line(TransactionType.HOUR, "1", "40.00", "100.00"),
        line(TransactionType.EXPENSE, "1", "5.00", "7.00", currency="USD"),
    )
    page = margin_report([two]).render_html(locale="sv")
    assert "<figcaption>Marginal per order (USD)</figcaption>" in page
    assert "<figcaption>Marginal per order (EUR)</figcaption>" in page


def test_the_fee_chart_labels_each_period_with_local_dates() -> None:
    page = every_report()["subscription_fees"].render_html(locale="nl")
    assert ">1-3-2026 .. 31-3-2026</text>" in page


def test_a_work_receipt_shows_its_sign_off_time_in_the_zone_and_locale() -> None:
    receipt = every_report()["work_receipt"]
    assert isinstance(receipt, WorkReceipt)
    text = receipt.render_text("Europe/Stockholm", locale="sv")
    assert f"{catalog('sv')['Signed off']}: 2026-03-02 10:00" in text
    assert receipt.render_text("Europe/Stockholm").count("2026-03-02 10:00+01:00") == 1


def test_a_work_description_renders_every_format_with_zone_and_locale() -> None:
    found = every_report()["work_description"]
    assert isinstance(found, WorkDescription)
    assert "Arbetsbeskrivning" in found.render_html("UTC", locale="sv")
    assert found.render_csv("UTC", locale="sv") == found.render_csv("UTC")
    assert found.render_json("UTC", locale="sv") == found.render_json("UTC")


# -------------------------------------------------------------- regions and bad locales


def test_a_region_keeps_the_language_labels_and_uses_the_region_formats() -> None:
    report = every_report()["invoice"]
    swedish, finland = report.render_text(locale="sv"), report.render_text(locale="sv_FI")
    assert swedish.splitlines()[0] == finland.splitlines()[0] == "Faktura INV-1"
    assert format_skeleton("yMMdd", date(2026, 3, 31), locale="sv_FI") in finland
    assert format_skeleton("yMMdd", date(2026, 3, 31), locale="sv_FI") not in swedish
    page = parse_page(report.render_html(locale="nl-NL"))
    assert page.tags[0] == ("html", {"lang": "nl-NL"})
    assert report.render_text(locale="sv_SE") == swedish
    american = report.render_text(locale="en_US")
    assert american.splitlines()[0] == "Invoice INV-1"
    assert format_currency(Decimal("1234.50"), "EUR", locale="en_US") in american


@pytest.mark.parametrize("bad", ["de", "fr_FR", "english", "", "sv_SE_x", "sv-"])
def test_an_unknown_locale_is_refused_naming_the_argument(bad: str) -> None:
    view = every_report()["margin"].view()
    for form in ("text", "csv", "json", "html"):
        with pytest.raises(UnknownLocaleError) as caught:
            render(view, form, locale=bad)
        assert isinstance(caught.value, InvalidInputError)
        assert isinstance(caught.value, ValueError)
        assert (caught.value.field, caught.value.value) == ("locale", bad)
        assert "locale=" in str(caught.value)


def test_a_region_babel_does_not_know_is_refused() -> None:
    with pytest.raises(UnknownLocaleError) as caught:
        render_text(every_report()["margin"].view(), locale="sv_XX")
    assert caught.value.field == "locale"
    assert "sv_XX" in str(caught.value)


def test_a_locale_that_is_not_a_str_is_refused() -> None:
    with pytest.raises(TypeMismatchError) as caught:
        render_html(every_report()["margin"].view(), locale=None)  # type: ignore[arg-type]
    assert caught.value.field == "locale"


# ------------------------------------------------------------------ programs read the same


@pytest.mark.parametrize("locale", ["sv", "nl_NL", "lv", "en_US"])
@pytest.mark.parametrize("name", list(every_report()))
def test_csv_and_json_are_the_same_in_every_locale(name: str, locale: str) -> None:
    report = every_report()[name]
    view = report.view()
    assert render_csv(view, locale=locale) == render_csv(view)
    assert render_json(view, locale=locale) == render_json(view)
    assert report.render_csv(locale=locale) == report.render_csv()
    loaded = json_document(report.render_json(locale=locale))
    assert loaded["title"] == titles("en")[name]
    assert csv_rows(report.render_csv(locale=locale))[0][0] in {
        "order_id",
        "number",
        "subscription_id",
    }
    assert render_subscription_transactions_csv(transaction_rows(), locale=locale) == (
        render_subscription_transactions_csv(transaction_rows())
    )


@pytest.mark.parametrize("name", list(every_report()))
def test_english_is_the_default(name: str) -> None:
    report = every_report()[name]
    for form in ("text", "csv", "json", "html"):
        assert render(report.view(), form, locale="en") == render(report.view(), form)
        assert render_in(report, form, "EN") == getattr(report, f"render_{form}")()


@given(report_views(), st.sampled_from(["en", "sv", "nl", "lv", "sv_FI", "nl-BE"]))
def test_every_format_in_any_language_shows_the_rows_of_the_view(
    view: ReportView, locale: str
) -> None:
    page = parse_page(render_html(view, locale=locale))
    text = render_text(view, locale=locale).splitlines()
    assert list(page.tables) == [table.key for table in view.tables]
    for table in view.tables:
        parsed = page.tables[table.key]
        assert len(parsed.body) == len(table.rows)
        assert len(parsed.foot) == len(table.totals)
        for shown in parsed.body:
            assert any(line.split() == " ".join(shown).split() for line in text), shown
    assert render_csv(view, locale=locale) == render_csv(view)
    assert render_json(view, locale=locale) == render_json(view)


# ---------------------------------------------------------------------------- the wheel


def test_the_wheel_ships_every_catalog_and_the_template(tmp_path: Path) -> None:
    from hatchling.builders.wheel import WheelBuilder

    root = Path(__file__).parents[1]
    (wheel,) = WheelBuilder(str(root)).build(directory=str(tmp_path), versions=["standard"])
    with zipfile.ZipFile(wheel) as built:
        names = set(built.namelist())
        for language in LANGUAGES:
            name = f"servicedomain/reports/locale/{language}/LC_MESSAGES/servicedomain.po"
            assert name in names
            assert built.read(name) == (root / "src" / name).read_bytes()
        assert "servicedomain/reports/templates/report.html.j2" in names


# ------------------------------------------------------------------------ without Babel


def test_the_package_renders_english_without_babel_or_jinja2() -> None:
    script = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("babel", "jinja2"):
            raise ModuleNotFoundError(name)
sys.meta_path.insert(0, Block())
import servicedomain.reports as reports
from servicedomain.errors import MissingExtraError
report = reports.margin_report([])
print(report.render_text().splitlines()[0], report.render_csv(locale="sv").split(",")[0])
print(reports.render(report.view(), "json", locale="lv").count("margin") > 0)
try:
    report.render_text(locale="sv")
except MissingExtraError as error:
    print(error.package, error.extra)
print("babel" in sys.modules, "jinja2" in sys.modules)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.splitlines() == [
        "Service order margin order_id",
        "True",
        "babel reports",
        "False False",
    ]
