"""Bad input gets a clear error naming file, row, column and value; good input loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence_review.tables import load_tables, validate_data
from evidence_review.validation import DataValidationError

from conftest import read_csv, write_csv

STUDY = {"study_id": "trial2000", "citekey": "sterne2019", "short_name": "Trial 2000", "year": "2000",
         "design": "parallel_rct", "blinding": "double_blind", "population": "trd",
         "intervention_class": "ketamine_iv", "registration": "", "funding": "", "n_randomized": "40",
         "crossover_correlation": "", "locator": "Abstract", "verified": "yes", "notes": ""}
ARMS = [
    {"study_id": "trial2000", "arm_id": "trial2000_ket", "arm_label": "Ketamine", "role": "intervention", "drug": "ketamine",
     "dose": "0.5", "dose_unit": "mg/kg", "route": "iv", "schedule": "single infusion", "comparator_type": "none",
     "n_randomized": "20", "locator": "Methods"},
    {"study_id": "trial2000", "arm_id": "trial2000_sal", "arm_label": "Saline", "role": "control", "drug": "saline",
     "dose": "", "dose_unit": "none", "route": "iv", "schedule": "single infusion", "comparator_type": "saline",
     "n_randomized": "20", "locator": "Methods"},
]
OUTCOME = {"study_id": "trial2000", "arm_id": "trial2000_ket", "outcome": "response", "scale": "MADRS",
           "timepoint_value": "1", "timepoint_unit": "days", "n_analysed": "20", "events": "10", "mean": "", "sd": "",
           "se": "", "ci_lower": "", "ci_upper": "", "median": "", "locator": "Table 2", "verified": "yes", "notes": ""}


def set_table(root: Path, name: str, rows: list[dict]) -> None:
    header, _ = read_csv(root / "data" / f"{name}.csv")
    write_csv(root / "data" / f"{name}.csv", header, rows)


@pytest.fixture
def mini_book(book_copy: Path) -> Path:
    """A copy of the book whose trial tables hold one known-good study."""
    for name in ["studies", "trial_arms", "arm_outcomes", "contrasts", "adverse_events", "risk_of_bias"]:
        set_table(book_copy, name, [])
    set_table(book_copy, "studies", [STUDY])
    set_table(book_copy, "trial_arms", ARMS)
    set_table(book_copy, "arm_outcomes", [OUTCOME])
    return book_copy


def errors(root: Path) -> list[str]:
    _, issues = validate_data(root / "data", root / "data" / "schema", root / "references.bib")
    return [str(i) for i in issues]


def test_good_data_loads_and_converts_days_to_hours(mini_book):
    frames = load_tables(data_dir=mini_book / "data", schema_dir=mini_book / "data" / "schema", bib_path=mini_book / "references.bib")
    assert frames["arm_outcomes"].loc[0, "timepoint_hours"] == 24
    assert frames["studies"].loc[0, "n_randomized"] == 40


def test_missing_column_is_named(mini_book):
    header, rows = read_csv(mini_book / "data" / "studies.csv")
    header.remove("year")
    write_csv(mini_book / "data" / "studies.csv", header, [{k: v for k, v in r.items() if k != "year"} for r in rows])
    assert "data/studies.csv, column 'year': required column is missing from the header" in errors(mini_book)


def test_text_in_numeric_column_names_row_column_and_value(mini_book):
    set_table(mini_book, "studies", [{**STUDY, "n_randomized": "forty"}])
    assert ("data/studies.csv, row 1 (line 2), column 'n_randomized': is not an integer (expected integer) "
            "[value: 'forty']") in errors(mini_book)


def test_events_greater_than_n_is_rejected(mini_book):
    set_table(mini_book, "arm_outcomes", [{**OUTCOME, "events": "25"}])
    assert any("data/arm_outcomes.csv, row 1 (line 2), column 'events': events (25) exceeds n_analysed (20)" in e
               for e in errors(mini_book))


def test_ci_lower_above_upper_is_rejected(mini_book):
    bad = {**OUTCOME, "outcome": "mean_change", "events": "", "mean": "-10", "ci_lower": "-5", "ci_upper": "-15"}
    set_table(mini_book, "arm_outcomes", [bad])
    assert any("column 'ci_lower': ci_lower (-5.0) is greater than mean (-10.0)" in e for e in errors(mini_book))


def test_unknown_citekey_is_rejected(mini_book):
    set_table(mini_book, "studies", [{**STUDY, "citekey": "nobody1999"}])
    assert ("data/studies.csv, row 1 (line 2), column 'citekey': citekey not found in references.bib "
            "[value: 'nobody1999']") in errors(mini_book)


def test_file_not_utf8_is_rejected(mini_book):
    path = mini_book / "data" / "studies.csv"
    path.write_bytes(path.read_bytes().replace(b"Trial 2000", "Tri\u00e4l 2000".encode("latin-1")))
    found = errors(mini_book)
    assert any(e.startswith("data/studies.csv: file is not UTF-8: undecodable byte at line 2") for e in found)


def test_html_or_script_in_text_field_is_rejected(mini_book):
    set_table(mini_book, "studies", [{**STUDY, "notes": "<script>alert(1)</script>"}])
    assert any("column 'notes': HTML or script is not allowed in a text field" in e for e in errors(mini_book))


def test_value_outside_allowed_list_names_the_allowed_values(mini_book):
    set_table(mini_book, "studies", [{**STUDY, "design": "rct"}])
    assert any("column 'design': not an allowed value; allowed: parallel_rct" in e for e in errors(mini_book))


def test_implausible_year_is_rejected(mini_book):
    set_table(mini_book, "studies", [{**STUDY, "year": "1850"}])
    assert any("column 'year': below the minimum 1950 year [value: '1850']" in e for e in errors(mini_book))


def test_arm_of_another_study_is_rejected(mini_book):
    other = {**STUDY, "study_id": "other2001", "short_name": "Other 2001"}
    set_table(mini_book, "studies", [STUDY, other])
    set_table(mini_book, "arm_outcomes", [{**OUTCOME, "study_id": "other2001"}])
    assert any("column 'arm_id': belongs to study_id 'trial2000', not 'other2001'" in e for e in errors(mini_book))


def test_unknown_arm_is_rejected(mini_book):
    set_table(mini_book, "arm_outcomes", [{**OUTCOME, "arm_id": "trial2000_ghost"}])
    assert any("column 'arm_id': not found in trial_arms.arm_id" in e for e in errors(mini_book))


def test_response_without_count_or_percentage_is_rejected(mini_book):
    set_table(mini_book, "arm_outcomes", [{**OUTCOME, "events": ""}])
    assert any("column 'events/percent': one of events, percent is required for outcome response" in e
               for e in errors(mini_book))


def test_time_point_without_value_needs_an_end_of_course_unit(mini_book):
    set_table(mini_book, "arm_outcomes", [{**OUTCOME, "timepoint_value": ""}])
    assert any("column 'timepoint_value': required unless timepoint_unit" in e for e in errors(mini_book))
    set_table(mini_book, "arm_outcomes", [{**OUTCOME, "timepoint_value": "", "timepoint_unit": "end_of_treatment"}])
    assert errors(mini_book) == []


def test_duplicate_key_is_rejected(mini_book):
    set_table(mini_book, "arm_outcomes", [OUTCOME, OUTCOME])
    assert any("row 2 (line 3)" in e and "duplicate key: same as row 1" in e for e in errors(mini_book))


def test_all_errors_of_a_file_are_reported_together_and_loading_stops(mini_book):
    set_table(mini_book, "studies", [{**STUDY, "year": "soon", "n_randomized": "-3", "blinding": "maybe"}])
    with pytest.raises(DataValidationError) as raised:
        load_tables(data_dir=mini_book / "data", schema_dir=mini_book / "data" / "schema", bib_path=mini_book / "references.bib")
    message = str(raised.value)
    assert "column 'year'" in message and "column 'n_randomized'" in message and "column 'blinding'" in message
    assert len(raised.value.issues) >= 3
