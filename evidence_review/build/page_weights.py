"""Report the size of every built page and of the shared assets.

    python -m evidence_review.build.page_weights [_build/html]
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

CHAPTER_PAGE_LIMIT = 250_000  # bytes of a chapter page's own HTML; data belongs in data files


def page_weights(html_dir: Path) -> pd.DataFrame:
    html_dir = Path(html_dir)
    rows = [{"page": str(p.relative_to(html_dir)), "bytes": p.stat().st_size} for p in sorted(html_dir.rglob("*.html"))]
    static = sum(p.stat().st_size for p in (html_dir / "_static").rglob("*") if p.is_file())
    rows.append({"page": "_static/ (shared assets, loaded once)", "bytes": static})
    for bundle in sorted((html_dir / "_static").glob("evidence-vega-*.js")):
        rows.append({"page": f"_static/{bundle.name} (chart runtime)", "bytes": bundle.stat().st_size})
    frame = pd.DataFrame(rows)
    frame["kB"] = (frame["bytes"] / 1000).round(1)
    return frame


if __name__ == "__main__":
    print(page_weights(Path(sys.argv[1] if len(sys.argv) > 1 else "_build/html")).to_string(index=False))
