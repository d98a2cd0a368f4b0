"""The network meta-analysis against netmeta's published output.

Reference: the analysis script published with Barasabha, Hoefer et al., "Conventional versus digital
cognitive remediation therapy: meta-analysis in people with mild cognitive impairment and dementia"
(GitHub barasabha/CRTvsDCRTmeta), which prints netmeta's input and results for a network of 13
trials, 3 treatments and one three-arm trial (random effects, DerSimonian–Laird tau²,
``summary(netmeta(...))`` and ``netsplit(...)``). tests/reference/netmeta_crt_dcrt.csv holds the input
as printed (4 decimals), so results agree to 3 decimals, not to the last printed digit.
"""
import numpy as np
import pandas as pd
import pytest

from evidence_review.analysis import meta_analysis as ma
from evidence_review.analysis import network as nw
from evidence_review import ROOT

DATA = pd.read_csv(ROOT / "tests" / "reference" / "netmeta_crt_dcrt.csv")


@pytest.fixture(scope="module")
def net():
    return nw.network_meta_analysis(DATA)


def test_treatment_estimates_match_netmeta(net):
    # "CRT 0.5543 [0.2328; 0.8759]" and "DCRT 0.4733 [0.2338; 0.7128]" against ACC;
    # "DCRT -0.0810 [-0.4545; 0.2925]" against CRT.
    for (treat, versus), expected in {("CRT", "ACC"): (0.5543, 0.2328, 0.8759),
                                      ("DCRT", "ACC"): (0.4733, 0.2338, 0.7128),
                                      ("DCRT", "CRT"): (-0.0810, -0.4545, 0.2925)}.items():
        assert net.interval(treat, versus) == pytest.approx(expected, abs=5e-4)
    assert net.estimate.loc["ACC", "CRT"] == pytest.approx(-net.estimate.loc["CRT", "ACC"])


def test_heterogeneity_and_inconsistency_match_netmeta(net):
    # "tau^2 = 0.0377 ... I^2 = 28%"; "Total 16.66 12; Within designs 15.97 9; Between designs 0.68-0.70 3"
    assert net.tau2 == pytest.approx(0.0377, abs=5e-4)
    assert round(net.I2 * 100) == 28
    assert (net.df, net.df_within, net.df_between) == (12, 9, 3)
    assert net.Q == pytest.approx(16.66, abs=0.02)
    assert net.Q_within == pytest.approx(15.97, abs=0.01)
    assert net.Q_between == pytest.approx(0.69, abs=0.02)
    assert net.p_value("Q") == pytest.approx(0.1627, abs=2e-3)


def test_multi_arm_standard_errors_match_netmeta(net):
    # seTE.adj printed for the three-arm trial (Lee 2013) and a two-arm one (Byeon 2018)
    adjusted = net.comparisons.set_index(["study", "treat1", "treat2"])["sei_adjusted"]
    assert adjusted[("Lee et al. (2013)", "ACC", "CRT")] == pytest.approx(0.7713, abs=5e-4)
    assert adjusted[("Lee et al. (2013)", "ACC", "DCRT")] == pytest.approx(0.7272, abs=5e-4)
    assert adjusted[("Lee et al. (2013)", "CRT", "DCRT")] == pytest.approx(0.7097, abs=5e-4)
    assert adjusted[("Byeon (2018)", "CRT", "DCRT")] == pytest.approx(0.4457, abs=5e-4)


def test_node_splitting_matches_netmeta(net):
    # netsplit: "CRT vs ACC 4 0.86 0.5543 0.6039 0.2584 0.3455 0.74 0.4604",
    # "DCRT vs ACC 9 0.93 0.4733 0.4459 0.8279 -0.3821 -0.81 0.4195",
    # "CRT vs DCRT 2 0.29 0.0810 -0.1613 0.1787 -0.3400 -0.81 0.4195". Ours are ordered
    # alphabetically (ACC vs CRT), so the first two change sign; CRT vs DCRT keeps netmeta's order.
    split = net.direct.set_index(["treat1", "treat2"])
    acc_crt, acc_dcrt, crt_dcrt = split.loc[("ACC", "CRT")], split.loc[("ACC", "DCRT")], split.loc[("CRT", "DCRT")]
    assert (acc_crt["k"], acc_dcrt["k"], crt_dcrt["k"]) == (4, 9, 2)
    assert [acc_crt["proportion"], acc_dcrt["proportion"], crt_dcrt["proportion"]] == pytest.approx([0.86, 0.93, 0.29], abs=5e-3)
    assert [-acc_crt["direct"], -acc_crt["indirect"], -acc_crt["difference"]] == pytest.approx([0.6039, 0.2584, 0.3455], abs=5e-4)
    assert [-acc_dcrt["direct"], -acc_dcrt["indirect"], -acc_dcrt["difference"]] == pytest.approx([0.4459, 0.8279, -0.3821], abs=5e-4)
    assert [crt_dcrt["nma"], crt_dcrt["direct"], crt_dcrt["indirect"]] == pytest.approx([0.0810, -0.1613, 0.1787], abs=5e-4)
    assert acc_crt["p_value"] == pytest.approx(0.4604, abs=1e-3)
    assert acc_dcrt["p_value"] == pytest.approx(0.4195, abs=1e-3)


def test_two_treatments_reduce_to_a_pairwise_dersimonian_laird_analysis():
    pair = DATA[DATA["study"].str.startswith(("Han", "Li ", "Lu", "Petri", "Savulich"))]
    net = nw.network_meta_analysis(pair)
    pooled = ma.pool(pair["yi"], pair["sei"] ** 2, "SMD", method="DL")
    assert net.estimate.loc["ACC", "DCRT"] == pytest.approx(pooled.estimate, abs=1e-9)
    assert net.tau2 == pytest.approx(pooled.tau2, abs=1e-9)


