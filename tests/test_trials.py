"""Per-study effects for a question: the pooling rules (evidence levels, adjusted contrasts, crossover
periods, special populations), units and zeros."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evidence_review.data.tables import load_tables
from evidence_review.analysis.trials import QUESTIONS, Question, run_question, signed, study_effects, summary_of_findings

Q_RESPONSE = Question("t_resp", "test", ("ketamine_iv",), "response", "RR", (12, 48), 24)
Q_SCORE = Question("t_md", "test", ("ketamine_iv",), "mean_change", "MD", (12, 48), 24)


def make_tables(outcome_rows: list[dict], contrast_rows: list[dict] | None = None, design: dict | None = None,
                population: dict | None = None) -> dict[str, pd.DataFrame]:
    design, population = design or {}, population or {}
    studies = pd.DataFrame([
        {"study_id": s, "short_name": s.title(), "year": 2010 + i, "design": design.get(s, "parallel_rct"), "blinding": "double_blind",
         "population": population.get(s, "trd"), "intervention_class": "ketamine_iv", "n_randomized": 40,
         "crossover_correlation": np.nan}
        for i, s in enumerate(["alpha", "beta", "gamma"])])
    arms = pd.DataFrame([
        {"study_id": s, "arm_id": f"{s}_{r}", "arm_label": r, "role": "intervention" if r == "ket" else "control",
         "drug": "ketamine" if r == "ket" else "saline", "dose": np.nan, "dose_unit": "mg/kg",
         "comparator_type": "none" if r == "ket" else "saline"}
        for s in ["alpha", "beta", "gamma"] for r in ["ket", "sal"]])
    base = {"scale": "MADRS", "subgroup": pd.NA, "period": pd.NA, "evidence_level": "primary", "derived_from": pd.NA,
            "events": np.nan, "percent": np.nan, "n_analysed": 20, "mean": np.nan, "sd": np.nan, "se": np.nan, "median": np.nan}
    outcomes = pd.DataFrame([{**base, **row} for row in outcome_rows],
                            columns=["study_id", "arm_id", "outcome", "timepoint_hours", *base])
    contrasts = pd.DataFrame([{**CONTRAST_BASE, **row} for row in contrast_rows or []],
                             columns=["study_id", "outcome", "scale", "timepoint_hours", "measure", "estimate", "ci_lower", "ci_upper",
                                      "comparison", "evidence_level", "derived_from", "adjusted", "subgroup"])
    for frame in (outcomes, contrasts):
        for col in ("period", "derived_from", "subgroup", "adjusted", "evidence_level"):
            if col in frame:
                frame[col] = frame[col].astype("string")
    return {"studies": studies, "trial_arms": arms, "arm_outcomes": outcomes, "contrasts": contrasts}


CONTRAST_BASE = {"outcome": "mean_change", "scale": "MADRS", "timepoint_hours": 24.0, "measure": "MD", "comparison": "ketamine vs saline",
                 "evidence_level": "primary", "derived_from": pd.NA, "adjusted": "no", "subgroup": pd.NA}


def resp(arm, events, hours=24, level="primary", n=20, derived_from=pd.NA):
    return {"study_id": arm.split("_")[0], "arm_id": arm, "outcome": "response", "timepoint_hours": hours,
            "events": events, "n_analysed": n, "evidence_level": level, "derived_from": derived_from}


def score(arm, mean, sd=8.0, n=20, level="primary", period=pd.NA):
    return {"study_id": arm.split("_")[0], "arm_id": arm, "outcome": "mean_change", "timepoint_hours": 24, "mean": mean, "sd": sd,
            "n_analysed": n, "evidence_level": level, "period": period}


@pytest.mark.parametrize("level", ["press", "unverified"])
def test_press_and_unverified_numbers_are_never_pooled(level):
    t = make_tables([resp("alpha_ket", 10), resp("alpha_sal", 4), resp("beta_ket", 9, level=level), resp("beta_sal", 3, level=level)])
    assert list(study_effects(t, Q_RESPONSE)["study_id"]) == ["alpha"]
    left_out = run_question(t, Q_RESPONSE)["not_pooled"]
    assert list(left_out["study_id"]) == ["beta"] and "press reports or unverified" in left_out["reason"].iloc[0]


def test_numbers_derived_from_primary_inputs_count_as_primary():
    t = make_tables([resp("alpha_ket", 10), resp("alpha_sal", 4),
                     resp("beta_ket", 9, level="derived", derived_from="primary"), resp("beta_sal", 3, level="derived", derived_from="primary")])
    e = study_effects(t, Q_RESPONSE)
    assert list(e["evidence"]) == ["primary", "primary"]


def test_secondary_numbers_stand_in_only_for_a_trial_without_primary_ones():
    t = make_tables([resp("alpha_ket", 10), resp("alpha_sal", 4), resp("alpha_ket", 12, level="secondary"), resp("alpha_sal", 2, level="secondary"),
                     resp("beta_ket", 9, level="secondary"), resp("beta_sal", 3, level="secondary")])
    e = study_effects(t, Q_RESPONSE).set_index("study_id")
    assert e.loc["alpha", "evidence"] == "primary" and e.loc["alpha", "events_t"] == 10
    assert e.loc["beta", "evidence"] == "secondary (stand-in)"
    r = run_question(t, Q_RESPONSE)
    assert r["k"] == 2 and r["primary_only"]["k"] == 1


def test_adjusted_contrast_is_preferred_to_raw_arm_means():
    adjusted = {"study_id": "alpha", "estimate": -3.0, "ci_lower": -5.0, "ci_upper": -1.0, "adjusted": "yes"}
    t = make_tables([score("alpha_ket", -12.0), score("alpha_sal", -6.0)], [adjusted])
    e = study_effects(t, Q_SCORE)
    assert e.loc[0, "yi"] == -3.0 and e.loc[0, "contrast"].startswith("adjusted")


def test_raw_arm_means_are_used_without_an_adjusted_contrast():
    unadjusted = {"study_id": "alpha", "estimate": -3.0, "ci_lower": -5.0, "ci_upper": -1.0, "adjusted": "no"}
    t = make_tables([score("alpha_ket", -12.0), score("alpha_sal", -6.0)], [unadjusted])
    e = study_effects(t, Q_SCORE)
    assert e.loc[0, "yi"] == -6.0 and e.loc[0, "contrast"] == "raw difference of arm means"


def test_crossover_with_both_periods_is_analysed_as_paired():
    rows = [score("alpha_ket", -12.0, sd=8.0, n=20, period="both_periods"), score("alpha_sal", -6.0, sd=8.0, n=20, period="both_periods")]
    e = study_effects(make_tables(rows, design={"alpha": "crossover_rct"}), Q_SCORE)
    # paired variance with r = 0.5: (64 + 64 - 2*0.5*64) / 20 = 3.2, half of the 6.4 of two independent arms
    assert e.loc[0, "vi"] == pytest.approx(3.2) and "paired crossover" in e.loc[0, "contrast"]


def test_crossover_counts_from_both_periods_are_not_pooled():
    rows = [{**resp("alpha_ket", 10), "period": "both_periods"}, {**resp("alpha_sal", 4), "period": "both_periods"}]
    t = make_tables(rows, design={"alpha": "crossover_rct"})
    assert study_effects(t, Q_RESPONSE).empty
    assert "both periods" in run_question(t, Q_RESPONSE)["not_pooled"]["reason"].iloc[0]


def test_special_populations_are_a_subgroup_not_mixed_into_the_main_analysis():
    t = make_tables([resp("alpha_ket", 10), resp("alpha_sal", 4), resp("beta_ket", 9), resp("beta_sal", 3)],
                    population={"beta": "adolescent"})
    r = run_question(t, Q_RESPONSE)
    assert list(r["effects"]["study_id"]) == ["alpha"]
    assert list(r["special"]["effects"]["study_id"]) == ["beta"]
    assert "special population" in r["not_pooled"].set_index("study_id").loc["beta", "reason"]


def test_different_special_populations_are_not_pooled_together():
    """Adolescents and mothers after childbirth answer different questions: each special population
    stands on its own, and the text says so."""
    from evidence_review.analysis.trials import describe_result

    t = make_tables([resp("alpha_ket", 10), resp("alpha_sal", 4), resp("beta_ket", 9), resp("beta_sal", 3),
                     resp("gamma_ket", 12), resp("gamma_sal", 5)],
                    population={"beta": "adolescent", "gamma": "postpartum"})
    r = run_question(t, Q_RESPONSE)
    assert r["special"]["k"] == 2 and "pooled" not in r["special"]
    assert sorted(r["special"]["by_population"]) == ["adolescent", "postpartum"]
    text = describe_result(r)
    assert "each population on its own" in text and "one trial, Beta" in text and "one trial, Gamma" in text
    same = make_tables([resp("alpha_ket", 10), resp("alpha_sal", 4), resp("beta_ket", 9), resp("beta_sal", 3),
                        resp("gamma_ket", 12), resp("gamma_sal", 5)],
                       population={"beta": "adolescent", "gamma": "adolescent"})
    r = run_question(same, Q_RESPONSE)
    assert "pooled" in r["special"] and "pooled" in r["special"]["by_population"]["adolescent"]


@pytest.mark.parametrize("population", ["mdd_suicidal_ideation", "bipolar_depression", "mixed", "older_adults"])
def test_adults_with_any_depressive_disorder_are_pooled_and_named_in_the_plot(population):
    t = make_tables([resp("alpha_ket", 10), resp("alpha_sal", 4), resp("beta_ket", 9), resp("beta_sal", 3)],
                    population={"beta": population})
    r = run_question(t, Q_RESPONSE)
    assert list(r["effects"]["study_id"]) == ["alpha", "beta"] and r["special"]["k"] == 0
    label = r["forest"].set_index("label").index[1]
    from evidence_review.data.labels import label as reader_word
    from evidence_review.analysis.trials import POPULATION_TAGS, population_key
    tag, words = POPULATION_TAGS[population], reader_word(population, "population")
    assert label == f"Beta [{tag}]" and population_key(r["effects"]) == f"{tag}: {words}"


Q_SMD = Question("t_smd", "test", ("ketamine_iv",), "mean_change", "SMD", (12, 48), 24)


def _md_with_ci(mean_t, mean_c, sd, n_t, n_c):
    from scipy import stats
    se = sd * np.sqrt(1 / n_t + 1 / n_c)
    t = stats.t.ppf(0.975, n_t + n_c - 2)
    md = mean_t - mean_c
    return {"estimate": md, "ci_lower": md - t * se, "ci_upper": md + t * se}


def test_smd_from_a_reported_mean_difference_matches_the_arm_level_smd():
    """Cochrane Handbook 6.5.2.3: with equal arm SDs, the SD recovered from the CI of the mean
    difference is the arms' SD, so both routes give the same Hedges' g and variance."""
    arms = [score("alpha_ket", -12.0, sd=9.0, n=30), score("alpha_sal", -6.0, sd=9.0, n=28)]
    from_arms = study_effects(make_tables(arms), Q_SMD)
    only_sizes = [{**row, "mean": np.nan, "sd": np.nan} for row in arms]
    from_ci = study_effects(make_tables(only_sizes, [{"study_id": "alpha", **_md_with_ci(-12.0, -6.0, 9.0, 30, 28)}]), Q_SMD)
    assert from_ci["source"].iloc[0].startswith("SMD from the reported mean difference")
    assert from_ci["yi"].iloc[0] == pytest.approx(from_arms["yi"].iloc[0], abs=1e-9)
    assert from_ci["vi"].iloc[0] == pytest.approx(from_arms["vi"].iloc[0], abs=1e-9)


def test_a_crossover_mean_difference_is_not_turned_into_an_smd():
    """A crossover's CI is that of a within-person difference: its SD is not the arms' SD."""
    t = make_tables([], [{"study_id": "alpha", **_md_with_ci(-12.0, -6.0, 9.0, 30, 28)}], design={"alpha": "crossover_rct"})
    assert study_effects(t, Q_SMD).empty


def test_several_drug_arms_of_one_trial_make_one_comparison():
    t = make_tables([resp("alpha_ket", 10), resp("alpha_sal", 4), {**resp("alpha_ket", 6), "arm_id": "alpha_ket"}])
    e = study_effects(t, Q_RESPONSE)
    assert len(e) == 1 and e.loc[0, "events_t"] == 16


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
                "estimate": -6.0, "ci_lower": -9.92, "ci_upper": -2.08, "comparison": "ketamine vs saline"}
    e = study_effects(make_tables([], [contrast]), Q_SCORE)
    assert e.loc[0, "yi"] == -6.0 and e.loc[0, "vi"] == pytest.approx(4.0, rel=1e-3)
    assert e.loc[0, "source"] == "reported effect and 95% CI"


def test_forest_table_ends_with_the_pooled_row():
    t = make_tables([resp("alpha_ket", 10), resp("alpha_sal", 4), resp("beta_ket", 9), resp("beta_sal", 3)])
    r = run_question(t, Q_RESPONSE)
    rows = r["forest"]
    assert list(rows["kind"]) == ["study", "study", "pooled"]
    assert rows["weight"].iloc[:2].sum() == pytest.approx(100)


def test_every_certainty_rating_names_a_question_and_every_pooled_question_is_rated():
    tables = load_tables()
    rated = set(tables["certainty_ratings"]["question_key"])
    assert rated <= {q.key for q in QUESTIONS}
    pooled = {q.key for q in QUESTIONS if "pooled" in run_question(tables, q)}
    assert pooled <= rated, f"pooled but not rated: {sorted(pooled - rated)}"


def test_a_contrast_for_one_dose_of_a_multi_dose_trial_is_not_used():
    arms = [{"study_id": "alpha", "arm_id": a, "arm_label": a, "role": r, "drug": "ketamine", "dose": np.nan, "dose_unit": "mg/kg",
             "comparator_type": c} for a, r, c in [("alpha_ket", "intervention", "none"), ("alpha_ket2", "intervention", "none"), ("alpha_sal", "control", "saline")]]
    one_dose = {"study_id": "alpha", "estimate": -3.0, "ci_lower": -5.0, "ci_upper": -1.0, "adjusted": "yes",
                "treatment_arms": "alpha_ket", "control_arms": "alpha_sal"}
    t = make_tables([score("alpha_ket", -12.0), {**score("alpha_ket", -10.0), "arm_id": "alpha_ket2"}, score("alpha_sal", -6.0)], [one_dose])
    t["trial_arms"] = pd.concat([t["trial_arms"][t["trial_arms"]["study_id"] != "alpha"], pd.DataFrame(arms)], ignore_index=True)
    t["contrasts"]["treatment_arms"], t["contrasts"]["control_arms"] = "alpha_ket", "alpha_sal"
    e = study_effects(t, Q_SCORE)
    assert e.loc[0, "contrast"] == "raw difference of arm means" and e.loc[0, "yi"] == pytest.approx(-5.0)


def test_summary_of_findings_has_the_grade_layout_with_a_row_per_pooled_question():
    tables = load_tables()
    results = {q.key: run_question(tables, q) for q in QUESTIONS}
    sof, notes = summary_of_findings(results, tables["certainty_ratings"])
    pooled = [k for k, r in results.items() if "pooled" in r]
    assert len(sof) == len(pooled) and len(notes) == len(pooled)
    # GRADE layout: absolute effects in both arms, relative effect, participants (studies), symbols, lettered notes
    assert {"With control", "With the drug", "Relative effect (95% CI)", "Participants (studies)", "Certainty"} <= set(sof.columns)
    assert sof["Certainty"].str.contains("⊕").all() and notes[0].startswith("a. ")
    binary = sof[sof["Relative effect (95% CI)"] != "—"]
    assert binary["With control"].str.endswith("per 1,000").all()


def test_a_lone_trials_ratio_is_shown_as_a_ratio_not_its_logarithm():
    """With one trial there is no pooled estimate to say the scale is a ratio; the forest row
    must still show the trial's odds ratio (2.18), not ln(2.18) = 0.78."""
    import numpy as np
    import pandas as pd

    from evidence_review.analysis.trials import forest_table

    effects = pd.DataFrame({"short_name": ["Trial A"], "yi": [np.log(2.18)], "vi": [((np.log(4.14) - np.log(1.21)) / 3.92) ** 2],
                            "evidence": ["primary"], "source": ["reported effect and 95% CI"], "timepoint_hours": [24.0],
                            "contrast": ["reported difference (unadjusted)"], "n_total": [73]})
    row = forest_table(effects, None, "OR").iloc[0]
    # (the CI is rebuilt from the standard error, so it is symmetric on the log scale)
    assert round(row["estimate"], 2) == 2.18 and 1.1 < row["ci_lower"] < 1.3 and 3.9 < row["ci_upper"] < 4.4


