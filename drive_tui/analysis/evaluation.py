"""The evaluators' report: every table and figure of the evaluation (``reference/drive-evaluation-year1.txt``) that
is computed from case data, as plain tables and charts, from the documents of ``outcomes`` and
``casework_figures``. Renderers draw them: ``report_html`` (one self-contained page, charts by matplotlib) and
``report_xlsx`` (a sheet per table). Nothing here computes a statistic: it lays out what the analyses computed.

The evaluation's tables and figures, with the page each is on, and where this report gives it:

========================================================  =========  ==========================
Evaluation                                                Page       Here (table key)
========================================================  =========  ==========================
Appendix 2, Table 1: profile of the completed cases' SUs   p.58       ``su_profile``
Table 2: SU – V/S relationship; App. 2 Table 1: V/S        p.17, 58   ``vs_profile``
Previous offences: only DVA / only non-DVA / both          p.19       ``previous_offences``
Table 3: complex needs (of those with the need known)      p.18       ``complex_needs`` (chart)
Complex needs × previous offences, Fisher's exact test     p.19, 59   ``needs_and_offences``
Figure 1: SUs' use of each type of DVA, intake vs exit     p.19       ``dva_use`` (chart)
Figures 2a/2b; App. 3 Tables 1–4: severity intake → exit   p.20, 63   ``severity`` (chart)
Figures 3–4, App. 3: behaviour change work or not          p.21, 66   ``dva_use_bcw``
Table 4, Figure 7: case managers' view of risk change      p.25       ``risk_change`` (chart)
Table 5: Idvas' view of risk and of the V/S's safety       p.26       ``idva_view`` (chart)
Reasons for no contact, over time                          p.34–35    ``no_contact``
Age of SU and of V/S by contact, Mann–Whitney U            p.35       ``age_by_contact``
App. 2 Table 2: needs and missing data by contact, χ²      p.59       ``needs_by_contact``
App. 1 Tables 1–3, Figures 2–4: by site                    p.54–57    ``by_site`` (chart)
Figure 8: direct and indirect work                         p.27       ``work_kinds`` (chart)
Figure 9: multi-agency working, by what was done           p.28       ``indirect_actions`` (chart)
Figure 10: information sharing by agency                   p.29       ``indirect_agencies`` (chart)
Disruption, child safeguarding, contact attempts           p.28–35    ``casework``
========================================================  =========  ==========================

Every percentage names its base (the table's note); small cells are reported as they are, unless the report is
for sharing outside the service (``suppress_small``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal

from drive_tui.domain.vocab import (
    Agency,
    AgencyAction,
    Coded,
    Employment,
    Ethnicity,
    Gender,
    IdvaRiskChange,
    NoContactReason,
    Relationship,
    RiskChange,
    VictimSafer,
    WorkKind,
    YesNo,
    YesNoNotKnown,
)


@dataclass(frozen=True)
class Count:
    """A count, with the base of its percentage where it has one."""

    n: int
    of: int | None = None

    @property
    def percent(self) -> float | None:
        return round(100 * self.n / self.of, 1) if self.of else None


@dataclass(frozen=True)
class Suppressed:
    """A count between 1 and ``below`` - 1, not shown (``suppress_small``)."""

    below: int


Cell = str | int | float | Count | Suppressed | None


@dataclass(frozen=True)
class Chart:
    """Grouped bars: one group per category, one bar per series; drawn from the table's own cells."""

    categories: tuple[str, ...]
    series: tuple[tuple[str, tuple[Cell, ...]], ...]
    measure: Literal["percent", "count"]
    axis: str


@dataclass(frozen=True)
class Table:
    key: str
    """Short and stable: the HTML anchor and the spreadsheet's sheet name (≤ 31 characters)."""
    title: str
    source: str
    """Where the evaluation gives it."""
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""
    """What each percentage is of, and how a test was run."""
    chart: Chart | None = None


@dataclass(frozen=True)
class Part:
    title: str
    tables: tuple[Table, ...]


@dataclass(frozen=True)
class Evaluation:
    generated_on: date
    cut_off: date | None
    """The latest closure among the cases analysed: the data's end."""
    filters: Mapping[str, str | None]
    closed_cases: int
    casework_cases: int
    parts: tuple[Part, ...]
    suppressed_below: int | None = None
    methods: tuple[str, ...] = field(default=())

    def tables(self) -> Iterable[Table]:
        for part in self.parts:
            yield from part.tables


