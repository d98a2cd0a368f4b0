"""A toy model of the REBUS idea (Carhart-Harris and Friston 2019): a belief is a Gaussian prior,
new evidence a Gaussian likelihood, and psychedelics are proposed to lower the prior's precision,
so the posterior moves toward the evidence. This illustrates the theory; it is not evidence for it."""

from __future__ import annotations

import numpy as np
import pandas as pd


def posterior(prior_mean: float, prior_precision: float, evidence: float, evidence_precision: float) -> tuple[float, float]:
    """Conjugate Gaussian update: precision-weighted mean and summed precision."""
    precision = prior_precision + evidence_precision
    mean = (prior_precision * prior_mean + evidence_precision * evidence) / precision
    return mean, precision


def belief_curves(prior_mean: float, evidence: float, evidence_precision: float, prior_precisions, grid=None) -> pd.DataFrame:
    """Densities of prior, evidence and posterior for each prior precision (long form for a slider)."""
    grid = np.linspace(-4, 4, 61) if grid is None else np.asarray(grid)
    rows = []
    for lam in prior_precisions:
        m_post, lam_post = posterior(prior_mean, lam, evidence, evidence_precision)
        for curve, mean, prec in [("prior belief", prior_mean, lam), ("new evidence", evidence, evidence_precision),
                                  ("updated belief", m_post, lam_post)]:
            density = np.sqrt(prec / (2 * np.pi)) * np.exp(-0.5 * prec * (grid - mean) ** 2)
            rows.append(pd.DataFrame({"prior_precision": float(lam), "curve": curve, "x": grid.round(3), "density": density.round(4)}))
    return pd.concat(rows, ignore_index=True)