def test_subgroup_forest_blocks_pool_each_subgroup_and_keep_overall_weights():
    import numpy as np
    import pandas as pd

    from evidence_review.analysis import meta_analysis as ma
    from evidence_review.analysis.trials import subgroup_forest_table

    effects = pd.DataFrame({"short_name": list("ABCD"), "yi": [-4.0, -3.0, -6.0, -5.0], "vi": [2.0, 3.0, 1.5, 2.5],
                            "evidence": "primary", "source": "s", "timepoint_hours": 24.0, "contrast": "raw difference of arm means",
                            "n_total": 50})
    rows, line = subgroup_forest_table(effects, pd.Series(["add-on", "add-on", "alone", "alone"]), "MD")
    assert list(rows["kind"]) == ["header", "study", "study", "pooled", "header", "study", "study", "pooled", "pooled"]
    first = ma.pool(effects["yi"][:2], effects["vi"][:2], "MD")
    assert np.isclose(rows.loc[3, "estimate"], first.estimate)
    overall = ma.pool(effects["yi"], effects["vi"], "MD")
    assert np.isclose(rows.iloc[-1]["estimate"], overall.estimate)
    assert np.isclose(rows.loc[rows["kind"] == "study", "weight"].sum(), 100.0)  # the overall analysis' weights
    assert line.startswith("Test for subgroup differences: Q = ")


