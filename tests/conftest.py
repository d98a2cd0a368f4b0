"""Shared fixtures: a throwaway copy of the data, schemas and bibliography that a test may break."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from evidence_review import ROOT


@pytest.fixture
def book_copy(tmp_path: Path) -> Path:
    """A copy of data/, data/schema/ and references.bib (and _config.yml so find_root works)."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    shutil.copy(ROOT / "references.bib", tmp_path / "references.bib")
    shutil.copy(ROOT / "_config.yml", tmp_path / "_config.yml")
    return tmp_path


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
