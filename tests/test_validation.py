"""Bad input gets a clear error naming file, row, column and value; good input loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence_review.data.tables import load_tables, validate_data
from evidence_review.data.validation import DataValidationError

from conftest import read_csv, write_csv

STUDY = {"study_id": "trial2000", "citekey": "sterne2019", "short_name": "Trial 2000", "year": "2019",
         "design": "parallel_rct", "blinding": "double_blind", "population": "trd",
         "setting": "outpatient", "intervention_class": "ketamine_iv", "add_on": "add_on", "registration": "", "funding": "",
         "n_randomized": "40", "crossover_correlation": "", "evidence_level": "primary", "locator": "Abstract", "notes": ""}
ARMS = [
    {"study_id": "trial2000", "arm_id": "trial2000_ket", "arm_label": "Ketamine", "role": "intervention", "drug": "ketamine",
     "dose": "0.5", "dose_unit": "mg/kg", "route": "iv", "schedule": "single infusion", "comparator_type": "none",
     "n_randomized": "20", "locator": "Methods"},
    {"study_id": "trial2000", "arm_id": "trial2000_sal", "arm_label": "Saline", "role": "control", "drug": "saline",
     "dose": "", "dose_unit": "none", "route": "iv", "schedule": "single infusion", "comparator_type": "saline",
     "n_randomized": "20", "locator": "Methods"},
]
OUTCOME = {"study_id": "trial2000", "arm_id": "trial2000_ket", "outcome": "response", "scale": "MADRS",
           "timepoint_value": "1", "timepoint_unit": "days", "period": "", "n_analysed": "20", "events": "10", "mean": "", "sd": "",
           "se": "", "ci_lower": "", "ci_upper": "", "median": "", "evidence_level": "primary", "source_citekey": "sterne2019",
           "formula": "", "derived_from": "", "locator": "Table 2", "notes": ""}
REPORT = {"study_id": "trial2000", "citekey": "sterne2019", "report_type": "journal_article", "year": "2019",
          "identifier": "10.1136/bmj.l4898", "notes": ""}
SCREENED = {"record_id": "S0001", "identifier": "10.1136/bmj.l4898", "title": "Trial 2000", "year": "2019",
            "found_via": "database_search", "found_via_detail": "Q0001", "stage": "included", "decision": "included",
            "exclusion_reason": "", "study_id": "trial2000", "date_assessed": "2026-12-01", "notes": ""}


def set_table(root: Path, name: str, rows: list[dict]) -> None:
    header, _ = read_csv(root / "data" / f"{name}.csv")
    write_csv(root / "data" / f"{name}.csv", header, rows)


@pytest.fixture
def mini_book(book_copy: Path) -> Path:
    """A copy of the book whose trial tables hold one known-good study."""
    for name in ["studies", "trial_arms", "arm_outcomes", "contrasts", "adverse_events", "risk_of_bias", "allocation_guesses"]:
        set_table(book_copy, name, [])
    set_table(book_copy, "studies", [STUDY])
    set_table(book_copy, "reports", [REPORT])
    set_table(book_copy, "screening_log", [SCREENED])
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


def test_arm_named_in_a_contrast_must_exist_and_belong_to_its_study(mini_book):
    """A contrast names its arms in treatment_arms / control_arms (';'-separated); a misspelt id
    (e.g. '_pbo' for an arm called '_sal') used to pass and silently left the contrast unmatched."""
    contrast = {"study_id": "trial2000", "outcome": "response", "scale": "MADRS", "timepoint_value": "1",
                "timepoint_unit": "days", "subgroup": "", "measure": "RR", "estimate": "1.5", "ci_lower": "1.1",
                "ci_upper": "2.0", "p_value": "", "comparison": "ketamine vs saline", "treatment_arms": "trial2000_ket",
                "control_arms": "trial2000_sal;trial2000_pbo", "adjusted": "no", "analysis": "", "evidence_level": "primary",
                "source_citekey": "sterne2019", "formula": "", "derived_from": "", "locator": "Table 2", "notes": ""}
    set_table(mini_book, "contrasts", [contrast])
    found = errors(mini_book)
    assert any("data/contrasts.csv, row 1 (line 2), column 'control_arms': not found in trial_arms.arm_id [value: 'trial2000_pbo']" in e
               for e in found), found
    assert not any("'trial2000_sal'" in e for e in found)
    other = {**STUDY, "study_id": "other2001", "short_name": "Other 2001"}
    set_table(mini_book, "studies", [STUDY, other])
    set_table(mini_book, "contrasts", [{**contrast, "study_id": "other2001", "control_arms": "trial2000_sal"}])
    assert any("column 'treatment_arms': belongs to study_id 'trial2000', not 'other2001'" in e for e in errors(mini_book))


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


# Provenance: evidence levels, the screening log and one study per paper (issue 10).

def test_evidence_level_outside_the_list_is_rejected(mini_book):
    set_table(mini_book, "arm_outcomes", [{**OUTCOME, "evidence_level": "verified"}])
    assert any("arm_outcomes.csv, row 1 (line 2), column 'evidence_level'" in e and "'verified'" in e
               and "primary, secondary, derived, press, unverified" in e for e in errors(mini_book))


def test_derived_row_without_its_formula_is_rejected(mini_book):
    set_table(mini_book, "arm_outcomes", [{**OUTCOME, "evidence_level": "derived", "derived_from": "primary"}])
    assert any("arm_outcomes.csv, row 1 (line 2), column 'formula': required when evidence_level is derived" in e
               for e in errors(mini_book))


def test_derived_from_on_a_row_that_is_not_derived_is_rejected(mini_book):
    set_table(mini_book, "arm_outcomes", [{**OUTCOME, "derived_from": "primary"}])
    assert any("column 'derived_from': must be empty unless evidence_level is derived" in e for e in errors(mini_book))


def test_primary_number_read_in_a_meeting_abstract_is_rejected(mini_book):
    set_table(mini_book, "reports", [{**REPORT, "report_type": "meeting_abstract"}])
    assert any("arm_outcomes.csv, row 1 (line 2), column 'evidence_level'" in e and "meeting abstract is not the trial's own publication" in e
               for e in errors(mini_book))


def test_primary_number_from_a_source_that_is_not_a_report_of_the_trial_is_rejected(mini_book):
    set_table(mini_book, "arm_outcomes", [{**OUTCOME, "source_citekey": "guyatt2008"}])
    assert any("column 'source_citekey'" in e and "'guyatt2008'" in e and "not a report of study 'trial2000'" in e
               for e in errors(mini_book))


def test_included_screening_record_without_a_study_row_is_rejected(mini_book):
    set_table(mini_book, "screening_log", [SCREENED, {**SCREENED, "record_id": "S0002", "study_id": "ghost2024"}])
    assert any("screening_log.csv, row 2 (line 3), column 'study_id'" in e and "'ghost2024'" in e
               and "no row in data/studies.csv" in e for e in errors(mini_book))


def test_study_without_a_screening_record_is_rejected(mini_book):
    set_table(mini_book, "screening_log", [{**SCREENED, "decision": "excluded", "stage": "assessed", "exclusion_reason": "not_randomised", "study_id": ""}])
    assert any("studies.csv, row 1 (line 2), column 'study_id'" in e and "no included record in data/screening_log.csv" in e
               for e in errors(mini_book))


def test_two_study_ids_with_the_same_doi_are_rejected(mini_book):
    twin = {**STUDY, "study_id": "twin2019", "short_name": "Twin"}
    set_table(mini_book, "studies", [STUDY, twin])
    set_table(mini_book, "reports", [REPORT, {**REPORT, "study_id": "twin2019"}])
    set_table(mini_book, "screening_log", [SCREENED, {**SCREENED, "record_id": "S0002", "study_id": "twin2019"}])
    assert any("studies.csv, row 2 (line 3), column 'study_id'" in e and "same DOI (10.1136/bmj.l4898) as study 'trial2000'" in e
               for e in errors(mini_book))


def test_year_that_disagrees_with_its_reference_is_rejected(mini_book):
    set_table(mini_book, "studies", [{**STUDY, "year": "2018"}])
    assert any("studies.csv, row 1 (line 2), column 'year'" in e and "disagrees with the year of its reference 'sterne2019' (2019)" in e
               for e in errors(mini_book))


def test_table_with_a_header_and_no_rows_is_rejected(mini_book):
    set_table(mini_book, "certainty_ratings", [])
    assert any(e.startswith("data/certainty_ratings.csv: table has a header but no rows") for e in errors(mini_book))


def test_crossover_row_must_say_which_periods_it_covers(mini_book):
    set_table(mini_book, "studies", [{**STUDY, "design": "crossover_rct"}])
    assert any("arm_outcomes.csv, row 1 (line 2), column 'period': crossover trial" in e for e in errors(mini_book))


def test_misspelt_rule_in_a_schema_is_an_error_not_a_silent_pass(mini_book):
    path = mini_book / "data" / "schema" / "arm_outcomes.schema.json"
    path.write_text(path.read_text().replace('"rule": "empty_unless"', '"rule": "empty_unles"'))
    assert any("arm_outcomes.schema.json" in e and "unknown rule in the schema" in e for e in errors(mini_book))


def test_claim_certainty_that_disagrees_with_the_grade_rating_is_rejected(mini_book):
    header, claims = read_csv(mini_book / "data" / "seed_claims.csv")
    claims = [dict(c) for c in claims]
    target = next(c for c in claims if c["question_key"])
    number = claims.index(target) + 1
    target["certainty"] = "high"
    write_csv(mini_book / "data" / "seed_claims.csv", header, claims)
    assert any(f"seed_claims.csv, row {number} (line {number + 1}), column 'certainty'" in e and "'high'" in e
               and "disagrees with the GRADE certainty" in e for e in errors(mini_book))


def test_supported_verdict_with_a_rationale_that_found_nothing_is_rejected(mini_book):
    header, claims = read_csv(mini_book / "data" / "seed_claims.csv")
    claims = [dict(c) for c in claims]
    claims[0].update(verdict="supported", rationale="We found no study of this.")
    write_csv(mini_book / "data" / "seed_claims.csv", header, claims)
    assert any("seed_claims.csv, row 1 (line 2), column 'verdict'" in e and "rationale says no evidence was found" in e
               for e in errors(mini_book))
