"""One PDF of the whole book, with every chart drawn: Chromium prints the single-page build.

    python -m evidence_review.pdf _build/singlehtml _build/pdf/book.pdf
"""

from __future__ import annotations

import functools
import http.server
import socketserver
import sys
import threading
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def translate_path(self, path: str) -> str:
        # The single-page build's root page is the introduction, whose asset links are written
        # as if it sat in chapters/ ("_static/..."); serve those from the real _static folder.
        for prefix in ("/chapters/_static/", "/chapters/_images/", "/chapters/_downloads/"):
            if path.startswith(prefix):
                path = path[len("/chapters"):]
        return super().translate_path(path)


def print_book(singlehtml_dir: Path, pdf_path: Path) -> Path:
    """Serve the single-page build on localhost, wait until every chart is drawn, print to PDF."""
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_Quiet, directory=str(singlehtml_dir))
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            page = browser.new_page()
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("http://127.0.0.1") else r.abort())
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/index.html", wait_until="networkidle")
            page.wait_for_function("() => [...document.querySelectorAll('.vega-chart')].every(e => e.querySelector('svg, canvas'))",
                                   timeout=60_000)
            page.emulate_media(media="print")
            pdf_path.parent.mkdir(parents=True, exist_ok=True)
            page.pdf(path=str(pdf_path), format="A4", print_background=True,
                     margin={"top": "15mm", "bottom": "15mm", "left": "12mm", "right": "12mm"})
            browser.close()
    finally:
        server.shutdown()
    return pdf_path


if __name__ == "__main__":
    source = Path(sys.argv[1] if len(sys.argv) > 1 else "_build/singlehtml")
    target = Path(sys.argv[2] if len(sys.argv) > 2 else "_build/pdf/book.pdf")
    print(print_book(source, target))
