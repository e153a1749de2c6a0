"""The layers of design.md section 1, and the privacy of every package's private parts.

Layering: the pure domain (money, periods, calendars, stages, sla, orders, agreements,
billing and the modules under them) imports only the standard library, attrs, cattrs,
python-dateutil, pendulum and the domain parts below it; never the ports, the
application objects, the adapters, the testing kit or a database driver. The ports
name domain types and import no adapter. :data:`LAYER_OF` and :data:`MAY_IMPORT` are
the whole rule, as data, in one place; :data:`DOMAIN_PARTS` orders the domain bottom-up,
so no two domain parts import each other. Every import counts, ``TYPE_CHECKING`` and
function-local ones too: a loop that only the type checker sees is still a loop.

Privacy (design.md, conventions): a private module (``_x.py``) is private to its
package, and a ``_private`` name is private to its package (or, directly in
``servicedomain``, to its module). Another package imports only public names:
``from servicedomain.orders import ServiceTask``, never
``from servicedomain.orders._lines import ServiceTask``, nor
``from servicedomain.periods import _x``, nor ``DateRange._trusted(...)`` on a name
imported from another package. The private modules directly in ``servicedomain``
(``_checks``, ``_trusted``, ``_enums``) are shared by its packages, their private
names are not. A private attribute reached through a value rather than an imported
name (``fee.period._step``, ``sub.schedule._boundaries``) is caught by its name: a
``_member`` that only other packages define (as a method, a class or module attribute,
or an attribute set on ``self``) is theirs. Not covered: a private name that the
package defines too, and imports made with ``importlib``.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import servicedomain

SOURCE = Path(servicedomain.__file__).parent

# ---------------------------------------------------------------------- the layering

DOMAIN = "domain"
READ_MODEL = "read model"
CODEC = "codec"
PORTS = "ports"
APPLICATION = "application"
ADAPTERS = "adapters"
RUNS = "batch runs"
TESTING = "testing"
COMMAND_LINE = "command line"
FACADE = "facade"

# The parts of the domain, bottom-up: each imports only the parts before it.
DOMAIN_PARTS = (
    "errors",
    "_enums",
    "_trusted",
    "instants",
    "money",
    "_checks",
    "events",
    "periods",
    "calendars",
    "stages",
    "sla",
    "repairs",
    "orders",
    "agreements",
    "billing",
)

# The layer of each part of servicedomain (a module or package directly in it).
# A part not listed is domain: the strictest layer, and the one design.md gives
# everything that is not one of the outer layers.
LAYER_OF: dict[str, str] = {
    **dict.fromkeys(DOMAIN_PARTS, DOMAIN),
    "reports": READ_MODEL,
    "serialization": CODEC,
    "rules": CODEC,
    "ports": PORTS,
    "app": APPLICATION,
    "adapters": ADAPTERS,
    "runs": RUNS,
    "testing": TESTING,
    "__main__": COMMAND_LINE,
    "cli": COMMAND_LINE,
    "demo": COMMAND_LINE,
    "__init__": FACADE,
}

# The layers each layer may import (besides its own parts).
MAY_IMPORT: dict[str, frozenset[str]] = {
    DOMAIN: frozenset({DOMAIN}),
    READ_MODEL: frozenset({DOMAIN, READ_MODEL}),
    # The JSON codec reads and writes the domain's and the read model's values.
    CODEC: frozenset({DOMAIN, READ_MODEL, CODEC}),
    PORTS: frozenset({DOMAIN, PORTS}),
    APPLICATION: frozenset({DOMAIN, READ_MODEL, PORTS, APPLICATION}),
    ADAPTERS: frozenset({DOMAIN, CODEC, PORTS, ADAPTERS}),
    # Batch runs drive the application objects on the SQL adapter's run tables.
    RUNS: frozenset({DOMAIN, READ_MODEL, CODEC, PORTS, APPLICATION, ADAPTERS, RUNS}),
    TESTING: frozenset({DOMAIN, READ_MODEL, CODEC, PORTS, APPLICATION, ADAPTERS, TESTING}),
    COMMAND_LINE: frozenset(
        {DOMAIN, READ_MODEL, CODEC, PORTS, APPLICATION, ADAPTERS, RUNS, COMMAND_LINE, FACADE}
    ),
    FACADE: frozenset({DOMAIN, READ_MODEL, CODEC, PORTS, APPLICATION, FACADE}),
}

# The packages beyond the standard library each layer may import (None: any).
CORE_DEPENDENCIES = frozenset({"attrs", "cattrs", "dateutil", "pendulum"})
THIRD_PARTY: dict[str, frozenset[str] | None] = {
    DOMAIN: CORE_DEPENDENCIES,
    READ_MODEL: CORE_DEPENDENCIES,
    CODEC: CORE_DEPENDENCIES,
    PORTS: frozenset(),
    APPLICATION: CORE_DEPENDENCIES,
    ADAPTERS: None,
    RUNS: CORE_DEPENDENCIES,
    TESTING: None,
    COMMAND_LINE: None,
    FACADE: CORE_DEPENDENCIES,
}

# Database drivers, standard library or not: only adapters (and the testing kit that
# checks them) may import one.
DATABASE_DRIVERS = frozenset(
    {"sqlite3", "dbm", "shelve", "sqlalchemy", "alembic", "psycopg", "psycopg2", "asyncpg"}
)
MAY_USE_A_DATABASE = frozenset({ADAPTERS, TESTING})


def _module_name(path: Path) -> str:
    """The dotted name of a source file (``servicedomain.orders`` for its ``__init__``)."""
    parts = path.relative_to(SOURCE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_package(module: str) -> bool:
    return SOURCE.parent.joinpath(*module.split(".")).is_dir()


def _is_module(module: str) -> bool:
    path = SOURCE.parent.joinpath(*module.split("."))
    return path.is_dir() or path.with_suffix(".py").is_file()


def part_of(module: str) -> str:
    """The part of servicedomain a module belongs to (``"orders"``; the root: ``"__init__"``)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _rank(part: str) -> int:
    """The place of a domain part in :data:`DOMAIN_PARTS` (-1 for any other part)."""
    return DOMAIN_PARTS.index(part) if part in DOMAIN_PARTS else -1


