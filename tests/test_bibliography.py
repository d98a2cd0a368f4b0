"""The bibliography check catches what would break a citation or hide a source."""

from __future__ import annotations

from pathlib import Path

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
