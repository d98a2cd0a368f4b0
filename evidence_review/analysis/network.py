"""Frequentist network meta-analysis: the graph-theoretical method of netmeta (Rücker 2012).

No maintained Python library offers it (the one port on PyPI, pimeta, was first released in
2026 by a single author and pulls in matplotlib), so the method is written here and tested
against netmeta's printed output for a published network with a three-arm trial
(tests/test_network.py): treatment estimates, tau², Q and its decomposition, and node-splitting.

Input: one row per pair of arms of a trial (a trial with p arms gives p(p-1)/2 rows) with
``study``, ``treat1``, ``treat2``, ``yi`` (treat1 minus treat2, on the analysis scale) and ``sei``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats


@dataclass
class NetworkResult:
    treatments: list[str]
    estimate: pd.DataFrame  # row treatment minus column treatment
    se: pd.DataFrame
    tau2: float
    Q: float
    df: int
    Q_within: float  # heterogeneity within designs
    df_within: int
    comparisons: pd.DataFrame  # the input with the adjusted standard errors used
    random: bool = True
    level: float = 0.95
    direct: pd.DataFrame = field(default_factory=pd.DataFrame)  # node-splitting, one row per directly compared pair
    potentials: pd.Series = field(default_factory=pd.Series)  # each treatment's effect up to a common constant
    covariance: pd.DataFrame = field(default_factory=pd.DataFrame)  # of the potentials (pseudoinverse of the Laplacian)

    @property
    def Q_between(self) -> float:
        """Inconsistency between designs (design-by-treatment interaction, Higgins 2012)."""
        return self.Q - self.Q_within

    @property
    def df_between(self) -> int:
        return self.df - self.df_within

    @property
    def I2(self) -> float:
        return max(0.0, (self.Q - self.df) / self.Q) if self.df > 0 and self.Q > 0 else 0.0

    def p_value(self, which: str = "Q") -> float:
        q, df = {"Q": (self.Q, self.df), "within": (self.Q_within, self.df_within),
                 "between": (self.Q_between, self.df_between)}[which]
        return float(stats.chi2.sf(q, df)) if df > 0 else float("nan")

    def interval(self, treat: str, versus: str) -> tuple[float, float, float]:
        z = stats.norm.ppf(0.5 + self.level / 2)
        est, se = self.estimate.loc[treat, versus], self.se.loc[treat, versus]
        return float(est), float(est - z * se), float(est + z * se)


def _incidence(rows: pd.DataFrame, treatments: list[str]) -> np.ndarray:
    index = {t: i for i, t in enumerate(treatments)}
    B = np.zeros((len(rows), len(treatments)))
    B[np.arange(len(rows)), rows["treat1"].map(index).to_numpy()] = 1.0
    B[np.arange(len(rows)), rows["treat2"].map(index).to_numpy()] = -1.0
    return B


def _reduced_variances(rows: pd.DataFrame, variances: np.ndarray) -> np.ndarray:
    """Variances of the comparisons as edges of the network. A trial with p > 2 arms contributes
    p(p-1)/2 correlated comparisons; they are replaced by the edge variances of the complete graph
    whose resistance distances are the observed variances (Rücker 2012, section 3.3)."""
    out = variances.astype(float).copy()
    for _, idx in rows.groupby("study", sort=False).indices.items():
        if len(idx) == 1:
            continue
        arms = list(dict.fromkeys(np.concatenate([rows["treat1"].to_numpy()[idx], rows["treat2"].to_numpy()[idx]])))
        k = len(arms)
        if len(idx) != k * (k - 1) // 2:
            raise ValueError(f"study {rows['study'].iloc[idx[0]]}: {len(idx)} comparisons for {k} arms; give every pair of arms")
        B = _incidence(rows.iloc[idx], arms)
        R = B.T @ np.diag(variances[idx]) @ B
        R = np.diag(np.diag(R)) - R  # pairwise variances on a k x k matrix
        L_plus = -0.5 * B.T @ B @ R @ B.T @ B / k**2  # B'B = kI - J for a complete graph
        L = np.linalg.pinv(L_plus)
        W = np.diag(np.diag(L)) - L
        pos = {t: i for i, t in enumerate(arms)}
        for j, i in enumerate(idx):
            a, b = pos[rows["treat1"].iloc[i]], pos[rows["treat2"].iloc[i]]
            out[i] = 1.0 / W[a, b] if W[a, b] > 0 else np.inf
    return out


def _fit(rows: pd.DataFrame, treatments: list[str], variances: np.ndarray) -> dict:
    B = _incidence(rows, treatments)
    w = 1.0 / _reduced_variances(rows, variances)
    W = np.diag(w)
    L_plus = np.linalg.pinv(B.T @ W @ B)
    H = B @ L_plus @ B.T @ W
    y = rows["yi"].to_numpy(float)
    fitted = H @ y
    Q = float((y - fitted) @ W @ (y - fitted))
    arms = rows.groupby("study")[["treat1", "treat2"]].apply(lambda g: len(set(g["treat1"]) | set(g["treat2"])))
    df = int((arms - 1).sum() - (len(treatments) - 1))
    # Effects of every treatment against every other: contrasts of the fitted node potentials.
    potentials = L_plus @ B.T @ W @ y
    est = potentials[:, None] - potentials[None, :]
    var = np.diag(L_plus)[:, None] + np.diag(L_plus)[None, :] - 2 * L_plus
    return {"B": B, "W": W, "H": H, "Q": Q, "df": df, "estimate": est, "variance": np.clip(var, 0, None),
            "potentials": potentials, "covariance": L_plus}


def _design(rows: pd.DataFrame) -> pd.Series:
    treats = rows.groupby("study")[["treat1", "treat2"]].apply(lambda g: ":".join(sorted(set(g["treat1"]) | set(g["treat2"]))))
    return rows["study"].map(treats)


def _q_within_designs(rows: pd.DataFrame) -> tuple[float, int]:
    """Heterogeneity within designs: the common-effect Q of each design fitted on its own."""
    q, df = 0.0, 0
    for _, group in rows.groupby(_design(rows), sort=False):
        if group["study"].nunique() < 2:
            continue
        treatments = sorted(set(group["treat1"]) | set(group["treat2"]))
        fit = _fit(group.reset_index(drop=True), treatments, group["sei"].to_numpy(float) ** 2)
        q += fit["Q"]
        df += fit["df"]
    return q, df


def _tau2_dl(rows: pd.DataFrame, fit: dict) -> float:
    """The generalised DerSimonian–Laird estimator netmeta uses (Jackson 2013; Rücker & Schwarzer)."""
    if fit["df"] <= 0:
        return 0.0
    same_study = (rows["study"].to_numpy()[:, None] == rows["study"].to_numpy()[None, :]).astype(float)
    B, H, W = fit["B"], fit["H"], fit["W"]
    denominator = np.trace((np.eye(len(rows)) - H) @ (B @ B.T * same_study / 2) @ W)
    return max(0.0, (fit["Q"] - fit["df"]) / denominator)


def network_meta_analysis(comparisons: pd.DataFrame, random: bool = True, level: float = 0.95) -> NetworkResult:
    rows = comparisons.reset_index(drop=True)
    missing = {"study", "treat1", "treat2", "yi", "sei"} - set(rows.columns)
    if missing:
        raise ValueError(f"network comparisons need columns {sorted(missing)}")
    treatments = sorted(set(rows["treat1"]) | set(rows["treat2"]))
    variances = rows["sei"].to_numpy(float) ** 2
    common = _fit(rows, treatments, variances)
    if not _connected(rows, treatments):
        raise ValueError("the network is not connected: " + "; ".join(" + ".join(c) for c in components(rows)))
    tau2 = _tau2_dl(rows, common) if random else 0.0
    final = _fit(rows, treatments, variances + tau2) if random else common
    q_within, df_within = _q_within_designs(rows)
    adjusted = np.sqrt(_reduced_variances(rows, variances + tau2))
    result = NetworkResult(
        treatments=treatments,
        estimate=pd.DataFrame(final["estimate"], index=treatments, columns=treatments),
        se=pd.DataFrame(np.sqrt(final["variance"]), index=treatments, columns=treatments),
        tau2=tau2, Q=common["Q"], df=common["df"], Q_within=q_within, df_within=df_within,
        comparisons=rows.assign(sei_adjusted=adjusted), random=random, level=level,
        potentials=pd.Series(final["potentials"], index=treatments),
        covariance=pd.DataFrame(final["covariance"], index=treatments, columns=treatments))
    result.direct = node_split(result)
    return result


def components(rows: pd.DataFrame) -> list[list[str]]:
    """Connected groups of treatments (a network must be one group to be analysed together)."""
    groups: list[set[str]] = []
    for a, b in zip(rows["treat1"], rows["treat2"]):
        hit = [g for g in groups if a in g or b in g]
        merged = set().union(*hit) | {a, b} if hit else {a, b}
        groups = [g for g in groups if g not in hit] + [merged]
    return [sorted(g) for g in groups]


def _connected(rows: pd.DataFrame, treatments: list[str]) -> bool:
    return len(components(rows)) == 1


def node_split(result: NetworkResult) -> pd.DataFrame:
    """Direct against indirect evidence for every directly compared pair, by back-calculation
    (netmeta's default): the direct estimate pools the trials of that pair (with the network's
    tau²); the indirect one is what the network estimate implies beyond it (Dias 2010)."""
    rows = result.comparisons
    out = []
    pairs = rows.assign(a=rows[["treat1", "treat2"]].min(axis=1), b=rows[["treat1", "treat2"]].max(axis=1))
    z = stats.norm.ppf(0.5 + result.level / 2)
    for (a, b), group in pairs.groupby(["a", "b"], sort=True):
        sign = np.where(group["treat1"] == a, 1.0, -1.0)
        w = 1.0 / (group["sei"].to_numpy(float) ** 2 + result.tau2)
        direct = float(np.sum(w * sign * group["yi"].to_numpy(float)) / np.sum(w))
        v_direct = 1.0 / np.sum(w)
        nma, v_nma = result.estimate.loc[a, b], result.se.loc[a, b] ** 2
        proportion = min(1.0, v_nma / v_direct)
        row = {"treat1": a, "treat2": b, "k": group["study"].nunique(), "proportion": proportion,
               "nma": nma, "direct": direct, "se_direct": np.sqrt(v_direct),
               "indirect": np.nan, "se_indirect": np.nan, "difference": np.nan, "z": np.nan, "p_value": np.nan}
        if proportion < 1 - 1e-9:
            indirect = (nma - proportion * direct) / (1 - proportion)
            v_indirect = v_direct * v_nma / (v_direct - v_nma)
            diff, v_diff = direct - indirect, v_direct + v_indirect
            row.update(indirect=indirect, se_indirect=np.sqrt(v_indirect), difference=diff,
                       z=diff / np.sqrt(v_diff), p_value=2 * stats.norm.sf(abs(diff / np.sqrt(v_diff))))
        out.append(row)
    return pd.DataFrame(out)


def p_scores(result: NetworkResult, lower_is_better: bool = True) -> pd.Series:
    """P-scores (Rücker & Schwarzer 2015): the mean certainty that a treatment is better than each
    other one; 1 = surely best, 0 = surely worst. They rank; they do not say by how much."""
    sign = -1.0 if lower_is_better else 1.0
    scores = {}
    for t in result.treatments:
        others = [o for o in result.treatments if o != t]
        z = sign * result.estimate.loc[t, others] / result.se.loc[t, others]
        scores[t] = float(stats.norm.cdf(z).mean())
    return pd.Series(scores).sort_values(ascending=False)


def rank_probabilities(result: NetworkResult, lower_is_better: bool = True, draws: int = 20000, seed: int = 2026) -> pd.DataFrame:
    """How sure the ranking is: treatment effects drawn from their joint normal distribution
    (the network's estimates and covariance, as netmeta's rankogram does), each draw ranked.
    Returns per treatment the probability of being best, the mean rank and the 95% interval of
    its rank; seeded, so the page is the same on every build."""
    rng = np.random.default_rng(seed)
    potentials = result.potentials.to_numpy(float)
    draws_ = rng.multivariate_normal(potentials, result.covariance.to_numpy(float), size=draws, method="svd")
    order = np.argsort(draws_ if lower_is_better else -draws_, axis=1)
    ranks = np.empty_like(order)
    ranks[np.arange(draws)[:, None], order] = np.arange(1, len(potentials) + 1)
    out = pd.DataFrame({"treatment": result.treatments, "p_best": (ranks == 1).mean(axis=0),
                        "mean_rank": ranks.mean(axis=0),
                        "rank_low": np.percentile(ranks, 2.5, axis=0, method="nearest").astype(int),
                        "rank_high": np.percentile(ranks, 97.5, axis=0, method="nearest").astype(int)})
    return out.sort_values("mean_rank").reset_index(drop=True)


def league_table(result: NetworkResult, transform=None, digits: int = 2, order: list[str] | None = None,
                 html: bool = False) -> pd.DataFrame:
    """Row treatment against column treatment, estimate and CI as text; the diagonal names the
    treatment. ``transform`` maps the analysis scale to the reported one (np.exp for odds ratios);
    ``html`` puts the interval on a second line, so a cell stays narrow."""
    order = order or list(result.treatments)
    f = transform or (lambda v: v)
    cells = []
    for r in order:
        row = []
        for c in order:
            if r == c:
                row.append(f"<b>{r}</b>" if html else r)
                continue
            est, lo, hi = result.interval(r, c)
            text = (f"<b>{f(est):.{digits}f}</b><br>{f(lo):.{digits}f} to {f(hi):.{digits}f}" if html
                    else f"{f(est):.{digits}f} ({f(lo):.{digits}f} to {f(hi):.{digits}f})")
            row.append(text.replace("-", "−"))
        cells.append(row)
    return pd.DataFrame(cells, index=order, columns=order)
