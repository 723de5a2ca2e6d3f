"""The outcome report as Rich tables: one rendering for the terminal and for the app."""

from __future__ import annotations

from typing import Any

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from drive_tui.domain.vocab import RiskChange

DVA_LABELS = {
    "physical": "Physical",
    "sexual": "Sexual",
    "harassment_stalking": "Harassment/stalking",
    "jealousy_coercion": "Jealousy/coercion",
}


def _p(value: float) -> str:
    return "<0.0001" if value < 0.0001 else f"{value:.4f}"


def outcome_tables(document: dict[str, Any]) -> list[RenderableType]:
    """The outcome report as Rich renderables, for the terminal (`drive-tui report outcomes`) and the app. With no
    closed case there is nothing to compare: one sentence says so, not tables of zeros and a p-value of 1."""
    if not document["cases"]:
        return [
            Text(
                "No closed cases match, so there is nothing to analyse yet: a case counts once its closure "
                "assessment is submitted."
            )
        ]
    out: list[RenderableType] = []
    out.append(
        Text.from_markup(
            f"[bold]Outcomes over {document['cases']} closed case(s)[/]: {document['paired']} with intake and "
            f"closure; left out of paired analyses: {document['unpaired']['no_intake']} without intake, "
            f"{document['unpaired']['no_closure']} without closure."
        )
    )
    use = Table(title="Use of each type of abuse, intake vs exit (SUs with both known)")
    use.add_column("Type", no_wrap=True)  # never "Harassme…" at 80 columns: the figures' headers wrap instead
    for column in ("n", "Used at intake", "Used at exit", "Used → not", "Not → used", "Exact McNemar p"):
        use.add_column(column, justify="right")
    for key, label in DVA_LABELS.items():
        d = document["dva_use"][key]
        use.add_row(
            label,
            str(d["n"]),
            str(d["intake_used"]),
            str(d["exit_used"]),
            str(d["used_to_not"]),
            str(d["not_to_used"]),
            _p(d["mcnemar_exact_p"]),
        )
    out.append(use)
    severity = Table(title="Severity at intake → exit")
    severity.add_column("Type", no_wrap=True)
    for column in ("n", "Increased", "Decreased", "High: intake → exit", "None: intake → exit"):
        severity.add_column(column)
    for key, label in DVA_LABELS.items():
        s = document["severity_transitions"][key]
        severity.add_row(
            label,
            str(s["n"]),
            str(s["increased"]),
            str(s["decreased"]),
            f"{s['intake_counts']['high']} → {s['exit_counts']['high']}",
            f"{s['intake_counts']['none']} → {s['exit_counts']['none']}",
        )
    out.append(severity)
    risk = Table(
        title="Case manager's judgement of risk change at closure",
        caption="n (% where known: answers other than don't know, as the evaluation's Table 4)",
    )
    risk.add_column("Judgement")
    for group in ("all", "contacted", "not_contacted"):
        risk.add_column(group.replace("_", " ").capitalize(), justify="right")
    groups = document["risk_change"]
    for code in RiskChange:
        cells = []
        for group in ("all", "contacted", "not_contacted"):
            share = groups[group]["percent_of_known"][code.value]
            cells.append(f"{groups[group][code.value]}" + (f" ({share}%)" if share is not None else ""))
        risk.add_row(code.label, *cells)
    risk.add_row(
        "Known (the % base)", *[str(groups[group]["known"]) for group in ("all", "contacted", "not_contacted")]
    )
    out.append(risk)
    out.append(_idva_table(document["idva_view"]))
    needs = document["complex_needs"]
    out.append(
        Text(
            f"Complex needs per SU (of {needs['all_known']} with all four known): "
            + ", ".join(f"{k}: {v}" for k, v in needs["count_distribution"].items())
        )
    )
    by_contact = document["needs_by_contact"]
    needs_table = Table(
        title="Complex needs at intake by contact (App. 2, Table 2)",
        caption="n with the need / n missing (% of every SU in the group); χ²: missing data, contacted vs not",
    )
    needs_table.add_column("Need")
    for group in ("all", "contacted", "not_contacted"):
        needs_table.add_column(group.replace("_", " ").capitalize(), justify="right")
    needs_table.add_column("χ² p", justify="right")
    for need, row in by_contact.items():
        cells = [
            "—"
            if not row[g]["of"]
            else f"{row[g]['yes']} ({row[g]['percent_yes']}%) / {row[g]['missing']} ({row[g]['percent_missing']}%)"
            for g in ("all", "contacted", "not_contacted")
        ]
        test = row["missing_by_contact"]["test"]
        needs_table.add_row(
            need.removeprefix("need_").replace("_", " "), *cells, "—" if test is None else str(test["p"])
        )
    out.append(needs_table)
    victims = document["victim_profile"]
    out.append(
        Text(
            f"Victim/survivors (% of all {victims['of']}; {victims['cases_without']} case(s) with none recorded): "
            + ", ".join(
                f"{code} {n} ({victims['relationship']['percent'][code]}%)"
                for code, n in victims["relationship"]["counts"].items()
            )
            + (f"; mean age {victims['age']['mean']}" if victims["age"]["n"] else "")
        )
    )
    offences = document["previous_offences"]
    out.append(
        Text(
            f"Previous offences (% of all {offences['of']} SUs): "
            + ", ".join(
                f"{label} {offences[key]} ({offences['percent'][key]}%)"
                for key, label in (
                    ("only_dva", "only DVA"),
                    ("only_non_dva", "only non-DVA"),
                    ("both", "both"),
                    ("neither", "neither"),
                    ("not_known", "not known"),
                )
            )
        )
    )
    tests = document["needs_and_offences"]
    out.append(
        Text(
            "Any complex need × previous offences, Fisher's exact test: "
            + "; ".join(
                f"{label} p = {tests[key]['fisher_exact_p']} (n = {tests[key]['n']})"
                for key, label in (("previous_dva_offences", "DVA"), ("previous_other_offences", "other"))
            )
        )
    )
    ages = document["age_by_contact"]
    out.append(
        Text(
            "Age by contact, Mann–Whitney U: "
            + "; ".join(
                f"{label} mean rank contacted {ages[key]['contacted']['mean_rank']} (n = {ages[key]['contacted']['n']})"
                f" vs not {ages[key]['not_contacted']['mean_rank']} (n = {ages[key]['not_contacted']['n']}),"
                f" p = {ages[key]['mannwhitney_p']}"
                for key, label in (("service_user", "SU"), ("victim_survivor", "V/S"))
            )
        )
    )
    reasons = document["no_contact_reasons"]
    out.append(
        Text(
            f"No contact: the same reason throughout for {sum(reasons['same_throughout'].values())} SU(s); "
            f"changed for {reasons['cases_changed']}. Full figures: drive-tui report outcomes --format json."
        )
    )
    return out


