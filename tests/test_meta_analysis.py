"""The estimators reproduce metafor's published results on dat.bcg (see tests/reference/README.md)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evidence_review.analysis import meta_analysis as ma

BCG = pd.read_csv(Path(__file__).parent / "reference" / "dat_bcg.csv")


def bcg_effects(measure: str) -> pd.DataFrame:
    table = pd.DataFrame({"events_t": BCG.tpos, "n_t": BCG.tpos + BCG.tneg,
                          "events_c": BCG.cpos, "n_c": BCG.cpos + BCG.cneg})
    return ma.binary_effects(table, measure)


def test_reml_matches_metafor_to_four_decimals():
    e = bcg_effects("RR")
    r = ma.pool(e.yi, e.vi, "RR", "REML")
    assert r.estimate == pytest.approx(-0.7145, abs=5e-5)
    assert r.se == pytest.approx(0.1798, abs=5e-5)
    assert r.ci_lower == pytest.approx(-1.0669, abs=5e-5)
    assert r.ci_upper == pytest.approx(-0.3622, abs=5e-5)
    assert r.statistic == pytest.approx(-3.9744, abs=5e-5)
    assert r.tau2 == pytest.approx(0.3132, abs=5e-5)
    assert r.i2 == pytest.approx(92.22, abs=5e-3)
    assert r.h2 == pytest.approx(12.86, abs=5e-3)
    assert r.q == pytest.approx(152.2330, abs=5e-5)
    assert r.q_df == 12


def test_hartung_knapp_matches_metafor_knha():
    e = bcg_effects("RR")
    r = ma.pool(e.yi, e.vi, "RR", "REML", hartung_knapp=True)
    assert r.method == "REML, Hartung–Knapp"
    assert r.se == pytest.approx(0.1808, abs=5e-5)
    assert r.statistic == pytest.approx(-3.9522, abs=5e-5)
    assert r.ci_lower == pytest.approx(-1.1084, abs=5e-5)
    assert r.ci_upper == pytest.approx(-0.3206, abs=5e-5)
    assert r.p_value == pytest.approx(0.0019, abs=5e-5)


@pytest.mark.parametrize("measure, estimate, lower, upper, tau2, i2", [
    ("RR", -0.714, -1.064, -0.364, 0.3088, 92.1),
    ("OR", -0.747, -1.124, -0.371, 0.3663, 92.6),
])
def test_dersimonian_laird_matches_metafor_and_stata(measure, estimate, lower, upper, tau2, i2):
    e = bcg_effects(measure)
    r = ma.pool(e.yi, e.vi, measure, "DL")
    assert round(r.estimate, 3) == estimate
    assert round(r.ci_lower, 3) == lower and round(r.ci_upper, 3) == upper
    assert round(r.tau2, 4) == tau2
    assert round(r.i2, 1) == i2


def test_fixed_effect_q_matches_metafor():
    e = bcg_effects("OR")
    assert round(ma.pool(e.yi, e.vi, "OR", "DL").q, 2) == 163.16


def test_natural_scale_exponentiates_ratios_only():
    e = bcg_effects("RR")
    r = ma.pool(e.yi, e.vi, "RR", "DL")
    assert round(r.on_natural_scale()["estimate"], 3) == 0.490  # metafor predict(res, transf=exp)
    assert round(r.on_natural_scale()["ci_lower"], 3) == 0.345


def test_zero_cell_correction_only_for_the_study_with_a_zero():
    table = pd.DataFrame({"events_t": [5, 0, 0], "n_t": [20, 20, 20], "events_c": [2, 3, 0], "n_c": [20, 20, 20]})
    e = ma.binary_effects(table, "RR")
    assert list(e.zero_cell_corrected) == [False, True, False]
    assert e.yi[0] == pytest.approx(np.log(5 / 2))
    assert e.yi[1] == pytest.approx(np.log((0.5 / 21) / (3.5 / 21)))
    assert np.isnan(e.yi[2]) and e.dropped_reason[2] == "no events (or all events) in both arms"


def test_hedges_g_sign_and_size():
    table = pd.DataFrame({"mean_t": [-15.0], "sd_t": [10.0], "n_t": [30], "mean_c": [-5.0], "sd_c": [10.0], "n_c": [30]})
    e = ma.smd_effects(table)
    # d = -1.0; Hedges' correction J = 1 - 3/(4*58-1)
    assert e.yi[0] == pytest.approx(-1.0 * (1 - 3 / 231), rel=1e-3)


def test_crossover_variance_shrinks_as_correlation_rises():
    g0, v0 = ma.crossover_smd(-10, 8, -2, 8, n=18, correlation=0.0)
    g5, v5 = ma.crossover_smd(-10, 8, -2, 8, n=18, correlation=0.5)
    assert g0 == g5 < 0
    assert v5 == pytest.approx(v0 / 2)


def test_subgroup_test_is_zero_for_identical_subgroups():
    e = bcg_effects("RR")
    r = ma.pool(e.yi, e.vi, "RR")
    assert ma.subgroup_test({"a": r, "b": r})["q_between"] == pytest.approx(0.0)


def test_leave_one_out_has_one_row_per_study():
    e = bcg_effects("RR").assign(study=BCG.author)
    loo = ma.leave_one_out(e, "RR", "DL")
    assert len(loo) == 13 and set(loo.left_out) == set(BCG.author)


def test_egger_test_runs_on_bcg():
    e = bcg_effects("RR")
    result = ma.egger_test(e.yi, e.vi)
    assert result["k"] == 13 and 0 <= result["p_value"] <= 1


def test_nnt_from_control_risk_and_ratio():
    assert ma.number_needed_to_treat(0.2, 2.0) == pytest.approx(5.0)


def test_paule_mandel_sets_the_generalised_q_to_its_degrees_of_freedom():
    """The Paule–Mandel estimator's defining equation (DerSimonian & Kacker 2007): with weights
    1/(v + tau²), Q(tau²) = k - 1. Checked on metafor's dat.bcg (log risk ratios), where the
    estimate is in the range of the other estimators."""
    e = bcg_effects("RR")
    y, v = e["yi"].to_numpy(float), e["vi"].to_numpy(float)
    tau2 = ma.pool(y, v, "RR", "PM").tau2
    w = 1 / (v + tau2)
    mu = np.sum(w * y) / np.sum(w)
    assert np.sum(w * (y - mu) ** 2) == pytest.approx(len(y) - 1, rel=1e-4)
    assert 0.2 < tau2 < 0.5
