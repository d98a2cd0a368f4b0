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
    "mdd_suicidal_ideation": "depression with suicidal ideation", "mixed": "mixed",
    "parallel_rct": "parallel", "crossover_rct": "crossover", "randomized_withdrawal": "randomised withdrawal",
    "open_label": "open-label", "double_blind": "double-blind", "single_blind": "single-blind (raters)",
    "very_low": "very low", "some_concerns": "some concerns", "supported_with_caveats": "supported with caveats",
    "preclinical_only": "preclinical only", "not_supported": "not supported", "insufficient_evidence": "insufficient evidence",
}


def readable(series: pd.Series) -> pd.Series:
    """Data codes turned into words for a reader-facing table."""
    return series.map(lambda v: DISPLAY_LABELS.get(v, v.replace("_", " ") if isinstance(v, str) else v))