METHODS = (
    "Closed cases are those whose closure is recorded; each case's current submitted assessment at each "
    "timepoint is used (a superseded or draft assessment never is).",
    "Paired analyses (use and severity of abuse, intake against exit) take the SUs with the answer known at "
    "both intake and closure; the others are left out and counted.",
    "\u201cNot known\u201d and unanswered are never guessed. Each percentage names its base: where the evaluation "
    "divides by those whose answer is known (complex needs, risk change), so does this report.",
    "Tests are SciPy's: the exact McNemar test (two-sided binomial test on the discordant pairs), Fisher's exact "
    "test, the Mann\u2013Whitney U test (two-sided) and Pearson's \u03c7\u00b2 test (Yates' correction on 2\u00d72 "
    "tables). With small numbers a p-value says little; cells are reported as they are.",
    "Casework figures count the work log as the evaluators coded case notes: entries dated in the period, over "
    "the cases open in it.",
)


# -- building ------------------------------------------------------------------------------------------------------


def evaluation(
    outcomes: Mapping[str, Any],
    casework: Mapping[str, Any],
    *,
    generated_on: date,
    cut_off: date | None,
    filters: Mapping[str, str | None],
) -> Evaluation:
    """The report's tables from the two analysis documents (``outcomes``, ``casework_figures``)."""
    has_cases = bool(outcomes["cases"])
    parts = [
        Part(
            "Who was worked with",
            (
                _su_profile(outcomes),
                _vs_profile(outcomes),
                _previous_offences(outcomes),
                _complex_needs(outcomes),
                _needs_and_offences(outcomes),
            ),
        ),
        Part("Abusive behaviour, intake and exit", (_dva_use(outcomes), _severity(outcomes), _dva_use_bcw(outcomes))),
        Part("Risk", (_risk_change(outcomes), _idva_view(outcomes))),
        Part("Contact", (_no_contact(outcomes), _age_by_contact(outcomes), _needs_by_contact(outcomes))),
        Part("Sites", (_by_site(outcomes),)),
    ]
    if not has_cases:
        parts = []
    if casework["cases"]:
        parts.append(
            Part(
                "Casework",
                (
                    _work_kinds(casework),
                    _indirect(casework, "indirect_agencies"),
                    _indirect(casework, "indirect_actions"),
                    _casework(casework),
                ),
            )
        )
    return Evaluation(
        generated_on=generated_on,
        cut_off=cut_off,
        filters=dict(filters),
        closed_cases=outcomes["cases"],
        casework_cases=casework["cases"],
        parts=tuple(parts),
        methods=METHODS,
    )


def suppress_small(report: Evaluation, below: int) -> Evaluation:
    """The report for sharing outside the service: every count from 1 to ``below`` - 1 (and its percentage) shown
    as "< below". Totals and zeros stay; a suppressed cell can sometimes be worked out from a total and the other
    cells of its row (the methods note says so)."""

    def cell(value: Cell) -> Cell:
        if isinstance(value, Count) and 0 < value.n < below:
            return Suppressed(below)
        return value

    def table(t: Table) -> Table:
        chart = t.chart
        if chart is not None:
            chart = replace(
                chart, series=tuple((name, tuple(cell(v) for v in values)) for name, values in chart.series)
            )
        return replace(t, rows=tuple(tuple(cell(v) for v in row) for row in t.rows), chart=chart)

    note = (
        f"Counts from 1 to {below - 1} are shown as \u201c<{below}\u201d, with their percentages, for sharing "
        "outside the service; totals are not suppressed, so a hidden cell can at times be worked out from its "
        "row's total."
    )
    return replace(
        report,
        parts=tuple(replace(part, tables=tuple(table(t) for t in part.tables)) for part in report.parts),
        suppressed_below=below,
        methods=(*report.methods, note),
    )


SMALLEST_P = 0.0001


def p_value(p: float | None) -> Cell:
    """A p-value as a reader takes it: to four places, and "<0.0001" below that — never "0" (the analyses keep six
    places, so a p of 10⁻²⁰ was stored as 0.0 and read as impossible)."""
    if p is None:
        return None
    return f"<{SMALLEST_P:g}" if p < SMALLEST_P else round(p, 4)