def test_a_count_is_recovered_from_a_percentage_only_when_a_whole_count_gives_it():
    from evidence_review.analysis.trials import percent_is_a_count
    flags = percent_is_a_count(pd.Series([46.0, 70.0, 45.8, 12.5, 33.0]), pd.Series([13, 11, 24, 24, 10]))
    assert flags.tolist() == [True, False, True, True, False]  # 6/13; none of 11; 11/24; 3/24; none of 10
    rows = [resp("alpha_ket", np.nan), resp("alpha_sal", np.nan)]
    rows[0]["percent"], rows[1]["percent"] = 50.0, 20.0
    e = study_effects(make_tables(rows), Q_RESPONSE)
    assert (e.loc[0, "events_t"], e.loc[0, "events_c"]) == (10, 4) and "percentages" in e.loc[0, "source"]


def test_a_baseline_adjusted_difference_of_final_scores_becomes_an_smd_but_a_raw_one_does_not():
    """ANCOVA gives the same difference on final and change scores, so an adjusted final-score
    difference may be standardised; a raw final-score difference may not (it would mix kinds)."""
    arms = [{**score("alpha_ket", np.nan, sd=np.nan, n=30), "outcome": "mean_score"},
            {**score("alpha_sal", np.nan, sd=np.nan, n=28), "outcome": "mean_score"}]
    contrast = {"study_id": "alpha", "outcome": "mean_score", **_md_with_ci(-12.0, -6.0, 9.0, 30, 28)}
    assert study_effects(make_tables(arms, [{**contrast, "adjusted": "no"}]), Q_SMD).empty
    adjusted = study_effects(make_tables(arms, [{**contrast, "adjusted": "yes"}]), Q_SMD)
    assert len(adjusted) == 1 and adjusted["yi"].iloc[0] < 0


