"""Per-study effects for a question: verified rows only, arm-level first, units and zeros handled."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evidence_review.tables import load_tables
from evidence_review.trials import QUESTIONS, Question, run_question, study_effects, summary_of_findings

Q_RESPONSE = Question("t_resp", "test", ("ketamine_iv",), "response", "RR", (12, 48), 24)
Q_SCORE = Question("t_md", "test", ("ketamine_iv",), "mean_change", "MD", (12, 48), 24)


def make_tables(outcome_rows: list[dict], contrast_rows: list[dict] | None = None) -> dict[str, pd.DataFrame]:
    studies = pd.DataFrame([
        {"study_id": s, "short_name": s.title(), "year": 2010 + i, "design": "parallel_rct", "blinding": "double_blind",
         "population": "trd", "intervention_class": "ketamine_iv", "n_randomized": 40}
        for i, s in enumerate(["alpha", "beta", "gamma"])])
    arms = pd.DataFrame([
        {"study_id": s, "arm_id": f"{s}_{r}", "arm_label": r, "role": "intervention" if r == "ket" else "control",
         "drug": "ketamine" if r == "ket" else "saline", "dose": np.nan, "dose_unit": "mg/kg",
         "comparator_type": "none" if r == "ket" else "saline"}
        for s in ["alpha", "beta", "gamma"] for r in ["ket", "sal"]])
    base = {"scale": "MADRS", "subgroup": pd.NA, "verified": "yes", "events": np.nan, "n_analysed": 20,
            "mean": np.nan, "sd": np.nan, "se": np.nan, "median": np.nan}
    outcomes = pd.DataFrame([{**base, **row} for row in outcome_rows],
                            columns=["study_id", "arm_id", "outcome", "timepoint_hours", *base])
    contrasts = pd.DataFrame(contrast_rows or [], columns=["study_id", "outcome", "scale", "timepoint_hours", "measure", "estimate",
                                                           "ci_lower", "ci_upper", "comparison", "verified", "subgroup"])
    return {"studies": studies, "trial_arms": arms, "arm_outcomes": outcomes, "contrasts": contrasts}


def resp(arm, events, hours=24, verified="yes", n=20):
    return {"study_id": arm.split("_")[0], "arm_id": arm, "outcome": "response", "timepoint_hours": hours,
            "events": events, "n_analysed": n, "verified": verified}


def test_unverified_rows_are_never_pooled():
    t = make_tables([resp("alpha_ket", 10), resp("alpha_sal", 4), resp("beta_ket", 9, verified="no"), resp("beta_sal", 3)])
    assert list(study_effects(t, Q_RESPONSE)["study_id"]) == ["alpha"]


def test_zero_event_arm_gets_the_correction_and_is_pooled():
    t = make_tables([resp("alpha_ket", 10), resp("alpha_sal", 0), resp("beta_ket", 9), resp("beta_sal", 3)])
    e = study_effects(t, Q_RESPONSE)
    assert e.set_index("study_id").loc["alpha", "zero_cell_corrected"]
    assert run_question(t, Q_RESPONSE)["pooled"].k == 2


def test_time_point_given_in_days_lines_up_with_hours():
    # the loader turns 1 day into 24 hours; the question window is in hours
    t = make_tables([resp("alpha_ket", 10, hours=24.0), resp("alpha_sal", 4, hours=24.0),
                     resp("beta_ket", 9, hours=7 * 24), resp("beta_sal", 3, hours=7 * 24)])
    assert list(study_effects(t, Q_RESPONSE)["study_id"]) == ["alpha"]


def test_median_only_trial_is_not_pooled():
    rows = [{"study_id": "alpha", "arm_id": a, "outcome": "mean_change", "timepoint_hours": 24, "median": -10.0} for a in ["alpha_ket", "alpha_sal"]]
    assert study_effects(make_tables(rows), Q_SCORE).empty


def test_reported_effect_fills_in_when_arm_data_are_missing():
    contrast = {"study_id": "gamma", "outcome": "mean_change", "scale": "MADRS", "timepoint_hours": 24.0, "measure": "MD",
                "estimate": -6.0, "ci_lower": -9.92, "ci_upper": -2.08, "comparison": "ketamine vs saline", "verified": "yes", "subgroup": pd.NA}
    e = study_effects(make_tables([], [contrast]), Q_SCORE)
    assert e.loc[0, "yi"] == -6.0 and e.loc[0, "vi"] == pytest.approx(4.0, rel=1e-3)
    assert e.loc[0, "source"] == "reported effect and 95% CI"


def test_forest_table_ends_with_the_pooled_row():
    t = make_tables([resp("alpha_ket", 10), resp("alpha_sal", 4), resp("beta_ket", 9), resp("beta_sal", 3)])
    r = run_question(t, Q_RESPONSE)
    rows = r["forest"]
    assert list(rows["kind"]) == ["study", "study", "pooled"]
    assert rows["weight"].iloc[:2].sum() == pytest.approx(100)


def test_every_certainty_rating_names_a_question_and_every_question_is_rated():
    ratings = load_tables()["certainty_ratings"]
    assert set(ratings["question_key"]) == {q.key for q in QUESTIONS}


def test_summary_of_findings_has_a_row_per_question():
    tables = load_tables()
    results = {q.key: run_question(tables, q) for q in QUESTIONS}
    sof = summary_of_findings(results, tables["certainty_ratings"])
    assert len(sof) == len(QUESTIONS) and sof["Certainty (GRADE)"].notna().all()
