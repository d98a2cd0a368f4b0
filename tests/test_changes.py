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


def test_a_new_column_is_reported_as_added_not_as_corrected_rows(tmp_path):
    """Adding a column to a table (here: studies) used to make every row's hash differ, so the
    page listed nearly every trial as corrected. Rows are now compared over the earlier version's
    columns: filling the new column corrects nothing; changing an old value still does."""
    import shutil

    import pandas as pd

    from evidence_review import BIB_PATH, DATA_DIR
    from evidence_review.analysis.changes import fingerprint
    from evidence_review.analysis.trials import TRIAL_TABLES

    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    kwargs = {"schema_dir": data / "schema", "bib_path": BIB_PATH, "names": TRIAL_TABLES}
    old = fingerprint("2026.12.0", data_dir=data, **kwargs)
    assert "studies" in old["columns"] and "study_id" in old["columns"]["studies"]

    schema_path = data / "schema" / "studies.schema.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    schema["fields"].append({"name": "country", "type": "string", "title": "Country"})
    schema_path.write_text(json.dumps(schema), encoding="utf-8")
    studies = pd.read_csv(data / "studies.csv", dtype=str, keep_default_na=False)
    studies["country"] = ""
    studies.loc[0, "country"] = "United States"  # new information, not a correction
    studies.loc[1, "notes"] = studies.loc[1, "notes"] + " (corrected)"  # a real correction
    studies.to_csv(data / "studies.csv", index=False)

    new = fingerprint("2026.12.1", data_dir=data, columns_of=old["columns"], **kwargs)
    changes = compare(old, new)
    assert changes["columns_added"] == [{"table": "studies", "columns": ["country"]}]
    assert changes["trials_corrected"] == [studies.loc[1, "short_name"]]
    assert [t for t in changes["tables"] if t["table"] == "studies"] == [{"table": "studies", "added": 0, "removed": 0, "corrected": 1}]


def test_every_release_records_its_columns():
    """Without its columns a release cannot be compared fairly once a table gains a column."""
    for release in releases():
        assert set(release.get("columns", {})) == set(release["rows"]), release["version"]
