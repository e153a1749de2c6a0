"""A private module (``_x.py``) is private to its package (design.md, conventions).

Another package imports only public names: ``from servicedomain.orders import
ServiceObject``, never ``from servicedomain.orders._lines import ServiceObject``, nor
a ``_private`` name of another package's module. The private modules directly in
``servicedomain`` (``_checks``, ``_trusted``, ``_enums``) are shared by its packages.
"""

from __future__ import annotations

import ast
from pathlib import Path

import servicedomain

SOURCE = Path(servicedomain.__file__).parent


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
    """The package of ``module``: itself if it is a package, else the one it is in."""
    directory = SOURCE.parent.joinpath(*module.split("."))
    return module if directory.is_dir() else module.rpartition(".")[0]


def _within(package: str, owner: str) -> bool:
    return package == owner or package.startswith(owner + ".")


def boundary_violations(text: str, package: str, label: str) -> list[str]:
    """The imports in ``text`` (a module of ``package``) that reach into another package."""
    found: list[str] = []
    for node in ast.walk(ast.parse(text)):
        if not isinstance(node, ast.ImportFrom) or node.level or node.module is None:
            continue
        module = node.module
        if not module.startswith("servicedomain."):
            continue
        if not _within(package, _owner(module)):
            found.append(f"{label}:{node.lineno}: from {module} import (a private module)")
            continue
        private = [alias.name for alias in node.names if alias.name.startswith("_")]
        if private and not _within(package, _home(module)):
            found.append(f"{label}:{node.lineno}: from {module} import {', '.join(private)}")
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


def test_the_boundary_check_tells_a_private_import_across_packages_from_a_public_one() -> None:
    def check(line: str, package: str) -> list[str]:
        return boundary_violations(line, package, "probe")

    agreements, adapters = "servicedomain.agreements", "servicedomain.adapters"
    assert check("from servicedomain.orders._lines import ServiceObject", agreements) == [
        "probe:1: from servicedomain.orders._lines import (a private module)"
    ]
    assert check("from servicedomain.adapters.memory import _MISSING", agreements) == [
        "probe:1: from servicedomain.adapters.memory import _MISSING"
    ]
    assert check("from servicedomain.orders import ServiceObject", agreements) == []
    assert check("from servicedomain._checks import require_id", agreements) == []
    assert check("from servicedomain.agreements._lines import AgreementLine", agreements) == []
    assert check("from servicedomain.adapters.memory import _MISSING", adapters) == []
    assert check("if T:\n    from servicedomain.orders._order import X", agreements) != []
