"""Load the evidence tables in data/, validated against their schemas and the bibliography.

``load_tables()`` is what every chapter calls: it validates every table (types, allowed values,
cross-field rules, keys between tables, citekeys) and raises one ``DataValidationError`` listing
every problem, so no chart or number is ever computed from data that failed.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from evidence_review import DATA_DIR, SCHEMA_DIR, BIB_PATH
from evidence_review.data.bibliography import read_bibliography
from evidence_review.data.dependencies import record
from evidence_review.data.provenance import check_provenance
from evidence_review.data.validation import (DataValidationError, ValidationIssue, check_citekeys, check_foreign_keys,
                         load_schema, read_rows, validate_rows)

HOURS_PER_UNIT = {"minutes": 1 / 60, "hours": 1.0, "days": 24.0, "weeks": 168.0}


def schemas(schema_dir: Path = SCHEMA_DIR) -> dict[str, dict]:
    """All table schemas, by table name, in a stable order."""
    found = {}
    for path in sorted(Path(schema_dir).glob("*.schema.json")):
        schema = load_schema(path)
        found[schema["name"]] = schema
    return found


def with_parents(names, table_schemas: dict[str, dict]) -> list[str]:
    """The tables asked for plus every table their keys point to (needed to validate them)."""
    wanted, queue = [], list(names)
    while queue:
        name = queue.pop(0)
        if name in wanted:
            continue
        if name not in table_schemas:
            raise KeyError(f"no table named {name!r}; tables: {', '.join(table_schemas)}")
        wanted.append(name)
        schema = table_schemas[name]
        queue += [fk["reference"]["resource"] for fk in schema.get("foreignKeys", [])]
        queue += [r["parent"] for r in schema.get("rules", []) if r["rule"] == "same_parent"]
        queue += schema.get("checkedWith", [])  # tables the cross-table provenance checks need
    return [n for n in table_schemas if n in wanted]


def validate_data(data_dir: Path = DATA_DIR, schema_dir: Path = SCHEMA_DIR, bib_path: Path = BIB_PATH,
                  names: list[str] | None = None) -> tuple[dict[str, list[dict]], list[ValidationIssue]]:
    """Validate the tables (all, or the named ones and their parents); return the typed rows and
    all issues (empty when the data is sound)."""
    data_dir = Path(data_dir)
    issues: list[ValidationIssue] = []
    rows_by_table: dict[str, list[dict]] = {}
    table_schemas = schemas(schema_dir)
    if names is not None:
        table_schemas = {n: table_schemas[n] for n in with_parents(names, table_schemas)}
    for name, schema in table_schemas.items():
        path = data_dir / schema["path"]
        label = f"data/{schema['path']}"
        if not path.exists():
            issues.append(ValidationIssue(label, None, None, None, "file is missing"))
            continue
        record(path)
        header, raw_rows, read_issues = read_rows(path, label)
        issues += read_issues
        if read_issues and not header:
            continue
        typed, row_issues = validate_rows(schema, header, raw_rows, label)
        issues += row_issues
        rows_by_table[name] = typed
    if Path(bib_path).exists():
        record(bib_path)
        known_keys = set(read_bibliography(bib_path).keys())
    else:
        known_keys = set()
    for name, schema in table_schemas.items():
        if name in rows_by_table:
            label = f"data/{schema['path']}"
            issues += check_foreign_keys(schema, rows_by_table[name], rows_by_table, label)
            issues += check_citekeys(schema, rows_by_table[name], known_keys, label)
    if not issues:
        bib = read_bibliography(bib_path) if Path(bib_path).exists() else {}
        issues += check_provenance(rows_by_table, bib)
    return rows_by_table, issues


def load_tables(names: list[str] | None = None, data_dir: Path = DATA_DIR, schema_dir: Path = SCHEMA_DIR,
                bib_path: Path = BIB_PATH) -> dict[str, pd.DataFrame]:
    """Validated tables as DataFrames (nullable dtypes), with derived columns added.

    A chapter names the tables it reads; their parent tables are loaded too, so keys between
    tables are always checked. The files read are recorded, so the build re-executes a chapter
    exactly when one of them changes."""
    rows_by_table, issues = validate_data(data_dir, schema_dir, bib_path, names)
    if issues:
        raise DataValidationError(issues)
    table_schemas = schemas(schema_dir)
    frames = {}
    for name, rows in rows_by_table.items():
        fields = table_schemas[name]["fields"]
        frame = pd.DataFrame(rows, columns=[f["name"] for f in fields])
        for field in fields:
            if field["type"] == "date":
                frame[field["name"]] = pd.to_datetime(frame[field["name"]])
                continue
            dtype = {"integer": "Int64", "number": "Float64", "string": "string", "boolean": "boolean"}[field["type"]]
            frame[field["name"]] = frame[field["name"]].astype(dtype)
        if "timepoint_unit" in frame:
            # One unit for every time point, so days and hours can never be mixed in a chart.
            frame["timepoint_hours"] = frame["timepoint_value"] * frame["timepoint_unit"].map(HOURS_PER_UNIT).astype("Float64")
        frames[name] = frame
    return frames


EVIDENCE_LEVELS = ["primary", "secondary", "derived", "press", "unverified"]


def evidence_grade(frame: pd.DataFrame) -> pd.Series:
    """'primary' for numbers read in the trial's own report (or derived from such numbers),
    'secondary' for numbers read second-hand, '' for numbers never pooled (press, unverified)."""
    level = frame["evidence_level"].astype("string")
    inputs = frame["derived_from"].astype("string") if "derived_from" in frame else pd.Series(pd.NA, index=frame.index, dtype="string")
    effective = level.where(level != "derived", inputs)
    return effective.where(effective.isin(["primary", "secondary"]), "").fillna("")


def row_counts(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Rows per table, and per evidence level for the tables whose rows carry one."""
    records = []
    for name, frame in frames.items():
        record = {"table": name, "rows": len(frame)}
        if "evidence_level" in frame:
            record.update({level: int((frame["evidence_level"] == level).sum()) for level in EVIDENCE_LEVELS})
        records.append(record)
    return pd.DataFrame(records, columns=["table", "rows", *EVIDENCE_LEVELS])


def data_dictionary(table_schemas: dict[str, dict]) -> pd.DataFrame:
    """The people-readable data dictionary, built from the machine-readable schemas so the two
    cannot drift apart."""
    records = []
    for name, schema in table_schemas.items():
        for field in schema["fields"]:
            cons = field.get("constraints", {})
            bounds = ", ".join(p for p in [f"≥ {cons['minimum']}" if "minimum" in cons else "",
                                           f"≤ {cons['maximum']}" if "maximum" in cons else ""] if p)
            records.append({
                "table": f"{name}.csv",
                "column": field["name"],
                "type": field["type"],
                "unit": field.get("unit", ""),
                "required": "yes" if cons.get("required") else "",
                "allowed values": "; ".join(map(str, cons.get("enum", []))) or bounds,
                "meaning": field.get("description", ""),
            })
    return pd.DataFrame(records)
