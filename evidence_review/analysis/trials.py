"""Turn the trial tables into per-study effects for one question, ready to pool.

A question names the drug class(es), the outcome, the scale(s), a time window and the effect
measure. The pooling rules of the methods page are enforced here:

- numbers graded ``primary`` (and numbers derived from primary inputs) make the main analysis;
  ``secondary`` numbers stand in only for a trial that has no primary numbers for the question,
  and are marked; ``press`` and ``unverified`` numbers are never pooled;
- a trial's own adjusted contrast (MMRM/ANCOVA) is used for a mean difference in preference to a
  raw difference of arm means, and each trial says which it contributed;
- crossover trials contribute first-period data as a parallel trial, or both periods as a paired
  comparison with the trial's (or an assumed) correlation; never two independent arms;
- several drug arms of one trial are combined into one, so a trial makes one comparison;
- the main analyses pool adults with a depressive disorder (unipolar or bipolar, treatment-resistant
  or not, with or without suicidal ideation, older adults included), as the review's eligibility
  says; populations outside it (adolescents, prevention around surgery or childbirth, depressive
  symptoms in medical illness or below the threshold of a disorder) are a separate subgroup, never
  mixed in silently;
- a standardised difference may be derived from a trial's reported mean difference and its 95% CI
  when the arms' SDs are not reported (Cochrane Handbook 6.5.2.3); such trials are marked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import stats

from evidence_review.analysis import meta_analysis as ma
from evidence_review.data.labels import DRUG_CLASS_LABELS, SCALE_LABELS, label
from evidence_review.data.provenance import TRIAL_DESIGNS
from evidence_review.data.tables import evidence_grade

Z95 = stats.norm.ppf(0.975)


# Adults with a depressive disorder: the population the review's eligibility names (unipolar or
# bipolar, treatment-resistant or not, with or without suicidal ideation), as the published
# meta-analyses pool it. Each main analysis also reports the population as a subgroup.
CORE_POPULATIONS = ("trd", "mdd", "mdd_suicidal_ideation", "bipolar_depression", "mixed", "older_adults")
# Outside that population: children and adolescents, prevention in people without a depressive
# disorder (around surgery or childbirth), and depressive symptoms in medical illness or below the
# threshold of a disorder. Shown apart, never pooled with the main analysis.
SPECIAL_POPULATIONS = ("adolescent", "perioperative", "postpartum", "medically_ill", "depressive_symptoms")


def best_evidence(sel: pd.DataFrame) -> pd.DataFrame:
    """Per study, only its primary rows when it has any; otherwise its secondary rows (stand-in)."""
    if "grade" not in sel:  # arms_with_outcomes has it already
        sel = sel.assign(grade=evidence_grade(sel))
    sel = sel[sel["grade"] != ""]
    has_primary = sel["grade"].eq("primary").groupby(sel["study_id"]).transform("any")
    return sel[(sel["grade"] == "primary") | ~has_primary]


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
    scales: tuple[str, ...] = ("MADRS",)  # in order of preference: a trial contributes its first available scale
    comparators: tuple[str, ...] = ("saline", "active_placebo", "placebo", "low_dose")
    populations: tuple[str, ...] = field(default=CORE_POPULATIONS)
    end_of_course: bool = False  # also accept rows recorded at the end of a course or of follow-up
    designs: tuple[str, ...] = ("parallel_rct", "crossover_rct", "cluster_rct")

    @property
    def outcomes(self) -> tuple[str, ...]:
        """A mean difference may combine changes from baseline and final scores (Cochrane Handbook
        10.5.2); a standardised difference may not, so it uses changes only."""
        if self.outcome == "mean_change" and self.measure == "MD":
            return ("mean_change", "mean_score")
        return (self.outcome,)


_JOINED: dict[str, object] = {}  # the last join and the three frames it was made from


def arms_with_outcomes(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Arm outcomes joined to their arm and study, one row per arm, outcome and time point, with
    each row's evidence grade. Every question asks for the same join of the same tables, so the
    last one is kept while those three frames are the same objects (a copy is returned). Tables
    are never edited in place here; code that changes one makes a new frame (as .assign does)."""
    sources = (tables["arm_outcomes"], tables["trial_arms"], tables["studies"])
    if _JOINED.get("sources") is None or any(a is not b for a, b in zip(_JOINED["sources"], sources)):
        arms = tables["trial_arms"][["arm_id", "arm_label", "role", "drug", "dose", "dose_unit", "comparator_type"]]
        studies = tables["studies"][["study_id", "short_name", "year", "design", "blinding", "population", "intervention_class"]]
        joined = tables["arm_outcomes"].merge(arms, on="arm_id").merge(studies, on="study_id")
        _JOINED.update(sources=sources, joined=joined.assign(grade=evidence_grade(joined)))
    return _JOINED["joined"].copy()


def _joined(values: pd.Series | None) -> str:
    """Distinct values in order, joined with '; ' (the sources or locators of a trial's rows)."""
    return "" if values is None else "; ".join(dict.fromkeys(str(v) for v in values.dropna()))


def _study_comparator(group: pd.DataFrame) -> str:
    controls = group.loc[group["role"] == "control", "comparator_type"].dropna().unique()
    return ", ".join(sorted(controls)) if len(controls) else ""


def nearest(group: pd.DataFrame, target: float) -> pd.DataFrame:
    """Rows at the time point nearest the target; a row at 'end of treatment' counts as on target."""
    distance = (group["timepoint_hours"].astype(float) - target).abs().fillna(0.0)
    return group[distance == distance.min()]


def in_window(frame: pd.DataFrame, q: "Question") -> pd.Series:
    inside = frame["timepoint_hours"].between(*q.hours).fillna(False).astype(bool)
    if q.end_of_course:
        inside |= frame["timepoint_unit"].isin(["end_of_treatment", "end_of_follow_up"]).fillna(False).astype(bool)
    return inside


def _one_scale_and_kind(group: pd.DataFrame, q: "Question") -> pd.DataFrame:
    """One scale per trial (the first of the question's scales it reports in both arms) and, for
    continuous outcomes, changes from baseline in preference to final scores."""
    roles = group.groupby("scale")["role"].nunique()
    usable = [s for s in q.scales if roles.get(s, 0) == 2]
    if not usable:
        return group.iloc[0:0]
    group = group[group["scale"] == usable[0]]
    if "mean_change" in set(group["outcome"]) and "mean_score" in set(group["outcome"]):
        group = group[group["outcome"] == "mean_change"]
    return group


def combine_means(rows: pd.DataFrame) -> tuple[float, float, float]:
    """Combine several arms into one (Cochrane Handbook 6.5.2.10): n, mean, SD."""
    n = rows["n"].to_numpy(float)
    m = rows["mean"].to_numpy(float)
    s = rows["sd"].to_numpy(float)
    n_total = n.sum()
    mean = float((n * m).sum() / n_total)
    ss = ((n - 1) * s**2).sum() + (n * (m - mean) ** 2).sum()
    return float(n_total), mean, float(np.sqrt(ss / (n_total - 1)))


def percent_is_a_count(percent: pd.Series, n: pd.Series) -> pd.Series:
    """Whether a printed percentage is some whole number of the n people, within its rounding
    (half a unit of its last printed decimal: 70% of 11 is not, since 7/11 is 63.6% and 8/11 72.7%)."""
    pct, n = percent.astype(float), n.astype(float)
    tolerance = np.where(np.isclose(pct, pct.round()), 0.5, 0.05) + 1e-9
    whole = (pct * n / 100).round()
    return pd.Series(np.abs(100 * whole / n - pct) <= tolerance, index=percent.index).fillna(False).astype(bool)


def _arm_rows(tables: dict[str, pd.DataFrame], q: Question, populations: tuple[str, ...]) -> pd.DataFrame:
    data = arms_with_outcomes(tables)
    sel = data[data["intervention_class"].isin(q.classes) & data["population"].isin(populations) & data["design"].isin(q.designs)
               & data["scale"].isin(q.scales) & in_window(data, q) & data["subgroup"].isna()
               & data["outcome"].isin(q.outcomes)]
    if q.measure in {"RR", "OR"}:
        # A count reported only as a percentage of the arm is recovered as round(percent x n / 100)
        # (Cochrane Handbook 6.4), and the row says so; only when that count reproduces the printed
        # percentage, since a percentage that no whole count of n gives is a model estimate.
        from_percent = (sel["events"].isna() & sel["percent"].notna() & sel["n_analysed"].notna()
                        & percent_is_a_count(sel["percent"], sel["n_analysed"]))
        sel = sel.assign(events=sel["events"].where(~from_percent, (sel["percent"].astype(float) * sel["n_analysed"].astype(float) / 100).round()),
                         from_percent=from_percent)
        return sel[sel["events"].notna() & sel["n_analysed"].notna()]
    return sel[sel["mean"].notna() & sel["n_analysed"].notna() & arm_sd(sel).notna()]


