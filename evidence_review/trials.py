"""Turn the trial tables into per-study effects for one question, ready to pool.

A question names the drug class(es), the outcome, the scale(s), a time window and the effect
measure. For each trial the effect comes from arm-level numbers when they are there (so every
study is computed the same way) and otherwise from the between-arm effect the trial reported with
its confidence interval. Only rows verified against the source are used.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from . import meta_analysis as ma

Z95 = stats.norm.ppf(0.975)


@dataclass(frozen=True)
class Question:
    """One pooled comparison, e.g. 'racemic ketamine vs control, response within 3 days'."""

    key: str
    label: str
    classes: tuple[str, ...]  # studies.intervention_class values
    outcome: str  # response, remission, relapse, mean_change
    measure: str  # RR, OR, MD, SMD
    hours: tuple[float, float]  # window of timepoint_hours, inclusive
    target_hours: float  # preferred time point within the window
    scales: tuple[str, ...] = ("MADRS",)
    comparators: tuple[str, ...] = ("saline", "active_placebo", "placebo", "low_dose")
    populations: tuple[str, ...] = field(default=("trd", "mdd", "bipolar_depression", "mdd_suicidal_ideation", "mixed"))


def arms_with_outcomes(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Arm outcomes joined to their arm and study, one row per arm, outcome and time point."""
    arms = tables["trial_arms"][["arm_id", "arm_label", "role", "drug", "dose", "dose_unit", "comparator_type"]]
    studies = tables["studies"][["study_id", "short_name", "year", "design", "blinding", "population", "intervention_class"]]
    return tables["arm_outcomes"].merge(arms, on="arm_id").merge(studies, on="study_id")


def _study_comparator(group: pd.DataFrame) -> str:
    controls = group.loc[group["role"] == "control", "comparator_type"].dropna().unique()
    return ", ".join(sorted(controls)) if len(controls) else ""


def _nearest(group: pd.DataFrame, target: float) -> pd.DataFrame:
    best = (group["timepoint_hours"] - target).abs().min()
    return group[(group["timepoint_hours"] - target).abs() == best]


def _combine_means(rows: pd.DataFrame) -> tuple[float, float, float]:
    """Combine several arms into one (Cochrane Handbook 6.5.2.10): n, mean, SD."""
    n = rows["n"].to_numpy(float)
    m = rows["mean"].to_numpy(float)
    s = rows["sd"].to_numpy(float)
    n_total = n.sum()
    mean = float((n * m).sum() / n_total)
    ss = ((n - 1) * s**2).sum() + (n * (m - mean) ** 2).sum()
    return float(n_total), mean, float(np.sqrt(ss / (n_total - 1)))


