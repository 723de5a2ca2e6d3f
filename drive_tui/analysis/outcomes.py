"""The evaluation's outcome analyses over closed cases (DOMAIN.md, "How the data is analysed"): pure functions
from cases and their current submitted assessments to one JSON-ready document.

Paired analyses pair each case's intake with its closure assessment; a case without both is left out of them and
counted (``unpaired``). "Not known" and unanswered are never guessed: an SU enters a paired count only with both
answers known. Small cells are reported as they are. Tests come from SciPy (the exact McNemar test is the two-sided
binomial test on the discordant pairs).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from itertools import pairwise
from typing import Any

from scipy.special import bdtr
from scipy.stats import chi2_contingency, fisher_exact, mannwhitneyu, rankdata

from drive_tui.domain.cohort import CohortCase
from drive_tui.domain.vocab import IdvaRiskChange, RiskChange, Timepoint, VictimSafer

DVA_TYPES = ("physical", "sexual", "harassment_stalking", "jealousy_coercion")
LEVELS = ("none", "standard", "moderate", "high")
NEEDS = ("need_substance_misuse", "need_alcohol_misuse", "need_housing", "need_mental_health")
KNOWN = ("yes", "no")


# -- the pieces ---------------------------------------------------------------------------------------------------


def mcnemar_exact_p(used_to_not: int, not_to_used: int) -> float:
    """Two-sided exact McNemar p-value: 1.0 when there are no discordant pairs (nothing changed either way).

    The exact binomial test at p = ½, whose distribution is symmetric: twice the lower tail, at most 1 — what
    ``scipy.stats.binomtest(..., alternative="two-sided")`` gives, from SciPy's binomial CDF directly (binomtest
    costs ~0.5 ms a call, a twentieth of the outcomes screen's wait)."""
    discordant = used_to_not + not_to_used
    if discordant == 0:
        return 1.0
    return min(1.0, 2.0 * float(bdtr(min(used_to_not, not_to_used), discordant, 0.5)))


def _known_pairs(cases: Iterable[CohortCase], dva_type: str) -> list[tuple[int, int]]:
    """(intake level, exit level) as indexes into LEVELS, for paired SUs with both severities known."""
    field = f"dva_{dva_type}"
    pairs = []
    for c in cases:
        intake, closure = c.assessments.get(Timepoint.INTAKE), c.assessments.get(Timepoint.CLOSURE)
        if intake is None or closure is None:
            continue
        before, after = intake.answers.get(field), closure.answers.get(field)
        if before in LEVELS and after in LEVELS:
            pairs.append((LEVELS.index(before), LEVELS.index(after)))
    return pairs


def dva_use(cases: Iterable[CohortCase], dva_type: str) -> dict[str, Any]:
    """Use (any severity above none) at intake vs exit, among SUs with both severities known."""
    return _use(_known_pairs(cases, dva_type))


def _use(pairs: list[tuple[int, int]]) -> dict[str, Any]:
    known = [(a > 0, b > 0) for a, b in pairs]
    used_to_not = sum(1 for a, b in known if a and not b)
    not_to_used = sum(1 for a, b in known if b and not a)
    return {
        "n": len(known),
        "intake_used": sum(1 for a, _ in known if a),
        "exit_used": sum(1 for _, b in known if b),
        "used_to_not": used_to_not,
        "not_to_used": not_to_used,
        "mcnemar_exact_p": round(mcnemar_exact_p(used_to_not, not_to_used), 6),
    }


def severity_transitions(cases: Iterable[CohortCase], dva_type: str) -> dict[str, Any]:
    """The 4×4 table intake severity × exit severity, counts per level, percent change, and increases."""
    return _transitions(_known_pairs(cases, dva_type))


def _transitions(known: list[tuple[int, int]]) -> dict[str, Any]:
    table = [[0] * len(LEVELS) for _ in LEVELS]
    for a, b in known:
        table[a][b] += 1
    intake = {level: sum(table[i]) for i, level in enumerate(LEVELS)}
    exit_ = {level: sum(row[i] for row in table) for i, level in enumerate(LEVELS)}
    return {
        "levels": list(LEVELS),
        "n": len(known),
        "table": table,
        "intake_counts": intake,
        "exit_counts": exit_,
        "percent_change": {level: _percent_change(intake[level], exit_[level]) for level in LEVELS},
        "increased": sum(1 for a, b in known if b > a),
        "decreased": sum(1 for a, b in known if b < a),
    }


