"""Helpers every chapter uses: the preamble, and tables rendered safely with captions."""

from __future__ import annotations

import html
import re

import pandas as pd
from IPython.display import HTML

from .charts import use_house_style


def setup_chapter() -> None:
    """One call at the top of each chapter: house chart style, offline renderer, table display."""
    use_house_style()
    pd.set_option("display.max_colwidth", None)


def table_html(frame: pd.DataFrame, caption: str, columns: dict[str, str] | None = None) -> HTML:
    """An accessible HTML table with a caption; every cell is escaped, so text in the data is
    always shown as text, never run as markup."""
    if columns:
        frame = frame[list(columns)].rename(columns=columns)
    body = frame.astype("string").fillna("").to_html(index=False, escape=True, border=0, classes="evidence-table")
    body = re.sub(r"<table[^>]*>", f'<table class="evidence-table" tabindex="0"><caption>{html.escape(caption)}</caption>', body, count=1)
    return HTML(body)


def glue_evidence_date() -> str:
    """Glue 'current_to', the date of the latest search, for the "Evidence current to" line at the
    top of every evidence chapter (so the chapter re-executes when the search record changes)."""
    from .screening import evidence_current_to, format_date
    from .tables import load_tables

    current_to = format_date(evidence_current_to(load_tables(["searches"])["searches"]))
    glue_all({"current_to": current_to})
    return current_to


def glue_all(values: dict) -> None:
    """Glue several values at once, for the prose (display=False keeps them out of the page)."""
    from myst_nb import glue

    for name, value in values.items():
        glue(name, value, display=False)


def pct(numerator: float, denominator: float) -> str:
    """A percentage for the prose, to the nearest whole number."""
    return f"{100 * numerator / denominator:.0f}%"


# Codes used in the data, as readers should see them.
DISPLAY_LABELS = {
    "trd": "treatment-resistant depression", "mdd": "major depression", "bipolar_depression": "bipolar depression",
    "mdd_suicidal_ideation": "depression with suicidal ideation", "mixed": "unipolar and bipolar",
    "adolescent": "adolescents", "perioperative": "depressed surgical patients", "postpartum": "postpartum depression",
    "older_adults": "older adults", "medically_ill": "serious medical illness", "depressive_symptoms": "depressive symptoms (no diagnosis required)", "add_on": "added to an antidepressant", "not_reported": "not reported",
    "active_placebo": "active placebo", "low_dose": "very low dose", "active_drug": "another drug",
    "waiting_list": "waiting list", "usual_care": "usual care", "other_dose": "another dose", "ect": "ECT",
    "primary": "primary", "secondary": "secondary", "derived": "derived", "press": "press", "unverified": "unverified",
    "parallel_rct": "parallel", "crossover_rct": "crossover", "randomized_withdrawal": "randomised withdrawal",
    "open_label": "open-label", "double_blind": "double-blind", "single_blind": "single-blind (raters)",
    "very_low": "very low", "some_concerns": "some concerns", "supported_with_caveats": "supported with caveats",
    "preclinical_only": "preclinical only", "not_supported": "not supported", "insufficient_evidence": "insufficient evidence",
}


def readable(series: pd.Series) -> pd.Series:
    """Data codes turned into words for a reader-facing table."""
    return series.map(lambda v: DISPLAY_LABELS.get(v, v.replace("_", " ") if isinstance(v, str) else v))
