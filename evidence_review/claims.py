"""The claims ledger: the seed articles' claims with verdicts, linked to the sections that
discuss them."""

from __future__ import annotations

import hashlib
import html

import pandas as pd

# Short descriptions of the five seed articles (shared/seeds), in our words.
SEED_ARTICLES = {
    "000_8773ca5015f55b5e.txt": "Micro-dosing and the cortex–amygdala story",
    "001_0e92d3c85b13c000.txt": "A clinician's personal account, with integration advice",
    "002_f11b9eceeb488da2.txt": "'Repairing damaged circuits' (mouse study write-up)",
    "003_a3d3d029ac594f63.txt": "A KAP FAQ on the DMN, REBUS and psychological risks",
    "004_dd70863cc5cd315c.txt": "A neuroplasticity overview",
}
# Where each chapter discusses the seed claims (page and section anchor).
CHAPTER_SECTIONS = {
    "neuroplasticity": ("Neuroplasticity", "neuroplasticity.html#the-popular-claims-checked"),
    "dmn_rebus": ("DMN and REBUS", "dmn_rebus.html#the-popular-claims-checked"),
    "clinical_trials": ("Clinical trials", "clinical_trials.html#the-popular-claims-checked"),
    "integration": ("Integration practices", "integration.html#the-popular-claims-checked"),
    "risks": ("Risks", "risks.html#the-popular-claims-checked"),
}


def ledger(claims: pd.DataFrame) -> pd.DataFrame:
    """Claims with readable article names and links to the discussing section."""
    out = claims.copy()
    out["article"] = out["seed_file"].map(SEED_ARTICLES).fillna(out["seed_file"])
    out["chapter_title"] = out["chapter"].map(lambda c: CHAPTER_SECTIONS[c][0])
    out["chapter_link"] = out["chapter"].map(lambda c: CHAPTER_SECTIONS[c][1])
    return out


def filterable_table_html(frame: pd.DataFrame, caption: str, columns: dict[str, str], link_column: str | None = None,
                          link_text_column: str | None = None, filters: tuple[str, ...] = ()) -> str:
    """A table with a search box and drop-down filters that works without any library. Every
    cell is escaped; links point only inside the book."""
    # A stable id (not Python's salted hash()), so re-executing the notebook gives the same output.
    table_id = "ledger-" + hashlib.sha1(caption.encode("utf-8")).hexdigest()[:10]
    controls = [f'<label>Search <input type="search" class="ledger-search" aria-controls="{table_id}" placeholder="any word"></label>']
    for col in filters:
        options = "".join(f'<option value="{html.escape(v)}">{html.escape(v)}</option>' for v in sorted(frame[col].dropna().unique()))
        controls.append(f'<label>{html.escape(columns[col])} <select class="ledger-filter" data-column="{html.escape(col)}" '
                        f'aria-controls="{table_id}"><option value="">all</option>{options}</select></label>')
    head = "".join(f"<th scope=\"col\">{html.escape(label)}</th>" for label in columns.values())
    body = []
    for _, row in frame.iterrows():
        cells = []
        for col in columns:
            value = "" if pd.isna(row[col]) else str(row[col])
            if col == link_text_column and link_column:
                cells.append(f'<td><a href="{html.escape(row[link_column])}">{html.escape(value)}</a></td>')
            else:
                cells.append(f"<td>{html.escape(value)}</td>")
        data_attrs = " ".join(f'data-{html.escape(c)}="{html.escape(str(row[c]))}"' for c in filters)
        body.append(f"<tr {data_attrs}>{''.join(cells)}</tr>")
    script = (
        "<script>(function(){var t=document.getElementById('%s');var box=t.parentNode;"
        "function apply(){var q=box.querySelector('.ledger-search').value.toLowerCase();"
        "var fs=[].slice.call(box.querySelectorAll('.ledger-filter'));var shown=0;"
        "[].forEach.call(t.tBodies[0].rows,function(r){var ok=r.textContent.toLowerCase().indexOf(q)>=0;"
        "fs.forEach(function(f){if(f.value&&r.getAttribute('data-'+f.dataset.column)!==f.value){ok=false;}});"
        "r.style.display=ok?'':'none';if(ok){shown++;}});box.querySelector('.ledger-count').textContent=shown+' claims shown';}"
        "box.addEventListener('input',apply);box.addEventListener('change',apply);apply();})();</script>" % table_id)
    return (f'<div class="ledger"><div class="ledger-controls">{" ".join(controls)} <span class="ledger-count" aria-live="polite"></span></div>'
            f'<table id="{table_id}" class="evidence-table" tabindex="0"><caption>{html.escape(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{script}</div>")


CLAIM_COLUMNS = {"claim_id": "Claim", "claim": "What the article says (paraphrased)", "verdict": "Verdict",
                 "certainty": "Certainty", "rationale": "Why", "refs_for": "Evidence for", "refs_against": "Evidence against"}


def chapter_claims_table(claims: pd.DataFrame, chapter: str, topic: str):
    """The 'popular claims, checked' table that closes each chapter (same columns everywhere)."""
    from .book import readable, table_html

    mine = claims[claims["chapter"] == chapter]
    shown = mine.assign(verdict=readable(mine["verdict"]), certainty=readable(mine["certainty"]))
    return table_html(shown, f"Claims about {topic} in the seed articles, with our verdict (all claims: the claims ledger).", CLAIM_COLUMNS)
