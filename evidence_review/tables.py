"""Load the evidence tables in data/, validated against their schemas and the bibliography.

``load_tables()`` is what every chapter calls: it validates every table (types, allowed values,
cross-field rules, keys between tables, citekeys) and raises one ``DataValidationError`` listing
every problem, so no chart or number is ever computed from data that failed.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from . import DATA_DIR, SCHEMA_DIR, BIB_PATH
from .bibliography import read_bibliography
from .validation import (DataValidationError, ValidationIssue, check_citekeys, check_foreign_keys,
                         load_schema, read_rows, validate_rows)

HOURS_PER_UNIT = {"minutes": 1 / 60, "hours": 1.0, "days": 24.0, "weeks": 168.0}


def schemas(schema_dir: Path = SCHEMA_DIR) -> dict[str, dict]:
    """All table schemas, by table name, in a stable order."""
    found = {}
    for path in sorted(Path(schema_dir).glob("*.schema.json")):
        schema = load_schema(path)
        found[schema["name"]] = schema
    return found


def validate_data(data_dir: Path = DATA_DIR, schema_dir: Path = SCHEMA_DIR, bib_path: Path = BIB_PATH) -> tuple[dict[str, list[dict]], list[ValidationIssue]]:
    """Validate every table; return the typed rows and all issues (empty when the data is sound)."""
    data_dir = Path(data_dir)
    issues: list[ValidationIssue] = []
    rows_by_table: dict[str, list[dict]] = {}
    table_schemas = schemas(schema_dir)
    for name, schema in table_schemas.items():
        path = data_dir / schema["path"]
        label = f"data/{schema['path']}"
        if not path.exists():
            issues.append(ValidationIssue(label, None, None, None, "file is missing"))
            continue
        header, raw_rows, read_issues = read_rows(path, label)
        issues += read_issues
        if read_issues and not header:
            continue
        typed, row_issues = validate_rows(schema, header, raw_rows, label)
        issues += row_issues
        rows_by_table[name] = typed
    known_keys = set(read_bibliography(bib_path).keys()) if Path(bib_path).exists() else set()
    for name, schema in table_schemas.items():
        if name in rows_by_table:
            label = f"data/{schema['path']}"
            issues += check_foreign_keys(schema, rows_by_table[name], rows_by_table, label)
            issues += check_citekeys(schema, rows_by_table[name], known_keys, label)
    return rows_by_table, issues


def load_tables(data_dir: Path = DATA_DIR, schema_dir: Path = SCHEMA_DIR, bib_path: Path = BIB_PATH) -> dict[str, pd.DataFrame]:
    """Validated tables as DataFrames (nullable dtypes), with derived columns added."""
    rows_by_table, issues = validate_data(data_dir, schema_dir, bib_path)
    if issues:
        raise DataValidationError(issues)
    table_schemas = schemas(schema_dir)
    frames = {}
    for name, rows in rows_by_table.items():
        fields = table_schemas[name]["fields"]
        frame = pd.DataFrame(rows, columns=[f["name"] for f in fields])
        for field in fields:
            dtype = {"integer": "Int64", "number": "Float64", "string": "string", "boolean": "boolean"}[field["type"]]
            frame[field["name"]] = frame[field["name"]].astype(dtype)
        if "timepoint_unit" in frame:
            # One unit for every time point, so days and hours can never be mixed in a chart.
            frame["timepoint_hours"] = frame["timepoint_value"] * frame["timepoint_unit"].map(HOURS_PER_UNIT).astype("Float64")
        frames[name] = frame
    return frames


def row_counts(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Rows per table and how many of them are verified against the source text."""
    records = []
    for name, frame in frames.items():
        verified = int((frame["verified"] == "yes").sum()) if "verified" in frame else len(frame)
        records.append({"table": name, "rows": len(frame), "verified_rows": verified})
    return pd.DataFrame(records)


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
