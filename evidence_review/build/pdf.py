"""One PDF of the whole book, with every chart drawn: Chromium prints the single-page build.

    python -m evidence_review.build.pdf _build/singlehtml _build/pdf/book.pdf
"""

from __future__ import annotations

import sys
from pathlib import Path

from evidence_review.build.serve import serve_directory

CHROMIUM = "/usr/bin/chromium"
SINGLEHTML_REWRITES = {f"/chapters/{folder}/": f"/{folder}/" for folder in ("_static", "_images", "_downloads")}
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]


def print_book(singlehtml_dir: Path, pdf_path: Path) -> Path:
    """Serve the single-page build on localhost, wait until every chart is drawn, print to PDF."""
    from playwright.sync_api import sync_playwright

    with serve_directory(singlehtml_dir, rewrites=SINGLEHTML_REWRITES) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        # Nothing may be fetched from another host, in the PDF as on the web.
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
        page.goto(f"{base}/index.html", wait_until="networkidle")
        page.wait_for_function("() => [...document.querySelectorAll('.vega-chart')].every(e => e.querySelector('svg, canvas'))",
                               timeout=60_000)
        # Folded text (a table's "Why" and "More" cells) is opened: paper cannot be clicked.
        page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
        page.emulate_media(media="print")
        pdf_path.parent.mkdir(parents=True, exist_ok=True)
        page.pdf(path=str(pdf_path), format="A4", print_background=True,
                 margin={"top": "15mm", "bottom": "15mm", "left": "12mm", "right": "12mm"})
        browser.close()
    return pdf_path


if __name__ == "__main__":
    source = Path(sys.argv[1] if len(sys.argv) > 1 else "_build/singlehtml")
    target = Path(sys.argv[2] if len(sys.argv) > 2 else "_build/pdf/book.pdf")
    print(print_book(source, target))
