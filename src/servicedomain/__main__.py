"""``python -m servicedomain``: the command line of :mod:`servicedomain.cli`.

The same click group as the ``servicedomain`` console script: ``demo``, ``db upgrade``,
``rules load``, the batch runs and ``--version``. Needs the ``[cli]`` extra.
"""

from __future__ import annotations

from servicedomain.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
