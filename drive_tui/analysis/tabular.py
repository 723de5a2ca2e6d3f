"""Tables for statistics packages: one row per assessment (long), one row per case with its intake and closure
answers side by side (wide), a codebook that says what every column and code means, and pseudonymisation."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from drive_tui.domain.interchange import ExchangeFile
from drive_tui.domain.models import ServiceUser, VictimSurvivor
from drive_tui.domain.vocab import Coded, Ethnicity, Timepoint
from drive_tui.forms.spec import FieldKind, FormSpec

CASE_COLUMNS: list[tuple[str, str]] = [
    ("reference", "Case reference (unique per site)"),
    ("site", "Drive site"),
    ("allocated_on", "Date allocated to Drive (YYYY-MM-DD)"),
    ("case_manager", "Case manager"),
    ("case_status", "Case status: open, closed"),
    ("closed_on", "Date the case closed (YYYY-MM-DD)"),
    ("su_gender", "Service User gender"),
    ("su_age", "Service User age in years"),
    ("su_ethnicity", "Service User ethnicity (ONS 2011 category)"),
    ("su_ethnicity_recorded", "Service User ethnicity as typed before it was coded, where it matched no category"),
    ("su_employment", "Service User employment"),
    ("su_children_involved", "Children involved"),
    ("su_previous_dva_offences", "Previous police-recorded DVA offences"),
    ("su_previous_other_offences", "Previous police-recorded non-DVA offences"),
    ("su_custody_status", "Service User custody status"),
    ("victim_count", "Number of linked victim/survivors"),
    ("victim_relationships", "Relationship of each victim/survivor to the Service User, ';'-separated"),
    ("timepoint", "Assessment timepoint"),
    ("completed_on", "Date the assessment was completed (YYYY-MM-DD)"),
]
MULTI_SEPARATOR = ";"


def answer_columns(forms: Iterable[FormSpec]) -> list[str]:
    """Every answer id of the forms, in the order they first appear (intake, then review, then closure)."""
    ordered = sorted(forms, key=lambda f: min(tp.order for tp in f.timepoints))
    columns: list[str] = []
    for form in ordered:
        for answer_id in form.by_answer_id:
            if answer_id not in columns:
                columns.append(answer_id)
    return columns


WIDE_TIMEPOINTS = (Timepoint.INTAKE, Timepoint.CLOSURE)
FREE_TEXT_COLUMNS = frozenset({"su_ethnicity_recorded", "notes"})
"""Dropped (left empty) by pseudonymisation: free text can name people and places."""


def rows(exchange: ExchangeFile, forms: Iterable[FormSpec]) -> Iterator[list[str]]:
    """The header, then one row per assessment. Unanswered (or not asked) is an empty cell."""
    columns = answer_columns(forms)
    yield [name for name, _ in CASE_COLUMNS] + columns
    for case in exchange.cases:
        base = _case_cells(case)
        for assessment in case.assessments:
            answers = assessment.answers
            cells = [_cell(answers.get(column)) for column in columns]
            yield base + [assessment.timepoint.value, assessment.completed_on.isoformat()] + cells


def wide_columns(forms: Iterable[FormSpec]) -> list[tuple[str, Timepoint | None, str]]:
    """(column name, timepoint, answer id or case column) of the wide table."""
    forms = list(forms)
    columns: list[tuple[str, Timepoint | None, str]] = [(name, None, name) for name, _ in CASE_COLUMNS[:-2]]
    for timepoint in WIDE_TIMEPOINTS:
        asked = [a for f in forms if timepoint in f.timepoints for a in f.by_answer_id]
        columns.append((f"{timepoint.value}_completed_on", timepoint, "completed_on"))
        columns += [(f"{timepoint.value}_{answer_id}", timepoint, answer_id) for answer_id in asked]
    return columns


def wide_rows(exchange: ExchangeFile, forms: Iterable[FormSpec]) -> Iterator[list[str]]:
    """The header, then one row per case: its profile, then its intake and closure answers side by side."""
    columns = wide_columns(forms)
    yield [name for name, _, _ in columns]
    for case in exchange.cases:
        by_timepoint = {a.timepoint: a for a in case.assessments}
        cells = _case_cells(case)
        for _, timepoint, key in columns[len(cells) :]:
            assessment = by_timepoint.get(timepoint) if timepoint is not None else None
            if assessment is None:
                cells.append("")
            elif key == "completed_on":
                cells.append(assessment.completed_on.isoformat())
            else:
                cells.append(_cell(assessment.answers.get(key)))
        yield cells


def pseudonymise(exchange: ExchangeFile, key: bytes) -> ExchangeFile:
    """A copy with every case reference and case manager replaced by a stable pseudonym (the same for the same
    input and ``key``, so exports can be linked over time) and free text dropped: work-log notes too, though each
    entry keeps its codes and its "V/S sole source" flag."""

    def pseudonym(prefix: str, value: str) -> str:
        return prefix + hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:12]

    cases = []
    for case in exchange.cases:
        assessments = [
            a.model_copy(update={"answers": {k: v for k, v in a.answers.items() if k not in FREE_TEXT_COLUMNS}})
            for a in case.assessments
        ]
        cases.append(
            case.model_copy(
                update={
                    "reference": pseudonym("P", f"{case.site}\x1f{case.reference}"),
                    "case_manager": pseudonym("CM", case.case_manager),
                    "service_user": case.service_user.model_copy(update=_without_recorded(case.service_user)),
                    "victims": [  # coded fields only: no free text about a victim/survivor leaves pseudonymised
                        victim.model_copy(update={**_without_recorded(victim), "idva_service": None})
                        for victim in case.victims
                    ],
                    "assessments": assessments,
                    "work_log": [entry.model_copy(update={"note": ""}) for entry in case.work_log],  # codes stay
                }
            )
        )
    return exchange.model_copy(update={"cases": cases})


def _without_recorded(person: ServiceUser | VictimSurvivor) -> dict[str, object]:
    """Ethnicity's code stays; old free text that matched no category does not (nor its "as recorded" code)."""
    if person.ethnicity is Ethnicity.AS_RECORDED:
        return {"ethnicity": None, "ethnicity_recorded": None}
    return {"ethnicity_recorded": None}