def _percent_change(before: int, after: int) -> float | None:
    return None if before == 0 else round((after - before) / before * 100, 1)


def _share(counts: Mapping[str, int], total: int) -> dict[str, float | None]:
    return {key: (round(value / total * 100, 1) if total else None) for key, value in counts.items()}


def risk_change(cases: Iterable[CohortCase]) -> dict[str, Any]:
    """The case manager's judgement of change in risk at closure: counts; ``percent`` of those answered; and, as
    the evaluation gives them (Table 4, Fig. 7, pp.25-26: "14 out of the 28 … where information was known (50%)"),
    ``percent_of_known``: each judgement's share of ``known``, the answers other than "don't know" (None for "don't
    know" itself)."""
    answers = [c.answer(Timepoint.CLOSURE, "risk_change") for c in cases if Timepoint.CLOSURE in c.assessments]
    counts = {code: sum(1 for a in answers if a == code) for code in RiskChange.codes()}
    answered = sum(counts.values())
    known_counts = {code: n for code, n in counts.items() if code != RiskChange.DONT_KNOW}
    known = sum(known_counts.values())
    return {
        **counts,
        "n": answered,
        "unanswered": len(answers) - answered,
        "percent": _share(counts, answered),
        "known": known,
        "percent_of_known": {**_share(known_counts, known), RiskChange.DONT_KNOW.value: None},
    }


UNKNOWN_TO_THE_IDVA = ("dont_know", "not_asked", "not_contactable")
"""Answers that say the Idva's view is not known: left out of the base of ``percent_of_known``."""


def idva_view(cases: Iterable[CohortCase]) -> dict[str, Any]:
    """The Idva's view at closure (the evaluation's exit questions, p.26; closure form v2): the Idva's judgement of
    risk change and whether the victim/survivor feels safer. Per question: each code's count, ``n`` answered (a
    closure of form v1, or a case whose V/S had no Idva, leaves it unanswered), ``known`` (answers other than don't
    know, not asked and client not contactable) and each known code's share of ``known``, as Table 4 gives the case
    manager's."""
    closures = [c for c in cases if Timepoint.CLOSURE in c.assessments]
    view: dict[str, Any] = {}
    for answer_id, vocabulary in (("idva_risk_change", IdvaRiskChange), ("vs_safer", VictimSafer)):
        answers = [c.answer(Timepoint.CLOSURE, answer_id) for c in closures]
        counts = {code: sum(1 for a in answers if a == code) for code in vocabulary.codes()}
        known_counts = {code: n for code, n in counts.items() if code not in UNKNOWN_TO_THE_IDVA}
        known = sum(known_counts.values())
        view[answer_id] = {
            "counts": counts,
            "n": sum(counts.values()),
            "known": known,
            "percent_of_known": _share(known_counts, known),
        }
    return view


def complex_needs(cases: Iterable[CohortCase]) -> dict[str, Any]:
    """Each need at intake (yes / no / not known / unanswered; the share with the need among those for whom it is
    known, as Table 3 of the evaluation divides, p.18), and how many needs each SU has among SUs with all four
    known, with the combinations."""
    with_intake = [c for c in cases if Timepoint.INTAKE in c.assessments]
    per_need = {}
    for need in NEEDS:
        values = Counter(c.answer(Timepoint.INTAKE, need) for c in with_intake)
        known = values["yes"] + values["no"]
        per_need[need] = {
            "yes": values["yes"],
            "no": values["no"],
            "not_known": values["not_known"],
            "unanswered": values[None],
            "known": known,
            "percent_yes_of_known": round(values["yes"] / known * 100, 1) if known else None,
        }
    all_known = [c for c in with_intake if all(c.answer(Timepoint.INTAKE, n) in KNOWN for n in NEEDS)]
    distribution = Counter(sum(c.answer(Timepoint.INTAKE, n) == "yes" for n in NEEDS) for c in all_known)
    combinations = Counter(
        "+".join(n.removeprefix("need_") for n in NEEDS if c.answer(Timepoint.INTAKE, n) == "yes") or "none"
        for c in all_known
    )
    return {
        "per_need": per_need,
        "all_known": len(all_known),
        "count_distribution": {str(k): distribution[k] for k in range(len(NEEDS) + 1)},
        "combinations": dict(sorted(combinations.items(), key=lambda item: (-item[1], item[0]))),
    }


