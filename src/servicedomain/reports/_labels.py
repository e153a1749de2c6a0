"""The labels of the reports: English msgids, translated when a report is rendered.

Every title, column and fact label a report shows goes through :func:`label`, in the
module that builds that report's view (one place per report). A label is a
:class:`Message`: a ``str`` holding the English text (so a view reads as English and
compares as a plain string) that remembers its msgid and its parameters, so the text
and HTML views can look the msgid up in a gettext catalog and format the parameters
(amounts, dates) for the reader's locale. The view itself stays language-neutral.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from servicedomain.errors import InvalidInputError, TypeMismatchError

__all__ = ["Message", "label"]


class Message(str):
    """A label: its English text as a ``str``, with the msgid and parameters it came from.

    ``Message("Invoice {id}").format(id="INV-1")`` reads ``"Invoice INV-1"`` and keeps
    the msgid ``"Invoice {id}"`` and ``{"id": "INV-1"}`` for translation. Parameters
    may be typed (``Money``, ``date``) or messages themselves; each is formatted for
    the locale when the label is translated. Other ``str`` methods give plain strings.
    """

    msgid: str
    params: Mapping[str, object]

    def __new__(cls, msgid: str, params: Mapping[str, object] | None = None) -> Message:
        """The label of ``msgid`` with named ``params`` filled in (English)."""
        if not isinstance(msgid, str):
            raise TypeMismatchError("message", msgid, "expected a str")
        given = dict(params or {})
        text = msgid.format(**given) if given else msgid
        made = super().__new__(cls, text)
        made.msgid = str(msgid)
        made.params = given
        return made

    def format(self, *args: object, **kwargs: Any) -> Message:
        """The label with its named placeholders filled in (``{order_id}``).

        Raises:
            InvalidInputError: (field ``args``) positional arguments: a msgid names its
                placeholders, so a translation may reorder them.
        """
        if args:
            raise InvalidInputError("args", args, "labels take named placeholders only")
        return Message(self.msgid, {**self.params, **kwargs})

    def __reduce__(self) -> tuple[Any, ...]:
        return (Message, (self.msgid, dict(self.params)))


def label(message: str) -> Message:
    """The label to show for the English ``message``: a msgid, translated at render time.

    The result reads as the English text (English is the default); the text and HTML
    views translate it for their ``locale``. ``label("Invoice {id}").format(id=...)``
    keeps the placeholder for the translation.

    Raises:
        TypeMismatchError: (field ``message``) not a str.
    """
    return Message(message)
