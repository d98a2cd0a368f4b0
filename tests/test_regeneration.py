"""nbval really compares outputs: after a data edit, the committed outputs of a chapter that reads
that number no longer match, and nbval fails. Without this, a lax check could pass forever."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import copy_book, read_csv, write_csv


def nbval(book: Path, notebook: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--nbval", "--nbval-current-env",
         "--nbval-sanitize-with", "tests/nbval_sanitize.cfg", notebook],
        cwd=book, capture_output=True, text=True, timeout=600)


def test_nbval_fails_after_a_data_edit_and_passes_without_it(tmp_path):
    book = copy_book(tmp_path)
    untouched = nbval(book, "chapters/methods.ipynb")
    assert untouched.returncode == 0, untouched.stdout[-3000:]

    header, rows = read_csv(book / "data" / "studies.csv")
    assert rows, "the regeneration test needs at least one study"
    rows[0]["n_randomized"] = str(int(rows[0]["n_randomized"]) + 1)
    write_csv(book / "data" / "studies.csv", header, rows)

    edited = nbval(book, "chapters/methods.ipynb")
    assert edited.returncode != 0, "nbval passed although the data behind the chapter changed"
    assert "n_participants" in edited.stdout or "mismatch" in edited.stdout.lower()