def no_contact_reasons(cases: Iterable[CohortCase]) -> dict[str, Any]:
    """For SUs not contacted at some assessment: the reason the same throughout, or each change from → to."""
    same: Counter[str] = Counter()
    changed: Counter[str] = Counter()
    cases_changed = 0
    for c in cases:
        reasons = [
            a.answers["no_contact_reason"]
            for a in c.in_timepoint_order()
            if a.answers.get("contact_made") == "no" and "no_contact_reason" in a.answers
        ]
        if not reasons:
            continue
        if len(set(reasons)) == 1:
            same[reasons[0]] += 1
            continue
        cases_changed += 1
        for before, after in pairwise(reasons):
            if before != after:
                changed[f"{before} -> {after}"] += 1
    return {
        "same_throughout": dict(sorted(same.items())),
        "cases_changed": cases_changed,
        "changes": dict(sorted(changed.items())),
    }


def profile(cases: list[CohortCase]) -> dict[str, Any]:
    """Counts and percentages of the Service Users' characteristics; age summary."""

    def tally(get: Callable[[CohortCase], Any]) -> dict[str, Any]:
        counts = Counter(_code(get(c)) for c in cases)
        counts_dict = {key: counts[key] for key in sorted(counts, key=lambda k: (k == "unanswered", k))}
        return {"counts": counts_dict, "percent": _share(counts_dict, len(cases))}

    age = _age_summary([c.case.service_user.age for c in cases if c.case.service_user.age is not None])
    su = lambda c: c.case.service_user  # noqa: E731 - a short accessor keeps the table below readable
    return {
        "gender": tally(lambda c: su(c).gender),
        "employment": tally(lambda c: su(c).employment),
        "children_involved": tally(lambda c: su(c).children_involved),
        "previous_dva_offences": tally(lambda c: su(c).previous_dva_offences),
        "previous_other_offences": tally(lambda c: su(c).previous_other_offences),
        "ethnicity": tally(lambda c: su(c).ethnicity),
        "age": age,
    }


def victim_profile(cases: list[CohortCase]) -> dict[str, Any]:
    """The victim/survivors of the cohort's cases (Appendix 2, Table 1; Table 2 p.17 — "ex-partners (50%), followed
    by partners (29.2%)…"): relationship to the SU, gender and Idva engagement as counts with percentages of ``of``,
    every V/S; their age summarised as the SUs' is. A case with no V/S recorded is counted in ``cases_without``."""
    victims = [v for c in cases for v in c.case.victims]

    def tally(get: Callable[[Any], Any]) -> dict[str, Any]:
        counts = Counter(_code(get(v)) for v in victims)
        ordered = {key: counts[key] for key in sorted(counts, key=lambda k: (k == "unanswered", -counts[k], k))}
        return {"counts": ordered, "percent": _share(ordered, len(victims))}

    return {
        "of": len(victims),
        "cases_without": sum(1 for c in cases if not c.case.victims),
        "relationship": tally(lambda v: v.relationship),
        "gender": tally(lambda v: v.gender),
        "idva_engaged": tally(lambda v: None if v.idva_engaged is None else ("yes" if v.idva_engaged else "no")),
        "ethnicity": tally(lambda v: v.ethnicity),
        "age": _age_summary([v.age for v in victims if v.age is not None]),
    }


def _age_summary(ages: list[int]) -> dict[str, Any]:
    if not ages:
        return {"n": 0}
    return {
        "n": len(ages),
        "mean": round(statistics.fmean(ages), 1),
        "sd": round(statistics.stdev(ages), 1) if len(ages) > 1 else None,
        "median": statistics.median(ages),
        "min": min(ages),
        "max": max(ages),
    }


def previous_offences(cases: list[CohortCase]) -> dict[str, Any]:
    """Previous offences as the evaluation groups them (p.19: "only previous DVA offences … only previous non-DVA
    offences … both"): counts, and each as a percentage of ``of``, every SU in the cohort (the evaluation's base).
    An SU with either answer not yes or no is ``not_known``."""
    counts = Counter[str]()
    for c in cases:
        dva, other = (
            _code(getattr(c.case.service_user, f)) for f in ("previous_dva_offences", "previous_other_offences")
        )
        if dva not in KNOWN or other not in KNOWN:
            counts["not_known"] += 1
        else:
            counts[
                {("yes", "no"): "only_dva", ("no", "yes"): "only_non_dva", ("yes", "yes"): "both"}.get(
                    (dva, other), "neither"
                )
            ] += 1
    ordered = {key: counts[key] for key in ("only_dva", "only_non_dva", "both", "neither", "not_known")}
    return {**ordered, "of": len(cases), "percent": _share(ordered, len(cases))}