def is_figure(value: Cell) -> bool:
    """A number, a count or a bound ("<0.0001"): drawn right-aligned, as figures are; any other text is a label."""
    return not isinstance(value, str) or value.startswith("<")


def cell_text(value: Cell) -> str:
    """A cell as a person reads it: "12 (25.0%)", "<5", "—"."""
    if value is None:
        return "\u2014"
    if isinstance(value, Suppressed):
        return f"<{value.below}"
    if isinstance(value, Count):
        return f"{value.n} ({value.percent}%)" if value.percent is not None else str(value.n)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def chart_value(value: Cell, measure: str) -> float | None:
    """A bar's height: None for a suppressed or missing cell (no bar is drawn)."""
    if isinstance(value, Count):
        return value.percent if measure == "percent" else float(value.n)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


# -- the tables ----------------------------------------------------------------------------------------------------


def _label(code: str, *vocabularies: type[Coded]) -> str:
    for vocabulary in vocabularies:
        for member in vocabulary:
            if member.value == code:
                return member.label
    return code.replace("_", " ").capitalize()


def _tallied(
    block: Mapping[str, Any], of: int, title: str, vocabularies: Sequence[type[Coded]]
) -> list[tuple[Cell, ...]]:
    """A tally's rows (``{"counts": {code: n}}``): the item's title on its first, each code's label and count."""
    return [
        (title if number == 0 else "", _label(code, *vocabularies), Count(n, of))
        for number, (code, n) in enumerate(block["counts"].items())
    ]


def _age(summary: Mapping[str, Any]) -> str:
    if not summary.get("n"):
        return "\u2014"
    return (
        f"mean {summary['mean']} (sd {summary['sd']}), median {summary['median']}, "
        f"{summary['min']}\u2013{summary['max']} (n = {summary['n']})"
    )


def _su_profile(doc: Mapping[str, Any]) -> Table:
    profile, cases = doc["profile"], doc["cases"]
    rows: list[tuple[Cell, ...]] = [("Age", "", _age(profile["age"]))]
    for key, title, vocabularies in (
        ("gender", "Gender", (Gender,)),
        ("employment", "Employment", (Employment,)),
        ("children_involved", "Children in the household", (YesNoNotKnown,)),
        ("previous_dva_offences", "Previous DVA offences", (YesNoNotKnown,)),
        ("previous_other_offences", "Previous other offences", (YesNoNotKnown,)),
        ("ethnicity", "Ethnicity (ONS 2011)", (Ethnicity,)),
    ):
        rows += _tallied(profile[key], cases, title, vocabularies)
    return Table(
        "su_profile",
        "Profile of the Service Users of closed cases",
        "Appendix 2, Table 1 (p.58)",
        ("", "", f"SUs (% of all {cases})"),
        tuple(rows),
        note=f"Percentages are of all {cases} closed cases' SUs, not known included. Ethnicity typed before it "
        "was coded and matching no category is counted as \u201cOther \u2013 as recorded\u201d.",
    )


def _vs_profile(doc: Mapping[str, Any]) -> Table:
    victims = doc["victim_profile"]
    of = victims["of"]
    rows: list[tuple[Cell, ...]] = [("Age", "", _age(victims["age"]))]
    for key, title, vocabularies in (
        ("relationship", "Relationship to the SU", (Relationship,)),
        ("gender", "Gender", (Gender,)),
        ("idva_engaged", "Engaged with an Idva", (YesNo, YesNoNotKnown)),
        ("ethnicity", "Ethnicity (ONS 2011)", (Ethnicity,)),
    ):
        rows += _tallied(victims[key], of, title, vocabularies)
    return Table(
        "vs_profile",
        "Victim/survivors and their relationship to the SU",
        "Table 2 (p.17); Appendix 2, Table 1 (p.58)",
        ("", "", f"V/S (% of all {of})"),
        tuple(rows),
        note=f"Percentages are of all {of} victim/survivors recorded; {victims['cases_without']} case(s) have "
        "none recorded.",
    )


