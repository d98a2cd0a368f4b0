"""The built book in a real browser (Debian's chromium driven by Playwright): every page loads
with no console error and no request to another host, every chart is drawn, links and anchors
resolve, tooltips appear, and axe-core finds no serious or critical accessibility problem.

Locally these skip, with instructions, when chromium is missing; on CI (CI set) they fail instead.
"""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from evidence_review import ROOT

from evidence_review.build.pdf import CHROMIUM as CHROMIUM_PATH, FLAGS

CHROMIUM = Path(CHROMIUM_PATH)
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

if not CHROMIUM.exists() or not AXE.exists():
    message = ("browser tests need Debian's chromium and axe-core: run `apt-get install -y chromium` "
               "and `npm ci` (make test does both)")
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message, allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402


def book_pages(html_dir: Path) -> list[str]:
    return sorted(str(p.relative_to(html_dir)) for p in html_dir.rglob("*.html") if "_static" not in p.parts)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield instance
        instance.close()


class PageVisit:
    """Open a page, recording console errors and every request; requests to any other host are
    blocked (aborted) and recorded, so nothing ever leaves the machine."""

    def __init__(self, browser, base: str):
        self.base = base
        self.page = browser.new_page()
        self.errors: list[str] = []
        self.external: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.route("**/*", self._route)

    def _route(self, route):
        if route.request.url.startswith(self.base):
            route.continue_()
        else:
            self.external.append(route.request.url)
            route.abort()

    def open(self, path: str):
        self.page.goto(f"{self.base}/{path}", wait_until="networkidle")
        return self.page


def pytest_generate_tests(metafunc):
    if "page_path" in metafunc.fixturenames:
        # The list of pages comes from the source tree; the build is checked against it below.
        pages = ["index.html", "genindex.html", "search.html"] + [
            f"chapters/{p.stem}.html" for p in sorted((ROOT / "chapters").iterdir()) if p.suffix in {".md", ".ipynb"}]
        metafunc.parametrize("page_path", pages)


def test_every_built_page_is_covered(built_book):
    covered = {"index.html", "genindex.html", "search.html"} | {
        f"chapters/{p.stem}.html" for p in (ROOT / "chapters").iterdir() if p.suffix in {".md", ".ipynb"}}
    assert set(book_pages(built_book["html"])) <= covered | {"_downloads"}


def test_page_loads_cleanly_offline_with_charts_drawn(browser, served_book, page_path):
    visit = PageVisit(browser, served_book)
    page = visit.open(page_path)
    page.wait_for_timeout(300)
    assert visit.external == [], f"requests to other hosts: {visit.external}"
    assert visit.errors == [], f"console errors: {visit.errors}"
    drawn = page.eval_on_selector_all(".vega-chart", "els => els.map(e => !!e.querySelector('svg, canvas'))")
    assert all(drawn), f"{drawn.count(False)} of {len(drawn)} charts not drawn"
    labels = page.eval_on_selector_all(".evidence-chart", "els => els.map(e => e.getAttribute('aria-label') || '')")
    assert all(len(label) > 20 for label in labels), "a chart lacks its text description"
    visit.page.close()


def test_no_serious_accessibility_violations(browser, served_book, page_path):
    visit = PageVisit(browser, served_book)
    page = visit.open(page_path)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
               for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], serious
    visit.page.close()


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])


def test_internal_links_and_anchors_resolve(built_book):
    html_dir = built_book["html"]
    parsed = {}
    for page in book_pages(html_dir):
        parser = _Links()
        parser.feed((html_dir / page).read_text(encoding="utf-8"))
        parsed[page] = parser
    broken = []
    for page, parser in parsed.items():
        for href in parser.hrefs:
            url = urlparse(href)
            if url.scheme or href.startswith("mailto:") or href.startswith("javascript:"):
                continue
            target = page if not url.path else os.path.normpath(str(Path(page).parent / unquote(url.path)))
            if target.endswith("/"):
                target += "index.html"
            if not (html_dir / target).exists():
                broken.append(f"{page}: {href} (no file)")
            elif url.fragment and target.endswith(".html") and url.fragment not in parsed.get(target, _Links()).ids:
                broken.append(f"{page}: {href} (no anchor)")
    assert broken == [], "\n".join(broken)


def test_forest_plot_shows_a_tooltip_on_hover(browser, served_book):
    visit = PageVisit(browser, served_book)
    page = visit.open("chapters/trials_esketamine.html")
    chart = page.locator(".evidence-chart[aria-label*='Forest plot'] .vega-chart").nth(0)
    chart.scroll_into_view_if_needed()
    marks = chart.locator("path[role='graphics-symbol'], g.mark-symbol path")
    assert marks.count() > 0
    marks.first.hover(force=True)
    page.wait_for_timeout(300)
    tooltip = page.locator("#vg-tooltip-element")
    assert tooltip.is_visible()
    assert re.search(r"Participants|Study", tooltip.inner_text())
    visit.page.close()


def test_a_request_to_another_host_is_detected(browser, served_book):
    """Proves the offline check can fail: inject an image from another host into a page."""
    visit = PageVisit(browser, served_book)
    page = visit.open("chapters/intro.html")
    page.evaluate("() => { const i = document.createElement('img'); i.src = 'https://cdn.example.org/x.png'; document.body.appendChild(i); }")
    page.wait_for_timeout(500)
    assert visit.external == ["https://cdn.example.org/x.png"]
    visit.page.close()