def needs_and_offences(cases: list[CohortCase]) -> dict[str, Any]:
    """Are SUs with complex needs more likely to have previous offences? (p.19, Appendix 4: Fisher's exact test.)

    For previous DVA offences and for previous other offences: the 2×2 table of SUs with any complex need at intake
    against none (all four needs known) by the offence recorded yes or no, with SciPy's two-sided Fisher's exact
    test. ``table`` rows are needs (any, none), columns the offence (yes, no)."""
    result: dict[str, Any] = {}
    for offence in ("previous_dva_offences", "previous_other_offences"):
        table = [[0, 0], [0, 0]]
        for c in cases:
            needs = [c.answer(Timepoint.INTAKE, n) for n in NEEDS]
            recorded = _code(getattr(c.case.service_user, offence))
            if any(n not in KNOWN for n in needs) or recorded not in KNOWN:
                continue
            table[0 if "yes" in needs else 1][0 if recorded == "yes" else 1] += 1
        n = sum(map(sum, table))
        test = fisher_exact(table) if n else None
        result[offence] = {
            "rows": ["any_need", "no_need"],
            "columns": ["yes", "no"],
            "table": table,
            "n": n,
            "odds_ratio": None if test is None or not _finite(test.statistic) else round(float(test.statistic), 4),
            "fisher_exact_p": None if test is None else round(float(test.pvalue), 4),
        }
    return result


def age_by_contact(contacted: list[CohortCase], not_contacted: list[CohortCase]) -> dict[str, Any]:
    """The age of SUs, and of their victim/survivors, by whether the SU was contacted (p.35: "the age of V/S of SU
    who were not contacted was higher (mean rank = 27.38) than … contacted (mean rank = 20.11)"): per group n,
    median and mean rank (ranks over both groups, ties averaged), with SciPy's two-sided Mann–Whitney U test
    (``u``: the contacted group's U)."""

    def su_ages(cases: list[CohortCase]) -> list[int]:
        return [c.case.service_user.age for c in cases if c.case.service_user.age is not None]

    def vs_ages(cases: list[CohortCase]) -> list[int]:
        return [v.age for c in cases for v in c.case.victims if v.age is not None]

    return {
        "service_user": _mann_whitney(su_ages(contacted), su_ages(not_contacted)),
        "victim_survivor": _mann_whitney(vs_ages(contacted), vs_ages(not_contacted)),
    }


def _mann_whitney(first: list[int], second: list[int]) -> dict[str, Any]:
    ranks = rankdata(first + second) if first or second else []
    groups = {"contacted": (first, ranks[: len(first)]), "not_contacted": (second, ranks[len(first) :])}
    summary = {
        name: {
            "n": len(ages),
            "median": statistics.median(ages) if ages else None,
            "mean_rank": round(float(sum(group_ranks) / len(ages)), 2) if ages else None,
        }
        for name, (ages, group_ranks) in groups.items()
    }
    if not first or not second:
        return {**summary, "u": None, "mannwhitney_p": None}
    test = mannwhitneyu(first, second, alternative="two-sided")
    return {**summary, "u": float(test.statistic), "mannwhitney_p": round(float(test.pvalue), 4)}


