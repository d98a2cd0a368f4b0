"""How robust is each main conclusion to the analysts' choices (a multiverse meta-analysis), and
how much do the control arms improve on their own (the room expectancy leaves)?

A *specification* is one defensible combination of choices: which trials, which comparator, which
estimator of between-trial variance, which confidence interval and which effect measure. Every
specification is pooled from the same per-trial effects the clinical-trials pages use
(``trials.study_effects``), so at the default choices the multiverse reproduces the main analysis
(tested). Estimates are put on one scale, the standardised mean difference (negative favours the
drug); a response odds ratio is converted with the logistic approximation (ln OR × √3/π, Cochrane
Handbook 10.6), so the choice of measure can sit beside the others on one axis.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import product

import numpy as np
import pandas as pd

from evidence_review.analysis import meta_analysis as ma
from evidence_review.analysis.trials import (QUESTION_BY_KEY, Z95, arm_sd, arms_with_outcomes, best_evidence, combine_means, in_window, nearest,
                                             signed, study_effects)

LOGIT_TO_SMD = np.sqrt(3) / np.pi


@dataclass(frozen=True)
class Family:
    """One main conclusion, with the questions that answer it in each effect measure."""

    key: str
    label: str
    smd_question: str
    response_question: str
    md_question: str  # its control arms' MADRS change is the expectancy comparison


FAMILIES = [
    Family("ketamine", "Racemic ketamine, about a day after one dose", "ketamine_smd_24h", "ketamine_response_3d", "ketamine_score_24h"),
    Family("esketamine", "Esketamine at the end of induction (day 28)", "esketamine_smd_28d", "esketamine_response_28d", "esketamine_score_28d"),
    Family("psilocybin", "Psilocybin at the primary end point", "psilocybin_smd_primary", "psilocybin_response_primary", "psilocybin_score_primary"),
]

# The choices and their options, in the order the chart lists them. The first option of each is
# the main analysis.
TRIAL_SETS = ["all trials", "primary numbers only", "without high risk of bias", "unipolar, not selected for suicidal thoughts"]
COMPARATORS = ["any control", "inert placebo, saline or waiting list", "active placebo or very low dose"]
ESTIMATORS = ["REML", "DL", "PM"]
INTERVALS = ["Wald (normal)", "Hartung–Knapp"]
MEASURES = ["standardised difference", "response odds ratio (as SMD)"]
CHOICES = {"Trials": TRIAL_SETS, "Comparator": COMPARATORS, "Estimator": ESTIMATORS, "Interval": INTERVALS, "Measure": MEASURES}
DEFAULT = {name: options[0] for name, options in CHOICES.items()}
ESTIMATOR_LABELS = {"REML": "restricted maximum likelihood", "DL": "DerSimonian–Laird", "PM": "Paule–Mandel"}
INERT = {"saline", "placebo", "waiting_list"}
ACTIVE = {"active_placebo", "low_dose"}


def _control_kinds(tables: dict[str, pd.DataFrame]) -> pd.Series:
    arms = tables["trial_arms"]
    controls = arms[arms["role"] == "control"]
    return controls.groupby("study_id")["comparator_type"].agg(lambda kinds: set(kinds.dropna()))


def _high_risk(tables: dict[str, pd.DataFrame]) -> set[str]:
    rob = tables["risk_of_bias"]
    return set(rob.loc[(rob["domain"] == "overall") & (rob["judgement"] == "high"), "study_id"])


def _measure_effects(tables: dict[str, pd.DataFrame], family: Family, measure: str) -> pd.DataFrame:
    """Per-trial effects on the SMD scale (negative favours the drug)."""
    if measure == MEASURES[0]:
        effects = study_effects(tables, QUESTION_BY_KEY[family.smd_question])
        return effects.assign(yi_smd=effects["yi"].astype(float), vi_smd=effects["vi"].astype(float)) if len(effects) else effects
    q = replace(QUESTION_BY_KEY[family.response_question], measure="OR")
    effects = study_effects(tables, q)
    if not len(effects):
        return effects
    # A larger odds of response favours the drug, so the sign turns to match the SMD's direction.
    return effects.assign(yi_smd=-effects["yi"].astype(float) * LOGIT_TO_SMD, vi_smd=effects["vi"].astype(float) * LOGIT_TO_SMD**2)


def _select(effects: pd.DataFrame, trials: str, comparator: str, kinds: pd.Series, high_risk: set[str]) -> pd.DataFrame:
    if not len(effects):
        return effects
    keep = pd.Series(True, index=effects.index)
    if trials == "primary numbers only":
        keep &= effects["evidence"].eq("primary")
    elif trials == "without high risk of bias":
        keep &= ~effects["study_id"].isin(high_risk)
    elif trials == "unipolar, not selected for suicidal thoughts":
        keep &= effects["population"].isin(["trd", "mdd"])
    own = effects["study_id"].map(lambda s: kinds.get(s, set()))
    if comparator == COMPARATORS[1]:
        keep &= own.map(lambda k: bool(k) and k <= INERT)
    elif comparator == COMPARATORS[2]:
        keep &= own.map(lambda k: bool(k) and k <= ACTIVE)
    return effects[keep]


def specifications(tables: dict[str, pd.DataFrame], families: list[Family] | None = None) -> pd.DataFrame:
    """Every specification with at least two trials: its choices, k, the trials and the pooled
    SMD-scale estimate with its 95% interval, ranked within its family from most to least
    favourable to the drug."""
    kinds, high_risk = _control_kinds(tables), _high_risk(tables)
    rows = []
    for family in families or FAMILIES:
        by_measure = {m: _measure_effects(tables, family, m) for m in MEASURES}
        for trials, comparator, estimator, interval, measure in product(TRIAL_SETS, COMPARATORS, ESTIMATORS, INTERVALS, MEASURES):
            chosen = _select(by_measure[measure], trials, comparator, kinds, high_risk)
            if len(chosen) < 2:
                continue
            pooled = ma.pool(chosen["yi_smd"], chosen["vi_smd"], "SMD", estimator, hartung_knapp=interval == INTERVALS[1])
            rows.append({"family": family.key, "family_label": family.label, "Trials": trials, "Comparator": comparator,
                         "Estimator": estimator, "Interval": interval, "Measure": measure, "k": len(chosen),
                         "studies": "; ".join(chosen["short_name"]), "estimate": pooled.estimate,
                         "ci_lower": pooled.ci_lower, "ci_upper": pooled.ci_upper,
                         "is_default": (trials, comparator, estimator, interval, measure) == tuple(DEFAULT.values())})
    specs = pd.DataFrame(rows)
    if specs.empty:
        return specs
    specs["favours_drug"] = specs["estimate"] < 0
    specs["excludes_no_effect"] = specs["ci_upper"] < 0
    specs["rank"] = specs.groupby("family")["estimate"].rank(method="first").astype(int)
    return specs.sort_values(["family", "rank"]).reset_index(drop=True)


def summary(specs: pd.DataFrame, families: list[Family] | None = None) -> pd.DataFrame:
    """Per family: specifications that could be pooled, the share favouring the drug and the share
    whose interval excludes no effect, and the spread of the estimates."""
    rows = []
    for family in families or FAMILIES:
        part = specs[specs["family"] == family.key] if len(specs) else specs
        if not len(part):
            rows.append({"family": family.key, "label": family.label, "n_specs": 0})
            continue
        default = part[part["is_default"]]
        rows.append({"family": family.key, "label": family.label, "n_specs": len(part),
                     "share_favours": 100 * part["favours_drug"].mean(), "share_excludes": 100 * part["excludes_no_effect"].mean(),
                     "median": float(part["estimate"].median()), "lowest": float(part["estimate"].min()),
                     "highest": float(part["estimate"].max()), "k_min": int(part["k"].min()), "k_max": int(part["k"].max()),
                     "default": float(default["estimate"].iloc[0]) if len(default) else np.nan})
    return pd.DataFrame(rows)


def describe_family(family: Family, row) -> str:
    """One sentence per family for the chapter, from its row of ``summary``: how many
    specifications, the shares, the spread (with enough decimals that different estimates do
    not print alike) and where the main analysis falls."""
    if not row.n_specs:
        return f"**{family.label}**: fewer than two trials in every specification, so nothing can be pooled yet."
    trials = f"{row.k_min} trials each" if row.k_min == row.k_max else f"{row.k_min} to {row.k_max} trials each"
    if abs(row.highest - row.lowest) < 5e-4:
        spread = f"are all {signed(row.lowest, 2)}"
    else:
        digits = 2 if round(row.lowest, 2) != round(row.highest, 2) else 3
        spread = f"run from {signed(row.lowest, digits)} to {signed(row.highest, digits)} (median {signed(row.median, 2)})"
    default = (f"the main analysis gives {signed(row.default, 2)}" if pd.notna(row.default)
               else "the main analysis (standardised difference) has fewer than two trials, so only other choices can be pooled")
    return (f"**{family.label}**: {row.n_specs} specifications could be pooled ({trials}). "
            f"{row.share_favours:.0f}% of them favour the drug and {row.share_excludes:.0f}% have an interval that excludes no effect; "
            f"the estimates {spread}, and {default}.")


def choice_matrix(specs: pd.DataFrame) -> pd.DataFrame:
    """Long form for the lower panel of a specification curve: one row per specification and
    choice, with the option taken."""
    return specs.melt(id_vars=["family", "rank", "estimate"], value_vars=list(CHOICES), var_name="choice", value_name="option")


def arm_changes(tables: dict[str, pd.DataFrame], role: str | None = None, families: list[Family] | None = None) -> pd.DataFrame:
    """MADRS change from baseline in each trial's drug or control arms (``role``; both when None)
    at the family's main time point, in the main analyses' population, best evidence level per trial; arms of the same role are
    combined as the main analyses combine them. The SD comes from the row, its SE or its 95% CI."""
    data = arms_with_outcomes(tables)
    rows = []
    for family in families or FAMILIES:
        q = QUESTION_BY_KEY[family.md_question]
        sel = data[data["intervention_class"].isin(q.classes) & data["population"].isin(q.populations) & (data["outcome"] == "mean_change")
                   & (data["scale"] == "MADRS") & in_window(data, q) & data["subgroup"].isna() & data["mean"].notna()]
        if role is not None:
            sel = sel[sel["role"] == role]
        sel = best_evidence(sel)
        for (study_id, arm_role), group in sel.groupby(["study_id", "role"], sort=False):
            group = nearest(group, q.target_hours)
            n = group["n_analysed"].astype(float)
            sd = arm_sd(group)
            if n.notna().all() and sd.notna().all():
                n_all, mean, sd_all = combine_means(group.assign(n=n, mean=group["mean"].astype(float), sd=sd))
            else:
                n_all = float(n.sum()) if n.notna().all() else np.nan
                mean = float((group["mean"].astype(float) * n).sum() / n.sum()) if n.notna().all() and n.sum() > 0 else float(group["mean"].astype(float).mean())
                sd_all = np.nan
            rows.append({"family": family.key, "drug": family.label, "study_id": study_id, "trial": group["short_name"].iloc[0],
                         "role": arm_role, "comparator_type": group["comparator_type"].iloc[0] if arm_role == "control" else "",
                         "hours": float(group["timepoint_hours"].iloc[0]), "n": n_all, "change": mean, "sd": sd_all,
                         "evidence": "primary" if (group["grade"] == "primary").all() else "secondary",
                         "source_citekey": "; ".join(dict.fromkeys(group["source_citekey"].astype(str))),
                         "locator": "; ".join(dict.fromkeys(group["locator"].astype(str)))})
    return pd.DataFrame(rows)


def control_arm_change(tables: dict[str, pd.DataFrame], families: list[Family] | None = None) -> pd.DataFrame:
    """MADRS change in each trial's control arm at the family's main time point: how much people
    improved without the drug, by kind of control."""
    return arm_changes(tables, "control", families)


COMMON_CONTROL_GROUPS = {("psilocybin", "intervention"): "Psilocybin arms",
                         ("psilocybin", "control"): "Control arms of the psilocybin trials",
                         ("esketamine", "control"): "Placebo-spray arms of the esketamine trials"}


def common_control(tables: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Psilocybin set against its own control arms and against a common control, the placebo arms
    of the esketamine trials (as Hieronymus 2025 set psilocybin's control arms beside those of SSRI
    and esketamine trials). Each group's mean MADRS change is pooled over trials (random effects on
    arm means, variance SD²/n); a difference between groups is between different trials, so it is
    not randomised and carries every difference between the programmes. Returns the groups and the
    two differences."""
    families = [f for f in FAMILIES if f.key in ("psilocybin", "esketamine")]
    arms = arm_changes(tables, None, families)
    arms = arms[arms["sd"].notna() & arms["n"].notna()]
    groups = []
    for (family, role), name in COMMON_CONTROL_GROUPS.items():
        part = arms[(arms["family"] == family) & (arms["role"] == role)]
        if len(part) >= 2:
            pooled = ma.pool(part["change"], part["sd"] ** 2 / part["n"], "MD")
            groups.append({"group": name, "k": len(part), "people": int(part["n"].sum()), "change": pooled.estimate,
                           "se": pooled.se, "lower": pooled.ci_lower, "upper": pooled.ci_upper, "trials": part})
        else:
            groups.append({"group": name, "k": len(part), "people": int(part["n"].sum()) if len(part) else 0, "change": np.nan,
                           "se": np.nan, "lower": np.nan, "upper": np.nan, "trials": part})
    table = pd.DataFrame(groups)
    by = table.set_index("group")
    drug = COMMON_CONTROL_GROUPS[("psilocybin", "intervention")]
    diffs = []
    for versus in list(COMMON_CONTROL_GROUPS.values())[1:]:
        d = by.loc[drug, "change"] - by.loc[versus, "change"]
        se = float(np.hypot(by.loc[drug, "se"], by.loc[versus, "se"]))
        diffs.append({"versus": versus, "difference": d, "lower": d - Z95 * se, "upper": d + Z95 * se})
    return table, pd.DataFrame(diffs)


def allocation_guesses(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Who guessed their allocation correctly, per trial and arm where reported: the direct
    measure of how well blinding held (chance is 50% with two arms and no 'unsure')."""
    guesses = tables["allocation_guesses"]
    if guesses.empty:
        return guesses.assign(trial=[], arm=[])
    studies = tables["studies"].set_index("study_id")["short_name"]
    arms = tables["trial_arms"].set_index("arm_id")["arm_label"]
    return guesses.assign(trial=guesses["study_id"].map(studies),
                          arm=guesses["arm_id"].map(arms).fillna("both arms together"))
