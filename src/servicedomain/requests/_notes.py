"""A note on a request and an entry of its review log (private)."""

from __future__ import annotations

from datetime import datetime

import attrs

from servicedomain._checks import is_bool, is_id, is_instant, is_str


@attrs.frozen(kw_only=True)
class RequestNote:
    """A note on a request: public ones the customer sees, the others stay internal.

    Attributes:
        text: the note.
        at: when it was written.
        by: who wrote it (a worker or the customer).
        public: whether the customer's view shows it.
    """

    text: str = attrs.field(validator=is_str)
    at: datetime = attrs.field(validator=is_instant)
    by: str = attrs.field(validator=is_id)
    public: bool = attrs.field(default=False, validator=is_bool)


@attrs.frozen(kw_only=True)
class ReviewEntry:
    """One change the dispatcher made in review: who, when, which field, old and new.

    Attributes:
        at: when the field changed.
        by: who changed it.
        field: the request's field (``"address"``, ``"window"``, ``"lines"``,
            ``"relation_ids"``).
        old, new: the values before and after, as text.
    """

    at: datetime = attrs.field(validator=is_instant)
    by: str = attrs.field(validator=is_id)
    field: str = attrs.field(validator=is_id)
    old: str = attrs.field(validator=is_str)
    new: str = attrs.field(validator=is_str)
