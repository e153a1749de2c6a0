"""The languages of the reports: gettext catalogs, and formats from Babel's CLDR data.

A report renders for a ``locale``: ``en`` (the default), ``sv``, ``nl`` or ``lv``,
optionally with a region (``sv_SE``, ``nl-NL``). The language picks the catalog of
labels (``locale/<lang>/LC_MESSAGES/servicedomain.po``, read with Babel); the full
locale picks how amounts, numbers and dates read (Babel: ``1 234,50 kr`` in Swedish,
``€ 1.234,50`` in Dutch, ``1 234,50 €`` in Latvian). Plain ``en`` keeps the
library's own neutral forms (``1234.50 EUR``, ISO dates) and needs no Babel; every
other locale needs the ``[reports]`` extra.
"""

from __future__ import annotations

import copy
import functools
import importlib
import re
from datetime import date, datetime
from decimal import Decimal
from importlib import resources
from typing import Any, Final

import attrs

from servicedomain.errors import MissingExtraError, TypeMismatchError, UnknownLocaleError
from servicedomain.money import Money
from servicedomain.reports._labels import Message

__all__ = [
    "DEFAULT_LOCALE",
    "LANGUAGES",
    "Localizer",
    "catalog",
    "check_locale",
    "localizer",
]

LANGUAGES: Final = ("en", "sv", "nl", "lv")
"""The languages the reports are translated into (the seed documents' languages)."""
DEFAULT_LOCALE: Final = "en"
CATALOG_DOMAIN: Final = "servicedomain"

_LOCALE = re.compile(r"(?P<language>[A-Za-z]{2,3})(?:[_-](?P<region>[A-Za-z]{2}|[0-9]{3}))?")
_DATE_SKELETON: Final = "yMMdd"  # a numeric date with the year in full, in the locale's order


@attrs.frozen
class LocaleName:
    """A parsed locale: its language and, when given, its region (upper case)."""

    language: str
    region: str | None

    @property
    def tag(self) -> str:
        """The BCP 47 tag (``sv-SE``): the HTML ``lang`` attribute."""
        return self.language if self.region is None else f"{self.language}-{self.region}"

    @property
    def identifier(self) -> str:
        """The CLDR identifier Babel reads (``sv_SE``)."""
        return self.language if self.region is None else f"{self.language}_{self.region}"


def check_locale(locale: object) -> LocaleName:
    """``locale`` parsed: a language of :data:`LANGUAGES`, optionally a region.

    Raises:
        TypeMismatchError: (field ``locale``) not a str.
        UnknownLocaleError: (field ``locale``) another language, or not a locale.
    """
    if not isinstance(locale, str):
        raise TypeMismatchError("locale", locale, "expected a locale name such as 'sv_SE'")
    match = _LOCALE.fullmatch(locale)
    language = match["language"].lower() if match else None
    if match is None or language not in LANGUAGES:
        raise UnknownLocaleError(
            "locale", locale, f"expected one of {', '.join(LANGUAGES)}, optionally with a region"
        )
    region = match["region"]
    return LocaleName(language, None if region is None else region.upper())


@functools.cache
def catalog(language: str) -> dict[str, str]:
    """The translations of ``language``'s catalog, msgid to msgstr (read once, with Babel).

    Raises:
        UnknownLocaleError: (field ``locale``) not one of :data:`LANGUAGES`.
        MissingExtraError: Babel is not installed (``servicedomain[reports]``).
    """
    if language not in LANGUAGES:
        raise UnknownLocaleError("locale", language, f"expected one of {', '.join(LANGUAGES)}")
    pofile = _babel("babel.messages.pofile")
    path = resources.files("servicedomain.reports").joinpath(
        "locale", language, "LC_MESSAGES", f"{CATALOG_DOMAIN}.po"
    )
    with path.open("rb") as source:
        read = pofile.read_po(source, locale=language, domain=CATALOG_DOMAIN)
    return {
        str(message.id): str(message.string)
        for message in read
        if message.id and isinstance(message.id, str) and message.string
    }