def layer_of(part: str) -> str:
    return LAYER_OF.get(part, DOMAIN)


def imports_of(text: str, module: str, *, package: bool = False) -> Iterator[tuple[int, str]]:
    """Every module ``text`` (the source of ``module``) imports: ``(line, absolute name)``.

    ``from servicedomain import money`` imports ``servicedomain.money``; a relative
    import is resolved against ``module`` (a package when ``package`` is true).
    """
    here = module if package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = here.split(".")[: len(here.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            submodules = [f"{base}.{alias.name}" for alias in node.names]
            if base.split(".")[0] == "servicedomain" and all(map(_is_module, submodules)):
                yield from ((node.lineno, name) for name in submodules)
            else:
                yield node.lineno, base


def layering_violations(text: str, module: str, label: str, *, package: bool = False) -> list[str]:
    """The imports in ``text`` (the source of ``module``) that break the layering."""
    part = part_of(module)
    layer = layer_of(part)
    found: list[str] = []
    for line, target in imports_of(text, module, package=package):
        top = target.split(".")[0]
        where = f"{label}:{line}: {part} ({layer}) imports {target}"
        if top == "servicedomain":
            other = part_of(target)
            if other == part:
                continue
            other_layer = layer_of(other)
            if other_layer not in MAY_IMPORT[layer]:
                found.append(f"{where} ({other_layer})")
            elif part in DOMAIN_PARTS and _rank(other) > _rank(part):
                found.append(f"{where}, a domain part above it")
        elif top in DATABASE_DRIVERS:
            if layer not in MAY_USE_A_DATABASE:
                found.append(f"{where}, a database driver")
        elif top in sys.stdlib_module_names or top == "__future__":
            continue
        else:
            allowed = THIRD_PARTY[layer]
            if allowed is not None and top not in allowed:
                found.append(f"{where}, a package the {layer} may not depend on")
    return found


def _sources() -> Iterator[tuple[Path, str]]:
    for path in sorted(SOURCE.rglob("*.py")):
        yield path, _module_name(path)


def part_graph() -> dict[str, set[str]]:
    """Which parts of servicedomain each part imports (every import, TYPE_CHECKING too)."""
    graph: dict[str, set[str]] = {}
    for path, module in _sources():
        text = path.read_text(encoding="utf-8")
        edges = graph.setdefault(part_of(module), set())
        for _, target in imports_of(text, module, package=path.name == "__init__.py"):
            if target.split(".")[0] == "servicedomain" and part_of(target) != part_of(module):
                edges.add(part_of(target))
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A loop of imports in ``graph`` (``[a, b, ..., a]``), or None when it has none."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)) is not None:
                return cycle
        state[node] = "done"
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)) is not None:
            return cycle
    return None


