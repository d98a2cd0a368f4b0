"""The multiverse of analytic choices (evidence_review/analysis/multiverse.py): at the main analysis's
choices it reproduces the clinical-trials pages; every specification is well formed; the
specification curve lets readers pick choices offline."""

from __future__ import annotations

import numpy as np
import pytest

from evidence_review.presentation import charts
from evidence_review.analysis import multiverse as mv
from evidence_review.analysis.trials import trial_results


@pytest.fixture(scope="module")
def analysed():
    tables, results = trial_results()
    return tables, results, mv.specifications(tables)


@pytest.mark.parametrize("family", mv.FAMILIES, ids=lambda f: f.key)
def test_default_choices_reproduce_the_main_analysis(analysed, family):
    _, results, specs = analysed
    main = results[family.smd_question]
    default = specs[(specs["family"] == family.key) & specs["is_default"]]
    if "pooled" not in main:
        assert default.empty  # fewer than two trials: neither pools
        return
    assert len(default) == 1
    row = default.iloc[0]
    assert row["k"] == main["k"]
    assert (row["estimate"], row["ci_lower"], row["ci_upper"]) == pytest.approx(
        (main["pooled"].estimate, main["pooled"].ci_lower, main["pooled"].ci_upper), abs=1e-9)


def test_response_odds_ratios_are_put_on_the_smd_scale_with_the_logistic_factor(analysed):
    """ln OR x sqrt(3)/pi (Cochrane Handbook 10.6), with the sign turned so negative favours the drug."""
    tables, _, _ = analysed
    family = mv.FAMILIES[1]
    from dataclasses import replace
    from evidence_review.analysis.trials import study_effects
    raw = study_effects(tables, replace(mv.QUESTION_BY_KEY[family.response_question], measure="OR"))
    converted = mv._measure_effects(tables, family, mv.MEASURES[1])
    assert np.allclose(converted["yi_smd"], -raw["yi"] * np.sqrt(3) / np.pi)
    assert np.allclose(converted["vi_smd"], raw["vi"] * 3 / np.pi**2)


def test_every_specification_is_well_formed(analysed):
    _, _, specs = analysed
    assert len(specs) > 0
    assert (specs["k"] >= 2).all()
    assert (specs["ci_lower"] <= specs["estimate"]).all() and (specs["estimate"] <= specs["ci_upper"]).all()
    for choice, options in mv.CHOICES.items():
        assert set(specs[choice]) <= set(options), choice
    # Hartung–Knapp and the normal interval differ for the same trials and estimator
    esk = specs[(specs["family"] == "esketamine") & (specs["Trials"] == "all trials") & (specs["Comparator"] == "any control")
                & (specs["Estimator"] == "REML") & (specs["Measure"] == mv.MEASURES[0])]
    widths = (esk["ci_upper"] - esk["ci_lower"]).to_numpy()
    assert len(widths) == 2 and widths[0] != widths[1]


def test_summary_shares_are_percentages_of_the_family(analysed):
    _, _, specs = analysed
    summary = mv.summary(specs)
    for row in summary[summary["n_specs"] > 0].itertuples():
        part = specs[specs["family"] == row.family]
        assert row.n_specs == len(part)
        assert row.share_favours == pytest.approx(100 * (part["estimate"] < 0).mean())
        assert row.share_excludes == pytest.approx(100 * (part["ci_upper"] < 0).mean())


def test_specification_curve_has_a_menu_for_every_choice(analysed):
    _, _, specs = analysed
    part = specs[specs["family"] == "esketamine"]
    spec = charts.specification_curve_chart(part, mv.CHOICES, "t", "d", "esk").to_dict()
    menus = [p for p in spec["params"] if p.get("bind", {}).get("input") == "select"]
    assert len(menus) == len(mv.CHOICES)
    assert all(m["bind"]["options"][0] == "any" for m in menus)


def test_control_arm_changes_come_from_control_arms_with_their_source(analysed):
    tables, _, _ = analysed
    change = mv.control_arm_change(tables)
    assert len(change) > 0
    assert change["source_citekey"].str.len().gt(0).all()
    assert change["comparator_type"].isin(["saline", "placebo", "active_placebo", "low_dose", "waiting_list", "active_drug", "usual_care"]).all()


def test_arm_changes_take_the_sd_from_a_reported_confidence_interval(analysed):
    tables, _, _ = analysed
    arms = mv.arm_changes(tables, "intervention", [f for f in mv.FAMILIES if f.key == "psilocybin"]).set_index("study_id")
    raison = arms.loc["raison2023"]
    assert raison["change"] == pytest.approx(-19.1)
    # Raison 2023 reports the arm's mean change with its 95% CI (-22.7 to -15.5), n = 51: under 60,
    # so t with 50 degrees of freedom (2.0086), as the main analyses (trials.arm_sd)
    assert raison["sd"] == pytest.approx((22.7 - 15.5) / (2 * 2.008559) * np.sqrt(51), abs=0.01)


def test_common_control_differences_are_differences_of_the_pooled_groups(analysed):
    tables, _, _ = analysed
    groups, differences = mv.common_control(tables)
    by = groups.set_index("group")
    drug = mv.COMMON_CONTROL_GROUPS[("psilocybin", "intervention")]
    assert (groups["k"] >= 2).all()
    for row in differences.itertuples():
        assert row.difference == pytest.approx(by.loc[drug, "change"] - by.loc[row.versus, "change"])
        assert row.lower < row.difference < row.upper


def test_allocation_guesses_name_the_arm_or_say_both_arms():
    from evidence_review.data.tables import load_tables

    tables = load_tables(["allocation_guesses", "studies", "trial_arms"])
    guesses = mv.allocation_guesses(tables)
    assert len(guesses) >= 1 and guesses["trial"].notna().all()
    whole_trial = guesses["arm_id"].isna()
    assert (guesses.loc[whole_trial, "arm"] == "both arms together").all()
    assert guesses["percent_correct"].between(0, 100).all()
