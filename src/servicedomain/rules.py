"""Rules from TOML and JSON files: stage graphs, working calendars, SLAs and more.

A rules file holds one table per kind of rule, each a table of named rules in the shape
the rule's ``from_dict`` reads::

    [calendars.MAIN]
    zone = "Europe/Stockholm"
    weekly = {mon = ["08:00-17:00"], tue = ["08:00-17:00"]}

    [slas.STANDARD]
    resolution = "PT8H"
    calendar = "MAIN"

    [stage_graphs.SERVICE]
    stages = [{id = "NEW"}, {id = "DONE", parent = "NEW", rules = {may_post = true}}]

The kinds are :class:`RuleType` values in an immutable :class:`RuleTypes` registry.
:data:`RULE_TYPES` holds the built-in ones, read in this order: ``stage_graphs``
(:class:`~servicedomain.stages.StageGraph`), ``calendars``
(:class:`~servicedomain.calendars.WorkingCalendar`), ``slas``
(:class:`~servicedomain.sla.ServiceLevelAgreement`, which names a calendar of the same
file by its id), ``subscription_groups``
(:class:`~servicedomain.billing.SubscriptionGroup`), ``price_tables``
(:class:`~servicedomain.billing.PriceTable`), ``fault_taxonomies``
(:class:`~servicedomain.repairs.FaultTaxonomy`), ``skills``
(:class:`~servicedomain.dispatch.Skill`) and ``dispatch_parameters``
(:class:`~servicedomain.dispatch.DispatchParameters`). A calendar, an SLA, a subscription
group and a skill are named by their id: the name in the file is the id (an ``id`` key, when given,
must say the same); a price table, a fault taxonomy and dispatch parameters have no id,
so their name is only the file's key. Any
class with a ``from_dict`` and a ``to_dict`` can be added (a host's own rules):
:meth:`RuleTypes.with_rule` returns a new registry and changes no other.

:func:`load_rules` reads a ``.toml`` or ``.json`` file; :func:`parse_rules` reads text
and :func:`rules_from_dict` data already parsed. Each returns an immutable
:class:`Rules`. A bad file raises :class:`~servicedomain.errors.InvalidRulesError`,
whose message names the file, the path of the key and the value:
``rules.toml: calendars.MAIN.weekly.mon[0]='8-17': ...``. :func:`dump_rules` and
:func:`format_rules` write rules back, and reading them gives equal rules.

This module reads and writes files; the domain never does. It sits beside
:mod:`servicedomain.serialization`, outside the pure domain.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from os import PathLike
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, cast

import attrs

from servicedomain._checks import (
    check_keys,
    deep_mapping,
    instance_of,
    is_bool,
    is_callable,
    is_id,
    is_str,
    items_of,
)
from servicedomain.billing import PriceTable, SubscriptionGroup
from servicedomain.calendars import WorkingCalendar
from servicedomain.dispatch import DispatchParameters, Skill
from servicedomain.errors import InvalidInputError, InvalidRulesError
from servicedomain.repairs import FaultTaxonomy
from servicedomain.sla import ServiceLevelAgreement
from servicedomain.stages import StageGraph

__all__ = [
    "RULE_TYPES",
    "RuleType",
    "RuleTypes",
    "Rules",
    "dump_rules",
    "format_rules",
    "load_rules",
    "parse_rules",
    "rules_from_dict",
]

Loaded = Mapping[str, Mapping[str, object]]
"""The rules read so far, by section and name (an SLA reads the calendars through it)."""
Reader = Callable[[Mapping[str, object], Loaded], object]
Writer = Callable[[Any], Mapping[str, object]]
FORMATS: Final = {".toml": "toml", ".json": "json"}


_SECTIONS: Final = deep_mapping(is_str, instance_of(Mapping))
_TEXT: Final = instance_of((str, bytes))
_PATH: Final = instance_of((str, PathLike))


def _path(path: object) -> Path:
    """``path`` (a str or an ``os.PathLike``) as a Path."""
    return Path(cast("str | PathLike[str]", _PATH.check(path, "path")))


@attrs.frozen
class RuleType:
    """One kind of rule a rules file holds: its section, class, reader and writer.

    Attributes:
        section: the name of the file's table that holds rules of this kind.
        cls: the class of the rules.
        read: ``(data, loaded) -> rule``: builds a rule from its dict; ``loaded`` holds
            the sections read before this one.
        write: ``rule -> dict``: the rule as plain data ``read`` reads back.
        named_by_id: the rule has an ``id`` and its name in the file is that id.
    """

    section: str = attrs.field(validator=is_id)
    cls: type[Any] = attrs.field(validator=instance_of(type))
    read: Reader = attrs.field(validator=is_callable)
    write: Writer = attrs.field(validator=is_callable)
    named_by_id: bool = attrs.field(default=False, validator=is_bool)


_TYPES: Final = items_of(RuleType)


def _rule_types(types: object) -> tuple[RuleType, ...]:
    """``types`` (an iterable of RuleType) as a tuple."""
    return cast("tuple[RuleType, ...]", _TYPES.check(types, "types"))


def _check_sections(_instance: object, _attribute: object, types: tuple[RuleType, ...]) -> None:
    seen: set[str] = set()
    for rule_type in types:
        if rule_type.section in seen:
            raise InvalidInputError(
                "section", rule_type.section, "a rule type of this section is registered"
            )
        seen.add(rule_type.section)


def _default_reader(cls: type[Any]) -> Reader:
    def read(data: Mapping[str, object], _loaded: Loaded) -> object:
        return cls.from_dict(data)

    return read


def _default_writer(rule: Any) -> Mapping[str, object]:
    return cast("Mapping[str, object]", rule.to_dict())


@attrs.frozen
class RuleTypes:
    """An immutable registry of rule types, read in the order they were registered.

    :data:`RULE_TYPES` is the built-in registry :func:`load_rules` uses by default.
    Registering never changes a registry: :meth:`with_rule` and :meth:`with_type` return
    a new one, so one host's kinds of rules never leak into another's.

    Args:
        types: the rule types, in reading order; two of one section are refused.

    >>> from servicedomain.periods import Schedule
    >>> types = RULE_TYPES.with_rule("schedules", Schedule)
    >>> "schedules" in types, "schedules" in RULE_TYPES
    (True, False)
    """

    types: tuple[RuleType, ...] = attrs.field(
        default=(), converter=_rule_types, validator=_check_sections
    )

    @classmethod
    def default(cls) -> RuleTypes:
        """The built-in kinds: graphs, calendars, SLAs, groups, prices, taxonomies, dispatch."""
        return cls(_BUILT_IN)

    def with_type(self, rule_type: RuleType) -> RuleTypes:
        """A new registry: this one's types, then ``rule_type``.

        Raises:
            InvalidInputError: ``rule_type`` is not a RuleType, or (field ``section``)
                its section is registered already.
        """
        if not isinstance(rule_type, RuleType):
            raise InvalidInputError("rule_type", rule_type, "expected a RuleType")
        return RuleTypes((*self.types, rule_type))

    def with_rule(
        self,
        section: str,
        cls: type[Any],
        *,
        read: Reader | None = None,
        write: Writer | None = None,
        named_by_id: bool = False,
    ) -> RuleTypes:
        """A new registry that also reads ``cls`` from ``section``.

        By default a rule is read by the class's ``from_dict`` classmethod and written
        by its ``to_dict`` method.

        Raises:
            InvalidInputError: a bad argument, named, or (field ``section``) a section
                registered already.
        """
        rule_type = RuleType(
            section,
            cls,
            read if read is not None else _default_reader(cls),
            write if write is not None else _default_writer,
            named_by_id,
        )
        return self.with_type(rule_type)

    def __iter__(self) -> Iterator[RuleType]:
        return iter(self.types)

    def __contains__(self, section: object) -> bool:
        return any(rule_type.section == section for rule_type in self.types)

    def sections(self) -> tuple[str, ...]:
        """The registered sections, in reading order."""
        return tuple(rule_type.section for rule_type in self.types)


def _freeze(sections: Mapping[str, Mapping[str, object]]) -> Mapping[str, Mapping[str, object]]:
    _SECTIONS.check(sections, "sections")
    return MappingProxyType({key: MappingProxyType(dict(value)) for key, value in sections.items()})


@attrs.frozen
class Rules:
    """The rules of a file, by section and name; immutable.

    >>> rules = rules_from_dict({"slas": {"STD": {"resolution": "PT8H"}}})
    >>> rules.slas["STD"].targets.resolution.iso
    'PT8H'
    >>> dict(rules.calendars)
    {}
    """

    sections: Mapping[str, Mapping[str, object]] = attrs.field(
        converter=_freeze, eq=False, hash=False
    )
    _plain: dict[str, dict[str, object]] = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(
            self, "_plain", {key: dict(value) for key, value in self.sections.items() if value}
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Rules):
            return NotImplemented
        return self._plain == other._plain

    __hash__ = None  # type: ignore[assignment]

    def section(self, name: str) -> Mapping[str, object]:
        """The rules of section ``name`` by name (empty when the file has none)."""
        is_id.check(name, "name")
        return self.sections.get(name, MappingProxyType({}))

    @property
    def stage_graphs(self) -> Mapping[str, StageGraph]:
        """The stage graphs by name."""
        return cast("Mapping[str, StageGraph]", self.section("stage_graphs"))

    @property
    def calendars(self) -> Mapping[str, WorkingCalendar]:
        """The working calendars by id."""
        return cast("Mapping[str, WorkingCalendar]", self.section("calendars"))

    @property
    def slas(self) -> Mapping[str, ServiceLevelAgreement]:
        """The SLA definitions by id."""
        return cast("Mapping[str, ServiceLevelAgreement]", self.section("slas"))

    @property
    def subscription_groups(self) -> Mapping[str, SubscriptionGroup]:
        """The subscription groups by id."""
        return cast("Mapping[str, SubscriptionGroup]", self.section("subscription_groups"))

    @property
    def price_tables(self) -> Mapping[str, PriceTable]:
        """The price tables by name (a price table has no id: its name is the file's key)."""
        return cast("Mapping[str, PriceTable]", self.section("price_tables"))

    @property
    def fault_taxonomies(self) -> Mapping[str, FaultTaxonomy]:
        """The fault taxonomies by name (a taxonomy has no id: its name is the file's key)."""
        return cast("Mapping[str, FaultTaxonomy]", self.section("fault_taxonomies"))

    @property
    def skills(self) -> Mapping[str, Skill]:
        """The skills (with their rating scales) by id."""
        return cast("Mapping[str, Skill]", self.section("skills"))

    @property
    def dispatch_parameters(self) -> Mapping[str, DispatchParameters]:
        """The dispatch board's parameters by name (they have no id: the file's key)."""
        return cast("Mapping[str, DispatchParameters]", self.section("dispatch_parameters"))

    def to_dict(self, types: RuleTypes | None = None) -> dict[str, dict[str, object]]:
        """The rules as plain data (every section with rules), as a file holds them."""
        registry = _registry(types)
        data: dict[str, dict[str, object]] = {}
        for rule_type in registry:
            rules = self.section(rule_type.section)
            if rules:
                data[rule_type.section] = {
                    name: dict(rule_type.write(rule)) for name, rule in rules.items()
                }
        unknown = [name for name in self.sections if name not in registry and self.sections[name]]
        if unknown:
            raise InvalidInputError("sections", unknown[0], "no rule type of this section")
        return data


def _registry(types: object) -> RuleTypes:
    """The registry ``types`` names: :data:`RULE_TYPES` for None, else a RuleTypes."""
    if types is None:
        return RULE_TYPES
    if not isinstance(types, RuleTypes):
        raise InvalidInputError("types", types, "expected a RuleTypes registry")
    return types


def _read_sla(data: Mapping[str, object], loaded: Loaded) -> ServiceLevelAgreement:
    """An SLA; a calendar named by id must be one of the file's calendars."""
    calendars = cast("Mapping[str, WorkingCalendar]", loaded.get("calendars", {}))
    named = data.get("calendar")
    if isinstance(named, str) and named not in calendars:
        known = ", ".join(sorted(calendars))
        raise InvalidInputError(
            "calendar",
            named,
            f"no calendar of this id in the file's calendars; known: {known}"
            if known
            else "no calendar of this id: the file has no calendars",
        )
    return ServiceLevelAgreement.from_dict(data, calendars=calendars)


_BUILT_IN: Final = (
    RuleType("stage_graphs", StageGraph, _default_reader(StageGraph), _default_writer),
    RuleType(
        "calendars",
        WorkingCalendar,
        _default_reader(WorkingCalendar),
        _default_writer,
        named_by_id=True,
    ),
    RuleType("slas", ServiceLevelAgreement, _read_sla, _default_writer, named_by_id=True),
    RuleType(
        "subscription_groups",
        SubscriptionGroup,
        _default_reader(SubscriptionGroup),
        _default_writer,
        named_by_id=True,
    ),
    RuleType("price_tables", PriceTable, _default_reader(PriceTable), _default_writer),
    RuleType("fault_taxonomies", FaultTaxonomy, _default_reader(FaultTaxonomy), _default_writer),
    RuleType("skills", Skill, _default_reader(Skill), _default_writer, named_by_id=True),
    RuleType(
        "dispatch_parameters",
        DispatchParameters,
        _default_reader(DispatchParameters),
        _default_writer,
    ),
)

RULE_TYPES: Final = RuleTypes.default()
"""The built-in rule types, which :func:`load_rules` reads unless told otherwise.

Immutable: extend it with :meth:`RuleTypes.with_rule`, which returns a new registry.
"""


# --------------------------------------------------------------------------- reading


def _refused(source: str, path: str, error: InvalidInputError) -> InvalidRulesError:
    inner = error.field
    if inner in ("", "data"):
        field = path
    elif not path or inner.startswith("["):
        field = f"{path}{inner}"
    else:
        field = f"{path}.{inner}"
    return InvalidRulesError(source, field, error.value, error.reason)


def rules_from_dict(
    data: object, *, source: str = "rules", types: RuleTypes | None = None
) -> Rules:
    """Build rules from a dict of sections such as a TOML or JSON file gives.

    Args:
        data: ``{section: {name: rule dict}}``; the sections are those of ``types``.
        source: the name of the file (or other source), for messages.
        types: the rule types to read (:data:`RULE_TYPES` by default).

    Raises:
        InvalidRulesError: ``source`` names the file and ``field`` the path of the
            culprit key (``"calendars.MAIN.weekly.mon"``): an unknown section or key, a
            missing key, a value of the wrong type, an id that is not the rule's name.
    """
    registry = _registry(types)
    is_id.check(source, "source")
    if not isinstance(data, Mapping):
        raise InvalidRulesError(
            source, "data", data, f"expected a mapping of sections, got {type(data).__name__}"
        )
    try:
        check_keys(data, kind="a rules file", optional=registry.sections())
    except InvalidInputError as error:
        raise _refused(source, "", error) from None
    given = cast("Mapping[str, object]", data)
    loaded: dict[str, dict[str, object]] = {}
    for rule_type in registry:
        section = given.get(rule_type.section, {})
        if not isinstance(section, Mapping):
            raise InvalidRulesError(
                source, rule_type.section, section, "expected a table of named rules"
            )
        rules: dict[str, object] = {}
        for name, entry in section.items():
            path = f"{rule_type.section}.{name}"
            rules[name] = _read_rule(rule_type, name, entry, loaded, source=source, path=path)
        loaded[rule_type.section] = rules
    return Rules(loaded)


def _read_rule(
    rule_type: RuleType, name: object, entry: object, loaded: Loaded, *, source: str, path: str
) -> object:
    try:
        is_id.check(name, "name")
    except InvalidInputError as error:
        raise InvalidRulesError(source, path, name, error.reason) from None
    try:
        if not isinstance(entry, Mapping):
            raise InvalidInputError(
                "data", entry, f"expected a table (a {rule_type.cls.__name__} as a dict)"
            )
        if rule_type.named_by_id:
            if "id" in entry and entry["id"] != name:
                raise InvalidInputError(
                    "id", entry["id"], f"the id of a rule is its name in the file, {name!r}"
                )
            entry = {"id": name, **entry}
        return rule_type.read(entry, loaded)
    except InvalidInputError as error:
        raise _refused(source, path, error) from None


def _parse(text: str | bytes, format: str, source: str) -> object:
    if format == "toml":
        try:
            body = text.decode("utf-8") if isinstance(text, bytes) else text
            return tomllib.loads(body)
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise InvalidRulesError(source, "", None, f"not valid TOML: {error}") from None
    if format == "json":
        try:
            return json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise InvalidRulesError(source, "", None, f"not valid JSON: {error}") from None
    raise InvalidRulesError(source, "format", format, "expected 'toml' or 'json'")


def parse_rules(
    text: str | bytes, *, format: str, source: str = "rules", types: RuleTypes | None = None
) -> Rules:
    """Build rules from the text of a TOML or JSON rules file.

    Args:
        text: the file's content.
        format: ``"toml"`` or ``"json"``.
        source: the name of the file, for messages.
        types: the rule types to read (:data:`RULE_TYPES` by default).

    Raises:
        InvalidRulesError: text that is not valid TOML or JSON, and every error of
            :func:`rules_from_dict`.
    """
    is_id.check(source, "source")
    _TEXT.check(text, "text")
    _registry(types)
    return rules_from_dict(_parse(text, format, source), source=source, types=types)


def _format_of(path: Path) -> str:
    format = FORMATS.get(path.suffix.lower())
    if format is None:
        raise InvalidRulesError(path.name, "path", str(path), "a rules file ends in .toml or .json")
    return format


def load_rules(path: str | Path, *, types: RuleTypes | None = None) -> Rules:
    """Read a rules file: TOML (``.toml``) or JSON (``.json``).

    Raises:
        InvalidRulesError: another extension, a file that cannot be read, bad syntax,
            or a bad rule; the message starts with the file's name.
    """
    given = _path(path)
    _registry(types)
    format = _format_of(given)
    try:
        content = given.read_bytes()
    except OSError as error:
        raise InvalidRulesError(given.name, "path", str(given), error.strerror or "") from None
    return parse_rules(content, format=format, source=given.name, types=types)


# --------------------------------------------------------------------------- writing

_BARE_KEY: Final = re.compile(r"[A-Za-z0-9_-]+")


def _toml_string(text: str) -> str:
    escaped = []
    for char in text:
        if char in '"\\':
            escaped.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            escaped.append(f"\\u{ord(char):04X}")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


def _toml_key(key: object) -> str:
    text = str(key)
    return text if _BARE_KEY.fullmatch(text) else _toml_string(text)


def _toml_value(value: object, path: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        items = (_toml_value(item, f"{path}[{i}]") for i, item in enumerate(value))
        return "[" + ", ".join(items) + "]"
    if isinstance(value, Mapping):
        pairs = (f"{_toml_key(k)} = {_toml_value(v, f'{path}.{k}')}" for k, v in value.items())
        return "{" + ", ".join(pairs) + "}"
    raise InvalidInputError(path, value, "TOML holds no such value (null, float, ...)")


def _is_table_array(value: object) -> bool:
    return (
        isinstance(value, list | tuple)
        and bool(value)
        and all(isinstance(item, Mapping) for item in value)
    )


def _is_flat(value: Mapping[str, object]) -> bool:
    """A small table of plain values (money): written inline in an item of an array."""
    return len(value) <= 3 and not any(
        isinstance(item, Mapping | list | tuple) for item in value.values()
    )


def _toml_table(
    lines: list[str], path: tuple[str, ...], table: Mapping[str, object], *, header: bool = True
) -> None:
    plain, nested, arrays = [], [], []
    for key, value in table.items():
        if isinstance(value, Mapping) and (header or not _is_flat(value)):
            nested.append((key, value))
        elif _is_table_array(value):
            arrays.append((key, cast("list[Mapping[str, object]]", value)))
        else:
            plain.append((key, value))
    dotted = ".".join(_toml_key(part) for part in path)
    if header and path and (plain or not (nested or arrays)):
        lines.extend(["", f"[{dotted}]"])
    lines.extend(f"{_toml_key(key)} = {_toml_value(value, dotted)}" for key, value in plain)
    for key, value in nested:
        _toml_table(lines, (*path, key), value)
    for key, items in arrays:
        for item in items:
            lines.extend(["", f"[[{'.'.join(_toml_key(part) for part in (*path, key))}]]"])
            _toml_table(lines, (*path, key), item, header=False)


def format_rules(rules: Rules, *, format: str, types: RuleTypes | None = None) -> str:
    """The text of a rules file holding ``rules``: ``"toml"`` or ``"json"``.

    :func:`parse_rules` reads it back to equal rules.
    """
    if not isinstance(rules, Rules):
        raise InvalidInputError("rules", rules, "expected Rules")
    data = rules.to_dict(_registry(types))
    if format == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if format == "toml":
        lines: list[str] = []
        _toml_table(lines, (), data)
        return "\n".join(lines).lstrip("\n") + "\n"
    raise InvalidInputError("format", format, "expected 'toml' or 'json'")


def dump_rules(rules: Rules, path: str | Path, *, types: RuleTypes | None = None) -> None:
    """Write ``rules`` to a ``.toml`` or ``.json`` file (UTF-8); :func:`load_rules` reads it."""
    given = _path(path)
    given.write_text(format_rules(rules, format=_format_of(given), types=types), "utf-8")
