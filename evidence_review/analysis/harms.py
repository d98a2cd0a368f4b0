"""Adverse events per arm and their risk ratios, for the risks chapter."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evidence_review.analysis import meta_analysis as ma
from evidence_review.data.labels import EVENT_LABELS, label
from evidence_review.data.provenance import TRIAL_DESIGNS
from evidence_review.data.tables import evidence_grade
from evidence_review.analysis.trials import DRUG_LABELS, Z95, signed


def arm_event_rates(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Adverse-event counts with a denominator, one row per arm and event; press and unverified
    counts are left out, as in the efficacy analyses."""
    ae = tables["adverse_events"]
    ae = ae[(evidence_grade(ae) != "") & ae["n"].notna()]
    arms = tables["trial_arms"][["arm_id", "arm_label", "role"]]
    studies = tables["studies"][["study_id", "short_name", "intervention_class"]]
    out = ae.merge(arms, on="arm_id").merge(studies, on="study_id")
    # A trial may report one event for several periods of the same people (the dosing day, the
    # weeks after): adding them would count people twice, so each arm keeps the period with the
    # most events. "Other" events are distinct events, told apart by their notes.
    named = out["event"] != "other"
    keep = out[named].sort_values(["events", "n"], ascending=False).drop_duplicates(["arm_id", "event"])
    out = pd.concat([keep, out[~named]]).sort_index()
    out["rate"] = out["events"] / out["n"]
    out["event_label"] = out["event"].map(EVENT_LABELS) + np.where(out["event"] == "other", " (" + out["notes"].fillna("") + ")", "")
    out["drug"] = out["intervention_class"].map(DRUG_LABELS)
    return out


def event_risk_ratios(rates: pd.DataFrame) -> pd.DataFrame:
    """Risk ratio (drug arm vs control arm) with 95% CI for each trial and event reported in both."""
    key = ["study_id", "short_name", "drug", "event", "event_label"]
    treated = rates[rates["role"] == "intervention"].groupby(key, as_index=False)[["events", "n"]].sum()
    control = rates[rates["role"] == "control"].groupby(key, as_index=False)[["events", "n"]].sum()
    both = treated.merge(control, on=key, suffixes=("_t", "_c"))
    if both.empty:
        return both
    both = ma.binary_effects(both, "RR")
    se = np.sqrt(both["vi"])
    both["rr"] = np.exp(both["yi"])
    both["ci_lower"] = np.exp(both["yi"] - Z95 * se)
    both["ci_upper"] = np.exp(both["yi"] + Z95 * se)
    return both[both["dropped_reason"] == ""].reset_index(drop=True)


DRUG_GROUPS = {"esketamine": "esketamine", "ketamine": "racemic ketamine", "psilocybin": "psilocybin"}

# The events a reader weighs most: the commonest (dissociation) and the most serious.
SERIOUS_EVENTS = ("serious_ae", "discontinuation_ae", "death")


def drug_group(intervention_class: pd.Series) -> pd.Series:
    """esketamine, racemic ketamine (any route) or a psychedelic, from the study's drug class."""
    return intervention_class.map(lambda c: DRUG_GROUPS.get(str(c).split("_")[0], str(c)))