def needs_by_contact(contacted: list[CohortCase], not_contacted: list[CohortCase]) -> dict[str, Any]:
    """Each complex need at intake for all SUs, those contacted and those not (Appendix 2, Table 2): how many had it
    and how many had it missing (not known, unanswered, or no intake), each with its base ``of`` (every SU of the
    group) — and whether missing data differs between contacted and not contacted SUs, by SciPy's χ² test of the
    2×2 table (Yates' correction, as SciPy applies it to one degree of freedom; None when a margin is empty)."""
    groups = {"all": contacted + not_contacted, "contacted": contacted, "not_contacted": not_contacted}
    result: dict[str, Any] = {}
    for need in NEEDS:
        per_group: dict[str, Any] = {}
        for name, cases in groups.items():
            answers = [c.answer(Timepoint.INTAKE, need) for c in cases]
            has, missing = sum(a == "yes" for a in answers), sum(a not in KNOWN for a in answers)
            per_group[name] = {
                "yes": has,
                "missing": missing,
                "of": len(answers),
                "percent_yes": round(has / len(answers) * 100, 1) if answers else None,
                "percent_missing": round(missing / len(answers) * 100, 1) if answers else None,
            }
        table = [
            [per_group[name]["missing"], per_group[name]["of"] - per_group[name]["missing"]]
            for name in ("contacted", "not_contacted")
        ]
        test: dict[str, Any] | None = None
        if all(map(sum, table)) and all(map(sum, zip(*table, strict=True))):  # else no expected counts to test
            chi2, p, dof, _ = chi2_contingency(table)
            test = {"chi2": round(float(chi2), 4), "dof": int(dof), "p": round(float(p), 4)}
        result[need] = {**per_group, "missing_by_contact": {"table": table, "test": test}}
    return result


def _finite(value: float) -> bool:
    return value == value and value not in (float("inf"), float("-inf"))


def _code(value: Any) -> str:
    return "unanswered" if value is None else str(getattr(value, "value", value))


# -- the report ---------------------------------------------------------------------------------------------------


def _paired_analyses(cases: list[CohortCase]) -> dict[str, Any]:
    pairs = {t: _known_pairs(cases, t) for t in DVA_TYPES}
    return {
        "cases": len(cases),
        "dva_use": {t: _use(pairs[t]) for t in DVA_TYPES},
        "severity_transitions": {t: _transitions(pairs[t]) for t in DVA_TYPES},
    }


def outcomes(cohort: list[CohortCase]) -> dict[str, Any]:
    """Every outcome analysis over ``cohort`` (closed cases), as one JSON-ready document."""
    paired = [c for c in cohort if c.paired]
    bcw_yes = [c for c in cohort if c.any_answer("behaviour_change_work", "yes")]
    contacted = [c for c in cohort if c.any_answer("contact_made", "yes")]
    contacted_ids = {c.case.id for c in contacted}
    bcw_ids = {c.case.id for c in bcw_yes}
    not_contacted = [c for c in cohort if c.case.id not in contacted_ids]
    return {
        "cases": len(cohort),
        "paired": len(paired),
        "unpaired": {
            "no_intake": sum(1 for c in cohort if Timepoint.INTAKE not in c.assessments),
            "no_closure": sum(1 for c in cohort if Timepoint.CLOSURE not in c.assessments),
        },
        "profile": profile(cohort),
        "victim_profile": victim_profile(cohort),
        "previous_offences": previous_offences(cohort),
        "complex_needs": complex_needs(cohort),
        "needs_and_offences": needs_and_offences(cohort),
        **{key: value for key, value in _paired_analyses(cohort).items() if key != "cases"},
        "by_behaviour_change_work": {
            "yes": _paired_analyses(bcw_yes),
            "no": _paired_analyses([c for c in cohort if c.case.id not in bcw_ids]),
        },
        "by_contact": {"contacted": _paired_analyses(contacted), "not_contacted": _paired_analyses(not_contacted)},
        "risk_change": {
            "all": risk_change(cohort),
            "contacted": risk_change(contacted),
            "not_contacted": risk_change(not_contacted),
        },
        "idva_view": idva_view(cohort),
        "no_contact_reasons": no_contact_reasons(cohort),
        "age_by_contact": age_by_contact(contacted, not_contacted),
        "needs_by_contact": needs_by_contact(contacted, not_contacted),
        "by_site": by_site(cohort),
    }


def by_site(cohort: list[CohortCase]) -> dict[str, Any]:
    """The comparisons the evaluation makes between its areas (Appendix 1, Tables 1-3 and Figs 2-4: each site's
    perpetrators and victim/survivors, age and relationship types): per site, its cases, the SUs' profile and the
    V/S profile, sites in alphabetical order."""
    sites = sorted({c.case.site for c in cohort}, key=str.casefold)
    return {
        site: {
            "cases": len(cases),
            "profile": profile(cases),
            "victim_profile": victim_profile(cases),
        }
        for site in sites
        for cases in [[c for c in cohort if c.case.site == site]]
    }
