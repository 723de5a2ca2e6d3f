"""Import and export of the interchange format (``drive-tui/2``; ``drive-tui/1`` is read too). An import is all or
nothing: every record is checked first (shape, codes, the form of its timepoint, clashes with what is stored), and
only a clean file is written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from drive_tui.domain.casework import latest_today, misdated
from drive_tui.domain.interchange import (
    FORMAT,
    READABLE,
    ExchangedAssessment,
    ExchangedCase,
    ExchangedWork,
    ExchangeFile,
)
from drive_tui.forms.answers import validate_answers
from drive_tui.forms.catalogue import FormCatalogue
from drive_tui.store.assessments import current_assessments, record_submitted
from drive_tui.store.cases import create_case, find_case, list_cases
from drive_tui.store.errors import Invalid
from drive_tui.store.store import Tx
from drive_tui.store.strategy import save_strategy, strategy_of
from drive_tui.store.tables import StoreMeta, WorkLogRow
from drive_tui.store.work_log import record_work, work_log

MAX_IMPORT_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ImportReport:
    cases_created: int
    cases_already_present: int
    assessments_added: int
    assessments_already_present: int
    work_added: int = 0
    work_already_present: int = 0
    strategies_drafted: int = 0
    """Contact strategies imported: each as a draft of its plan, for the service manager to agree."""


def _where(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def read_exchange_file(path: Path, forms: FormCatalogue | None = None) -> ExchangeFile:
    """Parse a file. Raises Invalid naming, for each problem, the record's index and field."""
    try:
        if path.stat().st_size > MAX_IMPORT_BYTES:
            raise Invalid(f"{path} is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MiB; nothing was imported")
        raw = path.read_bytes()
    except OSError as exc:
        raise Invalid(f"cannot read {path}: {exc.strerror}; nothing was imported") from None
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        where = f" at line {exc.lineno}, column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise Invalid(f"{path} is not JSON{where}; nothing was imported", [f"not JSON{where}"]) from None
    return parse_exchange(data, forms)


def parse_exchange(data: Any, forms: FormCatalogue | None = None) -> ExchangeFile:
    """Validate every case separately (so one pass reports every bad record) and, given the forms, every
    assessment's answers against the form of its timepoint. Raises Invalid listing all problems."""
    problems: list[str] = []
    if not isinstance(data, Mapping):
        raise Invalid(
            f"not a {FORMAT} file (expected a JSON object); nothing was imported", ["(top level): not an object"]
        )
    if data.get("format") not in READABLE:
        problems.append(f"format: {str(data.get('format'))[:40]!r} is not {' or '.join(READABLE)}")
    elif data.get("format") != FORMAT and isinstance(data.get("cases"), list):
        problems.extend(
            f"cases[{index}].work_log: a {data['format']} file has no work log: call the file {FORMAT}"
            for index, case in enumerate(data["cases"])
            if isinstance(case, Mapping) and "work_log" in case
        )
    extra = sorted(set(data) - {"format", "cases"})
    problems.extend(f"{key}: unexpected key" for key in extra)
    raw_cases = data.get("cases")
    if not isinstance(raw_cases, list):
        problems.append("cases: expected a list of cases")
        raw_cases = []
    cases: list[ExchangedCase] = []
    for index, raw in enumerate(raw_cases):
        try:
            case = ExchangedCase.model_validate(raw)
        except ValidationError as exc:
            problems.extend(
                f"{_where(('cases', index, *e['loc']))}: {e['msg']}"
                for e in exc.errors(include_input=False, include_url=False)
            )
            continue
        cases.append(case)
        if forms is not None:
            problems.extend(_answer_problems(forms, case, f"cases[{index}]"))
    if problems:
        raise Invalid(f"{len(problems)} problem(s); nothing was imported", problems)
    return ExchangeFile(format=FORMAT, cases=cases)


def _answer_problems(forms: FormCatalogue, case: ExchangedCase, at: str) -> list[str]:
    problems = []
    for a_index, assessment in enumerate(case.assessments):
        form = forms.for_timepoint(assessment.timepoint)
        checked = validate_answers(form, assessment.answers, hidden="reject")
        for problem in checked.problems:
            problems.append(f"{at}.assessments[{a_index}].answers.{problem.answer_id}: {problem.message}")
        for missing in checked.missing:
            problems.append(f"{at}.assessments[{a_index}].answers.{missing}: required by form {form.id}")
    return problems


