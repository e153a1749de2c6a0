"""Building attrs values from fields that are already checked (an internal fast path).

Constructors validate every field, which is right for values that come from outside.
Some values are made only from values that were validated already: the lines and
orders that agreement generation derives from a validated agreement (hundreds of
thousands per run), a line numbered from a validated new line. :func:`build` and
:func:`replace` make those without running validators, converters or
``__attrs_post_init__`` again. They are internal: only modules that guarantee the
fields' validity call them, and their tests keep that promise.

Like attrs itself, the functions are generated once per class, so a build costs one
call and one assignment per field.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any, TypeVar

import attrs

_T = TypeVar("_T")
_KEEP: Any = object()
_BUILDERS: dict[type[Any], Callable[..., Any]] = {}
_REPLACERS: dict[type[Any], Callable[..., Any]] = {}


def _fields(cls: type[Any]) -> list[tuple[str, Any]]:
    fields = []
    for field in attrs.fields(cls):
        if not field.init or isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
            msg = f"{cls.__name__}.{field.name} cannot be built on the fast path"
            raise TypeError(msg)
        fields.append((field.name, field.default))
    return fields


def _compile(name: str, source: str, namespace: dict[str, Any]) -> Callable[..., Any]:
    exec(compile(source, f"<servicedomain fast path {name}>", "exec"), namespace)
    function: Callable[..., Any] = namespace[name]
    return function


def _compile_builder(cls: type[Any], *, positional: bool) -> Callable[..., Any]:
    namespace: dict[str, Any] = {"_new": object.__new__, "_set": object.__setattr__}
    parameters, body = [], []
    for name, default in _fields(cls):
        if default is attrs.NOTHING or positional:
            parameters.append(name)
        else:
            namespace[f"_default_{name}"] = default
            parameters.append(f"{name}=_default_{name}")
        slot = getattr(cls, name, None)
        if isinstance(slot, types.MemberDescriptorType):
            # A slot: write through its descriptor (what object.__setattr__ ends in).
            namespace[f"_set_{name}"] = slot.__set__
            body.append(f"    _set_{name}(made, {name})")
        else:
            body.append(f"    _set(made, {name!r}, {name})")
    namespace["_cls"] = cls
    star = "" if positional else "*, "
    source = (
        f"def build({star}{', '.join(parameters)}):\n    made = _new(_cls)\n"
        + "\n".join(body)
        + "\n    return made\n"
    )
    return _compile("build", source, namespace)


def _builder(cls: type[Any]) -> Callable[..., Any]:
    builder = _BUILDERS.get(cls)
    if builder is None:
        builder = _BUILDERS[cls] = _compile_builder(cls, positional=False)
    return builder


def positional_builder(cls: type[_T]) -> Callable[..., _T]:
    """A builder of ``cls`` taking every field positionally, in declaration order.

    For the hottest loops only (a positional call is cheaper than keywords); the caller
    passes every field, in the order of ``attrs.fields(cls)``.
    """
    return _compile_builder(cls, positional=True)


def _replacer(cls: type[Any]) -> Callable[..., Any]:
    replacer = _REPLACERS.get(cls)
    if replacer is None:
        namespace: dict[str, Any] = {
            "_new": object.__new__,
            "_set": object.__setattr__,
            "_KEEP": _KEEP,
            "_cls": cls,
        }
        names = [name for name, _ in _fields(cls)]
        body = [
            f"    _set(made, {name!r}, source.{name} if {name} is _KEEP else {name})"
            for name in names
        ]
        source = (
            f"def replace(source, *, {', '.join(f'{name}=_KEEP' for name in names)}):\n"
            "    made = _new(_cls)\n" + "\n".join(body) + "\n    return made\n"
        )
        replacer = _compile("replace", source, namespace)
        _REPLACERS[cls] = replacer
    return replacer


def replacer(cls: type[_T]) -> Callable[..., _T]:
    """The compiled ``replace(source, **changes)`` of ``cls``, for loops that call it often."""
    return _replacer(cls)


def build(cls: type[_T], **values: Any) -> _T:
    """An instance of the attrs class ``cls`` with ``values``, without validation.

    Fields missing from ``values`` take their (plain) default.
    """
    made: _T = _builder(cls)(**values)
    return made


def replace(source: _T, **changes: Any) -> _T:
    """A copy of the attrs value ``source`` with ``changes``, without validation."""
    made: _T = _replacer(type(source))(source, **changes)
    return made
