"""What a reader sees, measured in the browser: tables that fit their column, pages that never
scroll sideways, words instead of internal codes in table cells, and a screenshot of every page
at a laptop and a phone width.

The browser tests run :data:`LAYOUT_PROBE` on every page at every width in :data:`WIDTHS`; the
same probe and screenshots are available from the command line, to look at a build by eye:

    python -m evidence_review.build.layout_checks _build/html _build/screenshots
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

from evidence_review import DATA_DIR
from evidence_review.data.labels import FIELD_LABELS

WIDTHS = (1280, 390)
VIEWPORT_HEIGHT = 900

# Lower-case codes that are not words; a cell that is exactly one of them shows a code.
SHORT_CODES = ("trd", "mdd", "iv", "sc", "im", "na")


def reader_codes() -> dict[str, list[str]]:
    """The identifiers a reader must never meet in a table cell: coded values (as stored, or with
    their underscores turned into spaces, like 'bdnf trkb'), citekeys and study or arm ids."""
    codes: set[str] = set(SHORT_CODES)
    words = {text for labels in FIELD_LABELS.values() for text in labels.values()}
    for labels in FIELD_LABELS.values():
        for code, text in labels.items():
            if code == text:
                continue
            if "_" in code:
                codes.add(code)
                if code.replace("_", " ") not in words:  # 'very low' is a label, 'bdnf trkb' is not
                    codes.add(code.replace("_", " "))
            elif code.upper() == text:  # 'lsd' for LSD, 'ect' for ECT
                codes.add(code)
    ids = set(pd.read_csv(DATA_DIR / "studies.csv", usecols=["study_id", "citekey"]).stack().astype(str))
    ids |= set(pd.read_csv(DATA_DIR / "trial_arms.csv", usecols=["arm_id"])["arm_id"].astype(str))
    from evidence_review.presentation.table_view import citation_labels
    ids |= set(citation_labels())
    return {"whole_cell": sorted(codes), "tokens": sorted(ids)}


# Returns {overflow: px the page scrolls sideways, wide: [tables wider than their column],
# coded: [cells showing a code outside <code>], sof: [...], forests: [...]}.
LAYOUT_PROBE = """
({whole_cell, tokens}) => {
  const root = document.documentElement;
  const overflow = Math.max(root.scrollWidth, document.body.scrollWidth) - root.clientWidth;
  const column = document.querySelector('article.bd-article') || document.querySelector('main') || document.body;
  const columnWidth = column.clientWidth;
  const name = t => (t.caption ? t.caption.textContent : (t.id || t.className)).trim().slice(0, 70);
  const wide = [];
  for (const t of column.querySelectorAll('table')) {
    const width = t.getBoundingClientRect().width;
    if (width === 0) continue;  // folded away
    // The table, or any box between it and the text column, scrolling sideways counts too.
    let scrolls = 0;
    for (let e = t; e && e !== column; e = e.parentElement)
      scrolls = Math.max(scrolls, e.scrollWidth - e.clientWidth);
    if (width > columnWidth + 1 || scrolls > 1)
      wide.push({table: name(t), width: Math.round(Math.max(width, t.scrollWidth)), column: columnWidth});
  }
  const wholeCell = new Set(whole_cell);
  const tokenSet = new Set(tokens);
  const snake = /\\b[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+\\b/g;
  const coded = [];
  for (const cell of column.querySelectorAll('table td, table th')) {
    const copy = cell.cloneNode(true);
    copy.querySelectorAll('code, pre, kbd, samp').forEach(e => e.remove());
    const text = copy.textContent.replace(/\\s+/g, ' ').trim();
    if (!text) continue;
    const found = [];
    if (wholeCell.has(text)) found.push(text);
    for (const m of text.matchAll(snake)) found.push(m[0]);
    for (const word of text.split(/[^A-Za-z0-9_]+/)) if (tokenSet.has(word)) found.push(word);
    if (found.length) coded.push({table: name(cell.closest('table')), codes: [...new Set(found)], cell: text.slice(0, 80)});
  }
  const sof = [...column.querySelectorAll('table')].filter(t => t.caption && t.caption.textContent.startsWith('Summary of findings'))
    .map(t => ({table: name(t), headers: [...t.querySelectorAll('th')].map(th => th.textContent.trim())}));
  // Each forest plot's text, and how far the page shrank it to fit (1 = drawn at full size).
  const forests = [...column.querySelectorAll(".evidence-chart[aria-label*='Forest plot']")].map(el => {
    const svg = el.querySelector('svg.marks');
    const scale = svg && svg.getAttribute('width') ? svg.getBoundingClientRect().width / parseFloat(svg.getAttribute('width')) : 1;
    return {text: [...el.querySelectorAll('svg text')].map(t => t.textContent).join(' '), scale};
  });
  return {overflow, wide, coded, sof, forests};
}
"""

CHARTS_DRAWN = "() => [...document.querySelectorAll('.vega-chart')].every(e => e.querySelector('svg, canvas'))"


def screenshot_name(page_path: str, width: int) -> str:
    return f"{width}px/{page_path.replace('/', '__').removesuffix('.html')}.png"


def check_page(page, base: str, page_path: str, width: int, screenshots: Path | None = None) -> dict:
    """Open one page at one width, wait for its charts, save a full-page screenshot, return the probe."""
    page.set_viewport_size({"width": width, "height": VIEWPORT_HEIGHT})
    page.goto(f"{base}/{page_path}", wait_until="networkidle")
    page.wait_for_function(CHARTS_DRAWN, timeout=30_000)
    result = page.evaluate(LAYOUT_PROBE, reader_codes())
    if screenshots is not None:
        target = screenshots / screenshot_name(page_path, width)
        target.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target), full_page=True)
    return result


def main(html_dir: Path, screenshots: Path) -> int:
    from playwright.sync_api import sync_playwright

    from evidence_review.build.pdf import CHROMIUM, FLAGS
    from evidence_review.build.serve import serve_directory

    pages = sorted(str(p.relative_to(html_dir)) for p in html_dir.rglob("*.html") if "_static" not in p.parts)
    problems = 0
    with serve_directory(html_dir) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        for page_path in pages:
            for width in WIDTHS:
                result = check_page(page, base, page_path, width, screenshots)
                issues = {k: result[k] for k in ("wide", "coded") if result[k]}
                if result["overflow"] > 0:
                    issues["overflow"] = result["overflow"]
                problems += bool(issues)
                print(f"{page_path} @ {width}px: {json.dumps(issues, ensure_ascii=False) if issues else 'ok'}")
        browser.close()
    print(f"screenshots in {screenshots}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "_build/html"),
                  Path(sys.argv[2] if len(sys.argv) > 2 else "_build/screenshots")))
