"""Read rendered reports back with the standard library: HTML tables, SVG, CSV, JSON."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser
from typing import Any

import attrs


@attrs.define
class ParsedTable:
    key: str
    head: list[str] = attrs.Factory(list)
    body: list[list[str]] = attrs.Factory(list)
    foot: list[list[str]] = attrs.Factory(list)


class _ReportParser(HTMLParser):
    """Collects every table (head, body and foot cells as text) and every SVG element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[ParsedTable] = []
        self.svgs: list[list[str]] = []  # the element names inside each <svg>
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._section = ""
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._in_svg = False

    def handle_starttag(self, tag: str, attrs_: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs_)))
        if tag == "table":
            self.tables.append(ParsedTable(dict(attrs_).get("data-key") or ""))
        elif tag in ("thead", "tbody", "tfoot"):
            self._section = tag
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "svg":
            self._in_svg = True
            self.svgs.append([])
        elif self._in_svg:
            self.svgs[-1].append(tag)

    def handle_startendtag(self, tag: str, attrs_: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs_)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            table = self.tables[-1]
            if self._section == "thead":
                table.head = self._row
            elif self._section == "tfoot":
                table.foot.append(self._row)
            else:
                table.body.append(self._row)
            self._row = None
        elif tag == "svg":
            self._in_svg = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


@attrs.frozen
class ParsedPage:
    tables: dict[str, ParsedTable]
    svgs: list[list[str]]
    tags: list[tuple[str, dict[str, str | None]]]


def parse_page(page: str) -> ParsedPage:
    parser = _ReportParser()
    parser.feed(page)
    parser.close()
    tables = {table.key: table for table in parser.tables}
    assert len(tables) == len(parser.tables), "table keys are unique"
    return ParsedPage(tables, parser.svgs, parser.tags)


def assert_self_contained(page: str) -> None:
    """No script, no stylesheet, font or image from outside; the SVG namespace is the one URL."""
    parsed = parse_page(page)
    names = [tag for tag, _ in parsed.tags]
    assert "script" not in names
    assert "link" not in names
    assert "img" not in names
    for _tag, attributes in parsed.tags:
        assert "src" not in attributes
        assert "href" not in attributes
        assert not any(name.startswith("on") for name in attributes)
    assert page.count("http") == page.count('xmlns="http://www.w3.org/2000/svg"')
    assert "@import" not in page
    assert "url(" not in page


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def json_document(text: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(text)
    return document


def timeline_bands(page: ParsedPage) -> list[dict[str, str | None]]:
    """The attributes of each band of the page's timeline charts, in document order."""
    return [
        attributes
        for tag, attributes in page.tags
        if tag == "rect" and (attributes.get("class") or "").startswith("band ")
    ]


def timeline_markers(page: ParsedPage) -> list[str]:
    """The class of each marker line of the page's timeline charts (``marker deadline``)."""
    return [
        attributes.get("class") or ""
        for tag, attributes in page.tags
        if tag == "g" and (attributes.get("class") or "").startswith("marker ")
    ]