def test_every_forest_plot_shows_its_numbers_and_the_summary_of_findings_its_absolute_effects(browser, served_book):
    """A reviewer checks a forest plot by its numbers and a summary-of-findings table by its
    absolute effects; both must be on the page, not only in tooltips."""
    visit = PageVisit(browser, served_book)
    for drug_page in ("trials_ketamine", "trials_esketamine", "trials_psychedelics"):
        page = visit.open(f"chapters/{drug_page}.html")
        page.wait_for_timeout(1500)
        forests = page.locator(".evidence-chart[aria-label*='Forest plot']")
        assert forests.count() >= 3, drug_page
        for i in range(forests.count()):
            svg_text = forests.nth(i).evaluate("el => Array.from(el.querySelectorAll('svg text')).map(t => t.textContent).join(' ')")
            assert "Estimate [95% CI]" in svg_text and "Weight" in svg_text and "Drug arm" in svg_text, (drug_page, i, svg_text[:80])
    page = visit.open("chapters/clinical_trials.html")
    page.wait_for_timeout(1500)
    headers = page.evaluate("() => Array.from(document.querySelectorAll('table.evidence-table caption')).map(c => c.textContent)")
    sof = [h for h in headers if h.startswith("Summary of findings")]
    assert sof, headers
    columns = page.evaluate("""() => { const t = Array.from(document.querySelectorAll('table.evidence-table'))
        .find(t => t.caption && t.caption.textContent.startsWith('Summary of findings'));
        return Array.from(t.querySelectorAll('th')).map(th => th.textContent); }""")
    assert {"With control", "With the drug", "Certainty"} <= set(columns), columns
    visit.page.close()


# --- Readable on every screen (evidence_review/build/layout_checks.py) ------------------------------
from evidence_review.build.layout_checks import LAYOUT_PROBE, WIDTHS, check_page, reader_codes  # noqa: E402
from evidence_review.presentation.charts import NARROW_BELOW  # noqa: E402

SCREENSHOTS = ROOT / "_build" / "screenshots"


@pytest.mark.parametrize("width", WIDTHS)
def test_page_reads_at_laptop_and_phone_width(browser, served_book, page_path, width):
    """No sideways scrolling (page or table), no internal code in a table cell, absolute effects
    in every summary of findings and numbers beside every forest plot; a screenshot of the page
    is saved under _build/screenshots/ (a CI artifact) for a person to look at."""
    visit = PageVisit(browser, served_book)
    result = check_page(visit.page, served_book, page_path, width, SCREENSHOTS)
    assert result["overflow"] <= 0, f"the page scrolls sideways by {result['overflow']} px at {width} px"
    assert result["wide"] == [], f"tables wider than the text column at {width} px: {result['wide']}"
    assert result["coded"] == [], f"internal codes in table cells: {result['coded'][:5]}"
    for table in result["sof"]:
        assert {"With control", "With the drug", "Certainty"} <= set(table["headers"]), table
    for forest in result["forests"]:
        assert "Estimate [95% CI]" in forest["text"], forest["text"][:80]
        if width >= NARROW_BELOW:
            assert "Weight" in forest["text"] and "Drug arm" in forest["text"], forest["text"][:80]
        else:
            # On a phone a forest plot keeps names, plot and estimates, drawn large enough to read.
            assert forest["scale"] >= 0.85, f"a forest plot is shrunk to {forest['scale']:.2f} at {width} px: {forest['text'][:60]}"
    assert visit.errors == [], visit.errors
    visit.page.close()


def test_the_layout_probe_catches_wide_tables_and_codes(browser, served_book):
    """Proves the layout checks can fail: a table with a code in a cell and a very wide column."""
    visit = PageVisit(browser, served_book)
    page = visit.open("chapters/intro.html")
    page.evaluate("""() => { const t = document.createElement('table');
        t.innerHTML = '<caption>Injected</caption><tr><td>bdnf_trkb</td><td>zarate2006</td><td><code>first_period</code></td>'
                    + '<td><div style="width: 3000px">wide</div></td></tr>';
        document.querySelector('article.bd-article').appendChild(t); }""")
    result = page.evaluate(LAYOUT_PROBE, reader_codes())
    assert [w["table"] for w in result["wide"]] == ["Injected"]
    flagged = {code for cell in result["coded"] for code in cell["codes"]}
    assert flagged == {"bdnf_trkb", "zarate2006"}  # the code inside <code> is allowed
    visit.page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_glued_number_shows_its_sources_on_keyboard_focus(browser, served_book, width):
    visit = PageVisit(browser, served_book)
    page = visit.page
    page.set_viewport_size({"width": width, "height": 900})
    visit.open("chapters/clinical_trials.html")
    number = page.locator(".admonition .traced").first
    trace = page.locator("#" + number.get_attribute("aria-describedby"))
    assert not trace.is_visible()
    number.focus()
    page.wait_for_timeout(200)
    assert trace.is_visible()
    text = trace.inner_text()
    assert "read in" in text and re.search(r"primary|secondary", text), text
    box = trace.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, box  # inside the window
    page.keyboard.press("Escape")
    page.wait_for_timeout(100)
    assert not trace.is_visible()  # dismissible (WCAG 1.4.13)
    visit.page.close()