def _previous_offences(doc: Mapping[str, Any]) -> Table:
    offences = doc["previous_offences"]
    of = offences["of"]
    groups = (
        ("only_dva", "Only previous DVA offences"),
        ("only_non_dva", "Only previous non-DVA offences"),
        ("both", "Both"),
        ("neither", "Neither"),
        ("not_known", "Not known"),
    )
    return Table(
        "previous_offences",
        "Previous offences",
        "p.19",
        ("Previous offences", f"SUs (% of all {of})"),
        tuple((label, Count(offences[key], of)) for key, label in groups),
        note=f"Percentages are of all {of} SUs; \u201cnot known\u201d: either kind of offence not known.",
    )


NEED_LABELS = {
    "need_substance_misuse": "Substance misuse",
    "need_alcohol_misuse": "Alcohol misuse",
    "need_housing": "Housing",
    "need_mental_health": "Mental health",
}


def _complex_needs(doc: Mapping[str, Any]) -> Table:
    needs = doc["complex_needs"]
    rows: list[tuple[Cell, ...]] = []
    for need, label in NEED_LABELS.items():
        figures = needs["per_need"][need]
        rows.append(
            (
                label,
                Count(figures["yes"], figures["known"]),
                figures["known"],
                figures["not_known"] + figures["unanswered"],
            )
        )
    rows.append(("", "", "", ""))
    for count, n in needs["count_distribution"].items():
        rows.append((f"SUs with {count} of the 4 needs", Count(n, needs["all_known"]), needs["all_known"], ""))
    return Table(
        "complex_needs",
        "Complex needs at intake",
        "Table 3 (p.18)",
        ("Need", "SUs with it (% of known)", "Known", "Not known or unanswered"),
        tuple(rows),
        note="Each need's percentage is of the SUs for whom that need is known, as Table 3 divides; the number "
        f"of needs per SU is over the {needs['all_known']} SUs with all four known.",
        chart=Chart(
            tuple(NEED_LABELS.values()),
            (("SUs with the need", tuple(row[1] for row in rows[:4])),),
            "percent",
            "% of SUs with the need known",
        ),
    )


def _needs_and_offences(doc: Mapping[str, Any]) -> Table:
    tests = doc["needs_and_offences"]
    rows: list[tuple[Cell, ...]] = []
    for key, label in (("previous_dva_offences", "Previous DVA offences"), ("previous_other_offences", "Other")):
        t = tests[key]
        (a, b), (c, d) = t["table"]
        rows.append((label, a, b, c, d, t["n"], t["odds_ratio"], p_value(t["fisher_exact_p"])))
    return Table(
        "needs_and_offences",
        "Any complex need \u00d7 previous offences",
        "p.19; Appendix 4 (p.59)",
        (
            "Offences",
            "Need, offences",
            "Need, none",
            "No need, offences",
            "No need, none",
            "n",
            "Odds ratio",
            "Fisher's exact p",
        ),
        tuple(rows),
        note="SUs with every need and the offence question known; two-sided Fisher's exact test.",
    )


DVA_LABELS = {
    "physical": "Physical",
    "sexual": "Sexual",
    "harassment_stalking": "Harassment/stalking",
    "jealousy_coercion": "Jealousy/coercion",
}


def _use_rows(block: Mapping[str, Any]) -> list[tuple[Cell, ...]]:
    rows: list[tuple[Cell, ...]] = []
    for key, label in DVA_LABELS.items():
        d = block[key]
        rows.append(
            (
                label,
                d["n"],
                Count(d["intake_used"], d["n"]),
                Count(d["exit_used"], d["n"]),
                d["used_to_not"],
                d["not_to_used"],
                p_value(d["mcnemar_exact_p"]),
            )
        )
    return rows


USE_COLUMNS = ("Type", "n", "Used at intake", "Used at exit", "Used \u2192 not", "Not \u2192 used", "Exact McNemar p")


def _dva_use(doc: Mapping[str, Any]) -> Table:
    rows = _use_rows(doc["dva_use"])
    return Table(
        "dva_use",
        "SUs' use of each type of abuse, intake and exit",
        "Figure 1 (p.19)",
        USE_COLUMNS,
        tuple(rows),
        note="Of the SUs with the severity known at both intake and closure (n); used: any severity above none. "
        "Exact McNemar test on the discordant pairs.",
        chart=Chart(
            tuple(DVA_LABELS.values()),
            (("Intake", tuple(row[2] for row in rows)), ("Exit", tuple(row[3] for row in rows))),
            "percent",
            "% of SUs using it",
        ),
    )


