"""Validate a CSV table against its Table Schema descriptor (data/schema/*.schema.json).

Every problem becomes a ``ValidationIssue`` that names the file, the row, the column and the bad
value; all problems of a file are collected before anything is raised, so a contributor sees the
whole list at once.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Markup in a text field could run in a reader's browser if a page forgot to escape it; refuse it.
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>|javascript\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class ValidationIssue:
    file: str
    row: int | None  # 1-based data row (the header is row 0); None for file-level problems
    column: str | None
    value: Any
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row} (line {self.row + 1})"
        if self.column is not None:
            where += f", column '{self.column}'"
        value = "" if self.value is None else f" [value: {self.value!r}]"
        return f"{where}: {self.message}{value}"


class DataValidationError(ValueError):
    """Raised with every issue found, so that nothing downstream runs on bad data."""

    def __init__(self, issues: list[ValidationIssue]):
        self.issues = list(issues)
        lines = "\n".join(f"  - {issue}" for issue in self.issues)
        super().__init__(f"{len(self.issues)} data problem(s):\n{lines}")


def load_schema(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def read_rows(path: Path, label: str) -> tuple[list[str], list[dict[str, str]], list[ValidationIssue]]:
    """Read a CSV as text, refusing bytes that are not UTF-8 (they would be shown garbled)."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return [], [], [ValidationIssue(label, None, None, raw[exc.start : exc.start + 4],
                                        f"file is not UTF-8: undecodable byte at line {line}; save it as UTF-8")]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = list(reader.fieldnames or [])
    rows = []
    issues = []
    for number, row in enumerate(reader, start=1):
        if None in row:  # more cells than header columns
            issues.append(ValidationIssue(label, number, None, row.pop(None), "row has more cells than the header"))
        rows.append({k: (v if v is not None else "") for k, v in row.items()})
    return header, rows, issues


def _convert(value: str, type_: str) -> Any:
    """Turn a CSV cell into a Python value of the schema type; raise ValueError when it is not one."""
    if type_ == "string":
        return value
    if type_ == "integer":
        if not re.fullmatch(r"[+-]?\d+", value):
            raise ValueError("is not an integer")
        return int(value)
    if type_ == "number":
        try:
            number = float(value)
        except ValueError:
            raise ValueError("is not a number") from None
        if math.isnan(number) or math.isinf(number):
            raise ValueError("is not a finite number")
        return number
    if type_ == "date":
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            raise ValueError("is not a date (YYYY-MM-DD)") from None
    if type_ == "boolean":
        if value.lower() not in {"true", "false"}:
            raise ValueError("is not true/false")
        return value.lower() == "true"
    raise ValueError(f"has unknown schema type {type_!r}")


