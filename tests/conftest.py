"""Shared fixtures: a throwaway copy of the data that a test may break, and one clean build of the
whole book (made once per test session and shared by the build and browser tests)."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from evidence_review import ROOT
from evidence_review.build.serve import serve_directory


@pytest.fixture
def book_copy(tmp_path: Path) -> Path:
    """A copy of data/, data/schema/ and references.bib (and _config.yml so find_root works)."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    shutil.copy(ROOT / "references.bib", tmp_path / "references.bib")
    shutil.copy(ROOT / "_config.yml", tmp_path / "_config.yml")
    return tmp_path


BOOK_FILES = ["_config.yml", "_toc.yml", "references.bib", "data", "chapters", "_static", "tests/nbval_sanitize.cfg",
              "CITATION.cff", "datapackage.json", "releases"]


def copy_book(target: Path) -> Path:
    """A complete copy of the book's sources (not the package), so a test can edit and rebuild it."""
    for name in BOOK_FILES:
        source = ROOT / name
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copy)(source, target / name)
    return target


def write_csv(path: Path, header: list[str], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)


def read_csv(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames), list(reader)


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> dict:
    """Build the book from clean with warnings as errors, once; return the result and html dir."""
    out = tmp_path_factory.mktemp("book")
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    result = subprocess.run(
        [str(jupyter_book), "build", str(ROOT), "--path-output", str(out), "--warningiserror", "--nitpick", "--keep-going"],
        capture_output=True, text=True, timeout=1800)
    return {"result": result, "html": out / "_build" / "html"}


@pytest.fixture(scope="session")
def served_book(built_book) -> str:
    """The built book served on a free localhost port, for the browser tests."""
    if built_book["result"].returncode != 0:
        pytest.fail("the book did not build; see test_book_builds_with_warnings_as_errors")
    with serve_directory(built_book["html"]) as base:
        yield base
