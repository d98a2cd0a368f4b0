"""The whole book builds from clean with warnings as errors, and ships its chart runtime."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from evidence_review import ROOT


@pytest.mark.build
def test_book_builds_with_warnings_as_errors(tmp_path):
    out = tmp_path / "out"
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    result = subprocess.run(
        [str(jupyter_book), "build", str(ROOT), "--path-output", str(out), "--warningiserror", "--nitpick", "--keep-going"],
        capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    html = out / "_build" / "html"
    for page in ["chapters/intro.html", "chapters/methods.html", "chapters/bibliography.html"]:
        assert (html / page).exists(), page
    assert (html / "_static" / "evidence-vega.js").stat().st_size > 100_000
    methods = (html / "chapters" / "methods.html").read_text(encoding="utf-8")
    assert "evidence-vega.js" in methods and "vegaEmbed(" in methods
    assert "cdn.jsdelivr" not in methods
    bibliography = (html / "chapters" / "bibliography.html").read_text(encoding="utf-8")
    assert "https://doi.org/10.1136/bmj.l4898" in bibliography
    shutil.rmtree(out, ignore_errors=True)
