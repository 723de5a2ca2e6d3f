"""One row per assessment for statistics packages, with a codebook that says what every column and code means."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from drive_tui.domain.interchange import ExchangeFile
from drive_tui.domain.models import ServiceUser
from drive_tui.domain.vocab import Timepoint
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
    ("su_ethnicity", "Service User ethnicity (free text)"),
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


def rows(exchange: ExchangeFile, forms: Iterable[FormSpec]) -> Iterator[list[str]]:
    """The header, then one row per assessment. Unanswered (or not asked) is an empty cell."""
    columns = answer_columns(forms)
    yield [name for name, _ in CASE_COLUMNS] + columns
    for case in exchange.cases:
        su: ServiceUser = case.service_user
        base = [
            case.reference, case.site, case.allocated_on.isoformat(), case.case_manager, case.status.value,
            case.closed_on.isoformat() if case.closed_on else "",
            _code(su.gender), "" if su.age is None else str(su.age), su.ethnicity or "", _code(su.employment),
            _code(su.children_involved), _code(su.previous_dva_offences), _code(su.previous_other_offences),
            _code(su.custody_status), str(len(case.victims)),
            MULTI_SEPARATOR.join(_code(v.relationship) or "unrecorded" for v in case.victims),
        ]
        for assessment in case.assessments:
            answers = assessment.answers
            cells = [_cell(answers.get(column)) for column in columns]
            yield base + [assessment.timepoint.value, assessment.completed_on.isoformat()] + cells


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
    from drive_tui.domain import vocab

    yield ["column", "description", "code", "label"]
    case_vocabularies = {
        "case_status": vocab.CaseStatus, "su_gender": vocab.Gender, "su_employment": vocab.Employment,
        "su_children_involved": vocab.YesNoNotKnown, "su_previous_dva_offences": vocab.YesNoNotKnown,
        "su_previous_other_offences": vocab.YesNoNotKnown, "su_custody_status": vocab.CustodyStatus,
        "victim_relationships": vocab.Relationship, "timepoint": Timepoint,
    }
    for name, description in CASE_COLUMNS:
        yield from _coded_rows(name, description, case_vocabularies.get(name))
    forms = list(forms)
    for column in answer_columns(forms):
        spec = next(form.by_answer_id[column] for form in forms if column in form.by_answer_id)
        label = spec.label
        if spec.kind is FieldKind.SEVERITY_GRID:
            label = f"{spec.label}: {next(r.label for r in spec.rows if r.id == column)}"
        if spec.kind is FieldKind.MULTI_CHOICE:
            label += f" (several, '{MULTI_SEPARATOR}'-separated)"
        yield from _coded_rows(column, label, spec.vocab)


def _coded_rows(column: str, description: str, vocabulary: object) -> Iterator[list[str]]:
    if vocabulary is None:
        yield [column, description, "", ""]
        return
    for member in vocabulary:  # type: ignore[attr-defined]
        yield [column, description, member.value, member.label]