def _babel(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtraError("Translated reports", "babel", "reports") from None


class Localizer:
    """How the text and HTML views read for a locale: labels and cells.

    The default (``en``) is the library's neutral English: labels as written, amounts
    as ``str(money)`` (``1234.50 EUR``), dates ISO, percents ``91.90%``.
    """

    tag: str = DEFAULT_LOCALE

    def text(self, value: str) -> str:
        """``value`` as shown: a label (:class:`Message`) translated, data as it is."""
        return str(value)

    def cell(self, cell: str | int | Decimal | date | Money, kind: str) -> str:
        """A present cell of a column of ``kind`` (or a ``fact``'s value) as shown."""
        if isinstance(cell, str):
            return self.text(cell)
        if kind == "percent":
            return f"{cell}%"
        if isinstance(cell, datetime) and kind == "fact":
            return cell.isoformat(sep=" ", timespec="minutes")
        if isinstance(cell, date):
            return cell.isoformat()
        return str(cell)

    def time(self, instant: datetime) -> str:
        """The time of day of ``instant`` (in its own zone) as shown: ``14:30``."""
        return f"{instant:%H:%M}"


ENGLISH: Final = Localizer()


class _BabelLocalizer(Localizer):
    """A translated locale: labels from its language's catalog, formats from Babel."""

    def __init__(self, name: LocaleName) -> None:
        core = _babel("babel")
        try:
            self._locale = core.Locale.parse(name.identifier)
        except (core.UnknownLocaleError, ValueError):
            raise UnknownLocaleError(
                "locale", name.identifier, "Babel's CLDR data has no such locale"
            ) from None
        self._numbers = _babel("babel.numbers")
        self._dates = _babel("babel.dates")
        self._catalog = catalog(name.language)
        self.tag = name.tag

    def text(self, value: str) -> str:
        if not isinstance(value, Message):
            return str(value)
        translated = self._catalog.get(value.msgid) or value.msgid
        if not value.params:
            return translated
        return translated.format(**{key: self._value(param) for key, param in value.params.items()})

    def _value(self, value: object) -> str:
        if isinstance(value, str | int | Decimal | date | Money):
            return self.cell(value, "fact")
        return str(value)

    def cell(self, cell: str | int | Decimal | date | Money, kind: str) -> str:
        if isinstance(cell, str):
            return self.text(cell)
        if isinstance(cell, Money):
            return str(
                self._numbers.format_currency(
                    cell.amount,
                    cell.currency.code,
                    locale=self._locale,
                    decimal_quantization=False,
                )
            )
        if isinstance(cell, datetime):
            day = self._dates.format_skeleton(_DATE_SKELETON, cell, locale=self._locale)
            time = self._dates.format_time(cell, "short", tzinfo=cell.tzinfo, locale=self._locale)
            return str(self._locale.datetime_formats["short"].format(time, day))
        if isinstance(cell, date):
            return str(self._dates.format_skeleton(_DATE_SKELETON, cell, locale=self._locale))
        value = Decimal(cell)
        if kind == "percent":
            return self._pattern(self._locale.percent_formats[None], value.scaleb(-2), value)
        return self._pattern(self._locale.decimal_formats[None], value, value)

    def time(self, instant: datetime) -> str:
        return str(
            self._dates.format_time(instant, "short", tzinfo=instant.tzinfo, locale=self._locale)
        )

    def _pattern(self, pattern: Any, value: Decimal, shown: Decimal) -> str:
        """``value`` in the locale's ``pattern`` with as many decimals as ``shown`` has."""
        places = max(0, -int(shown.as_tuple().exponent))
        exact = copy.copy(pattern)
        exact.frac_prec = (places, places)
        return str(exact.apply(value, self._locale))


@functools.cache
def _localizer(name: LocaleName) -> Localizer:
    if name.language == DEFAULT_LOCALE and name.region is None:
        return ENGLISH
    return _BabelLocalizer(name)


def localizer(locale: object) -> Localizer:
    """The localizer of ``locale`` (``en``, ``sv``, ``nl``, ``lv``, with a region or not).

    A region (``sv_SE``, ``nl-NL``) keeps its language's labels and uses the region's
    formats. Every locale but plain ``en`` needs Babel.

    Raises:
        TypeMismatchError: (field ``locale``) not a str.
        UnknownLocaleError: (field ``locale``) another language, or a region Babel's
            CLDR data does not know (``sv_XX``).
        MissingExtraError: Babel is not installed (``servicedomain[reports]``).
    """
    return _localizer(check_locale(locale))
