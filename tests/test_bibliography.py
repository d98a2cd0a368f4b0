"""The bibliography check catches what would break a citation or hide a source."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence_review import BIB_PATH, CHAPTERS_DIR
from evidence_review.data.bibliography import check_bibliography, check_citations, unused_entries

GOOD = """@article{smith2020,
  author = {Smith, Ann},
  title = {A trial},
  journal = {J Trials},
  year = {2020},
  doi = {10.1000/xyz123}
}
"""


def issues_for(tmp_path: Path, text: str) -> list[str]:
    bib = tmp_path / "refs.bib"
    bib.write_text(text, encoding="utf-8")
    return [str(i) for i in check_bibliography(bib)]


def test_good_entry_has_no_issues(tmp_path):
    assert issues_for(tmp_path, GOOD) == []


def test_duplicate_key_is_reported(tmp_path):
    found = issues_for(tmp_path, GOOD + "\n" + GOOD)
    assert any("entry 'smith2020': duplicate key" in i for i in found)


def test_malformed_doi_is_reported(tmp_path):
    found = issues_for(tmp_path, GOOD.replace("10.1000/xyz123", "https://doi.org/10.1000/xyz123"))
    assert any("malformed DOI 'https://doi.org/10.1000/xyz123'" in i for i in found)


def test_missing_required_field_is_reported(tmp_path):
    found = issues_for(tmp_path, GOOD.replace("  journal = {J Trials},\n", ""))
    assert "refs.bib, line 1, entry 'smith2020': @article entry is missing required field 'journal'" in found


def test_article_without_doi_must_say_so(tmp_path):
    no_doi = GOOD.replace("  doi = {10.1000/xyz123}\n", "")
    assert any("journal article without a DOI" in i for i in issues_for(tmp_path, no_doi))
    assert issues_for(tmp_path, no_doi.replace("year = {2020},", "year = {2020}, note = {no DOI assigned},")) == []


def test_parse_error_is_reported(tmp_path):
    found = issues_for(tmp_path, GOOD + "\n@article{broken, title = {unclosed\n")
    assert any("parse error" in i for i in found)


def test_cite_key_missing_from_bib_is_reported(tmp_path):
    bib = tmp_path / "refs.bib"
    bib.write_text(GOOD, encoding="utf-8")
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a.md").write_text("As shown {cite:p}`smith2020,ghost2019`.", encoding="utf-8")
    found = [str(i) for i in check_citations(bib, pages)]
    assert found == ["a.md, entry 'ghost2019': cited in the page but not in references.bib"]


def test_unused_entries_are_listed(tmp_path):
    bib = tmp_path / "refs.bib"
    bib.write_text(GOOD + GOOD.replace("smith2020", "jones2021"), encoding="utf-8")
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a.md").write_text("{cite}`smith2020`", encoding="utf-8")
    assert unused_entries(bib, pages, set()) == ["jones2021"]
    assert unused_entries(bib, pages, {"jones2021"}) == []


def test_project_bibliography_and_citations_are_clean():
    problems = check_bibliography(BIB_PATH) + check_citations(BIB_PATH, CHAPTERS_DIR)
    assert not problems, "\n".join(map(str, problems))


def test_inline_code_is_not_read_as_a_citation(tmp_path):
    bib = tmp_path / "refs.bib"
    bib.write_text(GOOD, encoding="utf-8")
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a.md").write_text("Write `{cite}` roles; {cite:p}`smith2020` and `code` and {cite}`ghost`.", encoding="utf-8")
    assert [i.key for i in check_citations(bib, pages)] == ["ghost"]


def test_two_keys_for_one_paper_are_reported(tmp_path):
    found = issues_for(tmp_path, GOOD + "\n" + GOOD.replace("smith2020", "smith2020b").replace("10.1000/xyz123", "10.1000/XYZ123"))
    assert any("entry 'smith2020b': same DOI 10.1000/xyz123 as entry 'smith2020'; keep one key" in i for i in found)


@pytest.mark.parametrize("entry, expected", [
    ({"author": "Dean, J. and Keshavan, M.", "year": "2021"}, "Dean 2021"),
    # a body named in braces keeps its whole name, even with "and" inside it
    ({"author": "{Compass Pathways}", "year": "2025"}, "Compass Pathways 2025"),
    ({"author": "{atai Life Sciences and Beckley Psytech}", "year": "2025"}, "atai Life Sciences and Beckley Psytech 2025"),
    # LaTeX accents are decoded, not shown as backslashes
    ({"author": "Gonz\\'alez-Pardo, J. and Other, A.", "year": "2023"}, "González-Pardo 2023"),
    ({"author": 'M{\\"u}ller, F.', "year": "2025"}, "Müller 2025"),
    # a registry record without an author: its number, not the last word of its title
    ({"title": "Ketamine for Depression", "howpublished": "ClinicalTrials.gov NCT01944293, results", "year": "2019"}, "NCT01944293 2019"),
    ({"title": "A Randomized Controlled Trial to Decrease Suicidal Thinking", "howpublished": "DTIC technical report", "year": "2016"},
     "A Randomized Controlled Trial… 2016"),
    # no author seen: the title's first words
    ({"author": "{not seen in source excerpt}", "title": "A randomized placebo-controlled {PET} study of ketamine", "year": "2020"},
     "A randomized placebo-controlled PET… 2020"),
])
def test_short_citation_reads_like_a_name(entry, expected):
    from evidence_review.data.bibliography import short_citation

    assert short_citation(entry) == expected


def test_every_citation_label_is_plain_text():
    """Labels shown in tables and lists carry no LaTeX ('Gonz\\'alez') and no lone surname of a body."""
    from evidence_review.presentation.table_view import citation_labels

    labels = citation_labels()
    assert not [k for k, v in labels.items() if any(c in v for c in "\\{}")]
    assert not [k for k, v in labels.items() if v.split()[0] in {"Pathways", "Therapeutics", "Sciences", "excerpt", "Depression"}]


def test_a_body_as_author_is_written_in_braces():
    """'U.S. Food and Drug Administration' unbraced is read as two people and labelled 'Food';
    a person is 'Surname, Given', so a first author of several words without a comma is a body."""
    from evidence_review.data.bibliography import _first_author, read_bibliography

    entries = read_bibliography(BIB_PATH)
    unbraced = [key for key, entry in entries.items()
                if (first := _first_author(entry.get("author", ""))) and not first.startswith("{")
                and "," not in first and len(first.split()) > 1]
    assert not unbraced, f"write these authors as {{{{Name}}}}: {unbraced}"