def _idva_table(view: dict[str, Any]) -> RenderableType:
    from drive_tui.domain.vocab import IdvaRiskChange, VictimSafer

    table = Table(
        title="The Idva's view at closure (closure form v2)",
        caption="n (% where known: other than don't know, not asked and client not contactable)",
    )
    table.add_column("Question")
    table.add_column("Answer")
    table.add_column("n", justify="right")
    for answer_id, question, vocabulary in (
        ("idva_risk_change", "Idva's judgement of risk change", IdvaRiskChange),
        ("vs_safer", "Victim/survivor feels safer", VictimSafer),
    ):
        figures = view[answer_id]
        for number, member in enumerate(vocabulary):
            share = figures["percent_of_known"].get(member.value)
            count = f"{figures['counts'][member.value]}" + (f" ({share}%)" if share is not None else "")
            table.add_row(question if number == 0 else "", member.label, count)
        table.add_row("", "Known (the % base)", str(figures["known"]), end_section=True)
    return table


def casework_tables(document: dict[str, Any]) -> list[RenderableType]:
    """The casework figures (``analysis.casework``) as Rich renderables, each percentage naming its base."""
    from drive_tui.domain.vocab import Agency, AgencyAction, WorkKind

    cases = document["cases"]
    period = document["period"]
    span = f"{period['from'] or 'the start'} to {period['to'] or 'today'}"
    if not cases:
        return [Text(f"No case was open from {span}: there is no casework to count.")]
    out: list[RenderableType] = [Text.from_markup(f"[bold]Casework over {cases} case(s)[/] open from {span}")]
    entries = Table(title="Work-log entries by kind")
    entries.add_column("Kind", no_wrap=True)
    entries.add_column("Entries", justify="right")
    entries.add_column("Per case", justify="right")
    for kind in WorkKind:
        entries.add_row(kind.label, str(document["entries"][kind.value]), str(document["entries_per_case"][kind.value]))
    out.append(entries)
    indirect = document["entries"][WorkKind.INDIRECT.value]
    for key, vocabulary, title in (
        ("indirect_by_agency", Agency, "Indirect work by agency (% of all indirect entries)"),
        ("indirect_by_action", AgencyAction, "Indirect work by what was done (% of all indirect entries)"),
    ):
        table = Table(title=title)
        table.add_column(title.split(" by ")[1].split(" (")[0].capitalize())
        table.add_column("Entries", justify="right")
        for member in vocabulary:
            count = document[key][member.value]
            if count:
                table.add_row(member.label, f"{count} ({_percent(count, indirect)})")
        if table.row_count:
            out.append(table)
    disruption, safeguarding = document["disruption"], document["child_safeguarding"]
    out.append(
        Text(
            f"Disruption: {disruption['entries']} entries in {disruption['cases']} of {cases} cases "
            f"({_percent(disruption['cases'], cases)})"
            + (
                "; by site: " + ", ".join(f"{site} {n}" for site, n in disruption["by_site"].items())
                if disruption["by_site"]
                else ""
            )
            + f". Child safeguarding: {safeguarding['entries']} entries in {safeguarding['cases']} of {cases} cases "
            f"({_percent(safeguarding['cases'], cases)})."
        )
    )
    attempts = Table(title="Contact attempts", caption="contacted: the work log shows the SU reached in the period")
    for column in ("Service Users", "Cases", "Attempts", "Median per case"):
        attempts.add_column(column, justify="left" if column == "Service Users" else "right")
    for group, label in (("contacted", "Contacted"), ("never_contacted", "Never contacted")):
        row = document["contact_attempts"][group]
        attempts.add_row(label, str(row["cases"]), str(row["attempts"]), _number(row["median_attempts"]))
    out.append(attempts)
    requests = document["info_requests"]
    out.append(
        Text(
            f"Attempts before first contact (median, contacted SUs): "
            f"{_number(document['attempts_before_first_contact_median'])}. Information requests: "
            f"{requests['open']} open, {requests['answered']} answered (median "
            f"{_number(requests['median_days_to_answer'])} days to answer), {requests['stalled']} stalled "
            f"(open over {requests['stalled_after_working_days']} working days)."
        )
    )
    return out


def _percent(part: int, whole: int) -> str:
    return "—" if not whole else f"{round(100 * part / whole, 1)}%"


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"