def arm_sd(rows: pd.DataFrame) -> pd.Series:
    """Each arm row's standard deviation: as reported, else from its standard error (SE x sqrt(n)),
    else from the 95% confidence interval of the arm's mean (Cochrane Handbook 6.5.2.2: width /
    (2 x t) x sqrt(n), with t from n - 1 degrees of freedom below 60 participants, else 1.96)."""
    def column(name: str) -> pd.Series:  # tables written before a column existed lack it
        return rows[name].astype(float) if name in rows else pd.Series(np.nan, index=rows.index)

    n = column("n_analysed")
    with np.errstate(invalid="ignore"):
        t = pd.Series(np.where(n < 60, stats.t.ppf(0.975, (n - 1).clip(lower=1)), Z95), index=rows.index)
    from_ci = (column("ci_upper") - column("ci_lower")) / (2 * t) * np.sqrt(n)
    return column("sd").fillna(column("se") * np.sqrt(n)).fillna(from_ci)


def arm_level_effects(tables: dict[str, pd.DataFrame], q: Question, populations: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Per-study effects from arm-level rows (best evidence level per study); arms of the same role
    combined; crossover trials analysed by period as the pooling rules say."""
    sel = best_evidence(_arm_rows(tables, q, populations or q.populations))
    dichotomous = q.measure in {"RR", "OR"}
    rows = []
    for study_id, group in sel.groupby("study_id", sort=False):
        group = nearest(group, q.target_hours)
        group = group[(group["role"] == "intervention") | group["comparator_type"].isin(q.comparators)]
        group = _one_scale_and_kind(group, q)
        control = group[(group["role"] == "control") & group["comparator_type"].isin(q.comparators)]
        treated = group[group["role"] == "intervention"]
        if control.empty or treated.empty:
            continue
        paired = bool(group["period"].fillna("").eq("both_periods").any())
        if paired and dichotomous:
            continue  # both-period counts without the paired table cannot be pooled correctly
        base = {"study_id": study_id, "short_name": group["short_name"].iloc[0], "year": int(group["year"].iloc[0]),
                "design": group["design"].iloc[0], "population": group["population"].iloc[0],
                "comparator": _study_comparator(control), "timepoint_hours": float(group["timepoint_hours"].astype(float).iloc[0]),  # NaN at 'end of treatment'
                "source": ("arm-level counts (from reported percentages)" if dichotomous and group.get("from_percent", pd.Series(False)).any()
                           else "arm-level counts" if dichotomous
                           else "arm-level means (SDs from the arms' 95% CIs)" if (group["sd"].isna() & group.get("se", group["sd"]).isna()).any()
                           else "arm-level means"),
                "contrast": "raw difference of arm means" if not dichotomous else "arm-level counts",
                "evidence": "primary" if (group["grade"] == "primary").all() else "secondary (stand-in)",
                "arms_combined": len(treated) > 1, "paired": bool(paired),
                "read_in": _joined(group.get("source_citekey")), "locator": _joined(group.get("locator"))}
        if dichotomous:
            base.update(events_t=int(treated["events"].sum()), n_t=int(treated["n_analysed"].sum()),
                        events_c=int(control["events"].sum()), n_c=int(control["n_analysed"].sum()))
        else:
            def with_sd(rows):
                return combine_means(rows.assign(n=rows["n_analysed"].astype(float), mean=rows["mean"].astype(float), sd=arm_sd(rows)))
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
        frame = ma.smd_effects(frame)
    else:
        frame["yi"] = frame["mean_t"] - frame["mean_c"]
        frame["vi"] = frame["sd_t"] ** 2 / frame["n_t"] + frame["sd_c"] ** 2 / frame["n_c"]
    return _paired_crossover(frame, tables, q)


def _paired_crossover(frame: pd.DataFrame, tables: dict[str, pd.DataFrame], q: Question) -> pd.DataFrame:
    """Both-period crossover data: the same people are in both arms, so the variance is that of a
    within-person difference (Cochrane Handbook 23.2.7), with the trial's correlation or 0.5."""
    if not frame["paired"].any():
        return frame
    correlation = tables["studies"].set_index("study_id")["crossover_correlation"]
    frame = frame.copy()
    for i in frame.index[frame["paired"]]:
        row = frame.loc[i]
        r = correlation.get(row["study_id"])
        r = float(r) if pd.notna(r) else ma.ASSUMED_CROSSOVER_CORRELATION
        n = min(row["n_t"], row["n_c"])
        if q.measure == "SMD":
            g, v = ma.crossover_smd(row["mean_t"], row["sd_t"], row["mean_c"], row["sd_c"], int(n), r)
            frame.loc[i, ["yi", "vi"]] = [g, v]
        else:
            frame.loc[i, "vi"] = (row["sd_t"] ** 2 + row["sd_c"] ** 2 - 2 * r * row["sd_t"] * row["sd_c"]) / n
        frame.loc[i, "contrast"] = f"paired crossover (both periods, r = {r:g})"
    return frame


def _covers_all_drug_arms(c: pd.DataFrame, arms: pd.DataFrame) -> pd.Series:
    """One comparison per trial: a reported contrast stands for the trial only when it covers all
    of the trial's drug arms (several doses combined). A contrast for one dose of a multi-dose trial
    cannot be combined with the others without their covariance, so the arm-level numbers are used
    instead (Cochrane Handbook 23.3.4)."""
    drug_arms = arms[arms["role"] == "intervention"].groupby("study_id")["arm_id"].agg(lambda a: set(a))

    def covers(row) -> bool:
        own = drug_arms.get(row["study_id"], set())
        listed = row.get("treatment_arms")
        if isinstance(listed, str) and listed.strip():
            return {a.strip() for a in listed.split(";")} >= own
        return len(own) <= 1
    return c.apply(covers, axis=1).astype(bool) if len(c) else pd.Series(dtype=bool)


COMPARATOR_WORDS = {"saline": "saline|placebo", "placebo": "placebo", "active_placebo": "midazolam|niacin|diphenhydramine|active placebo",
                    "low_dose": "low dose|low-dose|1 ?mg|very low", "ect": "ect|electroconvulsive", "active_drug": "escitalopram|quetiapine|sertraline|diclofenac",
                    "waiting_list": "wait", "usual_care": "usual care", "other_dose": "dose"}


def _comparison_fits(c: pd.DataFrame, q: "Question", arms: pd.DataFrame) -> pd.Series:
    """A reported contrast is used only when its control arm is one of the question's comparators:
    judged from the comparator type of its recorded control arms, otherwise from the words of its
    comparison (the part after 'vs')."""
    pattern = "|".join(COMPARATOR_WORDS.get(k, k) for k in q.comparators)
    words = c["comparison"].str.lower().str.split(" vs ").str[-1].str.contains(pattern, regex=True).fillna(False).astype(bool)
    comparator_of = arms.set_index("arm_id")["comparator_type"].to_dict()

    def by_arms(cell) -> bool | None:
        if not isinstance(cell, str) or not cell.strip():
            return None
        kinds = {comparator_of.get(a.strip()) for a in cell.split(";")}
        return kinds <= set(q.comparators)

    judged = c["control_arms"].map(by_arms) if "control_arms" in c else pd.Series(None, index=c.index)
    return pd.Series([w if j is None else j for w, j in zip(words, judged)], index=c.index, dtype=bool)


def _reported_measures(q: Question) -> tuple[str, ...]:
    """Contrast measures a question can use: its own, and for a standardised difference also a
    mean difference with its CI (converted, Cochrane Handbook 6.5.2.3). A reported Cohen's d is not
    used: trials compute it in different ways (within-person, from mixed models) and with either
    sign, so it is shown, not pooled."""
    return ("SMD", "MD") if q.measure == "SMD" else (q.measure,)


def _arm_sizes(row, tables: dict[str, pd.DataFrame]) -> tuple[float, float, str]:
    """Sizes of the compared arms for a contrast: the arms' analysed numbers at that time point,
    else their randomised numbers, else the trial's randomised number split evenly (said so)."""
    arms = tables["trial_arms"]
    own = arms[arms["study_id"] == row["study_id"]]

    def listed(cell, role):
        if isinstance(cell, str) and cell.strip():
            return [a.strip() for a in cell.split(";")]
        return list(own.loc[own["role"] == role, "arm_id"])
    t_ids, c_ids = listed(row.get("treatment_arms"), "intervention"), listed(row.get("control_arms"), "control")
    out = tables["arm_outcomes"]
    at = out[(out["study_id"] == row["study_id"]) & out["n_analysed"].notna()
             & (out["timepoint_hours"] == row["timepoint_hours"]) & out["outcome"].isin(["mean_change", "mean_score"])]
    n_at = at.groupby("arm_id")["n_analysed"].max()
    if set(t_ids + c_ids) <= set(n_at.index):
        return float(n_at[t_ids].sum()), float(n_at[c_ids].sum()), "analysed"
    n_rand = own.set_index("arm_id").get("n_randomized", pd.Series(dtype=float))
    if n_rand.reindex(t_ids + c_ids).notna().all():
        return float(n_rand[t_ids].sum()), float(n_rand[c_ids].sum()), "randomised"
    total = float(row["n_randomized"]) if pd.notna(row["n_randomized"]) else float("nan")
    share = len(t_ids) / max(len(t_ids) + len(c_ids), 1)
    return total * share, total * (1 - share), "randomised, arms assumed equal"


def reported_effects(tables: dict[str, pd.DataFrame], q: Question, populations: tuple[str, ...] | None = None,
                     adjusted_only: bool = False) -> pd.DataFrame:
    """Per-study effects from between-arm results reported with a 95% CI (generic inverse variance);
    a trial's adjusted contrast is preferred to its unadjusted one. For a standardised difference a
    reported SMD comes first, then one derived from a mean difference of change scores or a
    baseline-adjusted one."""
    c = tables["contrasts"].merge(tables["studies"][["study_id", "short_name", "year", "design", "population", "intervention_class", "n_randomized"]], on="study_id")
    outcomes = {"mean_change", "mean_score"} if q.outcome == "mean_change" else {q.outcome}
    measures = _reported_measures(q)
    sel = c[c["intervention_class"].isin(q.classes) & c["population"].isin(populations or q.populations) & c["design"].isin(q.designs)
            & c["outcome"].isin(outcomes) & c["scale"].isin(q.scales) & c["measure"].isin(measures)
            & in_window(c, q) & c["ci_lower"].notna() & c["ci_upper"].notna()
            & c["subgroup"].isna() & ~c["comparison"].str.contains("subgroup", case=False)
            & _comparison_fits(c, q, tables["trial_arms"])]
    # A mean difference becomes a standardised one only for change scores, or for a difference
    # adjusted for baseline (ANCOVA gives the same difference on final and on change scores), never
    # for raw final scores; and only in parallel trials, since a crossover's CI is that of a
    # within-person difference.
    sel = sel.assign(adjusted=sel["adjusted"].fillna("no"))
    change_like = (sel["outcome"] == "mean_change") | (sel["adjusted"] == "yes")
    sel = sel[~((q.measure == "SMD") & (sel["measure"] == "MD") & (~change_like | (sel["design"] != "parallel_rct")))]
    sel = sel[_covers_all_drug_arms(sel, tables["trial_arms"])]
    if adjusted_only:
        sel = sel[sel["adjusted"] == "yes"]
    sel = best_evidence(sel)
    rows = []
    for study_id, group in sel.groupby("study_id", sort=False):
        group = nearest(group, q.target_hours)
        scale_rank = group["scale"].map({sc: i for i, sc in enumerate(q.scales)})
        measure_rank = group["measure"].map({m: i for i, m in enumerate(measures)})
        group = group.assign(rank=(group["adjusted"] != "yes").astype(int), scale_rank=scale_rank,
                             measure_rank=measure_rank).sort_values(["measure_rank", "scale_rank", "rank"])
        row = group.iloc[0]
        contrast = "adjusted (trial's own model)" if row["adjusted"] == "yes" else "reported difference (unadjusted)"
        source = "reported effect and 95% CI"
        if q.measure == "SMD" and row["measure"] == "MD":
            n_t, n_c, basis = _arm_sizes(row, tables)
            if not (n_t > 1 and n_c > 1):
                continue
            g, v = ma.smd_from_mean_difference(row["estimate"], row["ci_lower"], row["ci_upper"], n_t, n_c)
            yi, vi = float(g), float(v)
            source = f"SMD from the reported mean difference and its 95% CI (arm sizes {basis})"
        else:
            ratio = q.measure in {"RR", "OR", "HR"}
            f = np.log if ratio else (lambda x: x)
            yi = f(float(row["estimate"]))
            vi = ((f(float(row["ci_upper"])) - f(float(row["ci_lower"]))) / (2 * Z95)) ** 2
        rows.append({"study_id": study_id, "short_name": row["short_name"], "year": int(row["year"]), "design": row["design"],
                     "population": row["population"], "comparator": row["comparison"],
                     "timepoint_hours": float(row["timepoint_hours"]) if pd.notna(row["timepoint_hours"]) else np.nan,
                     "source": source, "arms_combined": False, "contrast": contrast,
                     "evidence": "primary" if row["grade"] == "primary" else "secondary (stand-in)", "paired": False,
                     "n_total": row["n_randomized"], "yi": yi, "vi": vi,
                     "read_in": row.get("source_citekey", ""), "locator": row.get("locator", "")})
    return pd.DataFrame(rows)


def study_effects(tables: dict[str, pd.DataFrame], q: Question, populations: tuple[str, ...] | None = None) -> pd.DataFrame:
    """One effect per trial: for a mean difference the trial's adjusted contrast when it reports
    one, otherwise arm-level numbers, otherwise its reported unadjusted contrast; primary evidence
    before secondary."""
    arm = arm_level_effects(tables, q, populations)
    if not arm.empty:
        arm = arm.assign(n_total=arm["n_t"] + arm["n_c"])
    reported = reported_effects(tables, q, populations)
    if q.measure == "MD" and not reported.empty:
        adjusted = reported[reported["contrast"].str.startswith("adjusted")]
        if not arm.empty:
            # An adjusted contrast replaces the arm means unless it is second-hand and the arms are not.
            arm_primary = set(arm.loc[arm["evidence"] == "primary", "study_id"])
            adjusted = adjusted[(adjusted["evidence"] == "primary") | ~adjusted["study_id"].isin(arm_primary)]
            arm = arm[~arm["study_id"].isin(adjusted["study_id"])]
        reported = pd.concat([adjusted, reported[~reported["study_id"].isin(adjusted["study_id"])]], ignore_index=True)
    if not arm.empty and not reported.empty:
        reported = reported[~reported["study_id"].isin(arm["study_id"])]
    frames = [f for f in (arm, reported) if not f.empty]
    if not frames:
        return pd.DataFrame(columns=["study_id", "short_name", "yi", "vi"])
    effects = pd.concat(frames, ignore_index=True)
    effects = effects[np.isfinite(effects["yi"].astype(float)) & np.isfinite(effects["vi"].astype(float))]
    return effects.sort_values(["year", "short_name"]).reset_index(drop=True)


def _arm_texts(effects: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Per-arm numbers as a reviewer reads them beside a forest plot: events/total for counts,
    mean (SD) n for scores, 'reported contrast' when the trial gave only its own difference."""
    texts = {"t": [], "c": []}
    for _, e in effects.iterrows():
        for arm in ("t", "c"):
            if pd.notna(e.get(f"events_{arm}", np.nan)):
                texts[arm].append(f"{int(e[f'events_{arm}'])}/{int(e[f'n_{arm}'])}")
            elif pd.notna(e.get(f"mean_{arm}", np.nan)):
                texts[arm].append(f"{signed(e[f'mean_{arm}'])} ({e[f'sd_{arm}']:.1f}) {int(e[f'n_{arm}'])}")
            else:
                texts[arm].append("reported Δ")
    return texts["t"], texts["c"]


def _total(effects: pd.DataFrame, arm: str) -> str:
    if f"events_{arm}" in effects and effects[f"events_{arm}"].notna().all():
        return f"{int(effects[f'events_{arm}'].sum())}/{int(effects[f'n_{arm}'].sum())}"
    if f"n_{arm}" in effects and effects[f"n_{arm}"].notna().all():
        return f"n = {int(effects[f'n_{arm}'].sum())}"
    return ""


def heterogeneity_text(pooled: ma.PooledEstimate) -> str:
    """The line under a forest plot: heterogeneity and the test for overall effect."""
    q_p = f"p = {pooled.q_p:.2f}" if pooled.q_p >= 0.01 else "p < 0.01"
    p = f"p = {pooled.p_value:.3f}" if pooled.p_value >= 0.001 else "p < 0.001"
    return (f"Heterogeneity: τ² = {pooled.tau2:.2f}; I² = {pooled.i2:.0f}%; Q = {pooled.q:.2f} (df = {pooled.q_df}, {q_p}). "
            f"Test for overall effect: z = {signed(pooled.statistic, 2)}, {p}. Dashed line: 95% prediction interval.")


RATIO_MEASURES = {"OR", "RR", "HR"}


# A short tag after a trial's name in a forest plot when its population is not plain unipolar
# depression, so the mix of a pooled analysis is visible where the reader looks; the figure's
# caption spells out the tags it uses (population_key) in the words of labels.py, since the
# label column is narrow.
POPULATION_TAGS = {"mdd_suicidal_ideation": "SI", "bipolar_depression": "BP", "mixed": "U+B", "older_adults": "OA",
                   "adolescent": "AD", "perioperative": "SU", "postpartum": "PP", "medically_ill": "MI", "depressive_symptoms": "DS"}


def population_key(effects: pd.DataFrame) -> str:
    """The tags a forest plot uses, spelled out ("SI: depression with suicidal thoughts")."""
    present = [p for p in POPULATION_TAGS if "population" in effects and (effects["population"] == p).any()]
    return "; ".join(f"{POPULATION_TAGS[p]}: {label(p, 'population')}" for p in present)


def forest_table(effects: pd.DataFrame, pooled: ma.PooledEstimate | None, measure: str | None = None) -> pd.DataFrame:
    """Rows for a forest plot: one per study plus the pooled row, on the natural scale (ratios
    are pooled on the log scale and shown exponentiated, with or without a pooled estimate)."""
    ratio = measure in RATIO_MEASURES if measure else (pooled.is_ratio if pooled else False)
    f = np.exp if ratio else (lambda x: x)
    se = np.sqrt(effects["vi"].astype(float))
    # A lone trial carries all the weight; a missing weight would make the plot drop its square.
    weights = ma.study_weights(effects["vi"], pooled.tau2) if pooled else np.full(len(effects), 100.0 / max(len(effects), 1))
    stand_in = effects["evidence"].ne("primary")
    adjusted = effects["contrast"].fillna("").str.startswith("adjusted")
    arm_t, arm_c = _arm_texts(effects)
    tags = {p: f" [{tag}]" for p, tag in POPULATION_TAGS.items()}
    population = effects.get("population", pd.Series([""] * len(effects), index=effects.index)).map(tags).fillna("")
    rows = pd.DataFrame({
        # † numbers read second-hand; ‡ the trial's own adjusted contrast (not a raw difference)
        "label": np.where(stand_in, "† ", "") + np.where(adjusted, "‡ ", "") + effects["short_name"] + population, "kind": "study",
        "estimate": f(effects["yi"].astype(float)), "ci_lower": f(effects["yi"] - Z95 * se),
        "ci_upper": f(effects["yi"] + Z95 * se), "weight": weights,
        "n": effects.get("n_total", pd.Series([np.nan] * len(effects))).astype(float),
        "source": effects["source"], "hours": effects["timepoint_hours"],
        "contrast": effects["contrast"], "evidence": effects["evidence"], "arm_t": arm_t, "arm_c": arm_c,
    })
    if pooled:
        nat = pooled.on_natural_scale()
        rows = pd.concat([rows, pd.DataFrame([{
            "label": f"Pooled ({pooled.method})", "kind": "pooled", "estimate": nat["estimate"],
            "ci_lower": nat["ci_lower"], "ci_upper": nat["ci_upper"], "weight": 100.0,
            "n": float(rows["n"].sum()), "source": f"random effects, k = {pooled.k}", "hours": np.nan,
            "contrast": "", "evidence": "", "pi_lower": nat["pi_lower"], "pi_upper": nat["pi_upper"],
            "arm_t": _total(effects, "t"), "arm_c": _total(effects, "c")}])], ignore_index=True)
    return rows


def subgroup_forest_table(effects: pd.DataFrame, groups: pd.Series, measure: str, method: str = "REML",
                          overall: bool = True) -> tuple[pd.DataFrame, str]:
    """Forest rows in subgroup blocks (as RevMan draws them): per subgroup a heading, its trials
    and its subtotal diamond, then the overall diamond (left out with ``overall=False``, where the
    subgroups answer different questions, e.g. placebo and another drug as control). Weights are
    those of the overall analysis, or, without it, each subgroup's own (summing to 100% per
    subgroup: a share of a total nobody sees means nothing). Returns the rows and the line for the
    test of subgroup differences."""
    labelled_effects = effects.assign(group=np.asarray(groups)).reset_index(drop=True)
    pooled_all = ma.pool(labelled_effects["yi"], labelled_effects["vi"], measure, method)
    all_rows = forest_table(labelled_effects, pooled_all, measure)
    studies, pooled_row = all_rows[all_rows["kind"] == "study"], all_rows[all_rows["kind"] == "pooled"]
    blocks, subtotals = [], {}
    for group, part in labelled_effects.groupby("group", sort=False):
        rows = studies.loc[part.index]
        sub = ma.pool(part["yi"], part["vi"], measure, method)
        if not overall:
            rows = rows.assign(weight=np.asarray(ma.study_weights(part["vi"], sub.tau2)))
        blocks.append(pd.DataFrame([{"label": str(group), "kind": "header"}]))
        blocks.append(rows)
        subtotals[group] = sub  # a one-trial subgroup enters the test as that trial (as RevMan)
        if len(part) >= 2:
            nat = sub.on_natural_scale()
            blocks.append(pd.DataFrame([{"label": f"Subtotal, {group} (I² = {sub.i2:.0f}%)", "kind": "pooled",
                                         "estimate": nat["estimate"], "ci_lower": nat["ci_lower"], "ci_upper": nat["ci_upper"],
                                         "weight": float(rows["weight"].sum()), "n": float(rows["n"].sum()),
                                         "source": f"random effects, k = {len(part)}", "arm_t": _total(part, "t"), "arm_c": _total(part, "c")}]))
    overall_row = pooled_row.assign(label=f"Overall ({method})")
    table = pd.concat([*blocks, overall_row] if overall else blocks, ignore_index=True)
    if len(subtotals) >= 2:
        test = ma.subgroup_test(subtotals)
        line = f"Test for subgroup differences: Q = {test['q_between']:.2f}, df = {test['df']}, p = {test['p_value']:.2f}."
    else:
        line = "One subgroup only: no test for subgroup differences."
    return table, line


def not_pooled(tables: dict[str, pd.DataFrame], q: Question, pooled_ids) -> pd.DataFrame:
    """Trials with numbers for the question (drug, comparator, outcome, time) that the rules keep
    out of the main analysis, and why."""
    arm = _arm_rows(tables, q, q.populations + SPECIAL_POPULATIONS)
    fits = arm.groupby("study_id")["comparator_type"].agg(lambda kinds: bool(set(kinds.dropna()) & set(q.comparators)))
    arm = arm[arm["study_id"].map(fits).fillna(False).astype(bool)]
    c = tables["contrasts"].merge(tables["studies"][["study_id", "short_name", "population", "intervention_class", "design"]], on="study_id")
    outcomes = {"mean_change", "mean_score"} if q.outcome == "mean_change" else {q.outcome}
    con = c[c["intervention_class"].isin(q.classes) & c["outcome"].isin(outcomes) & c["scale"].isin(q.scales) & c["design"].isin(q.designs)
            & in_window(c, q) & c["subgroup"].isna()]
    con = con[_comparison_fits(con, q, tables["trial_arms"])]
    candidates = pd.concat([arm[["study_id", "short_name", "population", "evidence_level", "derived_from", "period"]].assign(fits_measure=True),
                            con[["study_id", "short_name", "population", "evidence_level", "derived_from"]].assign(
                                fits_measure=(con["measure"] == q.measure).to_numpy())], ignore_index=True)
    rows = []
    for study_id, group in candidates.groupby("study_id", sort=False):
        if study_id in set(pooled_ids):
            continue
        relevant = group[group["fits_measure"]]
        grades = set(evidence_grade(relevant)) if len(relevant) else {"n/a"}
        if group["population"].iloc[0] not in q.populations:
            why = "special population: shown as a subgroup, not in the main analysis"
        elif grades == {""}:
            why = "numbers only from press reports or unverified sources"
        elif group["period"].fillna("").eq("both_periods").any() and q.measure in {"RR", "OR"}:
            why = "crossover counts from both periods without the paired table"
        else:
            why = "numbers reported without what this measure needs (counts, SDs or a confidence interval)"
        rows.append({"study_id": study_id, "short_name": group["short_name"].iloc[0], "reason": why})
    return pd.DataFrame(rows, columns=["study_id", "short_name", "reason"])


def _pool_pair(effects: pd.DataFrame, q: Question, method: str) -> dict:
    if len(effects) < 2:
        return {}
    return {"pooled": ma.pool(effects["yi"], effects["vi"], q.measure, method),
            "hartung_knapp": ma.pool(effects["yi"], effects["vi"], q.measure, method, hartung_knapp=True)}


def run_question(tables: dict[str, pd.DataFrame], q: Question, method: str = "REML") -> dict:
    """Everything the chapter shows for one question: the main analysis, the primary-only
    sensitivity analysis, the special-population subgroup and the trials left out (with reasons)."""
    effects = study_effects(tables, q)
    result: dict = {"question": q, "effects": effects, "k": len(effects)}
    result.update(_pool_pair(effects, q, method))
    if len(effects) >= 1:
        result["forest"] = forest_table(effects, result.get("pooled"), q.measure)
    primary = effects[effects["evidence"] == "primary"] if len(effects) else effects
    result["primary_only"] = {"k": len(primary), **_pool_pair(primary, q, method)}
    # populations a question takes as its own (surgical patients, for ketamine under anaesthesia) are not shown twice
    apart = tuple(p for p in SPECIAL_POPULATIONS if p not in q.populations)
    special = study_effects(tables, q, apart) if apart else effects.iloc[0:0]
    # Adolescents and surgical patients answer different questions: each special population is
    # pooled on its own, and all of them together only when there is just one.
    groups = {pop: {"effects": part, "k": len(part), **_pool_pair(part, q, method)}
              for pop, part in special.groupby("population", sort=True)} if len(special) else {}
    result["special"] = {"effects": special, "k": len(special), "by_population": groups,
                         **(_pool_pair(special, q, method) if len(groups) <= 1 else {})}
    result["not_pooled"] = not_pooled(tables, q, effects["study_id"] if len(effects) else [])
    return result


DRUG_LABELS = DRUG_CLASS_LABELS

CLINICIAN_SCALES = ("MADRS", "HAMD17", "GRID_HAMD17", "HAMD21", "HAMD24", "HAMD25", "HAMD6", "QIDS_C16")
DEPRESSION_SCALES = CLINICIAN_SCALES + ("QIDS_SR16", "BDI", "PHQ9")
PLACEBO_LIKE = ("saline", "placebo", "active_placebo", "low_dose")
KETAMINE_SINGLE = ("ketamine_iv", "ketamine_intranasal")
KETAMINE_OTHER_ROUTES = ("ketamine_oral", "ketamine_subcutaneous", "ketamine_intramuscular", "ketamine_sublingual", "ketamine_er_tablet")
OTHER_PSYCHEDELICS = ("ayahuasca", "dmt", "5meo_dmt", "lsd")
DAY = 24.0

# The comparisons the clinical-trials chapter pools. A trial added to data/ joins every question it fits.
QUESTIONS = [
    # Racemic ketamine against placebo or an active placebo
    Question("ketamine_score_24h", "Racemic ketamine vs saline or midazolam: MADRS difference at about 24 h",
             KETAMINE_SINGLE, "mean_change", "MD", (12, 48), 24),
    Question("ketamine_smd_24h", "Racemic ketamine vs saline or midazolam: standardised difference at about 24 h (any clinician scale)",
             KETAMINE_SINGLE, "mean_change", "SMD", (12, 48), 24, scales=CLINICIAN_SCALES),
    Question("ketamine_response_3d", "Racemic ketamine vs saline or midazolam: response within 3 days",
             KETAMINE_SINGLE, "response", "OR", (12, 72), 24, scales=DEPRESSION_SCALES),
    Question("ketamine_remission_24h", "Racemic ketamine vs saline or midazolam: remission at about 24 h",
             KETAMINE_SINGLE, "remission", "OR", (12, 48), 24, scales=DEPRESSION_SCALES),
    Question("ketamine_response_7d", "Racemic ketamine vs saline or midazolam: response at about 1 week",
             KETAMINE_SINGLE, "response", "OR", (5 * DAY, 9 * DAY), 7 * DAY, scales=DEPRESSION_SCALES),
    Question("ketamine_course_end", "Racemic ketamine vs saline or midazolam: standardised difference 2 to 8 weeks after the first dose (mostly repeated courses)",
             KETAMINE_SINGLE, "mean_change", "SMD", (10 * DAY, 56 * DAY), 28 * DAY, scales=CLINICIAN_SCALES, end_of_course=True),
    # Ketamine given during surgical anaesthesia: the patient is unconscious, so its effects cannot
    # reveal the allocation; depressed surgical patients are this comparison's own population.
    Question("ketamine_anaesthesia_response", "Racemic ketamine during surgical anaesthesia vs saline: response within 3 days",
             ("ketamine_anaesthesia",), "response", "RR", (12, 72), 24, scales=DEPRESSION_SCALES,
             populations=CORE_POPULATIONS + ("perioperative",)),
    # Racemic ketamine against ECT
    Question("ketamine_vs_ect_response", "Ketamine vs ECT: response at the end of the course",
             KETAMINE_SINGLE + KETAMINE_OTHER_ROUTES, "response", "RR", (7 * DAY, 60 * DAY), 21 * DAY, scales=DEPRESSION_SCALES,
             comparators=("ect",), end_of_course=True),
    Question("ketamine_vs_ect_remission", "Ketamine vs ECT: remission at the end of the course",
             KETAMINE_SINGLE + KETAMINE_OTHER_ROUTES, "remission", "RR", (7 * DAY, 60 * DAY), 21 * DAY, scales=DEPRESSION_SCALES,
             comparators=("ect",), end_of_course=True),
    Question("ketamine_vs_ect_score", "Ketamine vs ECT: standardised difference in depression score at the end of the course",
             KETAMINE_SINGLE + KETAMINE_OTHER_ROUTES, "mean_change", "SMD", (7 * DAY, 60 * DAY), 21 * DAY, scales=DEPRESSION_SCALES,
             comparators=("ect",), end_of_course=True),
    # Other routes and forms of racemic ketamine
    Question("ketamine_other_routes", "Oral, subcutaneous, intramuscular or extended-release ketamine vs control: standardised difference at the end of the course",
             KETAMINE_OTHER_ROUTES, "mean_change", "SMD", (3 * DAY, 91 * DAY), 28 * DAY, scales=DEPRESSION_SCALES,
             comparators=PLACEBO_LIKE + ("active_drug",), end_of_course=True),
    Question("ketamine_other_routes_response", "Oral, subcutaneous, intramuscular or extended-release ketamine vs control: response at the end of the course",
             KETAMINE_OTHER_ROUTES, "response", "RR", (3 * DAY, 91 * DAY), 28 * DAY, scales=DEPRESSION_SCALES,
             comparators=PLACEBO_LIKE + ("active_drug",), end_of_course=True),
    # Esketamine
    Question("esketamine_score_24h", "Esketamine vs placebo spray: MADRS difference at 24 h",
             ("esketamine_intranasal",), "mean_change", "MD", (12, 48), 24),
    Question("esketamine_score_28d", "Esketamine vs placebo spray (with a new oral antidepressant): MADRS difference at day 28",
             ("esketamine_intranasal",), "mean_change", "MD", (600, 700), 672),
    Question("esketamine_smd_28d", "Esketamine vs placebo spray (with a new oral antidepressant): standardised difference at day 28",
             ("esketamine_intranasal",), "mean_change", "SMD", (600, 700), 672),
    Question("esketamine_response_28d", "Esketamine vs placebo spray: response at day 28",
             ("esketamine_intranasal",), "response", "RR", (600, 700), 672),
    Question("esketamine_remission_28d", "Esketamine vs placebo spray: remission at day 28",
             ("esketamine_intranasal",), "remission", "RR", (600, 700), 672),
    # Relapse after stopping, in randomised-withdrawal trials
    Question("relapse_prevention", "Continuing esketamine or ketamine vs switching to placebo: hazard of relapse (randomised withdrawal)",
             ("esketamine_intranasal", "esketamine_iv") + KETAMINE_SINGLE + KETAMINE_OTHER_ROUTES, "relapse", "HR", (0, 100 * 7 * DAY), 26 * 7 * DAY,
             scales=DEPRESSION_SCALES, designs=("randomized_withdrawal",), end_of_course=True),
    # Psilocybin and other psychedelics
    Question("psilocybin_score_primary", "Psilocybin vs low dose, placebo or waiting list: MADRS difference at the primary end point (2 to 8 weeks)",
             ("psilocybin",), "mean_change", "MD", (14 * DAY, 56 * DAY), 42 * DAY, comparators=PLACEBO_LIKE + ("waiting_list",)),
    Question("psilocybin_smd_primary", "Psilocybin vs low dose, placebo or waiting list: standardised difference at the primary end point (2 to 8 weeks, change scores)",
             ("psilocybin",), "mean_change", "SMD", (14 * DAY, 56 * DAY), 42 * DAY, scales=DEPRESSION_SCALES, comparators=PLACEBO_LIKE + ("waiting_list",)),
    Question("psilocybin_response_primary", "Psilocybin vs low dose, placebo or waiting list: response at the primary end point",
             ("psilocybin",), "response", "RR", (14 * DAY, 56 * DAY), 42 * DAY, scales=DEPRESSION_SCALES, comparators=PLACEBO_LIKE + ("waiting_list",)),
    Question("other_psychedelics", "Ayahuasca, DMT, 5-MeO-DMT or LSD vs placebo or low dose: standardised difference at the primary end point",
             OTHER_PSYCHEDELICS, "mean_change", "SMD", (1 * DAY, 56 * DAY), 14 * DAY, scales=DEPRESSION_SCALES, end_of_course=True),
]

# The same questions by key, for modules and chapters that name one.
QUESTION_BY_KEY = {q.key: q for q in QUESTIONS}

OUTCOME_LABELS = {"mean_change": "change in depression score", "response": "response (at least halving of the score)",
                  "remission": "remission", "relapse": "relapse"}
COMPARATOR_LABELS = {"saline": "saline", "active_placebo": "active placebo (e.g. midazolam)", "placebo": "inert placebo",
                     "low_dose": "very low dose", "waiting_list": "waiting list", "active_drug": "another drug", "ect": "ECT"}


TRIAL_TABLES = ["studies", "trial_arms", "arm_outcomes", "contrasts", "risk_of_bias", "certainty_ratings", "published_meta_analyses"]


def by_comparator(tables: dict[str, pd.DataFrame], key: str, also: tuple[str, ...] = ("active_drug",)) -> tuple[pd.DataFrame, pd.Series]:
    """The question's trials together with trials against the comparators ``also`` names (by
    default another drug, which the main analysis leaves out), each labelled with its kind of
    control: the subgroups by comparator the psychedelic trials raise (waiting list, very low dose,
    active or inert placebo, another drug)."""
    q = QUESTION_BY_KEY[key]
    wider = replace(q, comparators=q.comparators + tuple(c for c in also if c not in q.comparators))
    effects = study_effects(tables, wider)
    arms = tables["trial_arms"]
    controls = arms[(arms["role"] == "control") & arms["comparator_type"].isin(wider.comparators)]
    named = controls.apply(lambda a: f"active placebo ({a['drug']})" if a["comparator_type"] == "active_placebo" and pd.notna(a["drug"])
                           else COMPARATOR_LABELS.get(a["comparator_type"], a["comparator_type"]), axis=1)
    kind = named.groupby(controls["study_id"]).agg(lambda k: " and ".join(dict.fromkeys(k)))
    return effects, effects["study_id"].map(kind).fillna("not stated")


def trial_results(keys: list[str] | None = None, method: str = "REML") -> tuple[dict[str, pd.DataFrame], dict[str, dict]]:
    """The trial tables and the analysis of every question (or of the questions ``keys`` names):
    what each clinical-trials page starts from."""
    from evidence_review.data.tables import load_tables

    tables = load_tables(TRIAL_TABLES)
    wanted = [q for q in QUESTIONS if keys is None or q.key in keys]
    return tables, {q.key: run_question(tables, q, method) for q in wanted}


def _hours_text(hours: float) -> str:
    if hours < 48:
        return f"{hours:g} h"
    if hours < 24 * 35:
        return f"day {hours / 24:.0f}"
    return f"week {hours / 168:.0f}"


def eligibility_table(questions=None) -> pd.DataFrame:
    """Population, intervention, comparator, outcome and time window of each pooled question,
    written from the question definitions the code pools, so the two cannot drift apart."""
    rows = []
    for q in questions or QUESTIONS:
        rows.append({
            "Question": q.label,
            # The same for every question (stated once under the table), so the cell stays short.
            "Population": ("adults with a depressive disorder" if set(q.populations) == set(CORE_POPULATIONS)
                           else "adults with " + ", ".join(label(p, "population") for p in q.populations)),
            "Intervention": ", ".join(DRUG_LABELS[c] for c in q.classes),
            "Comparator": ", ".join(COMPARATOR_LABELS.get(c, c) for c in q.comparators),
            "Outcome": f"{OUTCOME_LABELS.get(q.outcome, q.outcome)} on {', '.join(SCALE_LABELS[s] for s in q.scales)} ({q.measure})",
            "Time window": f"{_hours_text(q.hours[0])} to {_hours_text(q.hours[1])}, nearest to {_hours_text(q.target_hours)}",
        })
    return pd.DataFrame(rows)


def time_course_points(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Verified between-arm differences on MADRS at every reported time point."""
    c = tables["contrasts"].merge(tables["studies"][["study_id", "short_name", "intervention_class"]], on="study_id")
    sel = c[(evidence_grade(c) != "") & (c["measure"] == "MD") & (c["scale"] == "MADRS") & c["timepoint_hours"].notna()
            & c["estimate"].notna() & c["subgroup"].isna() & ~c["comparison"].str.contains("subgroup", case=False)]
    return pd.DataFrame({
        "trial": sel["short_name"], "drug": sel["intervention_class"].map(DRUG_LABELS),
        "hours": sel["timepoint_hours"].astype(float), "estimate": sel["estimate"].astype(float),
        "ci_lower": sel["ci_lower"].astype(float), "ci_upper": sel["ci_upper"].astype(float),
        "comparison": sel["comparison"],
    }).sort_values(["trial", "hours"]).reset_index(drop=True)


