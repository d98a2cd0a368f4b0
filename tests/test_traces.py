"""Every number glued into the prose can be traced to the rows it was computed from: each glued
value shown in a chapter's text whose words contain a digit has a trace beside it (see
evidence_review.presentation.tracing), and the trace HTML is what the book shows on hover."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from evidence_review import CHAPTERS_DIR
from evidence_review.presentation.tracing import TRACE_SUFFIX, Trace, pooled_trace, rows_trace, split_traces, traced

GLUE_MIME = "application/papermill.record/"
# Figures and captions are not numbers in the prose; their data sit in the chart and its table.
NOT_NUMBERS = ("fig_", "cap_")


def glued(notebook) -> dict[str, dict]:
    data = {}
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                data[name] = {k[len(GLUE_MIME):]: v for k, v in output.get("data", {}).items() if k.startswith(GLUE_MIME)}
    return data


def used_in_prose(notebook) -> set[str]:
    text = "".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown")
    return set(re.findall(r"\{glue:(?:text|md)\}`([A-Za-z0-9_]+)", text))


CHAPTERS = sorted(CHAPTERS_DIR.glob("*.ipynb"))


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_number_in_the_prose_has_a_trace(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    data = glued(notebook)
    untraced = []
    for key in sorted(used_in_prose(notebook)):
        if key.startswith(NOT_NUMBERS) or key not in data:
            continue
        shown = str(data[key].get("text/markdown") or data[key].get("text/plain", ""))
        if re.search(r"\d", shown) and key + TRACE_SUFFIX not in data:
            untraced.append(f"{key} = {shown[:60]!r}")
        trace = str(data.get(key + TRACE_SUFFIX, {}).get("text/plain", ""))
        if "these" in trace and trace.endswith(", 0 rows)"):  # a trace that promises rows and has none
            untraced.append(f"{key}: empty trace {trace[:80]}")
    assert untraced == [], f"{path.name}: numbers in the prose without a trace:\n" + "\n".join(untraced)


def test_trace_html_lists_rows_with_sources_and_counts_the_rest():
    frame = pd.DataFrame({"short_name": [f"Trial {i}" for i in range(15)], "n": range(15), "citekey": "zarate2006",
                          "locator": "Table 2", "evidence_level": "primary"})
    html = rows_trace(frame, "Sum of n <over> trials.", "short_name", "n", more_at="see the table").html()
    assert html.count("<br>") == 13  # 12 rows and the "more" line
    assert "… and 3 more (see the table)" in html
    assert "&lt;over&gt;" in html  # escaped
    assert "read in Zarate 2006, Table 2" in html and "zarate2006" not in html


def test_traced_values_are_unwrapped_for_glue():
    trace = Trace("A count.")
    values, traces = split_traces({"a": traced(3, trace), "b": 4}, {"c": trace})
    assert values == {"a": 3, "b": 4} and set(traces) == {"a", "c"}


def test_pooled_trace_names_each_trial_with_its_own_numbers():
    from evidence_review.data.tables import load_tables
    from evidence_review.analysis.trials import QUESTIONS, run_question

    tables = load_tables(["studies", "trial_arms", "arm_outcomes", "contrasts"])
    question = next(q for q in QUESTIONS if q.key == "esketamine_response_28d")
    result = run_question(tables, question)
    trace = pooled_trace(result)
    assert len(trace.rows) == result["k"]
    assert trace.rows["value"].str.match(r"drug \d+/\d+ vs control \d+/\d+").all()
    assert trace.rows["source"].str.len().gt(0).all() and trace.rows["locator"].str.len().gt(0).all()


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_glued_words_are_words_not_codes(path):
    """A glued value in the prose never shows a data code ('bdnf_trkb', or 'bdnf trkb')."""
    from evidence_review.build.layout_checks import reader_codes

    notebook = json.loads(path.read_text(encoding="utf-8"))
    data = glued(notebook)
    codes = set(reader_codes()["whole_cell"])
    found = []
    for key in sorted(used_in_prose(notebook) & set(data)):
        shown = re.sub(r"<[^>]+>", " ", str(data[key].get("text/plain", ""))).strip("'\"")  # words, not link addresses
        parts = {p.strip() for p in re.split(r"[,;]", shown)}
        hits = sorted(parts & codes) + re.findall(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b", shown)
        if hits:
            found.append(f"{key}: {hits}")
    assert found == [], f"{path.name}: codes in glued prose: {found}"
