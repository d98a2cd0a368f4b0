"""The whole book prints to one PDF with every chart drawn."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from evidence_review import ROOT

if not Path("/usr/bin/chromium").exists():
    import os
    if os.environ.get("CI"):
        pytest.fail("the PDF test needs Debian's chromium (apt-get install -y chromium)", pytrace=False)
    pytest.skip("the PDF test needs Debian's chromium: apt-get install -y chromium", allow_module_level=True)


def test_book_prints_to_one_pdf_with_charts(tmp_path):
    from pypdf import PdfReader

    from evidence_review.pdf import print_book

    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    build = subprocess.run([str(jupyter_book), "build", str(ROOT), "--builder", "singlehtml", "--path-output", str(tmp_path)],
                           capture_output=True, text=True, timeout=1800)
    assert build.returncode == 0, build.stderr[-3000:]
    pdf = print_book(tmp_path / "_build" / "singlehtml", tmp_path / "book.pdf")
    reader = PdfReader(str(pdf))
    assert len(reader.pages) >= 40
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    # Chart titles are drawn inside the SVG charts, so finding them proves the charts were printed.
    for title in ["Where each table's numbers were read", "Racemic ketamine vs saline or midazolam: MADRS difference", "Where the plasticity evidence comes from",
                  "Relaxing a belief lets evidence move it", "Verdicts on the claims of each seed article"]:
        assert title in text, title
