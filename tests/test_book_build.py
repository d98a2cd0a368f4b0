"""The whole book builds from clean with warnings as errors, and ships its chart runtime."""

from __future__ import annotations

from evidence_review.build.page_weights import CHAPTER_PAGE_LIMIT, page_weights


def test_book_builds_with_warnings_as_errors(built_book):
    result = built_book["result"]
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    html = built_book["html"]
    for page in ["chapters/intro.html", "chapters/methods.html", "chapters/bibliography.html", "chapters/clinical_trials.html"]:
        assert (html / page).exists(), page
    bundles = list((html / "_static").glob("evidence-vega-*.js"))
    assert len(bundles) == 1 and bundles[0].stat().st_size > 100_000
    methods = (html / "chapters" / "methods.html").read_text(encoding="utf-8")
    assert bundles[0].name in methods and 'class="vega-spec"' in methods
    assert "window.evidenceHouseConfig" in bundles[0].read_text(encoding="utf-8")
    assert "cdn.jsdelivr" not in methods and "unpkg.com" not in methods
    bibliography = (html / "chapters" / "bibliography.html").read_text(encoding="utf-8")
    assert "https://doi.org/10.1136/bmj.l4898" in bibliography


def test_every_chapter_page_stays_under_the_size_limit(built_book):
    weights = page_weights(built_book["html"])
    print("\n" + weights.to_string(index=False))
    chapters = weights[weights["page"].str.startswith("chapters/")]
    too_big = chapters[chapters["bytes"] > CHAPTER_PAGE_LIMIT]
    assert too_big.empty, f"pages over {CHAPTER_PAGE_LIMIT} bytes:\n{too_big}"


def test_chapters_link_the_data_files_they_read(built_book):
    trials = (built_book["html"] / "chapters" / "clinical_trials.html").read_text(encoding="utf-8")
    assert "arm_outcomes.csv" in trials and "_downloads" in trials
    methods = (built_book["html"] / "chapters" / "methods.html").read_text(encoding="utf-8")
    assert "studies.schema.json" in methods and "_downloads" in methods


def test_every_figure_sits_in_the_section_that_refers_to_it(built_book):
    """The benefit-against-harm chart once showed under 'Longer-term and non-trial risks', two
    headings below the text that introduces it: a figure belongs in a section that cites it."""
    from bs4 import BeautifulSoup

    def top_section(element):
        for parent in element.parents:
            if parent.name == "section" and parent.find("h2", recursive=False):
                return parent.get("id")
        return None

    away = []
    for page in sorted((built_book["html"] / "chapters").glob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for figure in soup.select('figure[id^="fig-"]'):
            refs = soup.select(f'a[href="#{figure["id"]}"]')
            if refs and top_section(figure) not in {top_section(r) for r in refs}:
                away.append(f"{page.name}: {figure['id']} in section {top_section(figure)!r}")
    assert not away, away
