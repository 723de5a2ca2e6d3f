"""A realistic synthetic caseload — invented data only — for the demo, the benchmarks and the tests.

Answers are made by walking the real forms (so they always fit them), with weights loosely following the
Year 1 evaluation's figures: most Service Users contacted, needs common, severity falling over the case.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from drive_tui.domain.interchange import FORMAT, ExchangedAssessment, ExchangedCase, ExchangedWork, ExchangeFile
from drive_tui.domain.schedule import due_dates
from drive_tui.domain.vocab import Timepoint
from drive_tui.forms.answers import validate_answers
from drive_tui.forms.catalogue import FormCatalogue
from drive_tui.forms.conditions import holds
from drive_tui.forms.spec import FieldKind, FormSpec

SITES = ("Essex", "South Wales", "West Sussex")
DEMO_PASSPHRASE = "demo passphrase only"
"""The demo store's passphrase: invented data only, printed for the person trying it."""
ETHNICITIES = ("white_british", "white_other", "black_other", "asian_other", "mixed_other", "not_known")
"""Six, as the free text they replace was: the same draws of the generator, so every other invented answer stays."""
_SEVERITY_DRIFT = {
    "high": ["high", "moderate", "standard"],
    "moderate": ["moderate", "standard", "none"],
    "standard": ["standard", "none", "none"],
    "none": ["none", "none", "standard"],
}


def _pick(rng: random.Random, spec: FormSpec, answer_id: str, previous: dict[str, Any]) -> Any:
    field = spec.by_answer_id[answer_id]
    codes = list(field.vocab.codes()) if field.vocab else []
    if answer_id == "contact_made":
        return "yes" if rng.random() < 0.75 else "no"
    if field.kind in (FieldKind.SEVERITY, FieldKind.SEVERITY_GRID):
        before = previous.get(answer_id)
        if before in _SEVERITY_DRIFT:
            return rng.choice(_SEVERITY_DRIFT[before])
        return rng.choices(codes, weights=[3, 3, 3, 3, 1])[0]
    if field.kind is FieldKind.MULTI_CHOICE:
        choices = [c for c in codes if c not in ("none",)]
        return sorted(rng.sample(choices, k=rng.randint(1, min(2, len(choices)))), key=codes.index)
    if field.kind is FieldKind.INTEGER:
        low = field.min if isinstance(field.min, int) else 0
        high = field.max if isinstance(field.max, int) else low + 10
        return rng.randint(low, high)
    if field.kind is FieldKind.DATE:
        return None
    if field.kind is FieldKind.TEXT:
        return "Synthetic demo note: invented for testing; no real person."
    return rng.choice(codes)


_OWN_GENERATOR = frozenset({"idva_risk_change", "vs_safer"})
"""Answers a later form version added (closure v2): drawn from a generator of their own, so that every other
invented answer, and every case after, stays what it was."""


def synthetic_answers(rng: random.Random, form: FormSpec, previous: dict[str, Any]) -> dict[str, Any]:
    """A complete, valid set of answers to ``form``, drifting from ``previous`` where there is one."""
    for attempt in range(20):
        answers: dict[str, Any] = {}
        side = random.Random(f"{form.id}/{attempt}/{sorted(previous.items())}")
        for field in form.fields():
            draw = side if field.id in _OWN_GENERATOR else rng
            if field.show_if is not None and not holds(field.show_if, answers):
                continue
            required = field.required or (field.require_if is not None and holds(field.require_if, answers))
            if not required and draw.random() < 0.4:
                continue
            for answer_id in field.answer_ids:
                value = _pick(draw, form, answer_id, previous)
                if value is not None:
                    answers[answer_id] = value
        checked = validate_answers(form, answers, hidden="reject")
        if checked.ok:
            return checked.answers
    raise RuntimeError(f"could not make valid answers for form {form.id}")


_REQUESTED_FROM = ("police", "probation", "childrens_social_care", "idva_service", "prison")
_DISRUPTION = ("marac_referral", "licence_conditions", "multi_agency_meeting", "joint_monitoring", "arrest_or_recall")


