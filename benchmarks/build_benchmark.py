"""Build benchmark: how long each way of building the book takes on this machine, against the
floor of simply executing every chapter once.

    make bench        (or: .venv/bin/python benchmarks/build_benchmark.py)

Targets: clean build <= 1.3 x floor; no-op rebuild <= 5% of the clean build; rebuild after a data
edit <= floor of the chapters that read the file + 20%; parallel nbval <= 0.7 x serial.
Everything runs in a temporary copy of the book, so the working tree is never touched.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
COPIED = ["_config.yml", "_toc.yml", "references.bib", "data", "chapters", "_static", "tests/nbval_sanitize.cfg",
          "CITATION.cff", "datapackage.json", "releases"]
DATA_FILE = "data/practice_findings.csv"


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(cmd, cwd) -> None:
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"failed: {' '.join(map(str, cmd))}\n{result.stdout[-2000:]}{result.stderr[-2000:]}")


def execute(notebook: Path) -> None:
    nb = nbformat.read(notebook, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(notebook.parent)}}).execute()


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="book-bench-"))
    for name in COPIED:
        src = ROOT / name
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if src.is_dir() else shutil.copy)(src, work / name)
    chapters = sorted((work / "chapters").glob("*.ipynb"))
    floor_by_chapter = {nb.stem: timed(lambda nb=nb: execute(nb)) for nb in chapters}
    floor = sum(floor_by_chapter.values())
    build = [str(BIN / "jupyter-book"), "build", str(work), "--warningiserror", "--keep-going"]

    clean = timed(lambda: run(build, work))
    noop = timed(lambda: run(build, work))

    ledger = work / "chapters" / "claims_ledger.ipynb"
    nb = json.loads(ledger.read_text())
    cell = next(c for c in nb["cells"] if c["cell_type"] == "code")
    cell["source"] = "".join(cell["source"]) + "\n# benchmark edit"
    ledger.write_text(json.dumps(nb, indent=1))
    chapter_edit = timed(lambda: run(build, work))

    data_path = work / DATA_FILE
    data_path.write_text(data_path.read_text().replace(",28,MADRS at end of study", ",29,MADRS at end of study", 1))
    deps = {p.stem.split("__")[-1]: json.loads(p.read_text()) for p in (work / "_build" / "evidence_deps").glob("*.json")}
    readers = sorted(stem for stem, files in deps.items() if str(data_path.resolve()) in files)
    data_edit = timed(lambda: run(build, work))
    readers_floor = sum(floor_by_chapter[r] for r in readers)

    nbval = [str(BIN / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval", "--nbval-current-env",
             "--nbval-sanitize-with", "tests/nbval_sanitize.cfg", "chapters"]
    shutil.copy(ROOT / "chapters" / "integration.ipynb", work / "chapters" / "integration.ipynb")  # committed outputs
    shutil.copy(ROOT / "chapters" / "claims_ledger.ipynb", ledger)
    data_path.write_text((ROOT / DATA_FILE).read_text())
    serial = timed(lambda: run(nbval, work))
    parallel = timed(lambda: run(nbval + ["-n", "2", "--dist", "loadfile"], work))

    rows = [
        ("floor: execute all chapters (nbclient)", floor, floor, "1.00", ""),
        ("clean build", clean, floor, "<= 1.30 x floor", clean <= 1.3 * floor),
        ("no-op rebuild", noop, floor, f"<= 5% of clean ({0.05 * clean:.1f} s)", noop <= 0.05 * clean),
        ("rebuild after one chapter edit", chapter_edit, floor, "", ""),
        (f"rebuild after editing {DATA_FILE} (read by {', '.join(readers)})", data_edit, floor,
         f"<= 1.2 x their floor ({1.2 * readers_floor:.1f} s)", data_edit <= 1.2 * readers_floor),
        ("nbval, serial", serial, floor, "", ""),
        ("nbval, 2 workers", parallel, floor, f"<= 0.7 x serial ({0.7 * serial:.1f} s)", parallel <= 0.7 * serial),
    ]
    print(f"{'step':<72} {'seconds':>8} {'x floor':>8}  target (met?)")
    for name, seconds, base, target, met in rows:
        verdict = "" if met == "" else ("yes" if met else "NO")
        print(f"{name:<72} {seconds:8.1f} {seconds / base:8.2f}  {target} {verdict}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