def test_every_import_keeps_the_layers_of_the_design() -> None:
    violations = [
        violation
        for path, module in _sources()
        for violation in layering_violations(
            path.read_text(encoding="utf-8"),
            module,
            str(path.relative_to(SOURCE)),
            package=path.name == "__init__.py",
        )
    ]
    assert not violations, "\n".join(violations)


def test_no_parts_of_servicedomain_import_each_other_in_a_loop() -> None:
    # Before the calendar protocols moved out of the ports, this found
    # agreements -> orders -> sla -> calendars -> ports -> agreements (ports named the
    # domain's types, and calendars and agreements imported the ports).
    assert find_cycle(part_graph()) is None


def test_the_layering_data_names_every_part_and_a_rule_for_every_layer() -> None:
    assert set(MAY_IMPORT) == set(THIRD_PARTY) == set(LAYER_OF.values())
    assert all(layer in MAY_IMPORT[layer] for layer in MAY_IMPORT)
    assert len(set(DOMAIN_PARTS)) == len(DOMAIN_PARTS)
    assert not CORE_DEPENDENCIES & DATABASE_DRIVERS


def test_the_layering_check_catches_a_bad_import() -> None:
    def check(source: str, module: str = "servicedomain.billing._fees") -> list[str]:
        return layering_violations(source, module, "probe")

    assert check("from servicedomain.adapters.memory import InMemoryStore") == [
        "probe:1: billing (domain) imports servicedomain.adapters.memory (adapters)"
    ]
    assert check("from servicedomain import testing") == [
        "probe:1: billing (domain) imports servicedomain.testing (testing)"
    ]
    assert check("import servicedomain.app as app") != []
    assert check("from servicedomain.reports import MarginReport") != []
    assert check("from servicedomain import Money") != []  # the facade
    assert check("def f():\n    from ..adapters import memory\n") == [
        "probe:2: billing (domain) imports servicedomain.adapters.memory (adapters)"
    ]
    assert check("import sqlite3") == [
        "probe:1: billing (domain) imports sqlite3, a database driver"
    ]
    assert check("from sqlalchemy import select") != []
    assert check("import hypothesis") == [
        "probe:1: billing (domain) imports hypothesis, a package the domain may not depend on"
    ]
    # The loop this test guards against: a domain part reaching the ports, even for types.
    calendars = "servicedomain.calendars._calendar"
    assert check("if T:\n    from servicedomain.ports import Clock\n", calendars) == [
        "probe:2: calendars (domain) imports servicedomain.ports (ports)"
    ]
    assert check("from servicedomain.orders import ServiceOrder", "servicedomain.periods._x") == [
        "probe:1: periods (domain) imports servicedomain.orders, a domain part above it"
    ]
    assert check("from servicedomain.adapters import memory", "servicedomain.ports") != []
    assert check("import sqlalchemy", "servicedomain.adapters.sql") == []
    assert check("from servicedomain.orders import ServiceOrder", "servicedomain.ports") == []
    # What the domain may import.
    assert check("import attrs\nimport cattrs\nimport pendulum\nfrom dateutil import rrule") == []
    assert check("from servicedomain.orders import JournalEntry\nfrom . import _checks") == []
    assert check("from decimal import Decimal\nfrom servicedomain import _trusted, money") == []


def test_the_loop_check_finds_a_loop() -> None:
    loop = {"ports": {"orders"}, "orders": {"sla"}, "sla": {"calendars"}, "calendars": {"ports"}}
    assert find_cycle(loop) == ["calendars", "ports", "orders", "sla", "calendars"]
    assert find_cycle({**loop, "calendars": set()}) is None


# ----------------------------------------------------------------------- the privacy


def _package_of(path: Path) -> str:
    """The package a source file belongs to (``servicedomain.orders`` for its modules)."""
    parts = path.relative_to(SOURCE.parent).with_suffix("").parts
    return ".".join(parts[:-1])


def _owner(module: str) -> str:
    """The package whose private part ``module`` reaches (the one above its first ``_x``).

    ``"servicedomain"`` (every package may import it) for a public module.
    """
    parts = module.split(".")
    for index, part in enumerate(parts):
        if part.startswith("_"):
            return ".".join(parts[:index])
    return "servicedomain"


