"""Execute chapter notebooks in place so their committed outputs match the current data.

    python -m evidence_review.build.notebooks execute chapters [chapters/x.ipynb ...]

nbval later re-executes them and compares against exactly these outputs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute_in_place(path: Path, timeout: int = 600) -> None:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    # Execution timestamps change every run and say nothing about the content.
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(notebook, path)


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] != "execute":
        print(__doc__)
        return 2
    targets = []
    for arg in argv[1:]:
        p = Path(arg)
        targets += sorted(p.glob("*.ipynb")) if p.is_dir() else [p]
    for path in targets:
        print(f"executing {path}", flush=True)
        execute_in_place(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
