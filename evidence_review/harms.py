"""Adverse events per arm and their risk ratios, for the risks chapter."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import meta_analysis as ma
from .trials import DRUG_LABELS, Z95


def arm_event_rates(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Verified adverse-event counts with a denominator, one row per arm and event."""
    ae = tables["adverse_events"]
    ae = ae[(ae["verified"] == "yes") & ae["n"].notna()]
    arms = tables["trial_arms"][["arm_id", "arm_label", "role"]]
    studies = tables["studies"][["study_id", "short_name", "intervention_class"]]
    out = ae.merge(arms, on="arm_id").merge(studies, on="study_id")
    out["rate"] = out["events"] / out["n"]
    out["event_label"] = out["event"].str.replace("_", " ") + np.where(out["event"] == "other", " (" + out["notes"].fillna("") + ")", "")
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