def _home(module: str) -> str:
    """Who may use the private names of ``module``.

    Its package for a module in a package (or the package itself); a module directly in
    ``servicedomain`` (``money``, ``_trusted``) is a concept of its own: itself.
    """
    if _is_package(module):
        return module
    parent = module.rpartition(".")[0]
    return module if parent == "servicedomain" else parent


def _within(package: str, owner: str) -> bool:
    return package == owner or package.startswith(owner + ".")


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def boundary_violations(text: str, package: str, label: str) -> list[str]:
    """The uses in ``text`` (a module of ``package``) of another package's private parts.

    Private modules, private names imported from another package, and private
    attributes of a name imported from another package (``DateRange._trusted``).
    """
    tree = ast.parse(text)
    found: list[str] = []
    homes: dict[str, str] = {}  # a name imported from servicedomain -> its home
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("servicedomain.") and alias.asname:
                    homes[alias.asname] = _home(alias.name)
            continue
        if not isinstance(node, ast.ImportFrom) or node.level or node.module is None:
            continue
        module = node.module
        if module.split(".")[0] != "servicedomain":
            continue
        for alias in node.names:
            submodule = f"{module}.{alias.name}"
            bound = submodule if _is_module(submodule) else module
            homes[alias.asname or alias.name] = _home(bound)
        if not _within(package, _owner(module)):
            found.append(f"{label}:{node.lineno}: from {module} import (a private module)")
            continue
        private = [alias.name for alias in node.names if _is_private(alias.name)]
        if private and not _within(package, _home(module)):
            found.append(f"{label}:{node.lineno}: from {module} import {', '.join(private)}")
    found.extend(
        f"{label}:{node.lineno}: {node.value.id}.{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and _is_private(node.attr)
        and node.value.id in homes
        and not _within(package, homes[node.value.id])
    )
    return found


def _unit_of(path: Path) -> str:
    """Who owns the private members a source file defines (see :func:`_home`)."""
    return _home(_module_name(path))


