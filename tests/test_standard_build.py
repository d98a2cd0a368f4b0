"""The way every Jupyter Book is built works here too: in a fresh virtual environment,
`pip install -r requirements.txt` and then `jupyter-book build .` from the repository root."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from evidence_review import ROOT

# What a fresh clone holds (no virtual environment, build output or node modules).
SKIP = {".git", ".venv", "_build", "node_modules", "__pycache__", ".pytest_cache"}


@pytest.mark.build
def test_pip_install_then_jupyter_book_build(tmp_path):
    clone = tmp_path / "clone"
    shutil.copytree(ROOT, clone, ignore=lambda _dir, names: [n for n in names if n in SKIP or n.endswith(".egg-info")])
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    install = subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "-r", "requirements.txt"], cwd=clone,
                             capture_output=True, text=True, timeout=1800)
    assert install.returncode == 0, install.stderr[-3000:]
    build = subprocess.run([str(venv / "bin" / "jupyter-book"), "build", "."], cwd=clone, capture_output=True, text=True, timeout=1800)
    assert build.returncode == 0, (build.stdout + build.stderr)[-3000:]
    page = clone / "_build" / "html" / "chapters" / "clinical_trials.html"
    assert page.exists() and "Summary of findings" in page.read_text(encoding="utf-8")
    # the package the build used is the clone's own, installed by requirements.txt
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import evidence_review; print(evidence_review.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path)
    assert Path(where.stdout.strip()).is_relative_to(clone)
