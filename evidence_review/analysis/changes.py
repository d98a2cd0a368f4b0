"""What changed in the evidence between versions.

Each released version of the evidence leaves a small fingerprint in ``releases/<version>.json``:
the trials, each table's columns, a hash of every row of every table (by its primary key), every
pooled estimate and every certainty rating. The "What changed" page compares the data as they are
now with the latest fingerprint of an earlier version: trials added or removed, columns added, rows
added, removed or corrected, pooled estimates that moved and certainty ratings that changed.

Rows are compared over the columns the earlier version had, so a table that gains a column does not
make every one of its rows look corrected (the new column is reported as added).

    python -m evidence_review.analysis.changes release      # fingerprint the current data as its version
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from evidence_review import BIB_PATH, DATA_DIR, ROOT, SCHEMA_DIR
from evidence_review.data.labels import label

RELEASES = ROOT / "releases"


def _row_key(row: dict, key: list[str]) -> str:
    return " | ".join("" if row.get(k) is None else str(row.get(k)) for k in key)


def _row_hash(row: dict, columns: list[str] | None = None) -> str:
    """A short hash of a row; with ``columns``, of those columns only (the ones an earlier version had)."""
    if columns is not None:
        row = {c: row[c] for c in columns if c in row}
    return hashlib.sha1(json.dumps(row, sort_keys=True, default=str).encode("utf-8")).hexdigest()[:12]


def fingerprint(version: str, data_dir: Path = DATA_DIR, schema_dir: Path = SCHEMA_DIR, bib_path: Path = BIB_PATH,
                names: list[str] | None = None, results: dict[str, dict] | None = None,
                columns_of: dict[str, list[str]] | None = None) -> dict:
    """The fingerprint of the data in ``data_dir``: enough to say later what changed. ``names``
    limits it to some tables (and their parents), so a chapter that needs only the trials' changes
    is not re-executed when an unrelated table is edited. ``columns_of`` (an earlier fingerprint's
    columns) hashes each table's rows over those columns only, so the two can be compared."""
    import pandas as pd

    from evidence_review.data.tables import load_tables, schemas
    from evidence_review.analysis.trials import QUESTIONS, run_question

    tables = load_tables(names, data_dir=data_dir, schema_dir=schema_dir, bib_path=bib_path)
    rows, columns = {}, {}
    for name, schema in schemas(schema_dir).items():
        if name not in tables:
            continue
        key = schema.get("primaryKey") or list(tables[name].columns[:1])
        records = tables[name].astype(object).where(tables[name].notna(), None).to_dict("records")
        over = (columns_of or {}).get(name)
        rows[name] = {_row_key(r, key): _row_hash(r, over) for r in records}
        columns[name] = [str(c) for c in tables[name].columns]
    pooled = {}
    for q in QUESTIONS:
        # a chapter that has analysed the same data passes its results rather than repeat them
        result = results[q.key] if results is not None and q.key in results else run_question(tables, q)
        entry = {"label": q.label, "measure": q.measure, "k": int(result["k"])}
        if "pooled" in result:
            nat = result["pooled"].on_natural_scale()
            entry.update({k: round(float(nat[k]), 4) for k in ("estimate", "ci_lower", "ci_upper")})
        pooled[q.key] = entry
    ratings = tables.get("certainty_ratings", pd.DataFrame(columns=["question_key", "certainty"]))
    trials = tables["studies"]
    return {"version": version,
            "trials": dict(zip(trials["study_id"].astype(str), trials["short_name"].astype(str))),
            "columns": columns, "rows": rows, "pooled": pooled,
            "certainty": dict(zip(ratings["question_key"].astype(str), ratings["certainty"].astype(str)))}


