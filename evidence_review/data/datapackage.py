"""The evidence as a Frictionless data package: ``datapackage.json`` at the top of the repository
describes every table in ``data/`` (its Table Schema: types, allowed values, units, primary and
foreign keys), with the licence, the sources, the version of the evidence and the date it is
current to, so that standard tools (``frictionless validate datapackage.json``, R's
``frictionless`` package, Data Package viewers) read the data as they are.

The descriptor is generated from ``data/schema/*.schema.json`` (the one place a table is
described) and committed; a test fails when the two drift apart.

    python -m evidence_review.data.datapackage          # rewrite datapackage.json
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from evidence_review import DATA_DIR, ROOT, SCHEMA_DIR

DESCRIPTOR = ROOT / "datapackage.json"
CITATION = ROOT / "CITATION.cff"
# Table Schema keys; the package's own cross-field rules stay in data/schema/ and are checked by
# evidence_review.data.validation (Frictionless has no such rules).
TABLE_SCHEMA_KEYS = ("fields", "primaryKey", "foreignKeys")


def evidence_version(citation: Path = CITATION) -> str:
    """The version of the evidence, kept in CITATION.cff (one place for every citation format)."""
    found = re.search(r"^version:\s*\"?([^\"\n]+)\"?\s*$", citation.read_text(encoding="utf-8"), flags=re.M)
    if not found:
        raise ValueError(f"{citation.name}: no 'version:' line")
    return found.group(1).strip()


def descriptor(schema_dir: Path = SCHEMA_DIR, data_dir: Path = DATA_DIR) -> dict:
    """The data package descriptor, built from the table schemas."""
    from evidence_review.data.screening import evidence_current_to
    from evidence_review.data.tables import load_tables

    resources = []
    for path in sorted(Path(schema_dir).glob("*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        table_schema = {key: schema[key] for key in TABLE_SCHEMA_KEYS if key in schema}
        table_schema["missingValues"] = [""]
        resources.append({
            "name": schema["name"], "path": f"{Path(data_dir).name}/{schema['path']}", "title": schema.get("title", schema["name"]),
            "description": schema.get("description", ""), "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "schema": table_schema,
        })
    current_to = evidence_current_to(load_tables(["searches"])["searches"])
    return {
        "name": "ketamine-psychedelics-depression-evidence",
        "title": "Ketamine and psychedelics for depression: the evidence tables of an open, living review",
        "description": ("Randomised trials (arms, per-arm outcomes, reported contrasts, adverse events, risk of bias), the search "
                        "and screening record, mechanistic and practice findings, risks, regulatory facts and the claims of the "
                        "popular articles the review examines. Every number carries its source (a citekey in references.bib), "
                        "a locator and an evidence level."),
        "version": evidence_version(),
        "evidenceCurrentTo": current_to.strftime("%Y-%m-%d"),
        "licenses": [{"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0",
                      "path": "https://creativecommons.org/licenses/by/4.0/"}],
        "sources": [{"title": "The reports behind every number, with DOIs (BibTeX)", "path": "references.bib"}],
        "resources": resources,
    }


def write(path: Path = DESCRIPTOR) -> Path:
    path.write_text(json.dumps(descriptor(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write(Path(sys.argv[1]) if len(sys.argv) > 1 else DESCRIPTOR))