def event_counts_per_trial(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Events and participants per trial, event and drug group, drug arms and control arms each
    combined (one comparison per trial). Only placebo-type controls: a harm against another active
    treatment is not a harm of the drug."""
    rates = arm_event_rates(tables)
    arms = tables["trial_arms"][["arm_id", "comparator_type"]]
    rates = rates.merge(arms, on="arm_id", how="left")
    placebo_like = {"saline", "placebo", "active_placebo", "low_dose", "none"}
    rates = rates[rates["comparator_type"].isin(placebo_like) | (rates["role"] == "intervention")]
    rates = rates[rates["event"] != "other"]
    key = ["study_id", "short_name", "intervention_class", "event"]
    treated = rates[rates["role"] == "intervention"].groupby(key, as_index=False)[["events", "n"]].sum()
    control = rates[rates["role"] == "control"].groupby(key, as_index=False)[["events", "n"]].sum()
    both = treated.merge(control, on=key, suffixes=("_t", "_c"))
    both["drug"] = drug_group(both["intervention_class"])
    return both.rename(columns={"events_t": "events_t", "n_t": "n_t", "events_c": "events_c", "n_c": "n_c"})


def pooled_harms(tables: dict[str, pd.DataFrame], min_trials: int = 2) -> pd.DataFrame:
    """Pooled risk ratio (REML, per-trial zero-cell correction) and risk difference per drug and
    event, with absolute risks per 1,000 and the number needed to harm. Trials with no events in
    either arm carry no information on a ratio scale: they are counted and reported, and they do
    enter the risk difference."""
    counts = event_counts_per_trial(tables)
    rows = []
    for (drug, event), group in counts.groupby(["drug", "event"]):
        group = group.reset_index(drop=True)
        ratio = ma.binary_effects(group, "RR")
        informative = ratio[ratio["dropped_reason"] == ""]
        n_t, n_c = int(group["n_t"].sum()), int(group["n_c"].sum())
        row = {"drug": drug, "event": event, "event_label": EVENT_LABELS[event],
               "k": len(group), "k_no_events": int((ratio["dropped_reason"] != "").sum()),
               "events_t": int(group["events_t"].sum()), "n_t": n_t, "events_c": int(group["events_c"].sum()), "n_c": n_c,
               "trials": ", ".join(group["short_name"])}
        # Control risk per 1,000: the pooled proportion in the control arms (as GRADE tables assume).
        control_risk = row["events_c"] / n_c if n_c else np.nan
        row["control_per_1000"] = 1000 * control_risk
        if len(informative) >= min_trials:
            p = ma.pool(informative["yi"], informative["vi"], "RR").on_natural_scale()
            row.update(rr=p["estimate"], rr_lower=p["ci_lower"], rr_upper=p["ci_upper"], k_rr=len(informative))
        elif len(informative) == 1:
            se = np.sqrt(float(informative["vi"].iloc[0]))
            y = float(informative["yi"].iloc[0])
            row.update(rr=np.exp(y), rr_lower=np.exp(y - Z95 * se), rr_upper=np.exp(y + Z95 * se), k_rr=1)
        if "rr" in row:
            # A risk cannot exceed 1,000 per 1,000, however wide the ratio's interval.
            row["drug_per_1000"] = min(1000.0, 1000 * control_risk * row["rr"])
            row["drug_per_1000_lower"] = min(1000.0, 1000 * control_risk * row["rr_lower"])
            row["drug_per_1000_upper"] = min(1000.0, 1000 * control_risk * row["rr_upper"])
        rd = risk_difference(group)
        row.update(rd=rd["estimate"], rd_lower=rd["ci_lower"], rd_upper=rd["ci_upper"])
        if "rr" in row and control_risk == 0:
            # No events with the control: a ratio times zero says nothing, so the risk with the
            # drug comes from the risk difference (as GRADE advises for very low baseline risks).
            row["drug_per_1000"], row["drug_per_1000_lower"], row["drug_per_1000_upper"] = (
                float(np.clip(1000 * value, 0, 1000)) for value in (rd["estimate"], rd["ci_lower"], rd["ci_upper"]))
        row["nnh"] = 1 / row["rd"] if row["rd"] > 0 else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def risk_difference(group: pd.DataFrame) -> dict:
    """Random-effects (DerSimonian–Laird) pooled risk difference; zero cells need no correction on
    this scale, so trials with no events in either arm still count."""
    p_t = group["events_t"] / group["n_t"]
    p_c = group["events_c"] / group["n_c"]
    yi = p_t - p_c
    # 0.5 added to the variance's cells only when a proportion is 0 or 1, so no trial has zero variance.
    adj_t = (group["events_t"] + 0.5) / (group["n_t"] + 1)
    adj_c = (group["events_c"] + 0.5) / (group["n_c"] + 1)
    vi = adj_t * (1 - adj_t) / group["n_t"] + adj_c * (1 - adj_c) / group["n_c"]
    p = ma.pool(yi, vi, "MD", method="DL")
    return {"estimate": p.estimate, "ci_lower": p.ci_lower, "ci_upper": p.ci_upper}


def certainty_of(r, ratings: pd.DataFrame | None) -> str:
    """The GRADE certainty of one pooled harm in the reader's words: rated in data/harm_certainty.csv
    when two or more trials had events; a single trial's ratio is shown but not rated."""
    if ratings is not None and len(ratings):
        found = ratings[(ratings["drug"] == r.drug) & (ratings["event"] == r.event)]
        if len(found):
            return label(found["certainty"].iloc[0], "certainty")
    k_rr = getattr(r, "k_rr", np.nan)
    return "not rated (one trial)" if k_rr == 1 else "not rated (no trial with events)" if pd.isna(k_rr) else "not yet rated"


def certainty_text(pooled: pd.DataFrame, ratings: pd.DataFrame) -> str:
    """One sentence per drug naming its pooled harms at each GRADE level, highest first, written
    from the ratings so the prose cannot drift from the table."""
    order = ["high", "moderate", "low", "very_low"]
    rated = pooled.merge(ratings[["drug", "event", "certainty"]], on=["drug", "event"])
    parts = []
    for drug, group in rated.groupby("drug", sort=True):
        levels = [f"{label(level, 'certainty')} for {', '.join(group.loc[group['certainty'] == level].sort_values('k', ascending=False)['event_label'])}"
                  f" ({_trials_range(group.loc[group['certainty'] == level, 'k_rr'])} with events)"
                  for level in order if (group["certainty"] == level).any()]
        parts.append(f"For {label(drug, 'drug')}, certainty is " + "; ".join(levels) + ".")
    return " ".join(parts) if parts else "No pooled harm is rated yet."


def _trials_range(k: pd.Series) -> str:
    low, high = int(k.min()), int(k.max())
    return f"{low} trials" if low == high else f"{low} to {high} trials"


def _summary_order(pooled: pd.DataFrame) -> pd.DataFrame:
    """Harms by drug, then commonest with the control first: the row order of the summary."""
    return pooled.sort_values(["drug", "control_per_1000"], ascending=[True, False])


def harms_summary(pooled: pd.DataFrame, ratings: pd.DataFrame | None = None) -> pd.DataFrame:
    """Harms summary of findings in the GRADE layout: per event and drug, the anticipated risk per
    1,000 with the control and with the drug, the relative effect, participants (trials), the
    trials that had no events in either arm (counted, not dropped) and the certainty (``ratings``:
    data/harm_certainty.csv)."""
    rows = []
    for r in _summary_order(pooled).itertuples():
        has_rr = pd.notna(getattr(r, "rr", np.nan))
        rows.append({
            "Harm": r.event_label, "Drug": label(r.drug, "drug"),
            # The same column names as the efficacy summary of findings, so the two read alike.
            "With control": f"{signed(r.control_per_1000, 0)} per 1,000",
            "With the drug": (f"{signed(r.drug_per_1000, 0)} per 1,000 ({signed(r.drug_per_1000_lower, 0)} to {signed(r.drug_per_1000_upper, 0)})"
                              if has_rr else "not estimable"),
            "Relative effect (95% CI)": (f"RR {r.rr:.2f} ({r.rr_lower:.2f} to {r.rr_upper:.2f})" if has_rr else "no events"),
            "Participants (studies)": f"{r.n_t + r.n_c} ({r.k}" + (f"; {r.k_no_events} with no events" if r.k_no_events else "") + ")",
            "NNH": signed(r.nnh, 0) if pd.notna(r.nnh) else "–",
            "Certainty": certainty_of(r, ratings),
        })
    return pd.DataFrame(rows)


def harms_summary_parts(pooled: pd.DataFrame, ratings: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The harms summary split in two: harms pooled from two or more trials with events (rated),
    and harms counted in one trial or in none with events (shown, not rated). Split on the trial
    counts, not on the wording of the certainty cell."""
    rows = harms_summary(pooled, ratings)
    ordered = _summary_order(pooled)
    pooled_enough = (ordered["k_rr"].fillna(0) >= 2).to_numpy() if "k_rr" in ordered else np.zeros(len(ordered), bool)
    return rows[pooled_enough].reset_index(drop=True), rows[~pooled_enough].reset_index(drop=True)


def number_needed(control_risk: float, ratio: float) -> float:
    """People treated for one extra event, from a control risk and a risk ratio (infinite when the
    ratio gives no difference or the opposite direction)."""
    needed = ma.number_needed_to_treat(control_risk, ratio)
    return needed if needed > 0 else float("inf")


def benefit_and_harm(benefits: dict[str, dict], pooled: pd.DataFrame, control_response: dict[str, float]) -> pd.DataFrame:
    """Per drug: number needed to treat for one extra response (from the pooled response risk
    ratio and the control arms' response rate) beside the number needed to harm for the commonest
    event and for stopping because of adverse events, each with the range its 95% CI implies."""
    rows = []
    for drug, result in benefits.items():
        if "pooled" in result:
            p = result["pooled"].on_natural_scale()
            cr = control_response[drug]
            rows.append({"drug": drug, "measure": "benefit: one more responder", "value": number_needed(cr, p["estimate"]),
                         "low": number_needed(cr, p["ci_upper"]), "high": number_needed(cr, p["ci_lower"]), "k": result["k"]})
        harms = pooled[pooled["drug"] == drug]
        for event, label in (("dissociation", "harm: one more with dissociation"),
                             ("discontinuation_ae", "harm: one more stopping for adverse events")):
            h = harms[harms["event"] == event]
            if len(h) and pd.notna(h["rr"].iloc[0]):
                r = h.iloc[0]
                cr = r["control_per_1000"] / 1000
                rows.append({"drug": drug, "measure": label, "value": number_needed(cr, r["rr"]),
                             "low": number_needed(cr, r["rr_upper"]), "high": number_needed(cr, r["rr_lower"]), "k": int(r["k"])})
    return pd.DataFrame(rows)


OTHER_GROUP = "other psychedelics"  # every drug outside DRUG_GROUPS, in the coverage tables
COVERAGE_EVENTS = {"serious_ae": "Serious adverse events", "discontinuation_ae": "Stopping for adverse events",
                   "dissociation": "Dissociation"}


def _coverage_groups(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    studies = tables["studies"][tables["studies"]["design"].isin(TRIAL_DESIGNS)]
    group = drug_group(studies["intervention_class"])
    return studies.assign(group=group.where(group.isin(DRUG_GROUPS.values()), OTHER_GROUP).values)


def _in_drug_order(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    order = list(DRUG_GROUPS.values()) + [OTHER_GROUP]
    return frame.assign(_order=frame[column].map(order.index)).sort_values("_order", kind="stable").drop(columns="_order")


def reporting_coverage(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """How many of each drug's trials give usable adverse-event counts (an arm's events over its
    participants, read in the trial's report, a review or computed from them; press figures do
    not count), overall and for the events a reader weighs most, so a pooled harm is read against
    the trials that are silent on it."""
    studies = _coverage_groups(tables)
    rates = arm_event_rates(tables)
    rows = []
    for name, part in studies.groupby("group", sort=False):
        row = {"drug": name, "trials": len(part), "with_counts": int(part["study_id"].isin(set(rates["study_id"])).sum())}
        for event in COVERAGE_EVENTS:
            row[event] = int(part["study_id"].isin(set(rates.loc[rates["event"] == event, "study_id"])).sum())
        rows.append(row)
    return _in_drug_order(pd.DataFrame(rows), "drug").reset_index(drop=True)


def silent_trials(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The trials without usable adverse-event counts, per drug, oldest first, with why when they
    have some figures: press figures only, or counts without the arms' sizes."""
    studies = _coverage_groups(tables)
    rates = arm_event_rates(tables)
    ae = tables["adverse_events"]
    with_rows, graded = set(ae["study_id"]), set(ae.loc[evidence_grade(ae) != "", "study_id"])
    silent = studies[~studies["study_id"].isin(set(rates["study_id"]))]
    why = silent["study_id"].map(lambda s: "" if s not in with_rows else
                                 "counts without arm sizes" if s in graded else "press figures only")
    out = silent.assign(why=why.values)[["group", "study_id", "citekey", "year", "why"]].rename(columns={"group": "drug"})
    return _in_drug_order(out.sort_values(["year", "study_id"]), "drug").reset_index(drop=True)


SILENT_MARKS = {"press figures only": "*", "counts without arm sizes": "°"}


def silent_text(silent: pd.DataFrame, name) -> str:
    """The silent trials as one short paragraph per drug (a list a page long does not belong in a
    table cell), each trial named by ``name(citekey)``, with a mark for the reason."""
    parts = []
    for drug, group in silent.groupby("drug", sort=False):
        names = [name(r.citekey) + SILENT_MARKS.get(r.why, "") for r in group.itertuples()]
        parts.append(f"**{label(drug, 'drug')}** ({len(names)}): " + "; ".join(names) + ".")
    marks = [f"{mark} {why}" for why, mark in SILENT_MARKS.items() if (silent["why"] == why).any()]
    return "\n\n".join(parts + ([", ".join(marks) + "."] if marks else []))


def coverage_table(coverage: pd.DataFrame) -> pd.DataFrame:
    """The coverage rows in the reader's words: counts as 'k of n trials'."""
    shown = pd.DataFrame({"Drug": coverage["drug"].map(lambda d: label(d, "drug")),
                          "Any adverse event": [f"{k} of {n}" for k, n in zip(coverage["with_counts"], coverage["trials"])]})
    for event, heading in COVERAGE_EVENTS.items():
        shown[heading] = [f"{k} of {n}" for k, n in zip(coverage[event], coverage["trials"])]
    return shown


def coverage_text(coverage: pd.DataFrame) -> str:
    """'esketamine 10 of 18, racemic ketamine 14 of 68, …': the coverage per drug in one phrase."""
    return ", ".join(f"{label(r.drug, 'drug')} {r.with_counts} of {r.trials}" for r in coverage.itertuples())