def synthetic_work(
    rng: random.Random, *, allocated: date, until: date, children: bool, entries: int | None = None
) -> list[ExchangedWork]:
    """An invented work log from allocation to ``until``, mostly indirect as the evaluation found (p.28): contact
    attempts until the SU is reached (or not), sessions after, information requested (most answered, some left
    open), disruption and child safeguarding; now and then information from the victim/survivor alone. ``entries``:
    about how many (default: a dozen or so)."""
    span = max((until - allocated).days, 0)
    wanted = entries if entries is not None else rng.randint(4, 18)
    made: list[ExchangedWork] = []

    def log(on: date | None = None, **fields: Any) -> ExchangedWork:
        entry = ExchangedWork(
            id=f"{rng.getrandbits(128):032x}", date=on or allocated + timedelta(days=rng.randint(0, span)), **fields
        )
        made.append(entry)
        return entry

    reached = False
    while len(made) < wanted:
        roll = rng.random()
        if roll < 0.2 and not reached:
            outcome = rng.choices(["reached", "no_answer", "declined", "refused_by_institution"], [3, 4, 1, 1])[0]
            reached = outcome == "reached"
            method = rng.choice(["telephone", "letter_email", "via_prison", "via_probation"])
            log(kind="contact_attempt", attempt_method=method, attempt_outcome=outcome)
        elif roll < 0.35 and reached:
            log(
                kind="direct_session",
                contact_types=[rng.choice(["face_to_face", "telephone"])],
                contact_setting=rng.choice(["community", "prison"]),
                support_areas=rng.sample(["housing", "substance_misuse", "mental_health"], 1),
                behaviour_change_work=rng.random() < 0.5,
            )
        elif roll < 0.7:
            agency = rng.choice(_REQUESTED_FROM)
            asked = log(kind="indirect", agency=agency, action="info_requested", source="cm_observation")
            answered_on = asked.date + timedelta(days=rng.randint(1, 20))
            if rng.random() < 0.75 and answered_on <= until:
                sole = rng.random() < 0.1
                source = "vs_via_idva" if sole else rng.choice(["police", "probation", "idva"])
                log(answered_on, kind="indirect", agency=agency, action="info_received", answers=asked.id,
                    source=source, vs_sole_source=sole)  # fmt: skip
        elif roll < 0.9:
            log(kind="indirect", agency=rng.choice(["marac", "police", "probation"]), action=rng.choice(_DISRUPTION))
        elif children:
            safeguarding = rng.choice(["child_safeguarding_referral", "cp_registration"])
            log(kind="indirect", agency="childrens_social_care", action=safeguarding)
        else:
            log(kind="indirect", agency="housing", action="su_support")
    return sorted(made, key=lambda entry: (entry.date, entry.id or ""))


def synthetic_exchange(
    forms: FormCatalogue, *, cases: int = 20, today: date, seed: int = 7, work: int | bool = False
) -> ExchangeFile:
    """``cases`` invented cases allocated over the last year: some new, some overdue, some closed. ``work``: each
    case gets a work log too (True: a dozen or so entries; a number: about that many), made by a generator of its
    own, so the rest is the same with or without it."""
    rng = random.Random(seed)
    work_rng = random.Random(seed + 1)
    made: list[ExchangedCase] = []
    for index in range(cases):
        allocated = today - timedelta(days=rng.randint(3, 380))
        dues = due_dates(allocated)
        assessments: list[ExchangedAssessment] = []
        previous: dict[str, Any] = {}
        lagging = rng.random() < 0.25  # this case manager is behind: the latest due review is not done
        closes_early = rng.random() < 0.1 and today > dues[Timepoint.MONTH_3]
        for timepoint in Timepoint:
            due = dues[timepoint]
            if timepoint is Timepoint.CLOSURE and not closes_early and due > today:
                break
            if due > today and not closes_early:
                break
            if closes_early and timepoint not in (Timepoint.INTAKE, Timepoint.MONTH_3, Timepoint.CLOSURE):
                continue
            completed = min(today, due + timedelta(days=rng.randint(0, 10)))
            if closes_early and timepoint is Timepoint.CLOSURE:
                completed = min(today, dues[Timepoint.MONTH_3] + timedelta(days=rng.randint(14, 40)))
            next_due = [d for d in dues.values() if d > due]
            if lagging and timepoint is not Timepoint.CLOSURE and (not next_due or next_due[0] > today):
                break
            previous = synthetic_answers(rng, forms.for_timepoint(timepoint), previous)
            assessments.append(ExchangedAssessment(timepoint=timepoint, completed_on=completed, answers=previous))
        closed = any(a.timepoint is Timepoint.CLOSURE for a in assessments)
        children = rng.choice(["yes", "yes", "yes", "no", "not_known"])
        made.append(
            ExchangedCase(
                reference=f"DEMO-{index + 1:04d}",
                site=SITES[index % len(SITES)],
                allocated_on=allocated,
                case_manager=f"cm{index // 20 + 1}",
                service_user={
                    "gender": rng.choices(["man", "woman", "dont_know"], weights=[95, 4, 1])[0],
                    "age": rng.randint(18, 65),
                    "ethnicity": rng.choice(ETHNICITIES),
                    "employment": rng.choice(["full_time", "part_time", "self_employed", "unemployed", "not_known"]),
                    "children_involved": children,
                    "previous_dva_offences": rng.choice(["yes", "yes", "no", "not_known"]),
                    "previous_other_offences": rng.choice(["yes", "no", "not_known"]),
                    "custody_status": rng.choice(["community", "community", "remand", "sentenced"]),
                },
                victims=[
                    {
                        "relationship": rng.choice(["ex_partner", "partner", "intermittent_partner"]),
                        "gender": "woman",
                        "age": rng.randint(18, 60),
                        "idva_engaged": rng.random() < 0.7,
                    }
                ],
                status="closed" if closed else "open",
                closed_on=next((a.completed_on for a in assessments if a.timepoint is Timepoint.CLOSURE), None),
                assessments=assessments,
                work_log=synthetic_work(
                    work_rng,
                    allocated=allocated,
                    until=next((a.completed_on for a in assessments if a.timepoint is Timepoint.CLOSURE), today),
                    children=children == "yes",
                    entries=None if work is True else int(work),
                )
                if work
                else [],
            )
        )
    return ExchangeFile(format=FORMAT, cases=made)