LEVEL_LABELS = ("None", "Standard", "Moderate", "High")


def _severity(doc: Mapping[str, Any]) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for key, label in DVA_LABELS.items():
        s = doc["severity_transitions"][key]
        for level, level_label in zip(s["levels"], LEVEL_LABELS, strict=True):
            rows.append(
                (
                    f"{label} (n {s['n']}: {s['increased']} increased, {s['decreased']} decreased)"
                    if level == "none"
                    else "",
                    level_label,
                    s["intake_counts"][level],
                    s["exit_counts"][level],
                    s["percent_change"][level],
                    *s["table"][s["levels"].index(level)],
                )
            )
    high = [row for row in rows if row[1] == "High"]
    none = [row for row in rows if row[1] == "None"]
    return Table(
        "severity",
        "Severity of each type of abuse, intake \u2192 exit",
        "Figures 2a, 2b (p.20); Appendix 3, Tables 1\u20134 (pp.63\u201364)",
        (
            "Type",
            "Severity",
            "Intake",
            "Exit",
            "% change",
            "\u2192 None",
            "\u2192 Standard",
            "\u2192 Moderate",
            "\u2192 High",
        ),
        tuple(rows),
        note="SUs with the severity known at both timepoints; the last four columns are the intake level (row) "
        "against the exit level: the evaluation's Appendix 3 tables. % change: exit against intake.",
        chart=Chart(
            tuple(DVA_LABELS.values()),
            (
                ("Not used, intake", tuple(row[2] for row in none)),
                ("Not used, exit", tuple(row[3] for row in none)),
                ("High, intake", tuple(row[2] for row in high)),
                ("High, exit", tuple(row[3] for row in high)),
            ),
            "count",
            "SUs",
        ),
    )


def _dva_use_bcw(doc: Mapping[str, Any]) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for group, label in (("yes", "Did behaviour change work"), ("no", "Did none")):
        for row in _use_rows(doc["by_behaviour_change_work"][group]["dva_use"]):
            rows.append((label if row[0] == "Physical" else "", *row))
    return Table(
        "dva_use_bcw",
        "Use of abuse, intake and exit, by behaviour change work",
        "Figures 3\u20134 (p.21); Appendix 3 (pp.66\u201367)",
        ("SUs", *USE_COLUMNS),
        tuple(rows),
        note="As the table above, in each group.",
    )


GROUPS = (("all", "All SUs"), ("contacted", "Contacted"), ("not_contacted", "Not contacted"))


def _risk_change(doc: Mapping[str, Any]) -> Table:
    groups = doc["risk_change"]
    rows: list[tuple[Cell, ...]] = []
    for code in RiskChange:
        if code is RiskChange.DONT_KNOW:
            rows.append((code.label, *(groups[g][code.value] for g, _ in GROUPS)))
        else:
            rows.append((code.label, *(Count(groups[g][code.value], groups[g]["known"]) for g, _ in GROUPS)))
    rows.append(("Known (the % base)", *(groups[g]["known"] for g, _ in GROUPS)))
    known_rows = [row for row in rows if isinstance(row[1], Count)]
    return Table(
        "risk_change",
        "Case managers' judgement of the change in risk at closure",
        "Table 4, Figure 7 (p.25)",
        ("Judgement", *(label for _, label in GROUPS)),
        tuple(rows),
        note="Percentages are where information was known (answers other than don't know), as the evaluation's "
        "Table 4.",
        chart=Chart(
            tuple(str(row[0]) for row in known_rows),
            tuple((label, tuple(row[index + 1] for row in known_rows)) for index, (_, label) in enumerate(GROUPS)),
            "percent",
            "% of SUs where known",
        ),
    )


