"""Versions and what changed: the release metadata agree on the version, and the comparison of
two fingerprints finds added, removed and corrected rows, moved estimates and changed ratings."""

from __future__ import annotations

import copy
import json

from evidence_review import ROOT
from evidence_review.analysis.changes import compare, releases, since_last_release
from evidence_review.data.datapackage import evidence_version


def fingerprint_example() -> dict:
    return {"version": "2026.12.0", "trials": {"a2020": "Trial A", "b2021": "Trial B"},
            "rows": {"studies": {"a2020": "h1", "b2021": "h2"}, "arm_outcomes": {"a_ket | response": "h3"}},
            "pooled": {"q1": {"label": "Question 1", "measure": "RR", "k": 2, "estimate": 1.3}},
            "certainty": {"q1": "low"}}


def test_compare_finds_each_kind_of_change():
    old = fingerprint_example()
    new = copy.deepcopy(old)
    new["version"] = "2026.12.1"
    new["trials"] = {"a2020": "Trial A", "c2025": "Trial C"}
    new["rows"]["studies"] = {"a2020": "h1-corrected", "c2025": "h4"}
    new["pooled"]["q1"].update(k=3, estimate=1.1)
    new["certainty"]["q1"] = "moderate"
    changes = compare(old, new)
    assert changes["trials_added"] == ["Trial C"] and changes["trials_removed"] == ["Trial B"]
    assert changes["trials_corrected"] == ["Trial A"]
    assert changes["tables"] == [{"table": "studies", "added": 1, "removed": 1, "corrected": 1}]
    assert changes["pooled"] == [{"question": "Question 1", "measure": "RR", "k_before": 2, "k_now": 3, "before": 1.3, "now": 1.1}]
    assert changes["certainty"] == [{"question": "Question 1", "before": "low", "now": "moderate"}]


def test_nothing_changed_means_empty_lists():
    changes = compare(fingerprint_example(), fingerprint_example())
    assert not any(changes[k] for k in ("trials_added", "trials_removed", "trials_corrected", "tables", "pooled", "certainty"))


def test_release_metadata_agree_on_the_version():
    version = evidence_version()
    assert json.loads((ROOT / ".zenodo.json").read_text(encoding="utf-8"))["version"] == version
    assert json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))["version"] == version
    assert releases(), "releases/ holds the fingerprint of at least one earlier version"
    assert since_last_release()["to"] == version
