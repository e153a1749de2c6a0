"""The ``servicedomain`` command line (needs the ``[cli]`` extra: click and rich).

``servicedomain`` (the console script) and ``python -m servicedomain`` run the same
:data:`cli` group. Every command works on one database: ``--db URL`` (a SQLAlchemy URL,
or a plain path meaning a SQLite file), else ``$SERVICEDOMAIN_DB_URL``, else
``sqlite:///servicedomain.db``.

Exit codes: 0 done; 1 refused by a business rule (the message names the rule) or the
store failed; 2 bad input (a bad option, file, value or id). An expected error never
shows a traceback, and output piped into ``head`` ends quietly.

``rules load`` keeps each rule as a :class:`RuleDocument` in the store's table of host
entities (:data:`RULE_CODEC`); :func:`stored_rules` reads them back, for a host that
configures its own desks with the rules its nightly runs use.
"""

from __future__ import annotations

from servicedomain.cli import (  # noqa: F401
    _batch,
    _database,
    _dispatch,
    _import,
    _import_service,
    _reports,
    _requests,
    _rules,
    _sla,
)
from servicedomain.cli._main import cli, main
from servicedomain.cli._rules import RULE_CODEC, RuleDocument, stored_rules

__all__ = ["RULE_CODEC", "RuleDocument", "cli", "main", "stored_rules"]
