"""A work-log entry in words, for the case timeline and the work-entry form (the store speaks codes)."""

from __future__ import annotations

import datetime as dt

from drive_tui.domain.casework import InfoRequest, WorkLogEntry
from drive_tui.domain.vocab import WorkKind

SOLE_SOURCE_WARNING = "⚠ V/S sole source — never disclose to the SU"
SOLE_SOURCE_MARK = "⚠ V/S only"
"""The flag where room is short (the timeline's state column); the timeline's title says what it means."""


def what(entry: WorkLogEntry) -> str:
    """What was done, in a few words: "Telephone attempt", "Police: Information requested"."""
    if entry.kind is WorkKind.CONTACT_ATTEMPT:
        return f"Attempt: {entry.attempt_method.label.lower() if entry.attempt_method else '?'}"
    if entry.kind is WorkKind.DIRECT_SESSION:
        types = ", ".join(t.label.lower() for t in entry.contact_types)
        return f"Session: {types}" + (f" ({entry.contact_setting.label.lower()})" if entry.contact_setting else "")
    agency = entry.agency.label if entry.agency else "?"
    return f"{agency}: {entry.action.label if entry.action else '?'}"


def outcome(entry: WorkLogEntry, request: InfoRequest | None, today: dt.date, *, stalled_after: int) -> str:
    """How it ended, in a few words: an attempt's outcome, a session's behaviour change work, a request's state."""
    if entry.kind is WorkKind.CONTACT_ATTEMPT:
        return entry.attempt_outcome.label if entry.attempt_outcome else ""
    if entry.kind is WorkKind.DIRECT_SESSION:
        return "Behaviour change" if entry.behaviour_change_work else ""
    if request is None:
        return ""
    if request.answer is not None:
        return f"Answered in {plural(request.days_to_answer or 0, 'day')}"
    waited = plural(request.working_days_open(today), "working day")
    return f"STALLED, {waited}" if request.stalled(today, after=stalled_after) else f"Open, {waited}"


def plural(count: int, noun: str) -> str:
    """ "1 working day", "3 working days"."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def request_label(request: InfoRequest, today: dt.date) -> str:
    """An open request as the answer form offers it."""
    entry = request.request
    agency = entry.agency.label if entry.agency else "?"
    return f"{entry.date.isoformat()} {agency} (open {plural(request.working_days_open(today), 'working day')})"