def test_p_scores_average_one_half_and_rank_the_better_first(net):
    scores = nw.p_scores(net, lower_is_better=False)
    assert scores.mean() == pytest.approx(0.5)
    assert list(scores.index) == ["CRT", "DCRT", "ACC"]


def test_league_table_is_antisymmetric_and_names_the_diagonal(net):
    table = nw.league_table(net, order=["ACC", "CRT", "DCRT"])
    assert table.loc["CRT", "CRT"] == "CRT"
    assert table.loc["CRT", "ACC"].startswith("0.55 (0.23 to 0.88)")
    assert table.loc["ACC", "CRT"].startswith("−0.55 (−0.88 to −0.23)")


def test_a_disconnected_network_is_refused_with_its_parts_named():
    rows = pd.DataFrame({"study": ["a", "b"], "treat1": ["X", "Y"], "treat2": ["P", "Q"], "yi": [0.1, 0.2], "sei": [0.1, 0.1]})
    with pytest.raises(ValueError, match="not connected: P \\+ X; Q \\+ Y"):
        nw.network_meta_analysis(rows)


def test_a_multi_arm_trial_needs_every_pair_of_arms():
    rows = DATA[~((DATA["study"] == "Lee et al. (2013)") & (DATA["treat1"] == "CRT"))]
    with pytest.raises(ValueError, match="Lee et al. \\(2013\\): 2 comparisons for 3 arms"):
        nw.network_meta_analysis(rows)


# The book's own network (evidence_review/analysis/drug_network.py)

from dataclasses import replace  # noqa: E402

from evidence_review.presentation import charts

from evidence_review.analysis import drug_network as dn  # noqa: E402
from evidence_review.data.tables import load_tables  # noqa: E402
from evidence_review.analysis.trials import QUESTIONS, TRIAL_TABLES, study_effects  # noqa: E402


@pytest.fixture(scope="module")
def tables():
    return load_tables(TRIAL_TABLES)


@pytest.mark.parametrize("outcome", list(dn.NETWORK_QUESTIONS))
def test_each_trial_enters_once_with_its_drug_against_its_control(tables, outcome):
    rows, _ = dn.comparisons(tables, outcome)
    assert not rows["study_id"].duplicated().any()
    assert set(rows["treat1"]) <= set(dn.INTERVENTION_NODE.values())
    assert set(rows["treat2"]) <= set(dn.CONTROL_NODE.values())
    assert (rows["treat1"] != rows["treat2"]).all()


def test_a_trial_brings_the_contrast_of_its_drugs_main_analysis(tables):
    rows, _ = dn.comparisons(tables, "response")
    question = {q.key: q for q in QUESTIONS}["esketamine_response_28d"]
    main = study_effects(tables, replace(question, measure="OR")).set_index("study_id")
    mine = rows[rows["question"] == "esketamine_response_28d"].set_index("study_id")
    assert len(mine) >= 2
    assert np.allclose(mine["yi"], main.loc[mine.index, "yi"])
    assert np.allclose(mine["sei"] ** 2, main.loc[mine.index, "vi"])
    assert set(mine["treat2"]) == {"Placebo"}


def test_a_control_arm_that_is_a_drug_of_the_network_becomes_a_head_to_head_edge():
    assert dn.control_node("active_drug", "esketamine") == "Esketamine"
    assert dn.control_node("saline", "saline") == dn.control_node("placebo", "placebo") == "Placebo"
    assert dn.control_node("active_placebo", "midazolam") == "Midazolam"
    assert dn.control_node("other_dose", "ketamine") is None  # dose comparisons stay out


def test_the_network_page_text_names_what_cannot_join(tables):
    analysis = dn.analyse(tables, "smd")
    text = dn.describe(analysis)
    assert f"joins {analysis['rows']['study'].nunique()} trials" in text
    for group in analysis["cut_off"]:
        assert group[-1] in text


def test_network_chart_has_a_line_per_directly_compared_pair(net):
    spec = charts.network_chart(net.comparisons, nw.p_scores(net, lower_is_better=False), "t", "d").to_dict()
    edges = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "rule")
    data = spec["datasets"][edges["data"]["name"]]
    assert sorted(d["pair"] for d in data) == ["ACC – CRT", "ACC – DCRT", "CRT – DCRT"]
    assert [d["trials"] for d in sorted(data, key=lambda d: d["pair"])] == [4, 9, 2]


def test_rank_probabilities_of_two_treatments_match_the_normal_distribution():
    from scipy import stats

    pair = DATA[DATA["study"].str.startswith(("Han", "Li ", "Lu", "Petri", "Savulich"))]
    net = nw.network_meta_analysis(pair)
    ranks = nw.rank_probabilities(net, lower_is_better=True).set_index("treatment")
    est, se = net.estimate.loc["ACC", "DCRT"], net.se.loc["ACC", "DCRT"]
    assert ranks.loc["ACC", "p_best"] == pytest.approx(stats.norm.cdf(-est / se), abs=0.01)
    assert ranks["p_best"].sum() == pytest.approx(1.0)


def test_rank_probabilities_are_reproducible_and_agree_with_p_scores(net):
    first = nw.rank_probabilities(net, lower_is_better=False)
    assert first.equals(nw.rank_probabilities(net, lower_is_better=False))
    assert list(first["treatment"]) == list(nw.p_scores(net, lower_is_better=False).index)
    assert (first["rank_low"] <= first["rank_high"]).all()
    assert first["mean_rank"].between(1, len(net.treatments)).all()
    assert first["mean_rank"].sum() == pytest.approx(sum(range(1, len(net.treatments) + 1)))