def arm_level_effects(tables: dict[str, pd.DataFrame], q: Question) -> pd.DataFrame:
    """Per-study effects computed from verified arm-level rows; arms of the same role combined."""
    data = arms_with_outcomes(tables)
    sel = data[(data["verified"] == "yes") & data["intervention_class"].isin(q.classes)
               & data["population"].isin(q.populations) & data["scale"].isin(q.scales)
               & data["timepoint_hours"].between(*q.hours) & data["subgroup"].isna()]
    dichotomous = q.measure in {"RR", "OR"}
    if dichotomous:
        sel = sel[(sel["outcome"] == q.outcome) & sel["events"].notna() & sel["n_analysed"].notna()]
    else:
        sel = sel[(sel["outcome"] == q.outcome) & sel["mean"].notna() & sel["n_analysed"].notna()
                  & (sel["sd"].notna() | sel["se"].notna())]
    rows = []
    for study_id, group in sel.groupby("study_id", sort=False):
        group = _nearest(group, q.target_hours)
        control = group[(group["role"] == "control") & group["comparator_type"].isin(q.comparators)]
        treated = group[group["role"] == "intervention"]
        if control.empty or treated.empty:
            continue
        base = {"study_id": study_id, "short_name": group["short_name"].iloc[0], "year": int(group["year"].iloc[0]),
                "design": group["design"].iloc[0], "population": group["population"].iloc[0],
                "comparator": _study_comparator(control), "timepoint_hours": float(group["timepoint_hours"].iloc[0]),
                "source": "arm-level counts" if dichotomous else "arm-level means",
                "arms_combined": len(treated) > 1}
        if dichotomous:
            base.update(events_t=int(treated["events"].sum()), n_t=int(treated["n_analysed"].sum()),
                        events_c=int(control["events"].sum()), n_c=int(control["n_analysed"].sum()))
        else:
            def with_sd(rows):
                rows = rows.assign(n=rows["n_analysed"].astype(float), mean=rows["mean"].astype(float))
                sd = rows["sd"].astype(float).fillna(rows["se"].astype(float) * np.sqrt(rows["n"]))
                return _combine_means(rows.assign(sd=sd))
            n_t, mean_t, sd_t = with_sd(treated)
            n_c, mean_c, sd_c = with_sd(control)
            base.update(n_t=n_t, mean_t=mean_t, sd_t=sd_t, n_c=n_c, mean_c=mean_c, sd_c=sd_c)
        rows.append(base)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    if dichotomous:
        return ma.binary_effects(frame, q.measure)
    if q.measure == "SMD":
        return ma.smd_effects(frame)
    frame["yi"] = frame["mean_t"] - frame["mean_c"]
    frame["vi"] = frame["sd_t"] ** 2 / frame["n_t"] + frame["sd_c"] ** 2 / frame["n_c"]
    return frame


def reported_effects(tables: dict[str, pd.DataFrame], q: Question) -> pd.DataFrame:
    """Per-study effects from between-arm results reported with a 95% CI (generic inverse variance)."""
    c = tables["contrasts"].merge(tables["studies"][["study_id", "short_name", "year", "design", "population", "intervention_class", "n_randomized"]], on="study_id")
    outcomes = {"mean_change", "mean_score"} if q.outcome == "mean_change" else {q.outcome}
    sel = c[(c["verified"] == "yes") & c["intervention_class"].isin(q.classes) & c["population"].isin(q.populations)
            & c["outcome"].isin(outcomes) & c["scale"].isin(q.scales) & (c["measure"] == q.measure)
            & c["timepoint_hours"].between(*q.hours) & c["ci_lower"].notna() & c["ci_upper"].notna()
            & c["subgroup"].isna() & ~c["comparison"].str.contains("subgroup", case=False)]
    rows = []
    for study_id, group in sel.groupby("study_id", sort=False):
        row = _nearest(group, q.target_hours).iloc[0]
        ratio = q.measure in {"RR", "OR", "HR"}
        f = np.log if ratio else (lambda x: x)
        yi = f(float(row["estimate"]))
        se = (f(float(row["ci_upper"])) - f(float(row["ci_lower"]))) / (2 * Z95)
        rows.append({"study_id": study_id, "short_name": row["short_name"], "year": int(row["year"]), "design": row["design"],
                     "population": row["population"], "comparator": row["comparison"], "timepoint_hours": float(row["timepoint_hours"]),
                     "source": "reported effect and 95% CI", "arms_combined": False,
                     "n_total": row["n_randomized"], "yi": yi, "vi": se**2})
    return pd.DataFrame(rows)


def study_effects(tables: dict[str, pd.DataFrame], q: Question) -> pd.DataFrame:
    """Arm-level effects, completed with reported effects for trials without arm-level data."""
    arm = arm_level_effects(tables, q)
    if not arm.empty:
        arm = arm.assign(n_total=arm["n_t"] + arm["n_c"])
    reported = reported_effects(tables, q)
    if not arm.empty and not reported.empty:
        reported = reported[~reported["study_id"].isin(arm["study_id"])]
    frames = [f for f in (arm, reported) if not f.empty]
    if not frames:
        return pd.DataFrame(columns=["study_id", "short_name", "yi", "vi"])
    effects = pd.concat(frames, ignore_index=True)
    effects = effects[np.isfinite(effects["yi"].astype(float)) & np.isfinite(effects["vi"].astype(float))]
    return effects.sort_values(["year", "short_name"]).reset_index(drop=True)


