"""Read references.bib (bibtexparser 2.x) and check it: parse errors, duplicate keys, required
fields per entry type, DOI syntax, and citations in the pages that the .bib does not hold."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import bibtexparser
from bibtexparser import model
from pylatexenc.latex2text import LatexNodes2Text

# Fields an entry must have for the bibliography page to say what the source is.
REQUIRED_FIELDS = {
    "article": ["author", "title", "journal", "year"],
    "book": ["title", "year", "publisher"],
    "incollection": ["author", "title", "booktitle", "year"],
    "inproceedings": ["author", "title", "booktitle", "year"],
    "techreport": ["title", "institution", "year"],
    "misc": ["title", "year"],
    "online": ["title", "year", "url"],
}
# Crossref's recommended pattern for modern DOIs; stored without the https://doi.org/ prefix.
DOI_PATTERN = re.compile(r"^10\.\d{4,9}/[-._;()/:A-Za-z0-9<>\[\]]+$")
# {cite}`key1,key2`, {cite:p}`...`, {cite:t}`...` in MyST markdown and notebook markdown cells.
# Scanned left to right, so inline code such as `{cite}` written as an example is consumed as code
# and never read as a citation.
CITE_ROLE_OR_CODE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`|`[^`\n]*`")


@dataclass(frozen=True)
class BibIssue:
    file: str
    line: int | None
    key: str | None
    message: str

    def __str__(self) -> str:
        where = self.file + (f", line {self.line}" if self.line is not None else "")
        return f"{where}{', entry ' + repr(self.key) if self.key else ''}: {self.message}"


class BibliographyError(ValueError):
    def __init__(self, issues: list[BibIssue]):
        self.issues = list(issues)
        super().__init__(f"{len(issues)} bibliography problem(s):\n" + "\n".join(f"  - {i}" for i in issues))


def parse(path: Path) -> model.Library:
    return bibtexparser.parse_string(Path(path).read_text(encoding="utf-8"))


def read_bibliography(path: Path) -> dict[str, dict[str, str]]:
    """Entries by key, each a dict of lower-case field names (plus 'ENTRYTYPE')."""
    entries = {}
    for entry in parse(path).entries:
        fields = {k.lower(): str(field.value) for k, field in entry.fields_dict.items()}
        fields["ENTRYTYPE"] = entry.entry_type.lower()
        entries[entry.key] = fields
    return entries


def missing_doi_documented(fields: dict) -> bool:
    note = str(fields.get("note", "")).lower()
    return "no doi" in note or "doi not verified" in note


def entries_without_verified_doi(path: Path) -> list[str]:
    """Articles whose DOI has not been checked yet (a known, listed gap)."""
    return sorted(key for key, f in read_bibliography(path).items() if f["ENTRYTYPE"] == "article" and not f.get("doi"))


def check_bibliography(path: Path) -> list[BibIssue]:
    """Problems in the .bib file itself."""
    label = Path(path).name
    library = parse(path)
    issues = []
    for block in library.failed_blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, model.DuplicateBlockKeyBlock):
            issues.append(BibIssue(label, line, block.key, "duplicate key"))
        elif isinstance(block, model.DuplicateFieldKeyBlock):
            issues.append(BibIssue(label, line, getattr(block, "key", None), "a field appears twice in the entry"))
        else:
            detail = (str(getattr(block, "error", "")).strip().splitlines() or ["unreadable entry"])[0]
            issues.append(BibIssue(label, line, None, f"parse error: {detail}"))
    first_with_doi: dict[str, str] = {}
    for entry in library.entries:
        line = entry.start_line + 1
        fields = {k.lower(): v.value for k, v in entry.fields_dict.items()}
        doi_key = str(fields.get("doi", "")).strip().lower()
        if doi_key:  # one paper, one key: two keys would count one trial twice
            if doi_key in first_with_doi:
                issues.append(BibIssue(label, line, entry.key, f"same DOI {doi_key} as entry {first_with_doi[doi_key]!r}; keep one key"))
            else:
                first_with_doi[doi_key] = entry.key
        for name in REQUIRED_FIELDS.get(entry.entry_type.lower(), ["title", "year"]):
            if not str(fields.get(name, "")).strip():
                issues.append(BibIssue(label, line, entry.key, f"@{entry.entry_type} entry is missing required field '{name}'"))
        doi = str(fields.get("doi", "")).strip()
        if doi and not DOI_PATTERN.match(doi):
            issues.append(BibIssue(label, line, entry.key, f"malformed DOI {doi!r} (expected 10.NNNN/suffix, without https://doi.org/)"))
        # An article without a DOI must say why (note = {no DOI} or {DOI not verified}), so a missing
        # one is never an oversight; the documented gaps are counted in the methods appendix.
        if entry.entry_type.lower() == "article" and not doi and not missing_doi_documented(fields):
            issues.append(BibIssue(label, line, entry.key, "journal article without a DOI"))
    return issues


def cited_keys(pages_dir: Path) -> dict[str, set[str]]:
    """Citekeys used by {cite} roles in each .md and .ipynb page under pages_dir."""
    found: dict[str, set[str]] = {}
    for page in sorted(Path(pages_dir).rglob("*")):
        if page.suffix == ".md":
            texts = [page.read_text(encoding="utf-8")]
        elif page.suffix == ".ipynb" and ".ipynb_checkpoints" not in page.parts:
            cells = json.loads(page.read_text(encoding="utf-8"))["cells"]
            texts = ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
        else:
            continue
        keys = {k.strip() for text in texts for match in CITE_ROLE_OR_CODE.finditer(text) if match.group(1)
                for k in match.group(1).split(",")}
        if keys:
            found[str(page)] = keys
    return found


def check_citations(bib_path: Path, pages_dir: Path) -> list[BibIssue]:
    """A {cite} key in any page that is not in the .bib."""
    known = set(read_bibliography(bib_path))
    issues = []
    for page, keys in cited_keys(pages_dir).items():
        for key in sorted(keys - known):
            issues.append(BibIssue(Path(page).name, None, key, "cited in the page but not in references.bib"))
    return issues


def unused_entries(bib_path: Path, pages_dir: Path, data_keys: set[str]) -> list[str]:
    """Entries neither cited in a page nor named by a data row (listed, not an error)."""
    used = set(data_keys).union(*cited_keys(pages_dir).values())
    return sorted(set(read_bibliography(bib_path)) - used)


def _first_author(author: str) -> str:
    """The first name in a BibTeX author list; ' and ' inside braces belongs to a body's name
    ('{atai Life Sciences and Beckley Psytech}')."""
    depth = 0
    for i, ch in enumerate(author):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth == 0 and author.startswith(" and ", i):
            return author[:i].strip()
    return author.strip()


def _plain(text: str) -> str:
    """LaTeX to plain text: accents decoded (Gonz\\'alez → González), braces dropped."""
    return LatexNodes2Text().latex_to_text(text).strip()


REGISTRY_ID = re.compile(r"\b(NCT\d{8}|ACTRN\d{14}|ISRCTN\d+|ChiCTR[-\w]+|IRCT\w+|EUCTR[-\w]+|UMIN\d+)\b")


def short_citation(entry: dict[str, str]) -> str:
    """'Dean 2021' style label for tables, where a {cite} role cannot be used. A body named in
    braces keeps its whole name ('Compass Pathways 2025', not 'Pathways 2025')."""
    author = entry.get("author") or entry.get("organization") or ""
    first = _first_author(author)
    registry = REGISTRY_ID.search(" ".join(entry.get(f, "") for f in ("howpublished", "note", "title", "url")))
    if not author and registry:
        surname = registry.group(0)  # a registry record: its number says which trial ('Depression 2019' did not)
    elif not author:
        surname = ""
    elif first.startswith("{") and first.endswith("}"):
        surname = _plain(first[1:-1])
    else:
        surname = _plain(first.split(",")[0] if "," in first else first.split()[-1])
    if not surname or surname.lower() in {"others", "unknown", "anonymous"} or "not seen" in surname.lower():
        # No named author seen: the first words of the title say which source it is.
        words = _plain(entry.get("title", "?")).split()
        surname = " ".join(words[:4]) + ("…" if len(words) > 4 else "")
    return f"{surname} {entry.get('year', '')}".strip()
