"""Building attrs values from fields that are already checked (an internal fast path).

Constructors validate every field, which is right for values that come from outside.
Some values are made only from values that were validated already: the lines and
orders that agreement generation derives from a validated agreement (hundreds of
thousands per run), a line numbered from a validated new line. :func:`build` and
:func:`replace` make those without running validators, converters or
``__attrs_post_init__`` again. They are internal: only modules that guarantee the
fields' validity call them, and their tests keep that promise.

Like attrs itself, the functions are generated once per class, so a build costs one
call and one assignment per field. :func:`builder` (keywords), :func:`positional_builder`
(every field, in declaration order), :func:`replacer` and :func:`field_replacer`
(a few fields, positionally; the rest copied) give a class's compiled function once,
for loops that call it often; :func:`derived_replacer` copies a value whose derived
fields (caches of ``__attrs_post_init__``) the caller computed in a step.

**Checked mode.** With the environment variable ``SERVICEDOMAIN_CHECKED`` set (to
anything but ``""`` or ``"0"``) when servicedomain is imported, every builder and
replacer routes through the validating constructor instead (``cls(...)``,
``attrs.evolve``), and so do the other fast paths that take this switch
(:func:`field_setters`, which ``DateRange._trusted`` and the fee loop use): a run of
the test suite in that mode shows that every value a
fast path builds is one the constructor accepts. CI runs the suite once in that mode.
"""

from __future__ import annotations

import os
import types
from collections.abc import Callable
from typing import Any, Final, TypeVar

import attrs

_T = TypeVar("_T")
_KEEP: Any = object()
_BUILDERS: dict[tuple[type[Any], bool], Callable[..., Any]] = {}
_REPLACERS: dict[tuple[type[Any], bool], Callable[..., Any]] = {}
_DERIVED_REPLACERS: dict[tuple[type[Any], bool], Callable[..., Any]] = {}
_TWINS: dict[type[Any], type[Any] | None] = {}

CHECKED: Final = os.environ.get("SERVICEDOMAIN_CHECKED", "") not in ("", "0")
"""True when the fast paths route through the validating constructors (checked mode)."""


def _fields(cls: type[Any]) -> list[tuple[str, Any]]:
    fields = []
    for field in attrs.fields(cls):
        if not field.init or isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
            msg = f"{cls.__name__}.{field.name} cannot be built on the fast path"
            raise TypeError(msg)
        fields.append((field.name, field.default))
    return fields


def _derived_fields(cls: type[Any]) -> tuple[list[str], list[str]]:
    """The init fields of ``cls`` and its derived ones (``init=False, eq=False``: caches)."""
    fields, derived = [], []
    for field in attrs.fields(cls):
        if not field.init and not field.eq:
            derived.append(field.name)
        elif not field.init or isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
            msg = f"{cls.__name__}.{field.name} cannot be built on the fast path"
            raise TypeError(msg)
        else:
            fields.append(field.name)
    return fields, derived


def _compile(name: str, source: str, namespace: dict[str, Any]) -> Callable[..., Any]:
    exec(compile(source, f"<servicedomain fast path {name}>", "exec"), namespace)
    function: Callable[..., Any] = namespace[name]
    return function


def _twin(cls: type[Any]) -> type[Any] | None:
    """A plain class with the slot layout of ``cls``, or None when ``cls`` has none.

    A frozen attrs class refuses attribute assignment in ``__setattr__``, so a fast path
    would set each slot through its descriptor (a call per field). An instance of the
    twin takes plain assignments, which the interpreter specialises, and then becomes
    a ``cls`` by ``__class__`` assignment, which Python allows between classes of the
    same layout: a build of twelve fields costs half as much. Python refuses it for a
    class with a ``__weakref__`` slot of its own (the hot classes have none).
    """
    if cls in _TWINS:
        return _TWINS[cls]
    slots = cls.__dict__.get("__slots__")
    if not isinstance(slots, tuple) or "__weakref__" in slots:
        _TWINS[cls] = None
        return None
    namespace = {
        "__slots__": slots,
        "__module__": __name__,
        # Both: they share one type slot, and a frozen base's would make every store slow.
        "__setattr__": object.__setattr__,
        "__delattr__": object.__delattr__,
    }
    twin: type[Any] | None = type(f"_{cls.__name__}Twin", cls.__bases__, namespace)
    try:
        object.__new__(twin).__class__ = cls  # type: ignore[arg-type]
    except TypeError:  # a layout Python does not consider the same
        twin = None
    _TWINS[cls] = twin
    return twin


