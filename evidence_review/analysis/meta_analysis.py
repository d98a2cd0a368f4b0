"""Random-effects meta-analysis for the clinical-trials chapter.

What comes from maintained libraries: the REML estimate of tau² (PyMARE), the DerSimonian–Laird
estimate (statsmodels), Hedges' g and its variance (statsmodels), Egger's regression (statsmodels
OLS). What is written here is only the arithmetic that turns a tau² into a pooled estimate and
its intervals, which neither library exposes in the form metafor reports (REML estimate with a
Hartung–Knapp interval, I² computed from tau², a prediction interval), and the per-study zero-cell
rule, which statsmodels applies to the whole data set instead. The tests check every estimator
against metafor's published output for its standard data set (dat.bcg).
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.regression.linear_model import OLS
from statsmodels.stats.meta_analysis import combine_effects, effectsize_smd
from statsmodels.tools import add_constant

# Added to every cell of a study's 2x2 table only when that study has a zero cell
# (metafor's escalc default, add = 1/2, to = "only0"; RevMan does the same).
ZERO_CELL_CORRECTION = 0.5
# Crossover trials rarely report the correlation between a person's two periods; 0.5 is the
# value the Cochrane Handbook suggests as a starting point. Every use is shown in the chapter.
ASSUMED_CROSSOVER_CORRELATION = 0.5


@dataclass(frozen=True)
class PooledEstimate:
    """One pooled result, named the way metafor prints it."""

    measure: str  # RR, OR, SMD, MD (ratios are on the log scale in estimate/ci/pi)
    method: str  # e.g. "REML", "DL", "REML, Hartung–Knapp"
    k: int
    estimate: float
    se: float
    ci_lower: float
    ci_upper: float
    statistic: float  # z, or t with k-1 df for Hartung–Knapp
    p_value: float
    tau2: float
    i2: float  # percent
    h2: float
    q: float
    q_df: int
    q_p: float
    pi_lower: float
    pi_upper: float

    @property
    def is_ratio(self) -> bool:
        return self.measure in {"RR", "OR", "HR"}

    def on_natural_scale(self) -> dict[str, float]:
        """Estimate and intervals exponentiated for ratios; unchanged otherwise."""
        f = np.exp if self.is_ratio else (lambda x: x)
        return {name: float(f(getattr(self, name))) for name in ["estimate", "ci_lower", "ci_upper", "pi_lower", "pi_upper"]}

    def as_row(self) -> dict:
        row = asdict(self)
        row.update({f"{k}_natural": v for k, v in self.on_natural_scale().items()})
        return row


def binary_effects(table: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Log risk or odds ratios with variances from per-arm counts.

    ``table`` has events_t, n_t, events_c, n_c. A study with a zero cell gets the continuity
    correction; a study with no events (or only events) in both arms carries no information on a
    ratio scale and is dropped, as RevMan does, and reported in column ``dropped_reason``.
    """
    if measure not in {"RR", "OR"}:
        raise ValueError(f"binary measure must be RR or OR, not {measure!r}")
    out = table.copy()
    a = out["events_t"].astype(float)
    n1 = out["n_t"].astype(float)
    c = out["events_c"].astype(float)
    n2 = out["n_c"].astype(float)
    b, d = n1 - a, n2 - c
    double_zero = ((a == 0) & (c == 0)) | ((b == 0) & (d == 0))
    has_zero = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    add = np.where(has_zero & ~double_zero, ZERO_CELL_CORRECTION, 0.0)
    a, b, c, d = a + add, b + add, c + add, d + add
    n1, n2 = a + b, c + d
    if measure == "RR":
        yi = np.log((a / n1) / (c / n2))
        vi = 1 / a - 1 / n1 + 1 / c - 1 / n2
    else:
        yi = np.log((a * d) / (b * c))
        vi = 1 / a + 1 / b + 1 / c + 1 / d
    out["yi"] = np.where(double_zero, np.nan, yi)
    out["vi"] = np.where(double_zero, np.nan, vi)
    out["zero_cell_corrected"] = add > 0
    out["dropped_reason"] = np.where(double_zero, "no events (or all events) in both arms", "")
    return out


