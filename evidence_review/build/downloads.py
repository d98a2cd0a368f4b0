"""Files for reuse, written into the built book: the whole data package as one zip, and for each
pooled question a tidy CSV of per-trial effect sizes that metafor (``rma(yi, vi, data = ...)``)
or PyMARE read as they are.

The Sphinx extension calls :func:`write_downloads` at the start of every build; the files are
rewritten only when the data, the bibliography or the package's analysis code changed, so a
no-op rebuild pays for a hash, not for the analyses. Pages link to them under ``downloads/``.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

from evidence_review import EFFECT_DIR, ROOT, package_sources

# pandas and numpy are imported where used: a no-op rebuild only hashes the inputs.

RATIO_SCALES = {"OR": "log odds ratio", "RR": "log risk ratio", "HR": "log hazard ratio"}
EFFECT_COLUMNS = ["question", "trial", "study_id", "year", "measure", "scale", "yi", "vi", "sei", "n", "evidence_level",
                  "contrast", "comparator", "population", "design", "add_on", "timepoint_hours", "source_citekey", "locator"]


def zip_name(root: Path = ROOT) -> str:
    from evidence_review.data.datapackage import evidence_version

    return f"evidence-data-{evidence_version(Path(root) / 'CITATION.cff')}.zip"


def effect_size_table(result: dict, studies):
    """One row per trial of a question's main analysis: yi and vi on the analysis scale (log for
    ratios), with the variables a subgroup or sensitivity analysis needs."""
    import numpy as np
    import pandas as pd

    q, effects = result["question"], result["effects"]
    if effects is None or len(effects) == 0:
        return pd.DataFrame(columns=EFFECT_COLUMNS)
    extra = studies.set_index("study_id")
    out = pd.DataFrame({
        "question": q.key, "trial": effects["short_name"], "study_id": effects["study_id"], "year": effects["year"],
        "measure": q.measure, "scale": RATIO_SCALES.get(q.measure, q.measure),
        "yi": effects["yi"].astype(float).round(6), "vi": effects["vi"].astype(float).round(8),
        "sei": np.sqrt(effects["vi"].astype(float)).round(6), "n": effects.get("n_total"),
        "evidence_level": effects["evidence"].str.replace(" (stand-in)", "", regex=False),
        "contrast": effects["contrast"], "comparator": effects["comparator"], "population": effects["population"],
        "design": effects["design"], "add_on": effects["study_id"].map(extra["add_on"]),
        "timepoint_hours": effects["timepoint_hours"], "source_citekey": effects.get("read_in"), "locator": effects.get("locator"),
    })
    return out[EFFECT_COLUMNS]


def _inputs_digest(root: Path) -> str:
    """What the downloads depend on: the data, the bibliography, the descriptor and the analysis code."""
    digest = hashlib.sha256()
    data = root / "data"
    files = sorted(data.rglob("*.csv")) + sorted(data.rglob("*.json"))
    files += [root / "references.bib", root / "datapackage.json", root / "CITATION.cff"]
    files += package_sources()
    for path in files:
        if path.exists():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def write_downloads(target: Path, root: Path = ROOT) -> Path:
    """Write (or keep, when nothing they depend on changed) the zip and the effect-size files of
    the book in ``root`` under ``target``; returns ``target``."""
    target, root = Path(target), Path(root)
    stamp = target / ".inputs"
    digest = _inputs_digest(root)
    name = zip_name(root)
    if stamp.exists() and stamp.read_text() == digest and (target / name).exists():
        return target
    if target.exists():
        for old in target.rglob("*"):
            if old.is_file():
                old.unlink()
    import pandas as pd

    from evidence_review.data.tables import load_tables
    from evidence_review.analysis.trials import QUESTIONS, run_question

    data = root / "data"
    (target / EFFECT_DIR).mkdir(parents=True, exist_ok=True)
    tables = load_tables(["studies", "trial_arms", "arm_outcomes", "contrasts"], data_dir=data, schema_dir=data / "schema",
                         bib_path=root / "references.bib")
    index = []
    for q in QUESTIONS:
        table = effect_size_table(run_question(tables, q), tables["studies"])
        table.to_csv(target / EFFECT_DIR / f"{q.key}.csv", index=False)
        index.append({"file": f"{EFFECT_DIR}/{q.key}.csv", "question": q.label, "measure": q.measure, "trials": len(table)})
    from evidence_review.analysis.drug_network import MEASURE, comparisons

    for outcome, measure in MEASURE.items():
        # netmeta's pairwise format (TE is treat1 minus treat2 on the analysis scale), read as it is by netmeta().
        rows, _ = comparisons(tables, outcome)
        network = rows.rename(columns={"study": "studlab", "yi": "TE", "sei": "seTE"})[["studlab", "study_id", "treat1", "treat2", "TE", "seTE", "question", "evidence"]]
        network.round({"TE": 6, "seTE": 6}).to_csv(target / EFFECT_DIR / f"network_{outcome}.csv", index=False)
        index.append({"file": f"{EFFECT_DIR}/network_{outcome}.csv", "question": f"Network of {outcome} (netmeta format; {RATIO_SCALES.get(measure, measure)})",
                      "measure": measure, "trials": network["studlab"].nunique()})
    pd.DataFrame(index).to_csv(target / EFFECT_DIR / "index.csv", index=False)
    with zipfile.ZipFile(target / name, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for extra in ("datapackage.json", "references.bib", "CITATION.cff"):
            if (root / extra).exists():
                bundle.write(root / extra, extra)
        for path in sorted(data.rglob("*")):
            if path.is_file():
                bundle.write(path, str(path.relative_to(root)))
        for path in sorted((target / EFFECT_DIR).glob("*.csv")):
            bundle.write(path, f"{EFFECT_DIR}/{path.name}")
    stamp.write_text(digest)
    return target


if __name__ == "__main__":
    import sys

    print(write_downloads(Path(sys.argv[1] if len(sys.argv) > 1 else "_build/downloads")))
    print(json.dumps({"zip": zip_name()}))