def compare(old: dict, new: dict) -> dict:
    """What changed from ``old`` to ``new`` (two fingerprints): lists a page can show."""
    added = sorted(set(new["trials"]) - set(old["trials"]))
    removed = sorted(set(old["trials"]) - set(new["trials"]))
    tables = []
    for name in sorted(set(old["rows"]) | set(new["rows"])):
        before, after = old["rows"].get(name, {}), new["rows"].get(name, {})
        changed = [k for k in set(before) & set(after) if before[k] != after[k]]
        counts = {"table": name, "added": len(set(after) - set(before)), "removed": len(set(before) - set(after)),
                  "corrected": len(changed)}
        if counts["added"] or counts["removed"] or counts["corrected"]:
            tables.append(counts)
    # a release made before columns were recorded cannot say which columns are new
    columns_added = [{"table": name, "columns": [c for c in cols if c not in old["columns"][name]]}
                     for name, cols in sorted(new.get("columns", {}).items())
                     if name in old.get("columns", {}) and any(c not in old["columns"][name] for c in cols)]
    corrected_trials = sorted(k for k in set(old["rows"].get("studies", {})) & set(new["rows"].get("studies", {}))
                              if old["rows"]["studies"][k] != new["rows"]["studies"][k])
    moved = []
    for key in sorted(set(old["pooled"]) | set(new["pooled"])):
        a, b = old["pooled"].get(key, {}), new["pooled"].get(key, {})
        if a.get("k") != b.get("k") or a.get("estimate") != b.get("estimate"):
            moved.append({"question": b.get("label") or a.get("label"), "measure": b.get("measure") or a.get("measure"),
                          "k_before": a.get("k"), "k_now": b.get("k"), "before": a.get("estimate"), "now": b.get("estimate")})
    def rating(value):  # the reader's word (GRADE), never the data code
        return label(value, "certainty") if value else "not rated"
    ratings = [{"question": new["pooled"].get(k, old["pooled"].get(k, {})).get("label", k), "before": rating(old["certainty"].get(k)),
                "now": rating(new["certainty"].get(k))}
               for k in sorted(set(old["certainty"]) | set(new["certainty"])) if old["certainty"].get(k) != new["certainty"].get(k)]
    return {"from": old["version"], "to": new["version"],
            "trials_added": [new["trials"][k] for k in added], "trials_removed": [old["trials"][k] for k in removed],
            "trials_corrected": [new["trials"][k] for k in corrected_trials],
            "columns_added": columns_added, "tables": tables, "pooled": moved, "certainty": ratings}


def releases(directory: Path = RELEASES) -> list[dict]:
    """The stored fingerprints, oldest first (versions are year.month.release)."""
    found = [json.loads(p.read_text(encoding="utf-8")) for p in Path(directory).glob("*.json")]
    return sorted(found, key=lambda f: [int(part) for part in f["version"].split(".")])


def since_last_release(directory: Path = RELEASES, names: list[str] | None = None,
                       results: dict[str, dict] | None = None) -> dict | None:
    """The current data against the latest fingerprint of an earlier version (None if there is none);
    with ``names``, only those tables are compared."""
    from evidence_review.data.datapackage import evidence_version

    current = evidence_version()
    earlier = [r for r in releases(directory) if r["version"] != current]
    if not earlier:
        return None
    previous = earlier[-1]
    current_print = fingerprint(current, names=names, results=results, columns_of=previous.get("columns"))
    if names is not None:
        previous = {**previous, "rows": {k: v for k, v in previous["rows"].items() if k in current_print["rows"]}}
    return compare(previous, current_print)


def key_changes_text(changes: dict | None) -> str:
    """One paragraph for a chapter's key findings: the version compared with, the trials added and
    each certainty rating that moved (in GRADE words), written from the comparison so it cannot
    disagree with the "What changed" page."""
    if not changes:
        return "This is the first version of the evidence; there is nothing earlier to compare with."
    parts = [f"Against version {changes['from']}, {len(changes['trials_added'])} trials were added and "
             f"{len(changes['pooled'])} pooled estimates moved."]
    moved = [f"{row['question']} ({row['before']} → {row['now']})" for row in changes["certainty"]]
    if moved:
        parts.append("Certainty changed for " + "; ".join(moved) + ".")
    else:
        parts.append("No certainty rating changed.")
    return " ".join(parts)


def write_release(directory: Path = RELEASES) -> Path:
    from evidence_review.data.datapackage import evidence_version

    version = evidence_version()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{version}.json"
    path.write_text(json.dumps(fingerprint(version), sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    if sys.argv[1:] == ["release"]:
        print(write_release())
    else:
        print(json.dumps(since_last_release(), indent=1))
