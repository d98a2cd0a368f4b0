"""The search record: PRISMA 2020 flow counts from the screening log, and the date the evidence is
current to, so neither is ever typed by hand."""

from __future__ import annotations

import pandas as pd

FOUND_VIA_LABELS = {
    "database_search": "searches of stored databases and registries",
    "meta_analysis_list": "included-study lists of published meta-analyses",
    "reference_list": "reference lists",
    "registry": "trial registries",
    "results_report": "reports of results",
    "earlier_version": "the first version of the review",
}
REASON_LABELS = {
    "not_randomised": "not randomised",
    "wrong_population": "wrong population",
    "wrong_intervention": "wrong intervention",
    "wrong_comparator": "wrong comparator",
    "no_usable_outcome": "no usable outcome",
    "duplicate": "duplicate",
    "secondary_report": "another report of an included trial",
    "ongoing_no_results": "ongoing, no results yet",
    "not_retrievable": "report not retrievable",
    "review_or_commentary": "review or commentary",
    "animal_or_healthy": "animal study or healthy volunteers",
}


def evidence_current_to(searches: pd.DataFrame) -> pd.Timestamp:
    """The date of the most recent search: what 'evidence current to' means on every page."""
    return pd.Timestamp(searches["date_run"].max())


def format_date(day: pd.Timestamp) -> str:
    return f"{day.day} {day:%B %Y}"


def prisma_counts(log: pd.DataFrame) -> dict:
    """Counts for each box of the PRISMA 2020 flow diagram (new reviews: databases, registers and
    other sources together). Duplicates leave before screening; records excluded at the screening
    stage leave there; reports excluded after full assessment are counted by reason."""
    duplicate = log["exclusion_reason"] == "duplicate"
    awaiting = log["decision"] == "awaiting_assessment"
    screened = log[~duplicate.fillna(False) & (log["stage"] != "identified")]
    at_screening = screened[(screened["decision"] == "excluded") & (screened["stage"] == "screened")]
    assessed = screened[screened["stage"].isin(["assessed", "included"])]
    excluded_assessed = assessed[assessed["decision"] == "excluded"]
    secondary = excluded_assessed["exclusion_reason"] == "secondary_report"
    included = log[log["decision"] == "included"]
    return {
        "identified": len(log),
        "by_source": log["found_via"].map(FOUND_VIA_LABELS).value_counts().to_dict(),
        "duplicates": int(duplicate.fillna(False).sum()),
        "screened": len(screened),
        "excluded_screening": len(at_screening),
        "awaiting": int(awaiting.sum()),
        "assessed": len(assessed),
        "excluded_assessed": int((~secondary).sum()),
        "reasons": excluded_assessed.loc[~secondary, "exclusion_reason"].map(REASON_LABELS).value_counts().to_dict(),
        "studies": int(included["study_id"].nunique()),
        "reports": int(len(included) + secondary.sum()),
    }