def smd_effects(table: pd.DataFrame) -> pd.DataFrame:
    """Hedges' g (bias-corrected SMD) and its variance from arm means, SDs and sizes.

    Columns mean_t, sd_t, n_t, mean_c, sd_c, n_c. Negative g means a larger drop in the
    treatment arm when the means are changes from baseline on a depression scale.
    """
    out = table.copy()
    g, v = effectsize_smd(out["mean_t"].to_numpy(float), out["sd_t"].to_numpy(float), out["n_t"].to_numpy(float),
                          out["mean_c"].to_numpy(float), out["sd_c"].to_numpy(float), out["n_c"].to_numpy(float))
    out["yi"], out["vi"] = g, v
    return out


def smd_from_mean_difference(md, ci_lower, ci_upper, n_t, n_c) -> tuple[np.ndarray, np.ndarray]:
    """Hedges' g and its variance from a reported mean difference with its 95% CI and the arm
    sizes, for a trial that does not report its arms' SDs (Cochrane Handbook 6.5.2.3): the
    standard error comes from the CI's width (the t distribution with n_t + n_c - 2 degrees of
    freedom, as the Handbook advises for small trials), the pooled SD from that standard error,
    and g from the same function as arm-level data, so the two routes agree when both exist.
    A model-adjusted difference (ANCOVA, MMRM) gives a residual SD that can be smaller than the
    SD of change scores, so such a g can be somewhat larger; the chapter marks these trials."""
    md, lo, hi = (np.asarray(x, float) for x in (md, ci_lower, ci_upper))
    n_t, n_c = np.asarray(n_t, float), np.asarray(n_c, float)
    t = stats.t.ppf(0.975, n_t + n_c - 2)
    se = (hi - lo) / (2 * t)
    sd = se / np.sqrt(1 / n_t + 1 / n_c)
    g, v = effectsize_smd(md, sd, n_t, np.zeros_like(md), sd, n_c)
    return np.asarray(g, float), np.asarray(v, float)


def crossover_smd(mean_t: float, sd_t: float, mean_c: float, sd_c: float, n: int,
                  correlation: float = ASSUMED_CROSSOVER_CORRELATION) -> tuple[float, float]:
    """SMD and variance for a crossover trial reported as per-period means and SDs.

    The paired design is analysed as paired: the variance of the within-person difference
    depends on the correlation between periods, which is assumed when not reported.
    """
    sd_pooled = np.sqrt((sd_t**2 + sd_c**2) / 2)
    d = (mean_t - mean_c) / sd_pooled
    j = 1 - 3 / (4 * (n - 1) - 1)  # small-sample correction, as for Hedges' g
    g = j * d
    var = (1 / n + g**2 / (2 * n)) * 2 * (1 - correlation)
    return float(g), float(var)


def _tau2(yi: np.ndarray, vi: np.ndarray, method: str) -> float:
    if len(yi) < 2:
        return 0.0
    if method == "REML":
        from pymare.estimators import VarianceBasedLikelihoodEstimator

        estimator = VarianceBasedLikelihoodEstimator(method="REML")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            estimator.fit(y=yi[:, None], v=vi[:, None], X=np.ones((len(yi), 1)))
        return float(max(estimator.summary().tau2.ravel()[0], 0.0))
    if method == "DL":
        with warnings.catch_warnings():  # statsmodels also computes an unused Knapp–Hartung term that can warn
            warnings.simplefilter("ignore", RuntimeWarning)
            return float(max(combine_effects(yi, vi, method_re="chi2").tau2, 0.0))
    if method == "PM":
        # Paule–Mandel: statsmodels' iterated moment estimator (the generalised Q equals k - 1).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return float(max(combine_effects(yi, vi, method_re="iterated").tau2, 0.0))
    raise ValueError(f"unknown tau² estimator {method!r}; use 'REML', 'DL' or 'PM'")