MEASURE_LABELS = {"MD": "Mean difference (MADRS points)", "SMD": "Standardised mean difference (Hedges' g)",
                  "OR": "Odds ratio", "RR": "Risk ratio", "HR": "Hazard ratio"}


CERTAINTY_SYMBOLS = {"high": "⊕⊕⊕⊕ High", "moderate": "⊕⊕⊕◯ Moderate", "low": "⊕⊕◯◯ Low", "very_low": "⊕◯◯◯ Very low"}


def _control_risk(effects: pd.DataFrame) -> float:
    """Pooled proportion of events in the control arms (the 'assumed risk' of a GRADE table)."""
    return float(effects["events_c"].sum() / effects["n_c"].sum())


def _control_mean(effects: pd.DataFrame) -> float | None:
    if "mean_c" not in effects or effects["mean_c"].isna().all():
        return None
    sel = effects.dropna(subset=["mean_c", "n_c"])
    return float((sel["mean_c"] * sel["n_c"]).sum() / sel["n_c"].sum())


def absolute_risks(result: dict) -> dict | None:
    """For a pooled response or remission question: out of 100 people, how many had the outcome
    with the control (pooled control arms) and with the drug (control risk × pooled ratio), with
    the drug's 95% CI; None when the question has no pooled ratio."""
    q = result["question"]
    effects = result.get("effects")
    if "pooled" not in result or q.measure not in {"RR", "OR"} or effects is None or "events_c" not in effects:
        return None
    # The control risk comes from the trials that give their control arm's counts (a trial that
    # contributes only its reported ratio has none to give).
    counted_arms = effects.dropna(subset=["events_c", "n_c"])
    if counted_arms.empty:
        return None
    p = result["pooled"].on_natural_scale()
    cr = _control_risk(counted_arms)
    conv = (lambda ratio: cr * ratio) if q.measure == "RR" else (lambda ratio: risk_with_odds_ratio(cr, ratio))
    out = {"control": 100 * cr, "drug": 100 * conv(p["estimate"]), "drug_lower": 100 * conv(p["ci_lower"]),
           "drug_upper": 100 * conv(p["ci_upper"]), "k": result["k"], "participants": int(effects["n_total"].sum())}
    return {k: (min(v, 100.0) if isinstance(v, float) else v) for k, v in out.items()}