def test_trials_left_out_are_grouped_by_reason():
    import pandas as pd

    from evidence_review.analysis.trials import left_out_text

    left = pd.DataFrame({"short_name": ["A 2001", "B 2002", "C 2003"],
                         "reason": ["no SDs", "press only", "no SDs"]})
    assert left_out_text(left) == "no SDs (2 trials): A 2001, C 2003; press only: B 2002"


def test_arm_sd_uses_sd_then_se_then_the_confidence_interval():
    """Cochrane Handbook 6.5.2.2: SD = sqrt(n) x CI width / (2 x t(0.975, n - 1)) for arms under
    60 participants, with 1.96 in place of t for larger arms; a reported SD or SE comes first."""
    import numpy as np
    import pandas as pd
    from scipy import stats

    from evidence_review.analysis.trials import arm_sd

    rows = pd.DataFrame({"n_analysed": [25, 25, 25, 100, 25],
                         "sd": [3.0, np.nan, np.nan, np.nan, np.nan],
                         "se": [9.0, 1.0, np.nan, np.nan, np.nan],
                         "ci_lower": [0.0, 0.0, -2.0, -2.0, np.nan],
                         "ci_upper": [1.0, 1.0, 2.0, 2.0, np.nan]})
    sd = arm_sd(rows)
    assert sd[0] == 3.0 and sd[1] == 5.0
    assert np.isclose(sd[2], 5 * 4 / (2 * stats.t.ppf(0.975, 24)))  # 4.845
    assert np.isclose(sd[3], 10 * 4 / (2 * 1.959964))  # 10.204
    assert np.isnan(sd[4])