def validate_rows(schema: dict, header: list[str], rows: list[dict[str, str]], label: str) -> tuple[list[dict[str, Any]], list[ValidationIssue]]:
    """Check columns, types and per-field constraints; return typed rows and issues."""
    issues: list[ValidationIssue] = []
    fields = schema["fields"]
    names = [f["name"] for f in fields]
    missing = [n for n in names if n not in header]
    extra = [h for h in header if h not in names]
    for name in missing:
        issues.append(ValidationIssue(label, None, name, None, "required column is missing from the header"))
    for name in extra:
        issues.append(ValidationIssue(label, None, name, None, "column is not in the schema (typo, or add it to the schema)"))
    if missing:
        return [], issues
    if schema.get("minRows") and not rows:
        issues.append(ValidationIssue(label, None, None, None,
                                      f"table has a header but no rows; the chapters need at least {schema['minRows']}"))

    typed_rows = []
    for number, row in enumerate(rows, start=1):
        typed: dict[str, Any] = {}
        for field in fields:
            name, cons = field["name"], field.get("constraints", {})
            cell = row.get(name, "").strip()
            if cell == "":
                typed[name] = None
                if cons.get("required"):
                    issues.append(ValidationIssue(label, number, name, None, "required value is empty"))
                continue
            try:
                value = _convert(cell, field["type"])
            except ValueError as exc:
                issues.append(ValidationIssue(label, number, name, cell, f"{exc} (expected {field['type']})"))
                typed[name] = None
                continue
            typed[name] = value
            if "enum" in cons and value not in cons["enum"]:
                issues.append(ValidationIssue(label, number, name, cell, f"not an allowed value; allowed: {', '.join(map(str, cons['enum']))}"))
            if "minimum" in cons and value < cons["minimum"]:
                issues.append(ValidationIssue(label, number, name, cell, f"below the minimum {cons['minimum']}" + _unit(field)))
            if "maximum" in cons and value > cons["maximum"]:
                issues.append(ValidationIssue(label, number, name, cell, f"above the maximum {cons['maximum']}" + _unit(field)))
            if "pattern" in cons and not re.fullmatch(cons["pattern"], cell):
                issues.append(ValidationIssue(label, number, name, cell, f"does not match the pattern {cons['pattern']}"))
            if field["type"] == "string" and _MARKUP.search(cell):
                issues.append(ValidationIssue(label, number, name, cell, "HTML or script is not allowed in a text field; write plain text"))
        typed_rows.append(typed)

    issues += _check_primary_key(schema, typed_rows, label)
    issues += _check_rules(schema, typed_rows, label)
    return typed_rows, issues


def _unit(field: dict) -> str:
    return f" {field['unit']}" if field.get("unit") else ""


def _check_primary_key(schema: dict, rows: list[dict], label: str) -> list[ValidationIssue]:
    key = schema.get("primaryKey") or []
    seen: dict[tuple, int] = {}
    issues = []
    for number, row in enumerate(rows, start=1):
        value = tuple(row.get(k) for k in key)
        if not key:
            break
        if value in seen:
            issues.append(ValidationIssue(label, number, "+".join(key), value if len(value) > 1 else value[0],
                                          f"duplicate key: same as row {seen[value]}"))
        else:
            seen[value] = number
    return issues


def _applies(rule: dict, row: dict) -> bool:
    return all(row.get(col) in allowed for col, allowed in rule.get("when", {}).items())


RULES = {"required_if", "required_unless", "empty_unless", "equals_if", "less_equal", "ordered", "one_of_required", "same_parent"}


def _check_rules(schema: dict, rows: list[dict], label: str) -> list[ValidationIssue]:
    """Cross-field rules named in the schema's custom 'rules' list."""
    issues = []
    for rule in schema.get("rules", []):
        kind = rule["rule"]
        if kind not in RULES:  # a misspelt rule must not pass silently
            issues.append(ValidationIssue(f"data/schema/{schema['name']}.schema.json", None, None, kind,
                                          f"unknown rule in the schema; known rules: {', '.join(sorted(RULES))}"))
            continue
        if kind == "empty_unless":
            for number, row in enumerate(rows, start=1):
                if row.get(rule["field"]) is not None and not _applies(rule, row):
                    cond = " or ".join(f"{c} is {', '.join(map(str, a))}" for c, a in rule["when"].items())
                    issues.append(ValidationIssue(label, number, rule["field"], row.get(rule["field"]), f"must be empty unless {cond}"))
            continue
        for number, row in enumerate(rows, start=1):
            if not _applies(rule, row):
                continue
            if kind == "required_if" and row.get(rule["field"]) is None:
                cond = "; ".join(f"{c} is {row.get(c)}" for c in rule["when"]) or "always"
                issues.append(ValidationIssue(label, number, rule["field"], None, f"required when {cond}"))
            elif kind == "required_unless" and row.get(rule["field"]) is None and not any(
                    row.get(col) in allowed for col, allowed in rule["unless"].items()):
                issues.append(ValidationIssue(label, number, rule["field"], None,
                                              f"required unless {' or '.join(f'{c} is one of {a}' for c, a in rule['unless'].items())}"))
            elif kind == "equals_if" and row.get(rule["field"]) not in (None, rule["value"]):
                cond = "; ".join(f"{c} is {row.get(c)}" for c in rule["when"])
                issues.append(ValidationIssue(label, number, rule["field"], row.get(rule["field"]), f"must be {rule['value']!r} when {cond}"))
            elif kind == "less_equal":
                small, large = rule["fields"]
                if row.get(small) is not None and row.get(large) is not None and row[small] > row[large]:
                    issues.append(ValidationIssue(label, number, small, row[small], f"{small} ({row[small]}) exceeds {large} ({row[large]})"))
            elif kind == "ordered":
                present = [(c, row.get(c)) for c in rule["fields"] if row.get(c) is not None]
                for (c1, v1), (c2, v2) in zip(present, present[1:]):
                    if v1 > v2:
                        issues.append(ValidationIssue(label, number, c1, v1, f"{c1} ({v1}) is greater than {c2} ({v2}); expected {' <= '.join(rule['fields'])}"))
                        break
            elif kind == "one_of_required" and all(row.get(c) is None for c in rule["fields"]):
                issues.append(ValidationIssue(label, number, "/".join(rule["fields"]), None, f"one of {', '.join(rule['fields'])} is required" + (f" for outcome {row.get('outcome')}" if row.get("outcome") else "")))
    return issues


