"""The evidence as a Frictionless data package: the committed datapackage.json is the one the
schemas generate, and Frictionless itself finds the data valid (types, allowed values, primary
and foreign keys) and finds a broken copy invalid."""

from __future__ import annotations

import json
import shutil

from frictionless import validate

from evidence_review import ROOT
from evidence_review.data.datapackage import DESCRIPTOR, descriptor, evidence_version


def test_committed_descriptor_matches_the_schemas():
    committed = json.loads(DESCRIPTOR.read_text(encoding="utf-8"))
    assert committed == descriptor(), "datapackage.json is stale: run `python -m evidence_review.data.datapackage`"


def test_every_table_is_described_with_version_licence_and_date():
    package = descriptor()
    tables = {p.stem for p in (ROOT / "data").glob("*.csv")}
    assert {r["name"] for r in package["resources"]} == tables
    assert package["version"] == evidence_version() and package["licenses"][0]["name"] == "CC-BY-4.0"
    assert package["evidenceCurrentTo"][:4] >= "2026"


def test_frictionless_validates_the_data_package():
    report = validate(str(DESCRIPTOR))
    problems = [(task.name, error.type, error.note) for task in report.tasks for error in task.errors[:3]]
    assert report.valid, problems[:10]
    assert len(report.tasks) == len(descriptor()["resources"])


def test_frictionless_finds_a_broken_copy_invalid(tmp_path):
    shutil.copytree(ROOT / "data", tmp_path / "data")
    shutil.copy(DESCRIPTOR, tmp_path / "datapackage.json")
    arms = tmp_path / "data" / "trial_arms.csv"
    lines = arms.read_text(encoding="utf-8").splitlines()
    first = lines[1].split(",")
    lines[1] = ",".join(["no_such_study"] + first[1:])  # a study that does not exist
    arms.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = validate(str(tmp_path / "datapackage.json"))
    errors = [error.type for task in report.tasks for error in task.errors]
    assert not report.valid and "foreign-key" in errors
