"""Every code a schema allows has a reader's word in evidence_review.data.labels, so no table or chart
can show a raw code; the failure names the table, column and code."""

from __future__ import annotations

import json

import pandas as pd

from evidence_review import ROOT
from evidence_review.data.labels import FIELD_LABELS, label, labelled


def schema_enums():
    for path in sorted((ROOT / "data" / "schema").glob("*.schema.json")):
        for field in json.loads(path.read_text(encoding="utf-8"))["fields"]:
            enum = field.get("constraints", {}).get("enum")
            if enum:
                yield path.name.removesuffix(".schema.json"), field["name"], enum


def test_every_allowed_code_has_a_label():
    missing = [f"{table}.{column}: {code!r}" for table, column, enum in schema_enums()
               for code in enum if code not in FIELD_LABELS.get(column, {})]
    assert missing == [], "codes without a label in evidence_review/data/labels.py:\n" + "\n".join(missing)


def test_labels_are_words_not_codes():
    raw = [f"{column}: {code!r} -> {text!r}" for column, labels in FIELD_LABELS.items()
           for code, text in labels.items() if "_" in text]
    assert raw == [], raw


def test_label_leaves_free_text_and_numbers_alone():
    assert label("bdnf_trkb", "topic") == "BDNF–TrkB signalling"
    assert label("a sentence of free text", "topic") == "a sentence of free text"
    assert label(3.5, "topic") == 3.5
    assert list(labelled(pd.Series(["very_low", "high"], name="certainty"))) == ["very low", "high"]
