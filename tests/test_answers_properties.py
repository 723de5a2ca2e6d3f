"""Properties of answer validation over arbitrary input: it never crashes, never keeps a hidden or unknown answer,
and what it keeps validates again unchanged."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from drive_tui.domain.vocab import Timepoint
from drive_tui.forms.answers import validate_answers, visible_answer_ids
from drive_tui.forms.catalogue import load_catalogue

CATALOGUE = load_catalogue()
FORMS = [CATALOGUE.for_timepoint(t) for t in (Timepoint.INTAKE, Timepoint.MONTH_3, Timepoint.CLOSURE)]
IDS = sorted({answer_id for form in FORMS for answer_id in form.by_answer_id}) + ["unknown_field"]
CODES = sorted({code for form in FORMS for spec in form.fields() if spec.vocab for code in spec.vocab.codes()})

values = st.one_of(
    st.none(),
    st.sampled_from(CODES),
    st.lists(st.sampled_from(CODES), max_size=4),
    st.integers(-5, 200),
    st.text(max_size=20),
    st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(form_index=st.integers(0, len(FORMS) - 1), answers=st.dictionaries(st.sampled_from(IDS), values, max_size=12))
def test_validation_is_total_and_stable(form_index: int, answers: dict) -> None:
    form = FORMS[form_index]
    checked = validate_answers(form, answers, hidden="drop")
    visible = set(visible_answer_ids(form, checked.answers))
    assert set(checked.answers) <= visible
    assert set(checked.answers) <= set(form.by_answer_id)
    again = validate_answers(form, checked.answers, hidden="reject")
    assert again.answers == checked.answers
    assert not [p for p in again.problems if "hidden" in p.message]
