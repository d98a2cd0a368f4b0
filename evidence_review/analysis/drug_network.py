"""Which trials form the drug-against-drug network, and which treatment each arm is.

Each trial contributes the contrast the main analyses use for its drug (``trials.study_effects``
of that drug's question), with its control arm named as a treatment of its own: saline and inert
placebo are one node, midazolam another, niacin another, ECT, waiting list and each active drug
theirs. Trials compared against an active drug join through the same questions with that
comparator allowed. The time points differ by drug (a day after ketamine, day 28 of esketamine,
weeks after psilocybin): the network compares each drug at the end point its trials were built
for, which is itself a reason to doubt transitivity (the chapter says so).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from evidence_review.analysis import network as nw
from evidence_review.analysis.trials import QUESTION_BY_KEY, arm_level_effects, study_effects


# The question that gives each drug's contrast, per outcome of the network.
NETWORK_QUESTIONS = {
    "smd": ("ketamine_smd_24h", "ketamine_vs_ect_score", "ketamine_other_routes", "esketamine_smd_28d",
            "psilocybin_smd_primary", "other_psychedelics"),
    "response": ("ketamine_response_3d", "ketamine_response_7d", "ketamine_vs_ect_response", "ketamine_other_routes_response",
                 "esketamine_response_28d", "psilocybin_response_primary"),
}
MEASURE = {"smd": "SMD", "response": "OR"}
LOWER_IS_BETTER = {"smd": True, "response": False}
# When a trial's control arms are different treatments, the first of these kinds is used.
COMPARATOR_ORDER = ("placebo", "saline", "active_placebo", "low_dose", "waiting_list", "ect", "active_drug", "usual_care")

INTERVENTION_NODE = {"ketamine_iv": "Ketamine", "ketamine_intranasal": "Ketamine",
                     "ketamine_oral": "Ketamine, other routes", "ketamine_subcutaneous": "Ketamine, other routes",
                     "ketamine_intramuscular": "Ketamine, other routes", "ketamine_sublingual": "Ketamine, other routes",
                     "ketamine_er_tablet": "Ketamine, other routes",
                     "esketamine_intranasal": "Esketamine", "esketamine_iv": "Esketamine", "psilocybin": "Psilocybin",
                     "ayahuasca": "Ayahuasca", "dmt": "DMT", "5meo_dmt": "5-MeO-DMT", "lsd": "LSD"}
CONTROL_NODE = {("saline", None): "Placebo", ("placebo", None): "Placebo", ("ect", None): "ECT",
                ("waiting_list", None): "Waiting list", ("usual_care", None): "Usual care", ("low_dose", None): "Very low dose",
                ("active_placebo", "midazolam"): "Midazolam", ("active_placebo", "niacin"): "Niacin",
                ("active_placebo", "psilocybin"): "Very low dose",
                ("active_drug", "escitalopram"): "Escitalopram", ("active_drug", "esketamine"): "Esketamine",
                ("active_drug", "quetiapine_xr"): "Quetiapine XR"}


def control_node(comparator_type: str, drug: str) -> str | None:
    return CONTROL_NODE.get((comparator_type, drug), CONTROL_NODE.get((comparator_type, None)))


def _controls(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    arms = tables["trial_arms"]
    arms = arms[arms["role"] == "control"]
    return arms.assign(node=[control_node(t, d) for t, d in zip(arms["comparator_type"], arms["drug"])])


def _row(e, treat: str, control: str, key: str) -> dict:
    return {"study": e["short_name"], "study_id": e["study_id"], "treat1": treat, "treat2": control, "question": key,
            "yi": float(e["yi"]), "sei": float(np.sqrt(e["vi"])),
            "n": float(e["n_total"]) if pd.notna(e.get("n_total", np.nan)) else np.nan,
            "evidence": e.get("evidence", ""), "population": e.get("population", "")}


def comparisons(tables: dict[str, pd.DataFrame], outcome: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The network's rows (study, treat1 = drug, treat2 = control, yi, sei, ...) and the trials left
    out or partly used, with the reason. Each question keeps the comparators of the main analysis
    and also admits an active drug (head-to-head trials). One contrast per trial: a trial whose
    control arms are different treatments contributes the first (COMPARATOR_ORDER), from its arm
    numbers, and is listed as partly used."""
    classes = tables["studies"].set_index("study_id")["intervention_class"]
    controls = _controls(tables)
    rows, notes, seen = [], [], set()
    for key in NETWORK_QUESTIONS[outcome]:
        question = QUESTION_BY_KEY[key]
        question = replace(question, measure=MEASURE[outcome], comparators=tuple(dict.fromkeys(question.comparators + ("active_drug",))))
        for _, e in study_effects(tables, question).iterrows():
            sid = e["study_id"]
            if sid in seen:
                continue
            seen.add(sid)
            treat = INTERVENTION_NODE.get(classes.get(sid))
            arms = controls[(controls["study_id"] == sid) & controls["comparator_type"].isin(question.comparators)]
            nodes = arms["node"].dropna().unique()
            if treat is None or arms["node"].isna().any() or treat in set(nodes):
                notes.append({"study_id": sid, "short_name": e["short_name"], "reason": "its control is not a treatment of the network"})
            elif len(nodes) == 1:
                rows.append(_row(e, treat, nodes[0], key))
            else:
                for kind in [k for k in COMPARATOR_ORDER if k in set(arms["comparator_type"])]:
                    single = arm_level_effects(tables, replace(question, comparators=(kind,)))
                    single = single[single["study_id"] == sid] if not single.empty else single
                    if not single.empty:
                        node = arms.loc[arms["comparator_type"] == kind, "node"].iloc[0]
                        rows.append(_row(single.iloc[0].to_dict() | {"n_total": np.nan}, treat, node, key))
                        notes.append({"study_id": sid, "short_name": e["short_name"],
                                      "reason": f"several kinds of control; only the {node.lower()} arm is used"})
                        break
                else:
                    notes.append({"study_id": sid, "short_name": e["short_name"], "reason": "several kinds of control and no arm numbers to separate them"})
    return pd.DataFrame(rows), pd.DataFrame(notes, columns=["study_id", "short_name", "reason"])


