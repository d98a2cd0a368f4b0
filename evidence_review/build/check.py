"""Command line: validate the data tables and the bibliography; exit 1 listing every problem.

    python -m evidence_review.build.check
"""

from __future__ import annotations

import sys

from evidence_review import BIB_PATH, CHAPTERS_DIR
from evidence_review.data.bibliography import check_bibliography, check_citations, entries_without_verified_doi, unused_entries
from evidence_review.data.tables import validate_data


def data_citekeys(rows_by_table: dict[str, list[dict]]) -> set[str]:
    keys = set()
    for rows in rows_by_table.values():
        for row in rows:
            for col in ("citekey", "source_citekey", "refs_for", "refs_against"):
                if row.get(col):
                    keys.update(k.strip() for k in str(row[col]).split(";") if k.strip())
    return keys


def main() -> int:
    rows_by_table, data_issues = validate_data()
    bib_issues = check_bibliography(BIB_PATH) + check_citations(BIB_PATH, CHAPTERS_DIR)
    for issue in data_issues + bib_issues:
        print(f"ERROR {issue}")
    unused = unused_entries(BIB_PATH, CHAPTERS_DIR, data_citekeys(rows_by_table))
    if unused:
        print(f"note: {len(unused)} references.bib entries are not cited or used by data: {', '.join(unused)}")
    unchecked = entries_without_verified_doi(BIB_PATH)
    if unchecked:
        print(f"note: {len(unchecked)} articles have no verified DOI yet: {', '.join(unchecked)}")
    total = sum(len(r) for r in rows_by_table.values())
    print(f"{len(rows_by_table)} tables, {total} rows, {len(data_issues)} data problems, {len(bib_issues)} bibliography problems")
    return 1 if data_issues or bib_issues else 0


if __name__ == "__main__":
    sys.exit(main())