def _case_cells(case: object) -> list[str]:
    """The profile cells shared by the long and wide tables (CASE_COLUMNS but the assessment's own two)."""
    su: ServiceUser = case.service_user  # type: ignore[attr-defined]
    c: object = case
    return [
        c.reference,
        c.site,
        c.allocated_on.isoformat(),
        c.case_manager,
        c.status.value,  # type: ignore[attr-defined]
        c.closed_on.isoformat() if c.closed_on else "",  # type: ignore[attr-defined]
        _code(su.gender),
        "" if su.age is None else str(su.age),
        _code(su.ethnicity),
        su.ethnicity_recorded or "",
        _code(su.employment),
        _code(su.children_involved),
        _code(su.previous_dva_offences),
        _code(su.previous_other_offences),
        _code(su.custody_status),
        str(len(c.victims)),  # type: ignore[attr-defined]
        MULTI_SEPARATOR.join(_code(v.relationship) or "unrecorded" for v in c.victims),  # type: ignore[attr-defined]
    ]


def _code(value: object) -> str:
    return "" if value is None else str(getattr(value, "value", value))


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return MULTI_SEPARATOR.join(map(str, value))
    return str(value)


def codebook(forms: Iterable[FormSpec]) -> Iterator[list[str]]:
    """Rows of (column, description, code, code label): one row per code, or one row for a free column."""

    yield ["column", "description", "code", "label"]
    for column in column_meta(forms):
        description = column.label
        if column.kind == "multi":
            description += f" (several, '{MULTI_SEPARATOR}'-separated)"
        yield from _coded_rows(column.name, description, column.vocabulary)


@dataclass(frozen=True, slots=True)
class ColumnMeta:
    """What a column of the long or wide table holds, for a codebook or a statistics package's labels."""

    name: str
    label: str
    kind: str
    """'code' (one code), 'multi' (several codes), 'integer', 'date' or 'text'."""
    vocabulary: type[Coded] | None = None


_CASE_KINDS = {
    "allocated_on": "date",
    "closed_on": "date",
    "su_age": "integer",
    "victim_count": "integer",
    "completed_on": "date",
    "victim_relationships": "multi",
}


def _case_vocabularies() -> dict[str, type[Coded]]:
    from drive_tui.domain import vocab

    return {
        "case_status": vocab.CaseStatus,
        "su_gender": vocab.Gender,
        "su_ethnicity": vocab.Ethnicity,
        "su_employment": vocab.Employment,
        "su_children_involved": vocab.YesNoNotKnown,
        "su_previous_dva_offences": vocab.YesNoNotKnown,
        "su_previous_other_offences": vocab.YesNoNotKnown,
        "su_custody_status": vocab.CustodyStatus,
        "victim_relationships": vocab.Relationship,
        "timepoint": Timepoint,
    }


def _answer_meta(forms: list[FormSpec], answer_id: str, name: str, prefix: str = "") -> ColumnMeta:
    spec = next(form.by_answer_id[answer_id] for form in forms if answer_id in form.by_answer_id)
    label = spec.label
    if spec.kind is FieldKind.SEVERITY_GRID:
        label = f"{spec.label}: {next(r.label for r in spec.rows if r.id == answer_id)}"
    kind = {
        FieldKind.MULTI_CHOICE: "multi",
        FieldKind.INTEGER: "integer",
        FieldKind.DATE: "date",
        FieldKind.TEXT: "text",
    }.get(spec.kind, "code")
    return ColumnMeta(name=name, label=prefix + label, kind=kind, vocabulary=spec.vocab)


def column_meta(forms: Iterable[FormSpec], *, wide: bool = False) -> list[ColumnMeta]:
    """The columns of the long table (or, with ``wide``, of the wide table), in order."""
    forms = list(forms)
    vocabularies = _case_vocabularies()

    def case_column(name: str, description: str) -> ColumnMeta:
        vocabulary = vocabularies.get(name)
        kind = _CASE_KINDS.get(name, "code" if vocabulary else "text")
        return ColumnMeta(name=name, label=description, kind=kind, vocabulary=vocabulary)

    if not wide:
        return [case_column(n, d) for n, d in CASE_COLUMNS] + [
            _answer_meta(forms, answer_id, answer_id) for answer_id in answer_columns(forms)
        ]
    columns = []
    for name, timepoint, key in wide_columns(forms):
        if timepoint is None:
            columns.append(case_column(name, dict(CASE_COLUMNS)[name]))
        elif key == "completed_on":
            columns.append(ColumnMeta(name=name, label=f"{timepoint.label}: date completed", kind="date"))
        else:
            columns.append(_answer_meta(forms, key, name, prefix=f"{timepoint.label}: "))
    return columns


def _coded_rows(column: str, description: str, vocabulary: object) -> Iterator[list[str]]:
    if vocabulary is None:
        yield [column, description, "", ""]
        return
    for member in vocabulary:  # type: ignore[attr-defined]
        yield [column, description, member.value, member.label]