def largest_connected(rows: pd.DataFrame) -> tuple[pd.DataFrame, list[list[str]]]:
    """The connected part with the most trials, and the treatments cut off from it."""
    parts = nw.components(rows)
    main = max(parts, key=lambda part: rows["treat1"].isin(part).sum())
    return rows[rows["treat1"].isin(main)].reset_index(drop=True), [p for p in parts if p is not main]


def analyse(tables: dict[str, pd.DataFrame], outcome: str) -> dict:
    rows, left_out = comparisons(tables, outcome)
    connected, cut_off = largest_connected(rows)
    result = nw.network_meta_analysis(connected)
    scores = nw.p_scores(result, lower_is_better=LOWER_IS_BETTER[outcome])
    ranks = nw.rank_probabilities(result, lower_is_better=LOWER_IS_BETTER[outcome])
    return {"outcome": outcome, "rows": connected, "left_out": left_out, "cut_off": cut_off, "result": result,
            "p_scores": scores, "ranks": ranks}


def ranking_table(analysis: dict) -> pd.DataFrame:
    """Per treatment: P-score, probability of being best, mean rank with its 95% interval, and the
    trials it is in, best ranked first."""
    rows, ranks = analysis["rows"], analysis["ranks"].set_index("treatment")
    scores = analysis["p_scores"]
    trials = {t: int(((rows["treat1"] == t) | (rows["treat2"] == t)).sum()) for t in scores.index}
    return pd.DataFrame({
        "Treatment": scores.index,
        "P-score": [f"{v:.2f}" for v in scores],
        "Chance of being best": [f"{ranks.loc[t, 'p_best'] * 100:.0f}%" for t in scores.index],
        "Rank (95% interval)": [f"{ranks.loc[t, 'mean_rank']:.1f} ({ranks.loc[t, 'rank_low']} to {ranks.loc[t, 'rank_high']})"
                                for t in scores.index],
        "Trials": [trials[t] for t in scores.index]})


def _effect(result: nw.NetworkResult, a: str, b: str, outcome: str) -> str:
    est, lo, hi = result.interval(a, b)
    if outcome == "response":
        return f"odds ratio {np.exp(est):.2f} (95% CI {np.exp(lo):.2f} to {np.exp(hi):.2f})"
    return f"standardised difference {est:.2f} (95% CI {lo:.2f} to {hi:.2f})".replace("-", "−")


def describe(analysis: dict) -> str:
    """What the network can and cannot say, in sentences generated from the analysis."""
    result, rows, outcome = analysis["result"], analysis["rows"], analysis["outcome"]
    what = "The response network" if outcome == "response" else "The network of standardised differences in depression score"
    parts = [f"{what} joins {rows['study'].nunique()} trials of {len(result.treatments)} treatments "
             f"({', '.join(result.treatments)})."]
    for group in analysis["cut_off"]:
        names = ", ".join(group[:-1]) + " and " + group[-1]
        parts.append(f"{names} cannot join it: no trial with usable numbers links them to the rest.")
    drugs = [t for t in analysis["p_scores"].index if t in set(rows["treat1"])]
    if "Placebo" in result.treatments:
        parts.append("Against placebo: " + "; ".join(f"{d}, {_effect(result, d, 'Placebo', outcome)}" for d in drugs) + ".")
    loops = analysis["result"].direct
    split = loops[loops["indirect"].notna()]
    if result.df_between > 0 and len(split):
        parts.append(f"Direct and indirect evidence can be compared for {len(split)} pairs; the design-by-treatment test gives "
                     f"Q = {result.Q_between:.2f} on {result.df_between} degrees of freedom (p = {result.p_value('between'):.2f}).")
    else:
        parts.append("No comparison is informed by both direct and indirect evidence (the network has no closed loop of "
                     "independent trials), so consistency cannot be checked, and every drug-against-drug estimate rests on "
                     "one shared comparator.")
    return " ".join(parts)
