"""Every number in the prose, traceable in one click.

A chapter glues a number together with a :class:`Trace`: the rows of ``data/`` it was computed
from (trial, value, source as "Author year", locator, evidence level) and one line saying how.
``glue_all`` stores the trace beside the number under ``<key>__trace``; the book's glue roles
(``sphinx_ext``) find it and wrap the number so that hovering over it, or moving the keyboard
focus to it, shows the rows. The same trace serves a paragraph glued as Markdown, as a small
"sources" marker after the paragraph. On paper the traces are left out (the tables carry the
sources).
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

import pandas as pd

from evidence_review import TRACE_SUFFIX  # noqa: F401 (part of this module's interface)

MAX_ROWS = 12  # rows listed in one trace; the rest are counted and pointed to
COUNT_ROWS = 5  # rows listed under a count

LEVEL_WORDS = {"primary": "primary", "secondary": "secondary", "secondary (stand-in)": "secondary",
               "derived": "derived", "press": "press", "unverified": "unverified"}


@dataclass
class Trace:
    """How a number was computed (``note``) and the rows it was computed from: columns
    ``what`` (trial or finding), ``value``, ``source`` (citekeys), ``locator``, ``level``."""

    note: str
    rows: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["what", "value", "source", "locator", "level"]))
    more_at: str = ""  # where the full list is, when it is longer than max_rows
    max_rows: int = MAX_ROWS

    def html(self) -> str:
        """Safe HTML (spans only: the trace sits inside a sentence)."""
        from evidence_review.presentation.table_view import cite_text

        # Compact markup (a page may carry a hundred traces): the note in <strong>, one line per row.
        parts = [f"<strong>{html.escape(self.note)}</strong>"]
        for row in self.rows.head(self.max_rows).itertuples(index=False):
            bits = [f"<b>{html.escape(_text(row.what))}</b>"]
            if _text(row.value):
                bits.append(html.escape(_text(row.value)))
            where = ", ".join(t for t in (cite_text(_text(row.source)), _text(row.locator)) if t)
            if where:
                bits.append(f"read in {html.escape(where)}")
            if _text(row.level):
                bits.append(html.escape(LEVEL_WORDS.get(_text(row.level), _text(row.level))))
            parts.append(" · ".join(bits))
        hidden = len(self.rows) - self.max_rows
        if hidden > 0:
            parts.append(html.escape(f"… and {hidden} more" + (f" ({self.more_at})" if self.more_at else "")))
        return "<br>".join(parts)

    def _repr_html_(self) -> str:
        return self.html()

    def __repr__(self) -> str:
        return f"Trace({self.note!r}, {len(self.rows)} rows)"


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _frame(what, value, source, locator, level) -> pd.DataFrame:
    return pd.DataFrame({"what": list(what), "value": list(value), "source": list(source),
                         "locator": list(locator), "level": list(level)})


def arm_numbers(effects: pd.DataFrame, measure: str) -> list[str]:
    """Each trial's own numbers: 'drug 112/209 vs control 42/108', or mean (SD) n per arm, or the
    trial's reported contrast with its 95% CI when it gave no arm numbers."""
    from evidence_review.analysis.trials import RATIO_MEASURES, Z95, _arm_texts, signed

    drug, control = _arm_texts(effects)
    ratio = measure in RATIO_MEASURES
    out = []
    for (_, e), t, c in zip(effects.iterrows(), drug, control):
        if t != "reported Δ":
            out.append(f"drug {t} vs control {c}")
            continue
        yi, se = float(e["yi"]), math.sqrt(float(e["vi"]))
        if ratio:
            out.append(f"reported {measure} {math.exp(yi):.2f} ({math.exp(yi - Z95 * se):.2f} to {math.exp(yi + Z95 * se):.2f})")
        else:
            out.append(f"reported difference {signed(yi, 2)} ({signed(yi - Z95 * se, 2)} to {signed(yi + Z95 * se, 2)})")
    return out


