"""Files for reuse: the data package zip holds every table, the descriptor and the bibliography,
and each effect-size file reproduces the book's pooled estimate when handed to PyMARE as it is."""

from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd
import pytest
from pymare import Dataset
from pymare.estimators import VarianceBasedLikelihoodEstimator

from evidence_review import DATA_DIR
from evidence_review.build.downloads import EFFECT_COLUMNS, EFFECT_DIR, write_downloads, zip_name
from evidence_review.data.tables import load_tables
from evidence_review.analysis.trials import QUESTIONS, run_question


@pytest.fixture(scope="module")
def downloads(tmp_path_factory):
    return write_downloads(tmp_path_factory.mktemp("downloads"))


def test_zip_holds_the_whole_data_package(downloads):
    with zipfile.ZipFile(downloads / zip_name()) as bundle:
        names = set(bundle.namelist())
    assert {"datapackage.json", "references.bib", "CITATION.cff"} <= names
    assert {f"data/{p.name}" for p in DATA_DIR.glob("*.csv")} <= names
    assert {f"{EFFECT_DIR}/{q.key}.csv" for q in QUESTIONS} <= names


def test_effect_sizes_reproduce_the_pooled_estimates_in_pymare(downloads):
    tables = load_tables(["studies", "trial_arms", "arm_outcomes", "contrasts"])
    checked = 0
    for q in QUESTIONS:
        result = run_question(tables, q)
        frame = pd.read_csv(downloads / EFFECT_DIR / f"{q.key}.csv")
        assert list(frame.columns) == EFFECT_COLUMNS and len(frame) == result["k"], q.key
        if "pooled" not in result:
            continue
        fit = VarianceBasedLikelihoodEstimator(method="REML").fit_dataset(
            Dataset(y=frame["yi"].to_numpy(), v=frame["vi"].to_numpy())).summary()
        assert np.isclose(float(fit.get_fe_stats()["est"].ravel()[0]), result["pooled"].estimate, atol=1e-3), q.key
        checked += 1
    assert checked >= 5


def test_downloads_are_kept_when_nothing_changed(downloads):
    stamp = (downloads / ".inputs").stat().st_mtime_ns
    write_downloads(downloads)
    assert (downloads / ".inputs").stat().st_mtime_ns == stamp


def test_downloads_come_from_the_book_being_built_not_the_working_directory(tmp_path):
    """A copy of the book elsewhere (as the rebuild tests and the benchmark build it) gets the
    effect sizes of its own data."""
    import shutil

    from evidence_review import ROOT

    shutil.copytree(ROOT / "data", tmp_path / "book" / "data")
    for name in ("references.bib", "CITATION.cff", "datapackage.json", "_config.yml"):
        shutil.copy(ROOT / name, tmp_path / "book" / name)
    studies = tmp_path / "book" / "data" / "studies.csv"
    studies.write_text(studies.read_text(encoding="utf-8").replace("TRANSFORM-2 (Popova 2019)", "TRANSFORM-2 (copy)"), encoding="utf-8")
    out = write_downloads(tmp_path / "downloads", root=tmp_path / "book")
    frame = pd.read_csv(out / EFFECT_DIR / "esketamine_response_28d.csv")
    assert "TRANSFORM-2 (copy)" in set(frame["trial"])
