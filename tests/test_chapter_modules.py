"""Mechanisms, REBUS toy model, harms and the claims ledger."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evidence_review.presentation import claims as ledger_mod
from evidence_review.analysis.harms import arm_event_rates, benefit_and_harm, event_risk_ratios, harms_summary, number_needed, pooled_harms
from evidence_review.analysis.mechanisms import PHASES, evidence_level, time_phase, topics_without_human_evidence
from evidence_review.analysis.rebus import belief_curves, posterior
from evidence_review.data.tables import load_tables


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
    findings = pd.DataFrame({"chapter": ["neuroplasticity"] * 3, "evidence_level": ["primary"] * 3,
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


# Harms: pooled per drug and event, zero-event trials counted, absolute risks and numbers needed.


def harm_tables(rows):
    """rows: (study, arm, role, events, n) for one event, dissociation."""
    ae = pd.DataFrame([{"study_id": s, "arm_id": a, "event": "dissociation", "events": e, "n": n, "evidence_level": "primary",
                        "derived_from": pd.NA, "notes": pd.NA, "locator": "Table 3"} for s, a, _, e, n in rows])
    arms = pd.DataFrame([{"arm_id": a, "arm_label": a, "role": r, "comparator_type": "none" if r == "intervention" else "placebo"}
                         for _, a, r, _, _ in rows])
    studies = pd.DataFrame([{"study_id": s, "short_name": s.title(), "intervention_class": "esketamine_intranasal"} for s in sorted({r[0] for r in rows})])
    for frame in (ae,):
        frame["evidence_level"] = frame["evidence_level"].astype("string")
    return {"adverse_events": ae, "trial_arms": arms, "studies": studies}


def test_trials_without_events_in_either_arm_are_counted_and_still_enter_the_risk_difference():
    t = harm_tables([("a", "a_d", "intervention", 20, 50), ("a", "a_p", "control", 5, 50),
                     ("b", "b_d", "intervention", 15, 40), ("b", "b_p", "control", 3, 40),
                     ("c", "c_d", "intervention", 0, 30), ("c", "c_p", "control", 0, 30)])
    row = pooled_harms(t).iloc[0]
    assert row["k"] == 3 and row["k_no_events"] == 1 and row["k_rr"] == 2
    assert row["n_t"] == 120 and row["events_t"] == 35
    assert 0 < row["rd"] < 0.3 and row["nnh"] == pytest.approx(1 / row["rd"])
    assert row["control_per_1000"] == pytest.approx(1000 * 8 / 120)
    summary = harms_summary(pooled_harms(t))
    assert summary.loc[0, "Participants (studies)"] == "240 (3; 1 with no events)"


def test_number_needed_is_infinite_without_a_difference_in_that_direction():
    assert number_needed(0.2, 1.5) == pytest.approx(10.0)
    assert number_needed(0.2, 1.0) == float("inf") and number_needed(0.2, 0.8) == float("inf")


def test_benefit_and_harm_sets_response_beside_harms_for_each_drug():
    t = harm_tables([("a", "a_d", "intervention", 20, 50), ("a", "a_p", "control", 5, 50),
                     ("b", "b_d", "intervention", 15, 40), ("b", "b_p", "control", 3, 40)])
    pooled = pooled_harms(t)
    pooled["drug"] = "esketamine"

    class Fake:
        def on_natural_scale(self):
            return {"estimate": 1.5, "ci_lower": 1.2, "ci_upper": 1.9}
    rows = benefit_and_harm({"esketamine": {"pooled": Fake(), "k": 3}}, pooled, {"esketamine": 0.2})
    assert list(rows["measure"]) == ["benefit: one more responder", "harm: one more with dissociation"]
    assert rows.loc[0, "value"] == pytest.approx(10.0)


def test_one_event_reported_for_two_periods_of_the_same_people_is_not_counted_twice():
    """Raison 2023 reports perceptual effects on the dosing day and after it: the arm keeps one
    period (the one with more events), so the arm's n is its people, not twice its people."""
    tables = load_tables(["studies", "trial_arms", "adverse_events"])
    rates = arm_event_rates(tables)
    per_arm = rates[rates["event"] != "other"].groupby(["arm_id", "event"]).size()
    assert (per_arm == 1).all()
    raison = rates[(rates["study_id"] == "raison2023") & (rates["event"] == "perceptual_change")]
    assert sorted(raison["n"]) == [50, 54]


def test_absolute_risk_per_1000_never_exceeds_1000():
    pooled = pooled_harms(load_tables(["studies", "trial_arms", "adverse_events"]))
    for col in ("drug_per_1000", "drug_per_1000_lower", "drug_per_1000_upper"):
        assert (pooled[col].dropna() <= 1000).all(), col