def _idva_view(doc: Mapping[str, Any]) -> Table:
    view = doc["idva_view"]
    rows: list[tuple[Cell, ...]] = []
    for answer_id, question, vocabulary in (
        ("idva_risk_change", "Idva's judgement of the change in risk", IdvaRiskChange),
        ("vs_safer", "Victim/survivor feels safer", VictimSafer),
    ):
        figures = view[answer_id]
        for number, member in enumerate(vocabulary):
            n = figures["counts"][member.value]
            known = member.value in figures["percent_of_known"]
            rows.append((question if number == 0 else "", member.label, Count(n, figures["known"]) if known else n))
        rows.append(("", "Known (the % base)", figures["known"]))
    safer = [row for row in rows if row[1] in {m.label for m in VictimSafer} and isinstance(row[2], Count)]
    return Table(
        "idva_view",
        "Idvas' view at closure",
        "Table 5 (p.26)",
        ("Question", "Answer", "V/S (% where known)"),
        tuple(rows),
        note="Percentages are of the answers known: other than don't know, not asked and client not contactable "
        "(closure form v2 onwards).",
        chart=Chart(
            tuple(str(row[1]) for row in safer),
            (("Victim/survivors", tuple(row[2] for row in safer)),),
            "percent",
            "% where known",
        ),
    )


def _no_contact(doc: Mapping[str, Any]) -> Table:
    reasons = doc["no_contact_reasons"]
    rows: list[tuple[Cell, ...]] = [
        ("The same reason throughout", _label(code, NoContactReason), n)
        for code, n in reasons["same_throughout"].items()
    ]
    for change, n in reasons["changes"].items():
        before, _, after = change.partition(" -> ")
        rows.append(("Changed", f"{_label(before, NoContactReason)} \u2192 {_label(after, NoContactReason)}", n))
    return Table(
        "no_contact",
        "Reasons for no contact, across a case's assessments",
        "pp.34\u201335",
        ("", "Reason", "SUs"),
        tuple(rows),
        note=f"{reasons['cases_changed']} SU(s) had the reason change; a change is counted once per pair of "
        "consecutive assessments.",
    )


def _age_by_contact(doc: Mapping[str, Any]) -> Table:
    ages = doc["age_by_contact"]
    rows: list[tuple[Cell, ...]] = []
    for key, label in (("service_user", "Service Users"), ("victim_survivor", "Victim/survivors")):
        a = ages[key]
        rows.append(
            (
                label,
                a["contacted"]["n"],
                a["contacted"].get("median"),
                a["contacted"].get("mean_rank"),
                a["not_contacted"]["n"],
                a["not_contacted"].get("median"),
                a["not_contacted"].get("mean_rank"),
                a["u"],
                p_value(a["mannwhitney_p"]),
            )
        )
    return Table(
        "age_by_contact",
        "Age by whether the SU was contacted",
        "p.35",
        (
            "Age of",
            "Contacted: n",
            "median",
            "mean rank",
            "Not contacted: n",
            "median",
            "mean rank",
            "U",
            "Mann\u2013Whitney p",
        ),
        tuple(rows),
        note="Ages known; two-sided Mann\u2013Whitney U test (no test when a group is empty).",
    )


def _needs_by_contact(doc: Mapping[str, Any]) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for need, row in doc["needs_by_contact"].items():
        cells: list[Cell] = [NEED_LABELS.get(need, need)]
        for group, _ in GROUPS:
            g = row[group]
            cells += [Count(g["yes"], g["of"]), Count(g["missing"], g["of"])]
        test = row["missing_by_contact"]["test"]
        cells.append(None if test is None else p_value(test["p"]))
        rows.append(tuple(cells))
    columns = ["Need"]
    for _, label in GROUPS:
        columns += [f"{label}: with it", "missing"]
    return Table(
        "needs_by_contact",
        "Complex needs and missing data by contact",
        "Appendix 2, Table 2 (p.59)",
        (*columns, "\u03c7\u00b2 p (missing)"),
        tuple(rows),
        note="Percentages are of every SU in the group; \u03c7\u00b2: missing against known, contacted against not.",
    )