def private_members(text: str) -> set[str]:
    """The private names ``text`` defines as members: what ``value._name`` may reach.

    Functions and classes (methods too), names assigned in a class or module body
    (attrs fields such as ``_grid: date = attrs.field(...)``), attributes assigned on
    ``self`` or ``cls``, and those set with ``object.__setattr__(self, "_name", ...)``.
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for part in ast.walk(target):
                    if isinstance(part, ast.Name):
                        found.add(part.id)
                    elif (
                        isinstance(part, ast.Attribute)
                        and isinstance(part.value, ast.Name)
                        and part.value.id in ("self", "cls")
                    ):
                        found.add(part.attr)
        elif (
            isinstance(node, ast.Call)
            and ast.unparse(node.func) in ("object.__setattr__", "setattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            found.add(node.args[1].value)
    return {name for name in found if _is_private(name)}


def member_owners() -> dict[str, set[str]]:
    """For each private member name defined in servicedomain, the units that define it."""
    owners: dict[str, set[str]] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        for name in private_members(path.read_text(encoding="utf-8")):
            owners.setdefault(name, set()).add(_unit_of(path))
    return owners


def private_member_violations(
    text: str, unit: str, label: str, owners: dict[str, set[str]]
) -> list[str]:
    """The ``value._name`` in ``text`` (a module of ``unit``) that reach another's member.

    ``_name`` is another's when some unit defines it and ``unit`` (or a package it is
    in) does not. An attribute of a name imported from servicedomain is left to
    :func:`boundary_violations`, which knows where that name comes from.
    """
    imported = {
        alias.asname or alias.name.split(".")[0]
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    found: list[str] = []
    for node in ast.walk(ast.parse(text)):
        if not isinstance(node, ast.Attribute) or not _is_private(node.attr):
            continue
        if isinstance(node.value, ast.Name) and node.value.id in imported:
            continue
        defined_by = owners.get(node.attr, set())
        if defined_by and not any(_within(unit, owner) for owner in defined_by):
            reached = ast.unparse(node)
            if len(reached) > 60:
                reached = f"(...).{node.attr}"
            found.append(
                f"{label}:{node.lineno}: {reached} "
                f"(a private member of {', '.join(sorted(defined_by))})"
            )
    return found


def test_no_package_imports_another_packages_private_modules_or_names() -> None:
    violations = [
        violation
        for path in sorted(SOURCE.rglob("*.py"))
        for violation in boundary_violations(
            path.read_text(encoding="utf-8"), _package_of(path), str(path.relative_to(SOURCE))
        )
    ]
    assert not violations, "\n".join(violations)


def test_no_package_reaches_another_packages_private_members_through_a_value() -> None:
    # Before issue 12 made them public, billing reached sub.schedule._boundaries and
    # schedule._offset (periods), and agreements NewLine(...)._line_template() (orders).
    owners = member_owners()
    violations = [
        violation
        for path in sorted(SOURCE.rglob("*.py"))
        for violation in private_member_violations(
            path.read_text(encoding="utf-8"), _unit_of(path), str(path.relative_to(SOURCE)), owners
        )
    ]
    assert not violations, "\n".join(violations)


def test_the_member_check_catches_a_private_member_reached_through_a_value() -> None:
    owners = {"_step": {"servicedomain.periods"}, "_lock": {"servicedomain.adapters"}}

    def check(source: str, unit: str = "servicedomain.billing") -> list[str]:
        return private_member_violations(source, unit, "probe", owners)

    assert check("def f(fee):\n    return fee.period._step(a, 1)\n") == [
        "probe:2: fee.period._step (a private member of servicedomain.periods)"
    ]
    assert check("x = sub.schedule._step") != []
    assert check(f"Line({'a' * 60})._step()") == [
        "probe:1: (...)._step (a private member of servicedomain.periods)"
    ]
    # Its own members, names nobody in servicedomain defines (a NamedTuple's _replace),
    # and a unit inside the owner are fine; imported names are the import check's.
    assert check("store._lock", "servicedomain.adapters") == []
    assert check("key._replace(day=d)") == []
    assert check("schedule._step", "servicedomain.periods") == []
    assert check("from servicedomain.periods import Schedule\nSchedule._step") == []


def test_private_members_are_found_where_they_are_defined() -> None:
    source = (
        "class _A:\n"
        "    _grid: int = 0\n"
        "    def _boundary(self):\n"
        "        self._cache = 1\n"
        "        object.__setattr__(self, '_offset', 0)\n"
        "_MODULE = 1\n"
        "def public(): pass\n"
    )
    assert private_members(source) == {"_A", "_grid", "_boundary", "_cache", "_offset", "_MODULE"}


def test_the_boundary_check_tells_a_private_import_across_packages_from_a_public_one() -> None:
    def check(line: str, package: str) -> list[str]:
        return boundary_violations(line, package, "probe")

    agreements, adapters = "servicedomain.agreements", "servicedomain.adapters"
    assert check("from servicedomain.orders._lines import ServiceTask", agreements) == [
        "probe:1: from servicedomain.orders._lines import (a private module)"
    ]
    assert check("from servicedomain.adapters.memory import _MISSING", agreements) == [
        "probe:1: from servicedomain.adapters.memory import _MISSING"
    ]
    assert check("from servicedomain.orders import ServiceTask", agreements) == []
    assert check("from servicedomain._checks import require_id", agreements) == []
    assert check("from servicedomain.agreements._lines import AgreementLine", agreements) == []
    assert check("from servicedomain.adapters.memory import _MISSING", adapters) == []
    assert check("if T:\n    from servicedomain.orders._order import X", agreements) != []


def test_the_boundary_check_catches_private_members_of_another_package() -> None:
    def check(source: str, package: str = "servicedomain.billing") -> list[str]:
        return boundary_violations(source, package, "probe")

    assert check("from servicedomain.periods import _x") == [
        "probe:1: from servicedomain.periods import _x"
    ]
    assert check("from servicedomain.money import _EXACT") == [
        "probe:1: from servicedomain.money import _EXACT"
    ]
    assert check("from servicedomain.periods import DateRange\nDateRange._trusted(a, b)") == [
        "probe:2: DateRange._trusted"
    ]
    assert check("from servicedomain import _trusted\n_trusted._builder(Fee)") == [
        "probe:2: _trusted._builder"
    ]
    assert check("import servicedomain.money as money\nmoney._EXACT") == ["probe:2: money._EXACT"]
    # Within the package (or module) the names are its own; public names and dunders are.
    periods = "servicedomain.periods"
    assert check("from servicedomain.periods._ranges import DateRange\nDateRange._x", periods) == []
    assert check("from servicedomain import _trusted\n_trusted.build(Fee)") == []
    assert check("from servicedomain.periods import DateRange\nDateRange.__name__") == []
    assert check("from servicedomain.periods import DateRange\nDateRange.inclusive") == []