def check_foreign_keys(schema: dict, rows: list[dict], tables: dict[str, list[dict]], label: str) -> list[ValidationIssue]:
    """Keys between tables, plus 'same_parent' rules (an arm must belong to the row's study)."""
    issues = []
    for fk in schema.get("foreignKeys", []):
        ref = fk["reference"]
        if ref["resource"] not in tables:
            continue
        known = {tuple(r.get(f) for f in ref["fields"]) for r in tables[ref["resource"]]}
        for number, row in enumerate(rows, start=1):
            value = tuple(row.get(f) for f in fk["fields"])
            if None in value:
                continue
            if value not in known:
                issues.append(ValidationIssue(label, number, "+".join(fk["fields"]), value[0] if len(value) == 1 else value,
                                              f"not found in {ref['resource']}.{'+'.join(ref['fields'])}"))
    for rule in schema.get("rules", []):
        if rule["rule"] != "same_parent" or rule["parent"] not in tables:
            continue
        key = rule.get("parent_key", rule["field"])
        parent_of = {r[key]: r[rule["parent_field"]] for r in tables[rule["parent"]]}
        separator = rule.get("separator")  # the field lists several ids, e.g. 'a_ket05;a_ket02'
        for number, row in enumerate(rows, start=1):
            value = row.get(rule["field"])
            children = [] if value is None else [c.strip() for c in str(value).split(separator)] if separator else [value]
            for child in children:
                if separator and child not in parent_of:
                    issues.append(ValidationIssue(label, number, rule["field"], child, f"not found in {rule['parent']}.{key}"))
                elif child in parent_of and parent_of[child] != row.get(rule["local_field"]):
                    issues.append(ValidationIssue(label, number, rule["field"], child,
                                                  f"belongs to {rule['parent_field']} {parent_of[child]!r}, not {row.get(rule['local_field'])!r}"))
    return issues


def check_citekeys(schema: dict, rows: list[dict], known_keys: set[str], label: str) -> list[ValidationIssue]:
    """Every citekey a row names must exist in references.bib."""
    issues = []
    single = schema.get("citekeyFields", [])
    multi = schema.get("citekeyListFields", [])
    for number, row in enumerate(rows, start=1):
        for col in single + multi:
            cell = row.get(col)
            if not cell:
                continue
            keys = [k.strip() for k in cell.split(";") if k.strip()] if col in multi else [cell]
            for key in keys:
                if key not in known_keys:
                    issues.append(ValidationIssue(label, number, col, key, "citekey not found in references.bib"))
    return issues
