"""Mechanisms, REBUS toy model, harms and the claims ledger."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evidence_review import claims as ledger_mod
from evidence_review.harms import arm_event_rates, event_risk_ratios
from evidence_review.mechanisms import PHASES, evidence_level, time_phase, topics_without_human_evidence
from evidence_review.rebus import belief_curves, posterior
from evidence_review.tables import load_tables


@pytest.mark.parametrize("hours, label, phase", [
    (0.5, None, PHASES[0]), (4.0, None, PHASES[1]), (24.0, None, PHASES[2]), (336.0, None, PHASES[3]),
    (None, "rapid (hours)", PHASES[1]), (None, "within 24 h; persisted 1 month", PHASES[3]),
    (None, "acute", PHASES[0]), (None, "", None), (None, None, None),
])
def test_time_phase_from_hours_or_stated_time(hours, label, phase):
    assert time_phase(hours, label) == phase


def test_evidence_level_groups_species():
    assert [evidence_level(s) for s in ["human", "rat", "in_vitro", "other"]] == ["human", "animal", "in vitro", "theory"]


def test_steps_without_human_evidence_exclude_human_topics():
    findings = pd.DataFrame({"chapter": ["neuroplasticity"] * 3, "verified": ["yes"] * 3,
                             "topic": ["spines", "bdnf_human", "theory"], "species": ["mouse", "human", "other"],
                             "time_after_dose_hours": [np.nan] * 3, "time_label": [None] * 3})
    assert topics_without_human_evidence(findings, "neuroplasticity") == ["spines"]


def test_posterior_moves_toward_evidence_as_prior_precision_falls():
    tight, _ = posterior(-1.5, 8.0, 1.5, 1.0)
    loose, _ = posterior(-1.5, 0.5, 1.5, 1.0)
    assert -1.5 < tight < loose < 1.5
    assert posterior(0.0, 1.0, 2.0, 1.0) == (1.0, 2.0)  # equal precisions: halfway, precisions add


def test_belief_curves_are_probability_densities():
    curves = belief_curves(-1.5, 1.5, 1.0, [0.5, 2.0], grid=np.linspace(-10, 10, 2001))
    for (_, _), group in curves.groupby(["prior_precision", "curve"]):
        assert np.trapezoid(group["density"], group["x"]) == pytest.approx(1.0, abs=1e-3)


def test_adverse_event_ratios_pair_drug_and_control_arms():
    ratios = event_risk_ratios(arm_event_rates(load_tables()))
    su = ratios[(ratios["study_id"] == "su2023") & (ratios["event"] == "dissociation")].iloc[0]
    assert su["rr"] == pytest.approx((29 / 42) / (7 / 42))
    assert su["ci_lower"] < su["rr"] < su["ci_upper"]


def test_ledger_links_every_claim_to_an_existing_chapter_section():
    claims = ledger_mod.ledger(load_tables()["seed_claims"])
    assert claims["chapter_link"].notna().all() and claims["article"].notna().all()
    from evidence_review import CHAPTERS_DIR
    for link in claims["chapter_link"].unique():
        page, anchor = link.split("#")
        notebook = CHAPTERS_DIR / page.replace(".html", ".ipynb")
        assert notebook.exists(), page
        assert "## The popular claims, checked" in notebook.read_text(encoding="utf-8")


def test_filterable_table_escapes_cells_and_is_deterministic():
    frame = pd.DataFrame({"claim": ["<script>x()</script>"], "verdict": ["theory"], "link": ["risks.html#a"]})
    first = ledger_mod.filterable_table_html(frame, "Caption", {"claim": "Claim", "verdict": "Verdict"}, filters=("verdict",))
    second = ledger_mod.filterable_table_html(frame, "Caption", {"claim": "Claim", "verdict": "Verdict"}, filters=("verdict",))
    assert first == second
    assert "<script>x()" not in first and "&lt;script&gt;x()" in first