def _body(cls: type[Any], values: list[tuple[str, str]], namespace: dict[str, Any]) -> str:
    """The statements that make ``made``, an instance of ``cls`` with the fields ``values``.

    ``values`` are (field, expression) pairs; the twin of ``cls`` is used when it has one.
    """
    twin = _twin(cls)
    namespace["_cls"] = cls
    if twin is not None:
        namespace["_twin"] = twin
        lines = ["    made = _new(_twin)"]
        lines += [f"    made.{name} = {value}" for name, value in values]
        lines.append("    made.__class__ = _cls")
        return "\n".join(lines)
    lines = ["    made = _new(_cls)"]
    for name, value in values:
        slot = getattr(cls, name, None)
        if isinstance(slot, types.MemberDescriptorType):
            # A slot: write through its descriptor (what object.__setattr__ ends in).
            namespace[f"_set_{name}"] = slot.__set__
            lines.append(f"    _set_{name}(made, {value})")
        else:
            lines.append(f"    _set(made, {name!r}, {value})")
    return "\n".join(lines)


def _compile_builder(cls: type[Any], *, positional: bool) -> Callable[..., Any]:
    namespace: dict[str, Any] = {"_new": object.__new__, "_set": object.__setattr__}
    parameters, values = [], []
    for name, default in _fields(cls):
        if default is attrs.NOTHING or positional:
            parameters.append(name)
        else:
            namespace[f"_default_{name}"] = default
            parameters.append(f"{name}=_default_{name}")
        values.append((name, name))
    star = "" if positional else "*, "
    source = (
        f"def build({star}{', '.join(parameters)}):\n"
        + _body(cls, values, namespace)
        + "\n    return made\n"
    )
    return _compile("build", source, namespace)


def _checked_builder(cls: type[Any], *, positional: bool) -> Callable[..., Any]:
    """The builder of checked mode: the validating constructor, with the same signature."""
    names = [name for name, _ in _fields(cls)]
    aliases = {field.name: field.alias for field in attrs.fields(cls)}

    def build(*args: Any, **values: Any) -> Any:
        if positional:
            if values or len(args) != len(names):
                msg = f"the positional builder of {cls.__name__} takes its {len(names)} fields"
                raise TypeError(msg)
            values = dict(zip(names, args, strict=True))
        elif args or not values.keys() <= aliases.keys():
            msg = f"the builder of {cls.__name__} takes its fields by keyword: {names}"
            raise TypeError(msg)
        return cls(**{aliases[name]: value for name, value in values.items()})

    return build


def builder(cls: type[_T], *, checked: bool = CHECKED) -> Callable[..., _T]:
    """The keyword builder of ``cls``: ``build(field=value, ...)``, fields not given default.

    Compiled once per class; in checked mode (``checked``), the validating constructor.
    """
    made = _BUILDERS.get((cls, checked))
    if made is None:
        compile_ = _checked_builder if checked else _compile_builder
        made = _BUILDERS[cls, checked] = compile_(cls, positional=False)
    return made


def positional_builder(cls: type[_T], *, checked: bool = CHECKED) -> Callable[..., _T]:
    """A builder of ``cls`` taking every field positionally, in declaration order.

    For the hottest loops only (a positional call is cheaper than keywords); the caller
    passes every field, in the order of ``attrs.fields(cls)``. In checked mode
    (``checked``), the validating constructor.
    """
    compile_ = _checked_builder if checked else _compile_builder
    return compile_(cls, positional=True)


def _checked_replacer(cls: type[Any]) -> Callable[..., Any]:
    """The replacer of checked mode: ``attrs.evolve``, which validates the copy."""
    names = {name for name, _ in _fields(cls)}

    def replace(source: Any, **changes: Any) -> Any:
        unknown = set(changes) - names
        if unknown:
            msg = f"{cls.__name__} has no fields {sorted(unknown)}"
            raise TypeError(msg)
        return attrs.evolve(source, **changes)

    return replace


def _replacer(cls: type[Any], checked: bool) -> Callable[..., Any]:
    replacer = _REPLACERS.get((cls, checked))
    if replacer is None and checked:
        replacer = _REPLACERS[cls, checked] = _checked_replacer(cls)
    if replacer is None:
        namespace: dict[str, Any] = {
            "_new": object.__new__,
            "_set": object.__setattr__,
            "_KEEP": _KEEP,
        }
        names = [name for name, _ in _fields(cls)]
        values = [(name, f"source.{name} if {name} is _KEEP else {name}") for name in names]
        source = (
            f"def replace(source, *, {', '.join(f'{name}=_KEEP' for name in names)}):\n"
            + _body(cls, values, namespace)
            + "\n    return made\n"
        )
        replacer = _compile("replace", source, namespace)
        _REPLACERS[cls, checked] = replacer
    return replacer


