"""Outcome analyses against small cohorts whose answers are worked out by hand here."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from scipy.stats import binomtest

from drive_tui.analysis.outcomes import (
    NEEDS,
    age_by_contact,
    complex_needs,
    dva_use,
    mcnemar_exact_p,
    needs_and_offences,
    needs_by_contact,
    no_contact_reasons,
    outcomes,
    previous_offences,
    risk_change,
    severity_transitions,
    victim_profile,
)
from drive_tui.domain.cohort import CohortCase
from drive_tui.domain.models import Assessment, Case, VictimSurvivor
from drive_tui.domain.vocab import Timepoint

NOW = datetime(2026, 11, 1, tzinfo=UTC)
_counter = iter(range(1, 10_000))


def su_case(answers: dict[Timepoint, dict[str, Any]], **service_user: Any) -> CohortCase:
    number = next(_counter)
    case = Case(
        id=f"case-{number}",
        reference=f"R{number}",
        site="Essex",
        allocated_on=date(2026, 1, 1),
        case_manager="cm1",
        service_user=service_user,
        status="closed",
        closed_on=date(2026, 10, 1),
        created_at=NOW,
        updated_at=NOW,
    )
    assessments = {
        tp: Assessment(
            id=f"a-{number}-{tp.value}",
            case_id=case.id,
            timepoint=tp,
            form_id=tp.value,
            form_version=1,
            answers=given,
            status="submitted",
            author="cm1",
            device_id="d",
            created_at=NOW,
            updated_at=NOW,
        )
        for tp, given in answers.items()
    }
    return CohortCase(case=case, assessments=assessments)


def dva(
    at_intake: str | None,
    at_exit: str | None,
    field: str = "dva_physical",
    intake: dict[str, Any] | None = None,
    closure: dict[str, Any] | None = None,
) -> CohortCase:
    """A paired case with severities ``at_intake`` and ``at_exit`` (None: unanswered) and any other answers."""
    first = {field: at_intake} if at_intake is not None else {}
    last = {field: at_exit} if at_exit is not None else {}
    return su_case({Timepoint.INTAKE: first | (intake or {}), Timepoint.CLOSURE: last | (closure or {})})


def test_exact_mcnemar_is_the_two_sided_binomial_test_on_discordant_pairs() -> None:
    assert mcnemar_exact_p(6, 0) == pytest.approx(2 * 0.5**6)  # 0.03125: the example in the issue
    assert mcnemar_exact_p(0, 0) == 1.0  # nothing changed: no evidence either way
    for b in range(0, 40, 3):  # the same as SciPy's exact binomial test, which it replaced for speed
        for c in range(0, 40, 4):
            if b + c:
                expected = binomtest(min(b, c), b + c, 0.5, alternative="two-sided").pvalue
                assert mcnemar_exact_p(b, c) == pytest.approx(expected, rel=1e-9, abs=1e-15)
    assert mcnemar_exact_p(3, 3) == 1.0
    # b=1, c=4: P(X<=1 | n=5) = (1 + 5)/32; two-sided doubles it
    assert mcnemar_exact_p(1, 4) == pytest.approx(2 * 6 / 32)


def test_dva_use_counts_only_sus_with_both_answers_known() -> None:
    cohort = (
        [dva("high", "none")] * 3  # used → not used
        + [dva("moderate", "standard")]  # used → used
        + [dva("none", "standard")]  # not used → used
        + [dva("none", "none")] * 2  # not used → not used
        + [dva("not_known", "none"), dva("high", None), dva(None, "none")]  # left out: not known / unanswered
        + [su_case({Timepoint.INTAKE: {"dva_physical": "high"}})]  # no closure: not paired
    )
    result = dva_use(cohort, "physical")
    assert result == {
        "n": 7,
        "intake_used": 4,
        "exit_used": 2,
        "used_to_not": 3,
        "not_to_used": 1,
        "mcnemar_exact_p": round(2 * 5 / 16, 6),
    }  # b=3, c=1: P(X<=1|4) = 5/16, doubled


def test_severity_transition_table_counts_and_increases() -> None:
    cohort = [
        dva("high", "moderate"),
        dva("high", "none"),
        dva("standard", "high"),
        dva("none", "none"),
        dva("moderate", "moderate"),
        dva("not_known", "high"),
    ]
    result = severity_transitions(cohort, "physical")
    assert result["n"] == 5
    assert result["table"] == [
        [1, 0, 0, 0],  # none → none
        [0, 0, 0, 1],  # standard → high
        [0, 0, 1, 0],  # moderate → moderate
        [1, 0, 1, 0],  # high → none, high → moderate
    ]
    assert result["intake_counts"] == {"none": 1, "standard": 1, "moderate": 1, "high": 2}
    assert result["exit_counts"] == {"none": 2, "standard": 0, "moderate": 2, "high": 1}
    assert result["percent_change"] == {"none": 100.0, "standard": -100.0, "moderate": 100.0, "high": -50.0}
    assert result["increased"] == 1 and result["decreased"] == 2


def test_empty_and_all_unknown_cohorts_report_zeros_not_errors() -> None:
    for cohort in ([], [dva("not_known", "not_known")] * 3):
        use = dva_use(cohort, "physical")
        assert use["n"] == 0 and use["mcnemar_exact_p"] == 1.0
        transitions = severity_transitions(cohort, "physical")
        assert transitions["n"] == 0 and transitions["percent_change"]["high"] is None
    empty = outcomes([])
    assert empty["cases"] == 0 and empty["profile"]["age"] == {"n": 0}
    assert empty["risk_change"]["all"]["n"] == 0 and empty["risk_change"]["all"]["percent"]["no_change"] is None


def test_risk_change_for_all_contacted_and_not_contacted() -> None:
    def closed(risk: str | None, contact: str) -> CohortCase:
        closure = {"contact_made": contact} | ({"risk_change": risk} if risk else {})
        return su_case({Timepoint.INTAKE: {"contact_made": contact}, Timepoint.CLOSURE: closure})

    cohort = [
        closed("reduced_greatly", "yes"),
        closed("reduced_slightly", "yes"),
        closed("no_change", "no"),
        closed("reduced_slightly", "yes"),
        closed(None, "no"),
    ]
    result = outcomes(cohort)["risk_change"]
    assert result["all"]["n"] == 4 and result["all"]["unanswered"] == 1
    assert result["all"]["reduced_slightly"] == 2 and result["all"]["percent"]["reduced_slightly"] == 50.0
    assert result["contacted"]["n"] == 3 and result["contacted"]["reduced_greatly"] == 1
    assert result["not_contacted"] == risk_change([cohort[2], cohort[4]])
    assert result["not_contacted"]["no_change"] == 1 and result["not_contacted"]["percent"]["no_change"] == 100.0


def test_risk_change_percentages_where_information_was_known() -> None:
    """As the evaluation counts (p.25: "14 out of the 28 … where information was known (50%)"): "don't know" is left
    out of the denominator. Worked by hand: 28 known — 14 reduced (10 greatly, 4 slightly), 12 no change, 2 increased
    slightly — plus 3 "don't know" and 1 unanswered. Of known: 10/28 = 35.7%, 4/28 = 14.3%, 12/28 = 42.9%,
    2/28 = 7.1%; of the 31 answered: 10/31 = 32.3%."""
    judgements = (
        ["reduced_greatly"] * 10 + ["reduced_slightly"] * 4 + ["no_change"] * 12 + ["increased_slightly"] * 2
        + ["dont_know"] * 3 + [None]
    )  # fmt: skip
    cohort = [su_case({Timepoint.CLOSURE: {"risk_change": j} if j else {}}) for j in judgements]
    result = risk_change(cohort)
    assert (result["n"], result["unanswered"], result["known"]) == (31, 1, 28)
    assert result["percent_of_known"] == {
        "reduced_greatly": 35.7, "reduced_slightly": 14.3, "no_change": 42.9, "increased_slightly": 7.1,
        "increased_greatly": 0.0, "dont_know": None,
    }  # fmt: skip
    assert result["percent"]["reduced_greatly"] == 32.3 and result["dont_know"] == 3  # the earlier keys stay
    assert risk_change([])["percent_of_known"]["no_change"] is None


def test_the_idvas_view_at_closure_with_its_own_unknowns_left_out_of_the_base() -> None:
    """Worked by hand: six closures. Idva's risk change — 2 significant reduction, 1 moderate reduction, 1 increased
    risk, 1 not asked, 1 unanswered (a v1 closure, or no Idva): n 5, known 4; 2/4 = 50.0%, 1/4 = 25.0%, 1/4 = 25.0%.
    Feels safer — 1 much safer, 2 no change, 1 client not contactable, 1 not asked, 1 unanswered: n 5, known 3;
    1/3 = 33.3%, 2/3 = 66.7%."""
    rows = [
        ("significant_reduction", "much_safer"),
        ("significant_reduction", "no_change"),
        ("moderate_reduction", "no_change"),
        ("increased_risk", "not_contactable"),
        ("not_asked", "not_asked"),
        (None, None),
    ]
    cohort = [
        su_case({Timepoint.CLOSURE: {k: v for k, v in (("idva_risk_change", risk), ("vs_safer", safer)) if v}})
        for risk, safer in rows
    ]
    view = outcomes(cohort)["idva_view"]
    risk, safer = view["idva_risk_change"], view["vs_safer"]
    assert (risk["n"], risk["known"], safer["n"], safer["known"]) == (5, 4, 5, 3)
    assert risk["counts"]["not_asked"] == 1 and risk["counts"]["dont_know"] == 0
    assert risk["percent_of_known"] == {
        "significant_reduction": 50.0, "moderate_reduction": 25.0, "limited_or_no_reduction": 0.0,
        "increased_risk": 25.0,
    }  # fmt: skip
    assert safer["percent_of_known"] == {"much_safer": 33.3, "slightly_safer": 0.0, "no_change": 66.7}


def test_splits_by_behaviour_change_work_and_contact() -> None:
    worked = dva("high", "none", closure={"behaviour_change_work": "yes", "contact_made": "yes"})
    review_only = su_case(
        {
            Timepoint.INTAKE: {"dva_physical": "moderate", "contact_made": "no"},
            Timepoint.MONTH_3: {"behaviour_change_work": "yes", "contact_made": "yes"},
            Timepoint.CLOSURE: {"dva_physical": "moderate", "behaviour_change_work": "no"},
        }
    )
    not_worked = dva("none", "standard", closure={"behaviour_change_work": "no", "contact_made": "no"})
    result = outcomes([worked, review_only, not_worked])
    yes = result["by_behaviour_change_work"]["yes"]
    assert yes["cases"] == 2  # "any assessment answered yes"
    assert yes["dva_use"]["physical"]["used_to_not"] == 1 and yes["dva_use"]["physical"]["n"] == 2
    assert result["by_behaviour_change_work"]["no"]["dva_use"]["physical"]["not_to_used"] == 1
    assert result["by_contact"]["contacted"]["cases"] == 2
    assert result["by_contact"]["not_contacted"]["severity_transitions"]["physical"]["increased"] == 1


def test_a_case_without_closure_is_left_out_of_paired_analyses_and_counted() -> None:
    cohort = [dva("high", "none"), su_case({Timepoint.INTAKE: {"dva_physical": "high"}})]
    result = outcomes(cohort)
    assert result["cases"] == 2 and result["paired"] == 1
    assert result["unpaired"] == {"no_intake": 0, "no_closure": 1}
    assert result["dva_use"]["physical"]["n"] == 1


def test_complex_needs_per_need_and_count_among_all_known() -> None:
    def needs(**given: str) -> CohortCase:
        return su_case({Timepoint.INTAKE: {f"need_{k}": v for k, v in given.items()}})

    cohort = [
        needs(substance_misuse="yes", alcohol_misuse="yes", housing="no", mental_health="no"),
        needs(substance_misuse="no", alcohol_misuse="no", housing="no", mental_health="no"),
        needs(substance_misuse="yes", alcohol_misuse="yes", housing="no", mental_health="no"),
        needs(substance_misuse="not_known", alcohol_misuse="yes", housing="yes", mental_health="yes"),
        needs(substance_misuse="yes"),  # three unanswered: not all known
    ]
    result = complex_needs(cohort)
    # the share with the need is of those for whom it is known (Table 3): substance misuse 3 of 4 = 75.0%
    assert result["per_need"]["need_substance_misuse"] == {
        "yes": 3, "no": 1, "not_known": 1, "unanswered": 0, "known": 4, "percent_yes_of_known": 75.0,
    }  # fmt: skip
    assert result["per_need"]["need_housing"] == {
        "yes": 1, "no": 3, "not_known": 0, "unanswered": 1, "known": 4, "percent_yes_of_known": 25.0,
    }  # fmt: skip
    assert result["all_known"] == 3
    assert result["count_distribution"] == {"0": 1, "1": 0, "2": 2, "3": 0, "4": 0}
    assert result["combinations"] == {"substance_misuse+alcohol_misuse": 2, "none": 1}


def test_reasons_for_no_contact_same_throughout_or_changed() -> None:
    def reasons(*given: str | None) -> CohortCase:
        timepoints = [Timepoint.MONTH_3, Timepoint.MONTH_6, Timepoint.MONTH_9]
        return su_case(
            {
                tp: ({"contact_made": "no", "no_contact_reason": r} if r else {"contact_made": "yes"})
                for tp, r in zip(timepoints, given, strict=False)
            }
        )

    cohort = [
        reasons("on_hold_cjs_pending", "on_hold_cjs_pending"),
        reasons("contact_planned_or_pending", None, "not_safe_to_contact"),
        reasons("on_hold_cjs_pending", "contact_planned_or_pending", "on_hold_cjs_pending"),
        reasons(None, None),  # always contacted: not counted
    ]
    result = no_contact_reasons(cohort)
    assert result["same_throughout"] == {"on_hold_cjs_pending": 1}
    assert result["cases_changed"] == 2
    assert result["changes"] == {
        "contact_planned_or_pending -> not_safe_to_contact": 1,
        "on_hold_cjs_pending -> contact_planned_or_pending": 1,
        "contact_planned_or_pending -> on_hold_cjs_pending": 1,
    }


def test_profile_counts_and_age() -> None:
    cohort = [
        su_case({}, gender="man", age=30, employment="unemployed"),
        su_case({}, gender="man", age=40),
        su_case({}, gender="woman", age=50),
        su_case({}),
    ]
    result = outcomes(cohort)["profile"]
    assert result["gender"]["counts"] == {"man": 2, "woman": 1, "unanswered": 1}
    assert result["gender"]["percent"]["man"] == 50.0
    assert result["age"] == {"n": 3, "mean": 40.0, "sd": 10.0, "median": 40, "min": 30, "max": 50}
    assert result["employment"]["counts"] == {"unemployed": 1, "unanswered": 3}


def test_previous_offences_grouped_as_the_evaluation_groups_them() -> None:
    """p.19 of the evaluation, on 48 SUs: 9 only DVA (18.9% as printed; 9/48 = 18.75), 8 only non-DVA (16.7%),
    11 both (22.9%). Here the same groups on 6 SUs, by hand: 2 only DVA (33.3%), 1 only non-DVA (16.7%), 1 both,
    1 neither, 1 not known — every percentage of all 6."""
    people = [("yes", "no"), ("yes", "no"), ("no", "yes"), ("yes", "yes"), ("no", "no"), ("not_known", "yes")]
    cohort = [su_case({}, previous_dva_offences=d, previous_other_offences=o) for d, o in people]
    result = previous_offences(cohort)
    assert {k: result[k] for k in ("only_dva", "only_non_dva", "both", "neither", "not_known")} == {
        "only_dva": 2, "only_non_dva": 1, "both": 1, "neither": 1, "not_known": 1,
    }  # fmt: skip
    assert result["of"] == 6 and result["percent"]["only_dva"] == 33.3 and result["percent"]["both"] == 16.7


def test_needs_and_previous_offences_by_fishers_exact_test() -> None:
    """Worked by hand: SUs with a complex need 3 with a previous DVA offence, 1 without; SUs with no need 1 and 3.
    N = 8, margins 4/4 and 4/4: P(table) = C(4,a)·C(4,4-a)/C(8,4) with C(8,4) = 70, so a = 0..4 has probability
    1, 16, 36, 16, 1 (/70). Two-sided: every table no likelier than the observed (16/70): (1+16+16+1)/70 =
    0.485714… → 0.4857; odds ratio (3·3)/(1·1) = 9. An SU whose needs are not all known is left out."""

    def su(need: str, dva: str) -> CohortCase:
        needs = {n: "no" for n in NEEDS} | {"need_housing": need}
        return su_case({Timepoint.INTAKE: needs}, previous_dva_offences=dva, previous_other_offences="no")

    cohort = [su("yes", "yes")] * 3 + [su("yes", "no")] + [su("no", "yes")] + [su("no", "no")] * 3
    cohort.append(su_case({Timepoint.INTAKE: {"need_housing": "yes"}}, previous_dva_offences="yes"))  # needs unknown
    result = needs_and_offences(cohort)["previous_dva_offences"]
    assert result["table"] == [[3, 1], [1, 3]] and result["n"] == 8
    assert result["fisher_exact_p"] == 0.4857 and result["odds_ratio"] == 9.0
    other = needs_and_offences(cohort)["previous_other_offences"]
    assert other["table"] == [[0, 4], [0, 4]] and other["fisher_exact_p"] == 1.0
    assert needs_and_offences([])["previous_dva_offences"] == {
        "rows": ["any_need", "no_need"], "columns": ["yes", "no"], "table": [[0, 0], [0, 0]], "n": 0,
        "odds_ratio": None, "fisher_exact_p": None,
    }  # fmt: skip


def test_age_by_contact_by_the_mann_whitney_u_test() -> None:
    """Worked by hand: contacted SUs aged 20 and 30, not contacted 40, 50 and 60. Ranks over all five 1..5: mean rank
    1.5 against 4.0; U(contacted) = rank sum 3 − 2·3/2 = 0. Exact two-sided p: of the C(5,2) = 10 equally likely
    rankings of the contacted pair, U = 0 and its mirror U = 6 are the two at least as extreme: 2/10 = 0.2. The
    V/S ages (one case with two V/S) are tested the same way; a group with no ages gives no test."""

    def case(age: int, contact: str, victims: list[int] | None = None) -> CohortCase:
        c = su_case({Timepoint.INTAKE: {"contact_made": contact}}, age=age)
        return c if victims is None else CohortCase(
            case=c.case.model_copy(update={"victims": [VictimSurvivor(age=v) for v in victims]}),
            assessments=c.assessments,
        )  # fmt: skip

    contacted = [case(20, "yes", [19, 22]), case(30, "yes")]
    not_contacted = [case(40, "no"), case(50, "no"), case(60, "no", [55])]
    result = age_by_contact(contacted, not_contacted)
    su = result["service_user"]
    assert su["contacted"] == {"n": 2, "median": 25.0, "mean_rank": 1.5}
    assert su["not_contacted"] == {"n": 3, "median": 50, "mean_rank": 4.0}
    assert su["u"] == 0.0 and su["mannwhitney_p"] == 0.2
    vs = result["victim_survivor"]  # 19, 22 against 55: U = 0; 1 of C(3,1) = 3 rankings each way → p = 2/3
    assert (vs["contacted"]["n"], vs["not_contacted"]["n"], vs["u"], vs["mannwhitney_p"]) == (2, 1, 0.0, 0.6667)
    assert age_by_contact(contacted, [])["service_user"]["mannwhitney_p"] is None
    assert outcomes(contacted + not_contacted)["age_by_contact"] == result


def test_needs_and_their_missing_data_by_contact_status() -> None:
    """Appendix 2 Table 2 (χ²(1) = 20.61 for missing housing data). Worked by hand: contacted SUs housing yes, no,
    no and not known; not contacted: three missing (not known, unanswered, no intake at all) and one yes. Missing ×
    group is [[1, 3], [3, 1]]; N = 8, every expected count 2, so with Yates' correction χ² = 4 × (|1 − 2| − ½)² / 2
    = 0.5, p = P(χ²₁ > 0.5) = 0.4795."""

    def su(housing: str | None, contact: str, intake: bool = True) -> CohortCase:
        answers = {"contact_made": contact} | ({"need_housing": housing} if housing else {})
        return su_case({Timepoint.INTAKE: answers} if intake else {Timepoint.CLOSURE: {"contact_made": contact}})

    contacted = [su("yes", "yes"), su("no", "yes"), su("no", "yes"), su("not_known", "yes")]
    not_contacted = [su("not_known", "no"), su(None, "no"), su(None, "no", intake=False), su("yes", "no")]
    housing = needs_by_contact(contacted, not_contacted)["need_housing"]
    assert housing["contacted"] == {"yes": 1, "missing": 1, "of": 4, "percent_yes": 25.0, "percent_missing": 25.0}
    assert housing["not_contacted"]["missing"] == 3 and housing["not_contacted"]["percent_missing"] == 75.0
    assert housing["all"] == {"yes": 2, "missing": 4, "of": 8, "percent_yes": 25.0, "percent_missing": 50.0}
    assert housing["missing_by_contact"] == {"table": [[1, 3], [3, 1]], "test": {"chi2": 0.5, "dof": 1, "p": 0.4795}}
    alcohol = needs_by_contact(contacted, not_contacted)["need_alcohol_misuse"]  # missing for everyone: no test
    assert alcohol["missing_by_contact"]["test"] is None


def test_the_victim_survivors_profile_counts_every_victim_survivor() -> None:
    """By hand: three cases — one with an ex-partner (woman, 30, Idva yes) and an adult family member (woman, 52),
    one with a partner (woman, age not recorded, Idva no), one with none recorded. Of 3 V/S: ex-partner, partner and
    family (adult) 1 each (33.3%); women 3 (100%); Idva yes 1, no 1, unanswered 1; ages 30 and 52: mean 41.0,
    sd √((11² + 11²)/1) = 15.6, median 41.0."""

    def with_victims(*victims: dict[str, Any]) -> CohortCase:
        c = su_case({})
        return CohortCase(
            case=c.case.model_copy(update={"victims": [VictimSurvivor(**v) for v in victims]}), assessments={}
        )

    cohort = [
        with_victims(
            {"relationship": "ex_partner", "gender": "woman", "age": 30, "idva_engaged": True},
            {"relationship": "family_adult", "gender": "woman", "age": 52},
        ),
        with_victims({"relationship": "partner", "gender": "woman", "idva_engaged": False}),
        with_victims(),
    ]
    result = victim_profile(cohort)
    assert (result["of"], result["cases_without"]) == (3, 1)
    assert result["relationship"]["counts"] == {"ex_partner": 1, "family_adult": 1, "partner": 1}
    assert result["relationship"]["percent"]["partner"] == 33.3
    assert result["gender"] == {"counts": {"woman": 3}, "percent": {"woman": 100.0}}
    assert result["idva_engaged"]["counts"] == {"no": 1, "yes": 1, "unanswered": 1}
    assert result["age"] == {"n": 2, "mean": 41.0, "sd": 15.6, "median": 41.0, "min": 30, "max": 52}
    assert victim_profile([]) == {
        "of": 0, "cases_without": 0, "relationship": {"counts": {}, "percent": {}},
        "gender": {"counts": {}, "percent": {}}, "idva_engaged": {"counts": {}, "percent": {}},
        "ethnicity": {"counts": {}, "percent": {}}, "age": {"n": 0},
    }  # fmt: skip


def test_the_profiles_compared_by_site() -> None:
    """Two Essex SUs aged 30 and 40 and one Kent SU aged 50 with an ex-partner V/S: each site its own figures."""
    essex = [su_case({}, age=30), su_case({}, age=40)]
    kent = su_case({}, age=50)
    kent = CohortCase(
        case=kent.case.model_copy(update={"site": "Kent", "victims": [VictimSurvivor(relationship="ex_partner")]}),
        assessments={},
    )
    result = outcomes([*essex, kent])["by_site"]
    assert list(result) == ["Essex", "Kent"]
    assert result["Essex"]["cases"] == 2 and result["Essex"]["profile"]["age"]["mean"] == 35.0
    assert result["Essex"]["victim_profile"]["of"] == 0 and result["Essex"]["victim_profile"]["cases_without"] == 2
    assert result["Kent"]["victim_profile"]["relationship"]["counts"] == {"ex_partner": 1}