def summary_of_findings(results: dict[str, dict], ratings: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Summary of findings in the GRADE layout Cochrane uses: per pooled outcome, the anticipated
    absolute effects (risk per 1,000 with the control and with the drug, or the mean change with
    the control and the difference with the drug), the relative effect, participants (studies) and
    certainty as symbols with the word; the reasons for downgrading, and the primary-only
    sensitivity analysis, become lettered footnotes rather than a wide column.
    Questions without a pooled estimate are left out of the table (the chapter lists them)."""
    rated = ratings.set_index("question_key")
    rows, notes = [], []
    for key, r in results.items():
        if "pooled" not in r:
            continue
        q, p = r["question"], r["pooled"].on_natural_scale()
        effects = r["effects"]
        n = int(pd.to_numeric(effects.get("n_total"), errors="coerce").sum())
        if q.measure in {"RR", "OR"} and {"events_c", "n_c"} <= set(effects) and effects["events_c"].notna().all():
            cr = _control_risk(effects)
            conv = (lambda ratio: cr * ratio) if q.measure == "RR" else (lambda ratio: risk_with_odds_ratio(cr, ratio))
            control = f"{1000 * cr:.0f} per 1,000"
            drug = f"{1000 * conv(p['estimate']):.0f} per 1,000 ({1000 * conv(p['ci_lower']):.0f} to {1000 * conv(p['ci_upper']):.0f})"
            relative = f"{q.measure} {p['estimate']:.2f} ({p['ci_lower']:.2f} to {p['ci_upper']:.2f})"
        else:
            digits = 2 if q.measure == "SMD" else 1
            mean_c = _control_mean(effects) if q.measure == "MD" else None
            control = f"mean change {signed(mean_c)} points" if mean_c is not None else "—"
            direction = "lower" if p["estimate"] < 0 else "higher"
            drug = (f"{abs(p['estimate']):.{digits}f} {'SD' if q.measure == 'SMD' else 'points'} {direction} "
                    f"({signed(p['ci_lower'], digits)} to {signed(p['ci_upper'], digits)})")
            relative = "—"
        row = {"Outcome": q.label, "With control": control, "With the drug": drug, "Relative effect (95% CI)": relative,
               "Participants (studies)": f"{n} ({r['k']})"}
        primary = r["primary_only"]
        sensitivity = ("Primary numbers alone: " + (_effect_text(primary["pooled"]) if "pooled" in primary
                                                    else f"{primary['k']} trial{'s' if primary['k'] != 1 else ''}, too few to pool") + ".")
        letter = chr(ord("a") + len(notes))
        if key in rated.index:
            notes.append(f"{letter}. {rated.loc[key, 'reasons']} {sensitivity}")
            row["Certainty"] = f"{CERTAINTY_SYMBOLS[rated.loc[key, 'certainty']]} ({letter})"
        else:
            notes.append(f"{letter}. Not yet rated. {sensitivity}")
            row["Certainty"] = f"not yet rated ({letter})"
        row["Comments"] = _sof_comment(r)
        rows.append(row)
    return pd.DataFrame(rows), notes


def _sof_comment(result: dict) -> str:
    """The short comment of a summary-of-findings row: how much of it rests on numbers read
    second-hand (the footnote gives the primary-only analysis)."""
    effects, k = result["effects"], result["k"]
    stand_ins = int(effects["evidence"].ne("primary").sum())
    return f"Second-hand numbers for {stand_ins} of {k} trials." if stand_ins else "All from the trials' own reports."


def risk_with_odds_ratio(control_risk: float, odds_ratio: float) -> float:
    """Risk in the treated group implied by a control risk and an odds ratio."""
    return float(odds_ratio * control_risk / (1 - control_risk + odds_ratio * control_risk))


def signed(value: float, digits: int = 1) -> str:
    """A number for the page: a true minus sign, thousands separated by commas, no "−0"."""
    if round(value, digits) == 0:
        value = 0.0  # −0.04 shown to one digit is 0.0, not −0.0
    return f"{value:,.{digits}f}".replace("-", "\u2212")


def _effect_text(pooled: ma.PooledEstimate, hk: ma.PooledEstimate | None = None) -> str:
    digits = 2 if pooled.measure in {"OR", "RR", "HR", "SMD"} else 1
    n = pooled.on_natural_scale()
    text = f"{pooled.measure} {signed(n['estimate'], digits)} (95% CI {signed(n['ci_lower'], digits)} to {signed(n['ci_upper'], digits)})"
    if hk is not None:
        h = hk.on_natural_scale()
        text += f"; Hartung–Knapp CI {signed(h['ci_lower'], digits)} to {signed(h['ci_upper'], digits)}"
    return text


def describe_result(result: dict) -> str:
    """One paragraph (Markdown) per pooled question: the main estimate with heterogeneity and
    prediction interval, the primary-only sensitivity analysis, the special-population subgroup and
    every trial the pooling rules left out, with the reason. Written from the numbers, so it
    changes when the data change."""
    effects = result["effects"]
    parts = []
    if "pooled" in result:
        p = result["pooled"]
        n_total = int(pd.to_numeric(effects.get("n_total"), errors="coerce").sum())
        pi = p.on_natural_scale()
        digits = 2 if p.measure in {"OR", "RR", "HR", "SMD"} else 1
        parts.append(f"**Main analysis** ({result['k']} trials, {n_total} participants): {_effect_text(p, result['hartung_knapp'])}; "
                     f"I² = {p.i2:.0f}%, τ² = {p.tau2:.2f}; prediction interval {signed(pi['pi_lower'], digits)} to {signed(pi['pi_upper'], digits)}.")
        stand_ins = effects.loc[effects["evidence"] != "primary", "short_name"].tolist()
        if stand_ins:
            parts.append(f"Numbers read second-hand stand in for {', '.join(stand_ins)} (marked † in the plot).")
    elif result["k"] == 1:
        parts.append(f"**Not pooled**: only one trial ({effects['short_name'].iloc[0]}) has usable numbers for this question.")
    else:
        parts.append("**Not pooled**: no trial has usable numbers for this question.")
    primary = result["primary_only"]
    if "pooled" in result:
        if "pooled" in primary:
            parts.append(f"**Primary numbers only** ({primary['k']} trials): {_effect_text(primary['pooled'])}.")
        else:
            parts.append(f"**Primary numbers only**: {primary['k']} trial{'s' if primary['k'] != 1 else ''}, too few to pool; "
                         "the main estimate rests on numbers read second-hand.")
    special = result["special"]
    if special["k"]:
        f = np.exp if result["question"].measure in RATIO_MEASURES else (lambda x: x)
        digits = 2 if result["question"].measure != "MD" else 1
        pieces = []
        for pop, group in special["by_population"].items():
            names = ", ".join(group["effects"]["short_name"])
            if "pooled" in group:
                pieces.append(f"{label(pop, 'population')} ({group['k']} trials: {names}): {_effect_text(group['pooled'])}")
            else:
                e = group["effects"].iloc[0]
                pieces.append(f"{label(pop, 'population')}, one trial, {names}: "
                              f"{result['question'].measure} {signed(float(f(e['yi'])), digits)}")
        apart_note = "shown apart" + (", each population on its own" if len(pieces) > 1 else "")
        parts.append(f"**Special populations** ({apart_note}): " + "; ".join(pieces) + ".")
    left = result["not_pooled"]
    left = left[~left["reason"].str.startswith("special population")] if special["k"] else left
    if len(left):
        parts.append("**Left out**: " + left_out_text(left) + ".")
    return " ".join(parts)


def left_out_text(left: pd.DataFrame, max_names: int | None = None, elsewhere: str = "") -> str:
    """Trials left out of an analysis, grouped by reason (one reason, then its trials), so a long
    list does not repeat the same words for every trial. With ``max_names``, a reason shared by
    more trials gives their number and where they are listed (``elsewhere``), so a table cell
    stays short."""
    groups = []
    for reason, part in left.groupby("reason", sort=False):
        count = f" ({len(part)} trials)" if len(part) > 1 else ""
        if max_names is not None and len(part) > max_names:
            groups.append(f"{reason}: {len(part)} trials{elsewhere}")
        else:
            groups.append(f"{reason}{count}: {', '.join(part['short_name'])}")
    return "; ".join(groups)


def question_overview(results: dict[str, dict], published: pd.DataFrame, ratings: pd.DataFrame, citation) -> pd.DataFrame:
    """One row per question: trials pooled, our estimate, the primary-only estimate, the published
    estimates for the same comparison (cited as 'Author year'), and our certainty."""
    rated = ratings.set_index("question_key")["certainty"]
    rows = []
    for key, r in results.items():
        q = r["question"]
        ours = _effect_text(r["pooled"]) if "pooled" in r else f"not pooled ({r['k']} trial{'s' if r['k'] != 1 else ''} with usable numbers)"
        primary = r["primary_only"]
        prim = _effect_text(primary["pooled"]) if "pooled" in primary else f"{primary['k']} trial{'s' if primary['k'] != 1 else ''}"
        same = published[published["compares_with"] == key]
        pub = "; ".join(
            f"{citation(row.citekey)}: {row.measure} {signed(row.estimate, 2)}"
            + (f" ({signed(row.ci_lower, 2)} to {signed(row.ci_upper, 2)})" if pd.notna(row.ci_lower) else "")
            + (f", k = {int(row.k_studies)}" if pd.notna(row.k_studies) else "")
            for row in same.itertuples() if pd.notna(row.estimate))
        rows.append({"Question": q.label, "Trials pooled": r["k"], "Our estimate (95% CI)": ours,
                     "Primary numbers only": prim, "Published estimates": pub or "none found",
                     "Certainty": rated.get(key, "not rated").replace("_", " ") if "pooled" in r else "not rated (not pooled)"})
    return pd.DataFrame(rows)


def outcome_rows_per_study(tables: dict[str, pd.DataFrame]) -> pd.Series:
    """How many outcome rows (arm-level and between-arm) the data hold for each study."""
    return pd.concat([tables["arm_outcomes"][["study_id"]], tables["contrasts"][["study_id"]]]).groupby("study_id").size()


def fewer_than_published(tables: dict[str, pd.DataFrame], results: dict[str, dict], published: pd.DataFrame, citation) -> pd.DataFrame:
    """Questions where a published meta-analysis pooled more trials than we do, and trial by trial
    why ours has fewer: each trial of the question's drug, control and population in our data that
    is not pooled, with its reason (its numbers lack what the measure needs, are second-hand, or
    were never reached for this outcome and time)."""
    studies, arms = tables["studies"], tables["trial_arms"]
    counts = outcome_rows_per_study(tables)
    rows = []
    for key, r in results.items():
        q = r["question"]
        same = published[(published["compares_with"] == key) & published["k_studies"].notna()]
        if same.empty or int(same["k_studies"].max()) <= r["k"]:
            continue
        largest = same.loc[same["k_studies"].astype(int).idxmax()]
        controls = set(arms.loc[(arms["role"] == "control") & arms["comparator_type"].isin(q.comparators), "study_id"])
        eligible = studies[studies["intervention_class"].isin(q.classes) & studies["design"].isin(q.designs)
                           & studies["population"].isin(q.populations) & studies["study_id"].isin(controls)]
        pooled = set(r["effects"]["study_id"]) if r["k"] else set()
        reasons = r["not_pooled"].set_index("study_id")["reason"] if len(r["not_pooled"]) else pd.Series(dtype=str)
        left = []
        for s in eligible[~eligible["study_id"].isin(pooled)].itertuples():
            if s.study_id in reasons.index:
                why = reasons[s.study_id]
            elif counts.get(s.study_id, 0):
                why = "numbers for other outcomes or times only"
            else:
                why = "no outcome numbers reached"
            left.append({"short_name": s.short_name, "reason": why})
        rows.append({"Question": q.label, "Trials we pool": r["k"],
                     "Most trials pooled in a published review": f"{int(largest['k_studies'])} ({citation(largest['citekey'])})",
                     "Our eligible trials not pooled, and why": left_out_text(pd.DataFrame(left, columns=["short_name", "reason"]), max_names=6,
                                                                              elsewhere=" (each is in the trial inventory)") or
                     "none in our data: the published review counted trials we do not hold or judge eligible"})
    return pd.DataFrame(rows)


def cognition_rows(tables: dict[str, pd.DataFrame], comparator: str = "ect") -> pd.DataFrame:
    """Arm-level cognitive outcomes (data/arm_outcomes.csv) of the trials with a ``comparator`` arm."""
    arms, outcomes = tables["trial_arms"], tables["arm_outcomes"]
    against = set(arms.loc[(arms["role"] == "control") & (arms["comparator_type"] == comparator), "study_id"])
    return outcomes[(outcomes["outcome"] == "cognition") & outcomes["study_id"].isin(against)]


def cognition_table(tables: dict[str, pd.DataFrame], citation, comparator: str = "ect") -> pd.DataFrame:
    """Cognitive outcomes of the trials against ``comparator`` (ECT by default), one row per trial
    and measure, drug arm beside control arm: each trial measured memory differently (a test score,
    people reporting memory loss, a set of tasks), so they are shown side by side, not pooled."""
    arms, studies = tables["trial_arms"], tables["studies"].set_index("study_id")
    other = COMPARATOR_LABELS.get(comparator, comparator)
    against = set(arms.loc[(arms["role"] == "control") & (arms["comparator_type"] == comparator), "study_id"])
    rows = []
    cog = best_evidence(cognition_rows(tables, comparator).merge(arms[["arm_id", "role"]], on="arm_id"))

    def arm_text(r) -> str:
        if pd.notna(r["events"]):
            return f"{int(r['events'])} of {int(r['n_analysed'])}"
        spread = f"SD {r['sd']:.1f}" if pd.notna(r["sd"]) else f"SE {r['se']:.1f}" if pd.notna(r["se"]) else ""
        return f"{signed(r['mean'])} ({spread}), n = {int(r['n_analysed'])}" if spread else f"{signed(r['mean'])}"

    def what(text) -> str:  # the note's first clause says what was measured (without a closing aside)
        return re.sub(r"\s*\([^()]*\)\s*$", "", str(text).split(";")[0]).rstrip(".")
    same_measure = ["study_id", "scale", cog["timepoint_unit"].astype(str), cog["timepoint_value"].astype(str)]
    for _, group in cog.groupby(same_measure, sort=False, dropna=False):
        drug, control = group[group["role"] == "intervention"], group[group["role"] == "control"]
        if drug.empty or control.empty:
            continue
        first = drug.iloc[0]
        rows.append({"Trial": studies.loc[first["study_id"], "short_name"], "What was measured": what(first["notes"]),
                     "Ketamine": arm_text(first), other: arm_text(control.iloc[0]), "Difference": "",
                     "Read in": f"{citation(first['source_citekey'])}, {first['locator']} ({first['grade']})"})
    con = tables["contrasts"]
    con = best_evidence(con[(con["outcome"] == "cognition") & con["study_id"].isin(against)])
    for r in con.itertuples():
        rows.append({"Trial": studies.loc[r.study_id, "short_name"], "What was measured": what(r.analysis),
                     "Ketamine": "", other: "", "Difference": f"p {r.p_value}" if str(r.p_value)[:1] in "<>" else f"p = {r.p_value}",
                     "Read in": f"{citation(r.source_citekey)}, {r.locator} ({r.grade})"})
    return pd.DataFrame(rows, columns=["Trial", "What was measured", "Ketamine", other, "Difference", "Read in"])


def without_usable_numbers(tables: dict[str, pd.DataFrame], results: dict[str, dict]) -> pd.DataFrame:
    """Included trials that contribute to no pooled question, with what the data hold for them, so
    readers see the gap rather than a silently smaller review."""
    used = set().union(*[set(r["effects"]["study_id"]) for r in results.values() if len(r["effects"])],
                       *[set(r["special"]["effects"]["study_id"]) for r in results.values() if r["special"]["k"]])
    studies = tables["studies"]
    trials = studies[studies["design"].isin(TRIAL_DESIGNS)]
    counts = outcome_rows_per_study(tables)
    graded = pd.concat([tables["arm_outcomes"][["study_id", "evidence_level", "derived_from"]],
                        tables["contrasts"][["study_id", "evidence_level", "derived_from"]]])
    poolable = graded[evidence_grade(graded) != ""].groupby("study_id").size()
    rows = []
    for s in trials[~trials["study_id"].isin(used)].itertuples():
        n_rows = int(counts.get(s.study_id, 0))
        if n_rows == 0:
            why = "no outcome numbers reached"
        elif poolable.get(s.study_id, 0) == 0:
            why = "numbers only from press or unverified sources"
        else:
            why = "numbers, but none a question can pool"
        rows.append({"Trial": s.short_name, "Drug": DRUG_LABELS.get(s.intervention_class, s.intervention_class),
                     "Randomised": s.n_randomized, "Why not pooled": why})
    return pd.DataFrame(rows)


def phase_group(study_ids: pd.Series, studies: pd.DataFrame) -> pd.Series:
    """Phase 3 trials against earlier phases (1 to 2b), the subgroup the psychedelic programmes
    raise: the early trials were small and unblinded in practice, the phase 3 trials larger."""
    phase = study_ids.map(studies.set_index("study_id")["phase"]).fillna("")
    return phase.map(lambda p: "phase 3" if p in ("3", "2/3", "4") else "phase 2 or earlier" if p else "phase not stated")


def subgroup_text(effects: pd.DataFrame, groups: pd.Series, measure: str, what: str) -> str:
    """Pooled estimate per subgroup and the test for a difference between them (Cochran's Q, as
    RevMan), as one sentence; says plainly when there is nothing to compare."""
    labelled = effects.assign(group=groups.to_numpy())
    parts = {g: d for g, d in labelled.groupby("group") if len(d)}
    if len(parts) < 2:
        only = next(iter(parts), "none")
        return f"All {len(effects)} trials are in one {what} subgroup ({only}), so there is nothing to compare yet."
    pooled = {g: ma.pool(d["yi"], d["vi"], measure) for g, d in parts.items()}
    test = ma.subgroup_test(pooled)
    each = "; ".join(f"{g} ({len(parts[g])} trial{'s' if len(parts[g]) != 1 else ''}): {_effect_text(p)}" for g, p in pooled.items())
    text = f"By {what}: {each}. Test for a difference between subgroups: p = {test['p_value']:.2f}."
    if all(len(d) == 1 for d in parts.values()):
        text += (f" Each subgroup holds a single trial, so this test cannot tell the {what} apart from"
                 " everything else that differs between the trials.")
    return text


# The outcomes a patient or family asks about first, in everyday words: (drug, what was compared, the control).
PLAIN_QUESTIONS = {
    "esketamine_response_28d": ("Esketamine nasal spray", "added to an antidepressant, after four weeks", "a dummy spray"),
    "psilocybin_response_primary": ("Psilocybin", "one or two guided doses, a few weeks later", "a dummy pill, a very low dose or waiting"),
    "ketamine_response_3d": ("Ketamine infusion", "one infusion, a day to three days later", "a dummy or sedative infusion"),
}
CERTAINTY_PLAIN = {
    "high": "we are confident the true effect is close to this",
    "moderate": "the true effect is probably close to this, but may differ",
    "low": "the true effect may be quite different",
    "very_low": "the true effect is likely to be quite different",
}


def plain_language_summary(results: dict[str, dict], ratings: pd.DataFrame) -> tuple[dict[str, str], pd.DataFrame]:
    """The plain-language summary for patients and families: per main outcome, how many people
    out of 100 improved by at least half with the drug and with the control, and how sure we are
    (GRADE in words). Returns one Markdown paragraph per question key, and the rows of the
    'out of 100' icon array."""
    rated = ratings.set_index("question_key")["certainty"]
    lines, icons = {}, []
    for key, (drug, what, control) in PLAIN_QUESTIONS.items():
        risks = absolute_risks(results[key]) if key in results else None
        if risks is None:
            k = results[key]["k"] if key in results else 0
            lines[key] = (f"**{drug}** ({what}): too few trials give usable numbers to say how many people improve "
                          f"({k} trial{'s' if k != 1 else ''}).")
            continue
        certainty = rated.get(key, None)
        sure = (f"How sure we are: {label(certainty, 'certainty')} — {CERTAINTY_PLAIN[certainty]}."
                if certainty in CERTAINTY_PLAIN else "How sure we are: not yet rated.")
        lines[key] = (
            f"**{drug}** ({what}): about **{risks['drug']:.0f} in 100** people improved by at least half, against "
            f"**{risks['control']:.0f} in 100** with {control} (with the drug, the true figure could be anywhere from "
            f"{risks['drug_lower']:.0f} to {risks['drug_upper']:.0f} in 100; {risks['k']} trials, "
            f"{risks['participants']:,} people). {sure}")
        icons += [{"panel": drug, "group": "with the control", "people": round(risks["control"]), "note": "with " + control},
                  {"panel": drug, "group": "with the drug", "people": round(risks["drug"]),
                   "note": f"95% CI {risks['drug_lower']:.0f} to {risks['drug_upper']:.0f}"}]
    return lines, pd.DataFrame(icons, columns=["panel", "group", "people", "note"])