def pooled_trace(result: dict, what: str = "pooled", note: str | None = None) -> Trace:
    """The trials behind a pooled estimate (or behind a lone trial's estimate); ``note`` says what
    was computed from them when it is not the question's own pooled estimate (e.g. subgroups)."""
    effects = result.get("effects")
    q = result["question"]
    if effects is None or len(effects) == 0:
        return Trace("No trial has usable numbers for this question.")
    method = result["pooled"].method if "pooled" in result else ""
    note = note or (f"Random-effects ({method}) {what} estimate of these {len(effects)} trials"
                    if "pooled" in result else "From this trial alone")
    return Trace(note + ".", _frame(effects["short_name"], arm_numbers(effects, q.measure), effects.get("read_in", [""] * len(effects)),
                                    effects.get("locator", [""] * len(effects)), effects["evidence"]))


def rows_trace(frame: pd.DataFrame, note: str, what: str, value: str | None = None, source: str = "citekey",
               locator: str = "locator", level: str = "evidence_level", more_at: str = "", max_rows: int = MAX_ROWS) -> Trace:
    """A number computed from rows of one table (a count, a share, a single finding)."""
    from evidence_review.data.labels import FIELD_LABELS, labelled

    blank = [""] * len(frame)

    def pick(col):  # coded columns as words
        if not col or col not in frame:
            return blank
        return (labelled(frame[col], col) if col in FIELD_LABELS else frame[col]).tolist()
    return Trace(note, _frame(pick(what), pick(value), pick(source), pick(locator), pick(level)), more_at, max_rows)


def counted(frame: pd.DataFrame, table: str, what: str, description: str, more_at: str = "") -> Trace:
    """A count of rows: which table, which rows, and the first few by name (a count needs no more)."""
    return rows_trace(frame, f"Counted from data/{table}.csv: {len(frame)} rows ({description}).", what,
                      source="citekey" if "citekey" in frame else "source_citekey", more_at=more_at, max_rows=COUNT_ROWS)


@dataclass
class TracedValue:
    """A value to glue together with its trace: ``glue_all({"n": traced(12, trace)})``."""

    value: object
    trace: Trace


def traced(value, trace: Trace) -> TracedValue:
    return TracedValue(value, trace)


def finding_trace(row: pd.Series, note: str, what: str = "finding", value: str | None = None) -> Trace:
    """A number read in one row of a findings table (its source, locator and evidence level)."""
    frame = pd.DataFrame([row])
    return rows_trace(frame, note, what, value, source="citekey" if "citekey" in frame else "source_citekey")


def split_traces(values: dict, traces: dict | None = None) -> tuple[dict, dict]:
    """Unwrap TracedValue entries: the plain values, and every trace (given or carried)."""
    plain, found = {}, dict(traces or {})
    for name, value in values.items():
        if isinstance(value, TracedValue):
            plain[name], found[name] = value.value, value.trace
        else:
            plain[name] = value
    return plain, found


def event_trace(tables: dict[str, pd.DataFrame], drug: str, event: str, note: str):
    """The trials behind a pooled adverse-event number: events/people in the drug and control
    arms of each trial, where they were read and at which evidence level."""
    from evidence_review.analysis.harms import arm_event_rates, event_counts_per_trial
    from evidence_review.analysis.trials import _joined

    counts = event_counts_per_trial(tables)
    trials = counts[(counts["drug"] == drug) & (counts["event"] == event)]
    rows = arm_event_rates(tables)
    rows = rows[rows["event"] == event].groupby("study_id").agg(
        source=("source_citekey", _joined), locator=("locator", _joined), level=("evidence_level", _joined))
    trials = trials.join(rows, on="study_id").assign(
        value=lambda d: "drug " + d["events_t"].astype(int).astype(str) + "/" + d["n_t"].astype(int).astype(str)
        + " vs control " + d["events_c"].astype(int).astype(str) + "/" + d["n_c"].astype(int).astype(str))
    return rows_trace(trials, note, "short_name", "value", source="source", locator="locator", level="level")