def import_exchange(tx: Tx, exchange: ExchangeFile) -> ImportReport:
    """Check every record, then write them all in ``tx``. Raises Invalid (writing nothing) on any problem.

    A case already stored (same site and reference) must match the file's profile; its assessments already
    stored must match too, so importing one file twice adds nothing and duplicates nothing.
    """
    problems: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    plan: list[tuple[ExchangedCase, str | None, list[ExchangedAssessment], list[ExchangedWork]]] = []
    created = present = added = already = work_added = work_already = 0
    ids_in_file: set[str] = set()
    for index, case in enumerate(exchange.cases):
        at = f"cases[{index}]"
        key = (case.site, case.reference)
        if key in seen:
            problems.append(f"{at}.reference: {case.reference} at {case.site} is also cases[{seen[key]}]")
            continue
        seen[key] = index
        problems.extend(_answer_problems(tx.forms, case, at))
        for w_index, entry in enumerate(case.work_log):
            problem = misdated(entry.date, allocated_on=case.allocated_on, today=latest_today(tx.now))
            if problem:
                problems.append(f"{at}.work_log[{w_index}].date: {problem}")
            if entry.id is not None and entry.id in ids_in_file:
                problems.append(f"{at}.work_log[{w_index}].id: used by another case's entry in this file")
            ids_in_file.add(entry.id or "")
        existing = find_case(tx, site=case.site, reference=case.reference)
        if existing is None:
            new_work, clashes = _new_work(tx, None, case.work_log, at)
            problems.extend(clashes)
            plan.append((case, None, list(case.assessments), new_work))
            created += 1
            added += len(case.assessments)
            work_added += len(new_work)
            continue
        present += 1
        stored_profile = existing.model_dump(mode="json", exclude={"id", "created_at", "updated_at"})
        if stored_profile != case.profile().model_dump(mode="json"):
            problems.append(
                f"{at}: {case.reference} at {case.site} is stored with a different profile; "
                "import does not overwrite it"
            )
            continue
        current = current_assessments(tx, existing.id)
        new: list[ExchangedAssessment] = []
        for a_index, assessment in enumerate(case.assessments):
            stored = current.get(assessment.timepoint)
            if stored is None:
                new.append(assessment)
                continue
            form = tx.forms.for_timepoint(assessment.timepoint)
            answers = validate_answers(form, assessment.answers, hidden="reject").answers
            if stored.answers != answers or stored.completed_on != assessment.completed_on:
                problems.append(
                    f"{at}.assessments[{a_index}]: {assessment.timepoint.value} is stored with "
                    "different answers; import does not overwrite a submitted assessment"
                )
            else:
                already += 1
        added += len(new)
        new_work, clashes = _new_work(tx, existing.id, case.work_log, at)
        problems.extend(clashes)
        stored_strategy = strategy_of(tx, existing.id)
        if case.contact_strategy is not None and stored_strategy is not None:
            if stored_strategy.plan != case.contact_strategy.plan:
                problems.append(f"{at}.contact_strategy: stored with another plan; import does not overwrite it")
        work_added += len(new_work)
        work_already += len(case.work_log) - len(new_work)
        plan.append((case, existing.id, new, new_work))
    if problems:
        raise Invalid(f"{len(problems)} problem(s); nothing was imported", problems)
    drafted = 0
    for case, case_id, assessments, work in plan:
        if case_id is None:
            case_id = create_case(tx, case.profile()).id
        if case.contact_strategy is not None and strategy_of(tx, case_id) is None:
            save_strategy(tx, case_id, case.contact_strategy.plan)
            drafted += 1
        for assessment in assessments:
            form = tx.forms.for_timepoint(assessment.timepoint)
            answers = validate_answers(form, assessment.answers, hidden="reject").answers
            record_submitted(tx, case_id, assessment.timepoint, form, answers, assessment.completed_on)
        for entry in sorted(work, key=lambda e: e.answers is not None):  # requests before the answers naming them
            fields = entry.model_dump(mode="json", exclude={"id", "case_id", "recorded_by"})
            record_work(tx, case_id, fields, new_entry_id=entry.id)
    return ImportReport(created, present, added, already, work_added, work_already, drafted)


def _new_work(
    tx: Tx, case_id: str | None, entries: list[ExchangedWork], at: str
) -> tuple[list[ExchangedWork], list[str]]:
    """The entries of a case not stored yet, and the problems: an id stored on another case, or stored here saying
    something else. An entry without an id is already stored when the case holds one saying the same."""
    stored = {entry.id: entry for entry in work_log(tx, case_id)} if case_id is not None else {}
    said = [ExchangedWork.model_validate(entry.model_dump()).content() for entry in stored.values()]
    new: list[ExchangedWork] = []
    problems: list[str] = []
    for index, entry in enumerate(entries):
        if entry.id is None:
            if entry.content() not in said:
                new.append(entry)
            continue
        mine = stored.get(entry.id)
        if mine is None and tx.session.get(WorkLogRow, entry.id) is not None:
            problems.append(f"{at}.work_log[{index}].id: used by an entry of another case")
        elif mine is None:
            new.append(entry)
        elif ExchangedWork.model_validate(mine.model_dump()).content() != entry.content():
            problems.append(f"{at}.work_log[{index}]: stored saying something else; import does not overwrite it")
    return new, problems


def export_exchange(tx: Tx) -> ExchangeFile:
    """Every case with its current submitted assessments (drafts and superseded versions are not exported) and its
    work log, by date (and id, so that one store always writes the same file)."""
    cases = []
    for case in list_cases(tx):
        current = current_assessments(tx, case.id)
        assessments = [
            ExchangedAssessment(timepoint=tp, completed_on=a.completed_on or a.created_at.date(), answers=a.answers)
            for tp, a in sorted(current.items(), key=lambda item: item[0].order)
        ]
        data = case.model_dump(exclude={"id", "created_at", "updated_at"})
        work = [
            ExchangedWork.model_validate(entry.model_dump(exclude={"case_id", "recorded_by"}))
            for entry in sorted(work_log(tx, case.id), key=lambda e: (e.date, e.id))
        ]
        strategy = strategy_of(tx, case.id)
        cases.append(
            ExchangedCase.model_validate(
                {**data, "assessments": assessments, "work_log": work, "contact_strategy": strategy}
            )
        )
    return ExchangeFile(format=FORMAT, cases=cases)


PSEUDONYM_KEY = "export_pseudonym_key"


def pseudonym_key(tx: Tx) -> bytes:
    """This store's secret for pseudonymised exports, made on first use: the same case gets the same pseudonym in
    every export from this store, and nobody without the store can reverse it."""
    import secrets

    row = tx.session.get(StoreMeta, PSEUDONYM_KEY)
    if row is None:
        row = StoreMeta(key=PSEUDONYM_KEY, value=secrets.token_hex(32))
        tx.session.add(row)
    return bytes.fromhex(row.value)
