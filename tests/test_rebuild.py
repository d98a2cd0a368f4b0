"""Data-aware rebuilds: the plain `jupyter-book build` re-executes exactly the chapters whose code
or data changed, and the built page shows the new number."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from evidence_review import ROOT

from conftest import copy_book

def build(book: Path) -> set[str]:
    log = book / "_build" / "evidence_deps" / "executions.log"
    if log.exists():
        log.unlink()
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    result = subprocess.run([str(jupyter_book), "build", str(book), "--warningiserror", "--keep-going"],
                            capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    return set(log.read_text().split()) if log.exists() else set()


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    return copy_book(tmp_path_factory.mktemp("rebuild"))


def all_chapters() -> set[str]:
    return {f"chapters/{p.stem}" for p in (ROOT / "chapters").glob("*.ipynb")}


def test_rebuilds_execute_exactly_what_changed(book):
    # 1. a cold build executes every chapter
    assert build(book) == all_chapters()
    # 2. no edit: nothing is executed; and a chart runtime left by an earlier build (the chart code
    # changed since) is removed from the output, which Sphinx's copy of static files never does
    static = book / "_build" / "html" / "_static"
    (static / "evidence-vega-00000000.js").write_text("// an earlier runtime", encoding="utf-8")
    assert build(book) == set()
    assert [p.name for p in static.glob("evidence-vega-*.js")] != [] and not (static / "evidence-vega-00000000.js").exists()
    # 3. a data edit re-executes exactly the chapters that read that file, and the page shows it
    path = book / "data" / "practice_findings.csv"
    text = path.read_text(encoding="utf-8")
    assert ",28,MADRS at end of study" in text
    path.write_text(text.replace(",28,MADRS at end of study", ",29,MADRS at end of study", 1), encoding="utf-8")
    readers = {d for d, deps in _recorded(book).items() if str(path.resolve()) in deps}
    assert readers == {"chapters/integration", "chapters/methods", "chapters/changes"}  # "What changed" reads every table
    assert build(book) == readers
    page = (book / "_build" / "html" / "chapters" / "integration.html").read_text(encoding="utf-8")
    # the number, then (after its hover trace) the word that follows it in the prose
    assert re.search(r'<span class="pasted-text">29</span>(<span class="trace".*?</span>)?</span> responders', page, flags=re.S)
    # 4. a chapter edit re-executes that chapter only
    ledger = book / "chapters" / "claims_ledger.ipynb"
    notebook = json.loads(ledger.read_text(encoding="utf-8"))
    code = next(c for c in notebook["cells"] if c["cell_type"] == "code")
    code["source"] = "".join(code["source"]) + "\n# edited"
    ledger.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    assert build(book) == {"chapters/claims_ledger"}


def _recorded(book: Path) -> dict[str, dict]:
    folder = book / "_build" / "evidence_deps"
    return {p.stem.replace("__", "/"): json.loads(p.read_text()) for p in folder.glob("*.json")}