def forest_table(effects: pd.DataFrame, pooled: ma.PooledEstimate | None) -> pd.DataFrame:
    """Rows for a forest plot: one per study plus the pooled row, on the natural scale."""
    ratio = pooled.is_ratio if pooled else False
    f = np.exp if ratio else (lambda x: x)
    se = np.sqrt(effects["vi"].astype(float))
    weights = ma.study_weights(effects["vi"], pooled.tau2) if pooled else np.full(len(effects), np.nan)
    rows = pd.DataFrame({
        "label": effects["short_name"], "kind": "study",
        "estimate": f(effects["yi"].astype(float)), "ci_lower": f(effects["yi"] - Z95 * se),
        "ci_upper": f(effects["yi"] + Z95 * se), "weight": weights,
        "n": effects.get("n_total", pd.Series([np.nan] * len(effects))).astype(float),
        "source": effects["source"], "hours": effects["timepoint_hours"],
    })
    if pooled:
        nat = pooled.on_natural_scale()
        rows = pd.concat([rows, pd.DataFrame([{
            "label": f"Pooled ({pooled.method})", "kind": "pooled", "estimate": nat["estimate"],
            "ci_lower": nat["ci_lower"], "ci_upper": nat["ci_upper"], "weight": 100.0,
            "n": float(rows["n"].sum()), "source": f"random effects, k = {pooled.k}", "hours": np.nan}])], ignore_index=True)
    return rows


def run_question(tables: dict[str, pd.DataFrame], q: Question, method: str = "REML") -> dict:
    """Everything the chapter shows for one question: effects, pooled results and sensitivity."""
    effects = study_effects(tables, q)
    result: dict = {"question": q, "effects": effects, "k": len(effects)}
    if len(effects) >= 2:
        result["pooled"] = ma.pool(effects["yi"], effects["vi"], q.measure, method)
        result["hartung_knapp"] = ma.pool(effects["yi"], effects["vi"], q.measure, method, hartung_knapp=True)
        result["forest"] = forest_table(effects, result["pooled"])
    elif len(effects) == 1:
        result["forest"] = forest_table(effects, None)
    return result


DRUG_LABELS = {"ketamine_iv": "IV ketamine", "ketamine_other": "intranasal ketamine",
               "esketamine_intranasal": "esketamine (nasal)", "psilocybin": "psilocybin"}

# The comparisons the clinical-trials chapter pools. Adding a verified trial to data/ adds it here.
QUESTIONS = [
    Question("ketamine_score_24h", "Racemic ketamine vs saline or midazolam: MADRS difference at about 24 h",
             ("ketamine_iv", "ketamine_other"), "mean_change", "MD", (12, 48), 24),
    Question("ketamine_response_3d", "Racemic ketamine vs saline or midazolam: response within 3 days",
             ("ketamine_iv", "ketamine_other"), "response", "OR", (12, 72), 24),
    Question("esketamine_score_24h", "Esketamine vs placebo spray: MADRS difference at 24 h",
             ("esketamine_intranasal",), "mean_change", "MD", (12, 48), 24),
    Question("esketamine_score_28d", "Esketamine vs placebo spray (with a new oral antidepressant): MADRS difference at day 28",
             ("esketamine_intranasal",), "mean_change", "MD", (600, 700), 672),
    Question("esketamine_smd_28d", "Esketamine vs placebo spray (with a new oral antidepressant): standardised difference at day 28",
             ("esketamine_intranasal",), "mean_change", "SMD", (600, 700), 672),
    Question("psilocybin_score_primary", "Psilocybin vs low dose or placebo: MADRS difference at the primary end point (3 to 6 weeks)",
             ("psilocybin",), "mean_change", "MD", (480, 1100), 1032),
]


