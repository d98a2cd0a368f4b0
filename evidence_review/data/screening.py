"""The search record: PRISMA 2020 flow counts from the screening log, and the date the evidence is
current to, so neither is ever typed by hand."""

from __future__ import annotations

import pandas as pd

from evidence_review.data.labels import FIELD_LABELS

FOUND_VIA_LABELS = FIELD_LABELS["found_via"]
REASON_LABELS = FIELD_LABELS["exclusion_reason"]


def evidence_current_to(searches: pd.DataFrame) -> pd.Timestamp:
    """The date of the most recent search: what 'evidence current to' means on every page."""
    return pd.Timestamp(searches["date_run"].max())


def format_date(day: pd.Timestamp) -> str:
    return f"{day.day} {day:%B %Y}"


def prisma_records(log: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The records in each box of the PRISMA 2020 flow diagram (new reviews: databases, registers
    and other sources together). Duplicates leave before screening; records excluded at the
    screening stage leave there; reports excluded after full assessment are kept apart from
    further reports of included trials."""
    duplicate = (log["exclusion_reason"] == "duplicate").fillna(False)
    screened = log[~duplicate & (log["stage"] != "identified")]
    assessed = screened[screened["stage"].isin(["assessed", "included"])]
    excluded_assessed = assessed[assessed["decision"] == "excluded"]
    secondary = excluded_assessed["exclusion_reason"] == "secondary_report"
    return {"identified": log, "duplicates": log[duplicate], "screened": screened,
            "excluded_screening": screened[(screened["decision"] == "excluded") & (screened["stage"] == "screened")],
            "awaiting": log[log["decision"] == "awaiting_assessment"], "assessed": assessed,
            "excluded_assessed": excluded_assessed[~secondary], "secondary_reports": excluded_assessed[secondary],
            "included": log[log["decision"] == "included"]}


def prisma_counts(log: pd.DataFrame) -> dict:
    """Counts for each box of the PRISMA 2020 flow diagram (see prisma_records)."""
    boxes = prisma_records(log)
    included = boxes["included"]
    return {
        "identified": len(log),
        "by_source": log["found_via"].map(FOUND_VIA_LABELS).value_counts().to_dict(),
        "duplicates": len(boxes["duplicates"]),
        "screened": len(boxes["screened"]),
        "excluded_screening": len(boxes["excluded_screening"]),
        "awaiting": len(boxes["awaiting"]),
        "assessed": len(boxes["assessed"]),
        "excluded_assessed": len(boxes["excluded_assessed"]),
        "reasons": boxes["excluded_assessed"]["exclusion_reason"].map(REASON_LABELS).value_counts().to_dict(),
        "studies": int(included["study_id"].nunique()),
        "reports": len(included) + len(boxes["secondary_reports"]),
    }
