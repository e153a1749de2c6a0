"""``python -m servicedomain``: the command line of :mod:`servicedomain.cli`.

The same click group as the ``servicedomain`` console script: ``demo``, ``db upgrade``,
``rules load``, the batch runs and ``--version``. It needs the ``[cli]`` extra; without
it, one line says what to install (no traceback).
"""

from __future__ import annotations

import sys

try:
    from servicedomain.cli import main
except ModuleNotFoundError as missing:  # pragma: no cover - the [cli] extra is missing
    if missing.name not in {"click", "rich", "sqlalchemy", "alembic"}:
        raise
    sys.exit(
        f"servicedomain: the command line needs the [cli] extra ({missing.name} is missing): "
        "pip install 'servicedomain[cli]'"
    )

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
