"""The evidence-table renderer and the labels: words not codes, escaped cells, folded long text,
cards on phones (every cell carries its header), and every schema value has a reader's label."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from evidence_review.data.labels import FIELD_LABELS, label, labelled
from evidence_review.presentation.table_view import cite_text, citation_labels, table_html
from evidence_review.data.tables import schemas


def test_every_value_a_schema_allows_has_a_label():
    missing = []
    for name, schema in schemas().items():
        for field in schema["fields"]:
            for code in field.get("constraints", {}).get("enum", []):
                if field["name"] not in FIELD_LABELS or code not in FIELD_LABELS[field["name"]]:
                    missing.append(f"data/schema/{name}.schema.json: column {field['name']!r}, value {code!r}")
    assert missing == [], "add a label in evidence_review/data/labels.py for:\n" + "\n".join(missing)


def test_labels_are_words_not_codes():
    for field, labels in FIELD_LABELS.items():
        for code, text in labels.items():
            assert "_" not in text, (field, code, text)
    assert label("bdnf_trkb", "topic") == "BDNF–TrkB signalling"
    assert label("mixed", "setting") != label("mixed", "population")
    assert labelled(pd.Series(["trd", "free text"], name="population")).tolist() == ["treatment-resistant depression", "free text"]


def test_cells_are_escaped_labelled_and_carry_their_header():
    frame = pd.DataFrame({"population": ["trd"], "finding": ["<script>x()</script>"], "n": [12], "md": [-2.5]})
    html = table_html(frame, "Caption", {"population": "Population", "finding": "Finding", "n": "N", "md": "MD"}).data
    assert "<script>x()" not in html and "&lt;script&gt;x()" in html
    assert "treatment-resistant depression" in html and ">trd<" not in html
    assert 'data-label="Population"' in html and 'data-label="MD"' in html
    assert "\u22122.5" in html, "negative numbers use a true minus sign"
    assert table_html(frame, "Caption").data == table_html(frame, "Caption").data, "output is deterministic (nbval)"


def test_long_text_is_folded_and_codes_are_set_as_code():
    frame = pd.DataFrame({"column": ["event"], "rationale": ["A long reason. " * 20]})
    html = table_html(frame, "C", {"column": "Column", "rationale": "Why"}, long_text=("rationale",), code=("column",)).data
    assert re.search(r'<td data-label="Why" class="long-text"><details><summary>Why</summary>A long reason', html)
    assert "<code>event</code>" in html


def test_citekeys_are_shown_as_author_and_year():
    labels = citation_labels()
    key = next(iter(labels))
    assert re.fullmatch(r".+ \d{4}[a-z]?", labels[key]) or "…" in labels[key]
    assert len(set(labels.values())) == len(labels), "two sources read alike: add a, b"
    frame = pd.DataFrame({"source": [f"{key}; {key}"]})
    html = table_html(frame, "C", {"source": "Source"}, citations=("source",)).data
    assert key not in re.sub(r"<[^>]+>", "", html).replace(labels[key], "")
    assert cite_text(None) == "" and cite_text("") == ""


def test_search_filters_and_sorting_markup():
    frame = pd.DataFrame({"verdict": ["supported", "not_supported"], "n": [3, 10]})
    html = table_html(frame, "C", {"verdict": "Verdict", "n": "N"}, search=True, filters=("verdict",), sort=True, noun="claims").data
    assert 'class="table-search"' in html and 'data-filter-0="not supported"' in html
    assert html.count('class="sort-button"') == 2 and 'data-sort-value="10.0"' in html
    assert "2 claims" in html


def test_an_unknown_column_is_named_in_the_error():
    with pytest.raises(KeyError, match="no column"):
        table_html(pd.DataFrame({"a": [1]}), "C", {"b": "B"})