def _by_site(doc: Mapping[str, Any]) -> Table:
    sites = doc["by_site"]
    relationships = [
        code
        for code in Relationship
        if any(code.value in s["victim_profile"]["relationship"]["counts"] for s in sites.values())
    ]
    rows: list[tuple[Cell, ...]] = []
    for site, figures in sites.items():
        profile, victims = figures["profile"], figures["victim_profile"]
        rows.append(
            (
                site,
                figures["cases"],
                profile["age"].get("mean"),
                victims["age"].get("mean"),
                *(Count(victims["relationship"]["counts"].get(code.value, 0), victims["of"]) for code in relationships),
            )
        )
    return Table(
        "by_site",
        "By site: Service Users, victim/survivors and their relationship",
        "Appendix 1, Tables 1\u20133 and Figures 2\u20134 (pp.54\u201357)",
        ("Site", "Closed cases", "SU mean age", "V/S mean age", *(code.label for code in relationships)),
        tuple(rows),
        note="Relationship percentages are of each site's victim/survivors.",
        chart=Chart(
            tuple(code.label for code in relationships),
            tuple((str(row[0]), tuple(row[4:])) for row in rows),
            "percent",
            "% of the site's V/S",
        ),
    )


def _work_kinds(doc: Mapping[str, Any]) -> Table:
    total = sum(doc["entries"].values())
    rows = tuple(
        (kind.label, Count(doc["entries"][kind.value], total), doc["entries_per_case"][kind.value]) for kind in WorkKind
    )
    return Table(
        "work_kinds",
        "Direct and indirect work",
        "Figure 8 (p.27)",
        ("Kind of work", f"Entries (% of all {total})", "Per case"),
        rows,
        note=f"Work-log entries dated in the period, over the {doc['cases']} case(s) open in it.",
        chart=Chart(
            tuple(str(row[0]) for row in rows), (("Entries", tuple(row[1] for row in rows)),), "percent", "% of entries"
        ),
    )


def _indirect(doc: Mapping[str, Any], key: str) -> Table:
    indirect = doc["entries"][WorkKind.INDIRECT.value]
    if key == "indirect_agencies":
        vocabulary: type[Coded] = Agency
        counts, title, source, column = (
            doc["indirect_by_agency"],
            "Information sharing and indirect work by agency",
            "Figure 10 (p.29)",
            "Agency",
        )
    else:
        vocabulary = AgencyAction
        counts, title, source, column = (
            doc["indirect_by_action"],
            "Multi-agency working, by what was done",
            "Figure 9 (p.28)",
            "What was done",
        )
    rows = tuple((member.label, Count(counts[member.value], indirect)) for member in vocabulary if counts[member.value])
    return Table(
        key,
        title,
        source,
        (column, f"Entries (% of all {indirect} indirect)"),
        rows,
        note="Percentages are of every indirect work-log entry in the period.",
        chart=Chart(
            tuple(str(row[0]) for row in rows),
            (("Indirect entries", tuple(row[1] for row in rows)),),
            "percent",
            "% of indirect entries",
        )
        if rows
        else None,
    )


def _casework(doc: Mapping[str, Any]) -> Table:
    cases = doc["cases"]
    disruption, safeguarding, attempts = doc["disruption"], doc["child_safeguarding"], doc["contact_attempts"]
    requests = doc["info_requests"]
    rows: list[tuple[Cell, ...]] = [
        ("Disruption", "Cases with any", Count(disruption["cases"], cases)),
        ("", "Entries", disruption["entries"]),
        *(("", f"Entries at {site}", n) for site, n in disruption["by_site"].items()),
        ("Child safeguarding", "Cases with any", Count(safeguarding["cases"], cases)),
        ("", "Entries", safeguarding["entries"]),
        ("Contact attempts", "SUs contacted", Count(attempts["contacted"]["cases"], cases)),
        ("", "Median attempts per contacted SU", attempts["contacted"]["median_attempts"]),
        ("", "SUs never contacted", Count(attempts["never_contacted"]["cases"], cases)),
        ("", "Median attempts per SU never contacted", attempts["never_contacted"]["median_attempts"]),
        ("", "Median attempts before first contact", doc["attempts_before_first_contact_median"]),
        ("Information requests", "Open", requests["open"]),
        ("", "Answered", requests["answered"]),
        ("", "Median days to an answer", requests["median_days_to_answer"]),
        ("", f"Stalled (open over {requests['stalled_after_working_days']} working days)", requests["stalled"]),
    ]
    return Table(
        "casework",
        "Disruption, child safeguarding, contact attempts and information requests",
        "pp.28\u201335",
        ("", "", "Figure"),
        tuple(rows),
        note=f"Percentages are of the {cases} case(s) open in the period.",
    )
