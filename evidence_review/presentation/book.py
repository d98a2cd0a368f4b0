"""Helpers every chapter uses: the preamble, glue, and the evidence tables (table_view)."""

from __future__ import annotations

import pandas as pd

from evidence_review.presentation.charts import use_house_style
from evidence_review.data.labels import label, labelled
from evidence_review.presentation.table_view import table_html  # noqa: F401  (chapters import it from here)


def setup_chapter() -> None:
    """One call at the top of each chapter: house chart style, offline renderer, table display."""
    use_house_style()
    pd.set_option("display.max_colwidth", None)


def glue_evidence_date() -> str:
    """Glue 'current_to', the date of the latest search, for the "Evidence current to" line at the
    top of every evidence chapter (so the chapter re-executes when the search record changes)."""
    from evidence_review.data.screening import evidence_current_to, format_date
    from evidence_review.data.tables import load_tables

    from evidence_review.presentation.tracing import rows_trace

    searches = load_tables(["searches"])["searches"]
    current_to = format_date(evidence_current_to(searches))
    latest = searches[searches["date_run"] == searches["date_run"].max()]
    glue_all({"current_to": current_to}, traces={"current_to": rows_trace(
        latest.assign(what=labelled(latest["source"], "source") + ": " + labelled(latest["question"], "question") + " (" + latest["query"] + ")",
                      when=latest["date_run"].dt.strftime("%Y-%m-%d")),
        "The date of the latest search (data/searches.csv).", "what", "when", source="", locator="", level="")})
    return current_to


def glue_all(values: dict, traces: dict | None = None) -> None:
    """Glue several values at once, for the prose (display=False keeps them out of the page).
    traces: {name: tracing.Trace}, the rows each number was computed from, shown on hover; a value
    may also carry its own (tracing.traced(value, trace))."""
    from myst_nb import glue

    from evidence_review.presentation.tracing import TRACE_SUFFIX, split_traces

    values, traces = split_traces(values, traces)
    for name, value in values.items():
        glue(name, value, display=False)
    for name, trace in (traces or {}).items():
        if name not in values:
            raise KeyError(f"trace for {name!r}, which is not glued here")
        glue(name + TRACE_SUFFIX, trace, display=False)


def pct(numerator: float, denominator: float) -> str:
    """A percentage for the prose, to the nearest whole number."""
    return f"{100 * numerator / denominator:.0f}%"


def readable(series: pd.Series) -> pd.Series:
    """Data codes turned into words for a reader-facing table or chart (labels.FIELD_LABELS)."""
    return series.map(label)


def glue_question(result: dict) -> None:
    """Glue one pooled question for the clinical-trials chapter: its paragraph (``txt_<key>``),
    figure caption (``cap_<key>``) and forest plot (``fig_<key>``), the paragraph traced to the
    trials behind it."""
    from IPython.display import Markdown

    from evidence_review.presentation import charts
    from evidence_review.presentation.tracing import pooled_trace
    from evidence_review.analysis.trials import MEASURE_LABELS, RATIO_MEASURES, describe_result, heterogeneity_text

    q = result["question"]
    ratio = q.measure in RATIO_MEASURES
    stand_in = "forest" in result and result["effects"]["evidence"].ne("primary").any()
    adjusted = "forest" in result and result["effects"]["contrast"].fillna("").str.startswith("adjusted").any()
    from evidence_review.analysis.trials import population_key

    key = population_key(result["effects"]) if "forest" in result else ""
    caption = (q.label + (" (above 1 favours the drug)" if ratio else " (negative favours the drug)")
               + (f"; populations: {key}" if key else "")
               + ("; † numbers read second-hand, standing in for a trial whose own report was out of reach" if stand_in else "")
               + ("; ‡ the trial's own adjusted estimate (for example ANCOVA or a mixed model), not a raw difference of arm means"
                  if adjusted else "") + ".")
    if "forest" in result:
        figure = charts.forest_chart(
            result["forest"], q.label, f"Forest plot: {q.label}. One row per trial with its 95% confidence interval; the diamond is "
            "the pooled random-effects estimate when there are at least two trials.", MEASURE_LABELS[q.measure],
            null_value=1.0 if ratio else 0.0, log_scale=ratio,
            heterogeneity=heterogeneity_text(result["pooled"]) if "pooled" in result else None)
    else:
        figure = charts.empty_chart(q.label, "No trial has usable numbers for this question yet.")
    from evidence_review import DOWNLOADS, EFFECT_DIR

    reuse = (f' <a href="../{DOWNLOADS}/{EFFECT_DIR}/{q.key}.csv">Per-trial effect sizes (CSV, for metafor or PyMARE)</a>.'
             if result["k"] else "")
    glue_all({f"txt_{q.key}": Markdown(describe_result(result) + reuse), f"cap_{q.key}": caption, f"fig_{q.key}": figure},
             traces={f"txt_{q.key}": pooled_trace(result)})