def test_subgroup_blocks_can_leave_out_the_overall_diamond():
    """Subgroups that answer different questions (placebo or another drug as control) get no
    overall diamond; the default keeps it, as RevMan draws it. (The parameter was once shadowed by
    the pooled result, so the diamond stayed.)"""
    from evidence_review.analysis.trials import by_comparator, subgroup_forest_table, trial_results

    tables, _ = trial_results(["psilocybin_score_primary"])
    effects, kinds = by_comparator(tables, "psilocybin_score_primary")
    assert "another drug" in set(kinds)  # the trial against escitalopram joins here, not in the main analysis
    with_overall, _ = subgroup_forest_table(effects, kinds, "MD")
    without, line = subgroup_forest_table(effects, kinds, "MD", overall=False)
    assert with_overall["label"].str.startswith("Overall").any()
    assert not without["label"].str.startswith("Overall").any()
    assert line.startswith("Test for subgroup differences")
    # without the overall diamond, each subgroup's trials share 100% among themselves
    group_of = pd.Series(np.nan, index=without.index, dtype=object)
    group_of[without["kind"] == "header"] = without.loc[without["kind"] == "header", "label"]
    group_of = group_of.ffill()
    shares = without[without["kind"] == "study"].groupby(group_of)["weight"].sum()
    assert np.allclose(shares, 100.0) and len(shares) >= 2