def time_course_points(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Verified between-arm differences on MADRS at every reported time point."""
    c = tables["contrasts"].merge(tables["studies"][["study_id", "short_name", "intervention_class"]], on="study_id")
    sel = c[(c["verified"] == "yes") & (c["measure"] == "MD") & (c["scale"] == "MADRS") & c["timepoint_hours"].notna()
            & c["estimate"].notna() & c["subgroup"].isna() & ~c["comparison"].str.contains("subgroup", case=False)]
    return pd.DataFrame({
        "trial": sel["short_name"], "drug": sel["intervention_class"].map(DRUG_LABELS),
        "hours": sel["timepoint_hours"].astype(float), "estimate": sel["estimate"].astype(float),
        "ci_lower": sel["ci_lower"].astype(float), "ci_upper": sel["ci_upper"].astype(float),
        "comparison": sel["comparison"],
    }).sort_values(["trial", "hours"]).reset_index(drop=True)


MEASURE_LABELS = {"MD": "Mean difference (MADRS points)", "SMD": "Standardised mean difference (Hedges' g)",
                  "OR": "Odds ratio", "RR": "Risk ratio"}


def format_effect(measure: str, estimate: float, lower: float, upper: float) -> str:
    digits = 2 if measure in {"OR", "RR", "SMD"} else 1
    return f"{measure} {estimate:.{digits}f} ({lower:.{digits}f} to {upper:.{digits}f})"


def summary_of_findings(results: dict[str, dict], ratings: pd.DataFrame) -> pd.DataFrame:
    """Cochrane-style summary of findings: one row per pooled question."""
    rows = []
    rated = ratings.set_index("question_key")
    for key, r in results.items():
        q = r["question"]
        row = {"Outcome": q.label, "Trials": r["k"],
               "Participants": int(pd.to_numeric(r["effects"].get("n_total"), errors="coerce").sum()) if r["k"] else 0}
        if "pooled" in r:
            p, hk = r["pooled"].on_natural_scale(), r["hartung_knapp"].on_natural_scale()
            row["Effect (95% CI), REML"] = format_effect(q.measure, p["estimate"], p["ci_lower"], p["ci_upper"])
            row["Hartung–Knapp 95% CI"] = f"{hk['ci_lower']:.2f} to {hk['ci_upper']:.2f}"
            row["I² (%)"] = round(r["pooled"].i2)
        else:
            row["Effect (95% CI), REML"] = "not pooled (fewer than two trials)"
            row["Hartung–Knapp 95% CI"] = ""
            row["I² (%)"] = None
        if key in rated.index:
            row["Certainty (GRADE)"] = rated.loc[key, "certainty"].replace("_", " ")
            row["Why"] = rated.loc[key, "reasons"]
        else:
            row["Certainty (GRADE)"] = "not yet rated"
            row["Why"] = ""
        rows.append(row)
    return pd.DataFrame(rows)


def risk_with_odds_ratio(control_risk: float, odds_ratio: float) -> float:
    """Risk in the treated group implied by a control risk and an odds ratio."""
    return float(odds_ratio * control_risk / (1 - control_risk + odds_ratio * control_risk))


def arm_rates(effects: pd.DataFrame) -> pd.DataFrame:
    """Response rates per arm, risk difference and NNT for trials with arm-level counts."""
    counts = effects[effects.get("source", pd.Series(dtype=str)) == "arm-level counts"] if "source" in effects else effects.iloc[0:0]
    if counts.empty:
        return pd.DataFrame(columns=["Trial", "Drug arm", "Control arm", "Difference (points of %)", "NNT"])
    rt = counts["events_t"] / counts["n_t"]
    rc = counts["events_c"] / counts["n_c"]
    rd = rt - rc
    return pd.DataFrame({
        "Trial": counts["short_name"],
        "Drug arm": counts["events_t"].astype(int).astype(str) + "/" + counts["n_t"].astype(int).astype(str) + " (" + (100 * rt).round(0).astype(int).astype(str) + "%)",
        "Control arm": counts["events_c"].astype(int).astype(str) + "/" + counts["n_c"].astype(int).astype(str) + " (" + (100 * rc).round(0).astype(int).astype(str) + "%)",
        "Difference (points of %)": (100 * rd).round(1),
        "NNT": (1 / rd).round(1).where(rd > 0),
    })