def test_every_pooled_harm_is_rated_and_every_rating_names_a_pooled_harm():
    """A harm pooled from two or more trials with events carries a GRADE rating in
    data/harm_certainty.csv; a rating whose harm no longer pools (or never did) is an error, as is a
    single-trial estimate shown as rated."""
    from evidence_review.analysis.harms import certainty_text

    t = load_tables(["studies", "trial_arms", "adverse_events", "harm_certainty"])
    pooled = pooled_harms(t)
    ratings = t["harm_certainty"]
    pooled_keys = {(r.drug, r.event) for r in pooled.itertuples() if getattr(r, "k_rr", 0) >= 2}
    rated = set(zip(ratings["drug"], ratings["event"]))
    assert pooled_keys <= rated, f"pooled but not rated: {sorted(pooled_keys - rated)}"
    assert rated <= pooled_keys, f"rated but not pooled from two trials: {sorted(rated - pooled_keys)}"
    summary = harms_summary(pooled, ratings)
    assert not summary["Certainty"].eq("not yet rated").any()
    single = pooled["k_rr"].eq(1).to_numpy()
    assert summary.set_index(["Harm", "Drug"]).loc[list(zip(pooled.loc[single, "event_label"], pooled.loc[single, "drug"])), "Certainty"].eq("not rated (one trial)").all()
    text = certainty_text(pooled, ratings)
    assert all(f"For {drug}, certainty is" in text for drug in set(ratings["drug"]))


def test_risk_with_the_drug_comes_from_the_risk_difference_when_controls_had_no_events():
    """A ratio times a control risk of zero is zero whatever the ratio, which showed '0 per 1,000
    (0 to 0)' for deaths; with no control events the drug's risk is the pooled risk difference."""
    pooled = pooled_harms(load_tables(["studies", "trial_arms", "adverse_events"]))
    zero = pooled[(pooled["control_per_1000"] == 0) & pooled["rr"].notna()]
    assert len(zero), "the data have a pooled harm with no control events"
    for r in zero.itertuples():
        assert r.drug_per_1000 == pytest.approx(max(0.0, 1000 * r.rd))
        assert r.drug_per_1000_upper > 0


def test_reporting_coverage_counts_trials_with_usable_counts_and_names_the_silent_ones():
    """A trial counts as reporting harms when an arm has events over participants read in a report
    or review; press figures, rows without arm sizes and trials with no rows are named as silent."""
    from evidence_review.analysis.harms import coverage_table, coverage_text, reporting_coverage, silent_text, silent_trials

    t = harm_tables([("a", "a_d", "intervention", 20, 50), ("a", "a_p", "control", 5, 50),
                     ("b", "b_d", "intervention", 15, 40), ("b", "b_p", "control", 3, 40),
                     ("c", "c_d", "intervention", 0, np.nan), ("c", "c_p", "control", 0, np.nan)])
    t["adverse_events"].loc[t["adverse_events"]["study_id"] == "b", "evidence_level"] = "press"
    t["studies"] = pd.concat([t["studies"], pd.DataFrame([{"study_id": "d", "short_name": "D", "intervention_class": "esketamine_iv"},
                                                          {"study_id": "e", "short_name": "E", "intervention_class": "psilocybin"}])])
    t["studies"] = t["studies"].assign(design="parallel_rct", year=2020, citekey=t["studies"]["study_id"] + "2020")
    coverage = reporting_coverage(t).set_index("drug")
    assert coverage.loc["esketamine", "trials"] == 4 and coverage.loc["esketamine", "with_counts"] == 1
    assert coverage.loc["esketamine", "dissociation"] == 1 and coverage.loc["esketamine", "serious_ae"] == 0
    assert coverage.loc["psilocybin", "with_counts"] == 0
    shown = coverage_table(coverage.reset_index())
    assert list(shown["Any adverse event"]) == ["1 of 4", "0 of 1"]
    assert coverage_text(coverage.reset_index()) == "esketamine 1 of 4, psilocybin 0 of 1"
    silent = silent_trials(t)
    assert list(silent["study_id"]) == ["b", "c", "d", "e"]
    text = silent_text(silent, str.upper)
    assert text.startswith("**esketamine** (3): B2020*; C2020°; D2020.")
    assert "**psilocybin** (1): E2020." in text and text.endswith("* press figures only, ° counts without arm sizes.")


def test_harms_summary_splits_on_trial_counts():
    """The rated table holds harms pooled from two or more trials with events; the second table the
    rest. The split follows the counts (it once followed the wording of the certainty cell)."""
    from evidence_review.analysis.harms import harms_summary_parts

    t = load_tables(["studies", "trial_arms", "adverse_events", "harm_certainty"])
    pooled = pooled_harms(t)
    rated, single = harms_summary_parts(pooled, t["harm_certainty"])
    assert len(rated) + len(single) == len(pooled)
    assert len(rated) == int((pooled["k_rr"] >= 2).sum()) and len(single) > 0
    assert not rated["Certainty"].str.startswith("not rated").any()
    assert single["Certainty"].str.startswith("not rated").all()
