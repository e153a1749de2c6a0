"""The labels of the reports: the one place a translation hooks in.

Every title, column and fact label a report shows goes through :func:`label`, in the
module that builds that report's view (one place per report). Today it returns the
English text it is given; a gettext catalog plugs in here.
"""

from __future__ import annotations

__all__ = ["label"]


def label(message: str) -> str:
    """The label to show for the English ``message`` (English is the default)."""
    return message
