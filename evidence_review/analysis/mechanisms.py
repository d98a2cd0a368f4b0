"""Mechanistic and imaging findings: evidence levels, time phases and summaries for the
neuroplasticity and DMN/REBUS chapters."""

from __future__ import annotations

import re

import pandas as pd

from evidence_review.data.labels import labelled

EVIDENCE_LEVEL = {"human": "human", "mouse": "animal", "rat": "animal", "drosophila": "animal", "zebrafish": "animal",
                  "in_vitro": "in vitro", "other": "theory"}
# Phases of the timeline, in order. A finding's phase comes from its hours when the source gives
# them, otherwise from the words of its stated time (e.g. "rapid (hours)", "up to 2 weeks").
PHASES = ["during the dose (minutes)", "hours after", "about one day after", "days to weeks after"]
_PHASE_WORDS = [
    (PHASES[3], r"week|month|days after|\b(72|96|120|132)\b|up to 2"),
    (PHASES[2], r"within a day|24 ?h|12-24|1 day|day after"),
    (PHASES[1], r"hour|\b[2-9] ?h\b|240 min"),
    (PHASES[0], r"during|acute|\bmin\b|peak"),
]


def evidence_level(species: str) -> str:
    return EVIDENCE_LEVEL.get(species, "theory")


def time_phase(hours: float | None, label: str | None) -> str | None:
    """Phase after a dose, from hours when known, else from the stated time; None when neither."""
    if hours is not None and not pd.isna(hours):
        if hours < 1:
            return PHASES[0]
        if hours < 12:
            return PHASES[1]
        if hours <= 48:
            return PHASES[2]
        return PHASES[3]
    if label is not None and not pd.isna(label) and str(label):
        for phase, pattern in _PHASE_WORDS:
            if re.search(pattern, str(label), flags=re.IGNORECASE):
                return phase
    return None


def with_levels(findings: pd.DataFrame) -> pd.DataFrame:
    """Findings with evidence level, phase and a short label for charts and tables."""
    out = findings.copy()
    out["evidence"] = out["species"].map(evidence_level)
    out["phase"] = [time_phase(h, l) for h, l in zip(out["time_after_dose_hours"], out["time_label"])]
    out["topic_label"] = labelled(out["topic"], "topic")
    return out


def evidence_counts(findings: pd.DataFrame) -> pd.DataFrame:
    """Number of findings read in a source (primary or secondary) by topic and evidence level."""
    sel = with_levels(findings[findings["evidence_level"].isin(["primary", "secondary"])])
    return sel.groupby(["topic_label", "evidence"]).size().rename("findings").reset_index()


def topics_without_human_evidence(findings: pd.DataFrame, chapter: str) -> list[str]:
    """Mechanistic steps that so far rest only on animal or cell studies (or theory)."""
    sel = with_levels(findings[(findings["chapter"] == chapter) & (findings["evidence_level"].isin(["primary", "secondary"]))])
    human = set(sel.loc[sel["evidence"] == "human", "topic"])
    return sorted(set(sel["topic"]) - human - {"theory"})
