"""Working days, for how long an information request has waited (the evaluation's stalled requests, p.29).

Apart from ``casework`` so that the settings can name the default without loading pydantic at start-up."""

from __future__ import annotations

import datetime as dt

STALLED_AFTER_WORKING_DAYS = 10
"""An information request unanswered for longer than this many working days is stalled: escalate it."""


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Monday-to-Friday days after ``start`` up to and including ``end`` (0 if ``end`` is not later). Bank holidays
    are not known here and count as working days: a request is called stalled a day or two early around them."""
    if end <= start:
        return 0
    weeks, extra = divmod((end - start).days, 7)
    days = weeks * 5
    weekday = start.weekday()
    for step in range(1, extra + 1):
        if (weekday + step) % 7 < 5:
            days += 1
    return days