def pool(yi, vi, measure: str, method: str = "REML", hartung_knapp: bool = False, level: float = 0.95) -> PooledEstimate:
    """Random-effects pooled estimate, with heterogeneity and a prediction interval."""
    yi = np.asarray(yi, dtype=float)
    vi = np.asarray(vi, dtype=float)
    keep = np.isfinite(yi) & np.isfinite(vi)
    yi, vi = yi[keep], vi[keep]
    k = len(yi)
    if k == 0:
        raise ValueError("no studies to pool")
    # Heterogeneity from the fixed-effect weights (Cochran's Q).
    w_fe = 1 / vi
    mu_fe = np.sum(w_fe * yi) / np.sum(w_fe)
    q = float(np.sum(w_fe * (yi - mu_fe) ** 2))
    q_df = k - 1
    q_p = float(stats.chi2.sf(q, q_df)) if q_df > 0 else float("nan")
    tau2 = _tau2(yi, vi, method)
    # I² and H² from tau², as metafor computes them for any tau² estimator.
    s2 = (k - 1) * np.sum(w_fe) / (np.sum(w_fe) ** 2 - np.sum(w_fe**2)) if k > 1 else float("nan")
    i2 = float(100 * tau2 / (tau2 + s2)) if k > 1 else 0.0
    h2 = float((tau2 + s2) / s2) if k > 1 else 1.0

    w = 1 / (vi + tau2)
    mu = float(np.sum(w * yi) / np.sum(w))
    alpha = 1 - level
    if hartung_knapp and k > 1:
        se = float(np.sqrt(np.sum(w * (yi - mu) ** 2) / ((k - 1) * np.sum(w))))
        crit = stats.t.ppf(1 - alpha / 2, k - 1)
        statistic = mu / se
        p = float(2 * stats.t.sf(abs(statistic), k - 1))
        label = f"{method}, Hartung–Knapp"
    else:
        se = float(np.sqrt(1 / np.sum(w)))
        crit = stats.norm.ppf(1 - alpha / 2)
        statistic = mu / se
        p = float(2 * stats.norm.sf(abs(statistic)))
        label = method
    # Prediction interval as metafor's predict(): same critical value as the CI (undefined for one study).
    half_pi = crit * np.sqrt(se**2 + tau2) if k > 1 and np.isfinite(se) else float("nan")
    return PooledEstimate(measure=measure, method=label, k=k, estimate=mu, se=se,
                          ci_lower=mu - crit * se, ci_upper=mu + crit * se, statistic=float(statistic), p_value=p,
                          tau2=tau2, i2=i2, h2=h2, q=q, q_df=q_df, q_p=q_p,
                          pi_lower=mu - half_pi, pi_upper=mu + half_pi)


def study_weights(vi, tau2: float) -> np.ndarray:
    """Percentage weight of each study in a random-effects pool."""
    w = 1 / (np.asarray(vi, dtype=float) + tau2)
    return 100 * w / w.sum()


def subgroup_test(results: dict[str, PooledEstimate]) -> dict[str, float]:
    """Test for subgroup differences: Cochran's Q across the subgroup estimates (as RevMan)."""
    est = np.array([r.estimate for r in results.values()])
    var = np.array([r.se**2 for r in results.values()])
    w = 1 / var
    mu = np.sum(w * est) / np.sum(w)
    q = float(np.sum(w * (est - mu) ** 2))
    df = len(est) - 1
    return {"q_between": q, "df": df, "p_value": float(stats.chi2.sf(q, df)) if df > 0 else float("nan")}


def leave_one_out(effects: pd.DataFrame, measure: str, method: str = "REML", label: str = "study") -> pd.DataFrame:
    """The pooled estimate with each study left out in turn."""
    rows = []
    for i in range(len(effects)):
        rest = effects.drop(effects.index[i])
        r = pool(rest["yi"], rest["vi"], measure, method)
        rows.append({"left_out": effects.iloc[i][label], **r.on_natural_scale(), "i2": r.i2})
    return pd.DataFrame(rows)


def egger_test(yi, vi) -> dict[str, float]:
    """Egger's regression test for funnel-plot asymmetry (standardised effect on precision).

    With fewer than ten studies the test has little power; the chapter says so.
    """
    yi = np.asarray(yi, dtype=float)
    se = np.sqrt(np.asarray(vi, dtype=float))
    fit = OLS(yi / se, add_constant(1 / se)).fit()
    return {"intercept": float(fit.params[0]), "se": float(fit.bse[0]), "p_value": float(fit.pvalues[0]), "k": len(yi)}


def number_needed_to_treat(control_risk: float, risk_ratio: float) -> float:
    """NNT (benefit) from an assumed control-group risk and a pooled risk ratio (Cochrane
    Handbook's approach to absolute effects); infinite when the ratio is 1."""
    difference = control_risk * (risk_ratio - 1)
    return float("inf") if difference == 0 else float(1 / difference)