def replacer(cls: type[_T], *, checked: bool = CHECKED) -> Callable[..., _T]:
    """The compiled ``replace(source, **changes)`` of ``cls``, for loops that call it often.

    In checked mode (``checked``), ``attrs.evolve``, which validates the copy.
    """
    return _replacer(cls, checked)


def field_replacer(cls: type[_T], *names: str, checked: bool = CHECKED) -> Callable[..., _T]:
    """The compiled ``replace(source, value, ...)`` of ``cls`` that sets ``names``, in order.

    For the hottest loops: the new values are positional, in the order of ``names``,
    and every other field is the source's. In checked mode (``checked``), ``attrs.evolve``,
    which validates the copy.
    """
    fields = [name for name, _ in _fields(cls)]
    unknown = sorted(set(names) - set(fields))
    if unknown or len(set(names)) != len(names):
        msg = f"{cls.__name__}: cannot replace {list(names)} (fields: {fields})"
        raise TypeError(msg)
    if checked:

        def evolve(source: Any, *values: Any) -> Any:
            return attrs.evolve(source, **dict(zip(names, values, strict=True)))

        return evolve
    namespace: dict[str, Any] = {"_new": object.__new__, "_set": object.__setattr__}
    values = [(name, name if name in names else f"source.{name}") for name in fields]
    source = (
        f"def replace(source, {', '.join(names)}):\n"
        + _body(cls, values, namespace)
        + "\n    return made\n"
    )
    return _compile("replace", source, namespace)


def derived_replacer(cls: type[_T], *, checked: bool = CHECKED) -> Callable[..., _T]:
    """The compiled ``replace(source, derived, **changes)`` of a class with derived fields.

    A derived field (``init=False, eq=False``) is what ``__attrs_post_init__`` computes
    from the other fields (a cache, an index). ``derived`` maps each derived field to its
    value for the copy, which the caller computed from the source's (a step, not a
    recomputation); every other field is the source's unless ``changes`` sets it. In
    checked mode (``checked``), ``attrs.evolve``, which validates the copy and derives
    the fields itself (``derived`` is then not used).
    """
    made = _DERIVED_REPLACERS.get((cls, checked))
    if made is not None:
        return made
    fields, derived = _derived_fields(cls)
    if checked:

        def evolve(source: Any, _derived: dict[str, Any], **changes: Any) -> Any:
            return attrs.evolve(source, **changes)

        made = _DERIVED_REPLACERS[cls, checked] = evolve
        return made
    namespace: dict[str, Any] = {"_new": object.__new__, "_set": object.__setattr__, "_KEEP": _KEEP}
    values = [(name, f"source.{name} if {name} is _KEEP else {name}") for name in fields]
    values += [(name, f"derived[{name!r}]") for name in derived]
    source = (
        f"def replace(source, derived, *, {', '.join(f'{name}=_KEEP' for name in fields)}):\n"
        + _body(cls, values, namespace)
        + "\n    return made\n"
    )
    made = _DERIVED_REPLACERS[cls, checked] = _compile("replace", source, namespace)
    return made


def build(cls: type[_T], **values: Any) -> _T:
    """An instance of the attrs class ``cls`` with ``values``, without validation.

    Fields missing from ``values`` take their (plain) default.
    """
    made: _T = builder(cls)(**values)
    return made


def replace(source: _T, **changes: Any) -> _T:
    """A copy of the attrs value ``source`` with ``changes``, without validation."""
    made: _T = _replacer(type(source), CHECKED)(source, **changes)
    return made


def field_setters(
    cls: type[Any], *names: str, checked: bool = CHECKED
) -> tuple[Callable[[Any, Any], None], ...]:
    """The slot setters of the fields ``names`` of ``cls``, for a loop that builds inline.

    The hottest loops make an instance with ``object.__new__(cls)`` and set each field
    through these (one call per field, no function in between). ``names`` are every
    field of ``cls``, and the loop sets them in this order. In checked mode
    (``checked``), the last setter then builds the same value through the validating
    constructor, and refuses an instance the constructor builds differently.
    """
    fields = [name for name, _ in _fields(cls)]
    if sorted(names) != sorted(fields):
        msg = f"the setters of {cls.__name__} set every field: {fields}"
        raise TypeError(msg)
    setters = [getattr(cls, name).__set__ for name in names]
    if not checked:
        return tuple(setters)
    aliases = [(field.name, field.alias) for field in attrs.fields(cls)]
    last = setters[-1]

    def set_and_check(made: Any, value: Any) -> None:
        last(made, value)
        rebuilt = cls(**{alias: getattr(made, name) for name, alias in aliases})
        if rebuilt != made:
            msg = f"the fast path built {made!r}; the constructor builds {rebuilt!r}"
            raise TypeError(msg)

    return (*setters[:-1], set_and_check)