def test_the_kept_join_follows_new_tables():
    """arms_with_outcomes keeps its last join; a tables dict with a changed frame must not get it."""
    from evidence_review.analysis.trials import arms_with_outcomes

    tables = load_tables(["studies", "trial_arms", "arm_outcomes"])
    first = arms_with_outcomes(tables)
    first["mean"] = 0.0  # a caller changing its copy does not change the kept join
    assert not arms_with_outcomes(tables)["mean"].fillna(1).eq(0).all()
    fewer = {**tables, "arm_outcomes": tables["arm_outcomes"].iloc[:10]}
    assert len(arms_with_outcomes(fewer)) <= 10 < len(arms_with_outcomes(tables))


def test_cognition_against_ect_sets_each_trials_measure_side_by_side():
    """Memory outcomes of the ketamine-versus-ECT trials: one row per trial and measure, both arms
    beside each other (the KetECT arms' rows once fell apart because their notes differed)."""
    from evidence_review.analysis.trials import cognition_table

    tables = load_tables(["studies", "trial_arms", "arm_outcomes", "contrasts"])
    table = cognition_table(tables, lambda key: key)
    assert list(table.columns) == ["Trial", "What was measured", "Ketamine", "ECT", "Difference", "Read in"]
    arm_rows = table[table["Ketamine"] != ""]
    assert len(arm_rows) and (arm_rows["ECT"] != "").all()
    assert not table["What was measured"].str.endswith(")").any()


def test_signed_numbers_read_as_on_the_page():
    # "1000 per 1,000" sat next to "1,000" on the risks page; and a tiny negative showed as "−0.0"
    assert signed(1000.0, 0) == "1,000"
    assert signed(-0.04, 1) == "0.0"
    assert signed(-1.25, 2) == "\u22121.25"
