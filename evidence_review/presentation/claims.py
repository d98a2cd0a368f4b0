"""The claims ledger: the seed articles' claims with verdicts, linked to the sections that
discuss them."""

from __future__ import annotations

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


def why_html(claims: pd.DataFrame) -> pd.Series:
    """The reasoning behind each verdict with its sources ('Author year'), as safe HTML for the
    folded "Why" cell: the rationale, then the evidence for and against."""
    from evidence_review.presentation.table_view import cite_inline, cite_text

    def one(row) -> str:
        parts = [f"<p>{html.escape(cite_inline(str(row['rationale'])))}</p>"] if not pd.isna(row["rationale"]) else []
        for column, heading in (("refs_for", "Evidence for"), ("refs_against", "Evidence against")):
            cited = cite_text(row[column])
            if cited:
                parts.append(f"<p><strong>{heading}:</strong> {html.escape(cited)}</p>")
        return "".join(parts)

    return claims.apply(one, axis=1)


CLAIM_COLUMNS = {"claim_id": "Claim", "claim": "What the article says (paraphrased)", "verdict": "Verdict",
                 "certainty": "Certainty", "why": "Why"}


def chapter_claims_table(claims: pd.DataFrame, chapter: str, topic: str):
    """The 'popular claims, checked' table that closes each chapter (same columns everywhere)."""
    from evidence_review.presentation.table_view import table_html

    mine = claims[claims["chapter"] == chapter]
    return table_html(mine.assign(why=why_html(mine)),
                      f"Claims about {topic} in the seed articles, with our verdict (all claims: the claims ledger).",
                      CLAIM_COLUMNS, long_text=("why",), html_columns=("why",))


def claim_with_article_html(claims: pd.DataFrame) -> pd.Series:
    """The claim, with the article it comes from as a small second line (one column, not two,
    so the ledger keeps to the width of the page)."""
    from evidence_review.presentation.table_view import cite_inline

    return claims.apply(lambda row: f"{html.escape(cite_inline(str(row['claim'])))}"
                                    f'<span class="cell-note">In: {html.escape(row["article"])}</span>', axis=1)


def ledger_table(claims: pd.DataFrame):
    """The whole ledger: searchable, filterable by verdict, article and chapter, and sortable."""
    from evidence_review.presentation.table_view import table_html

    shown = ledger(claims)
    return table_html(shown.assign(why=why_html(shown), claim_in_article=claim_with_article_html(shown)),
                      "Claims from the seed articles (paraphrased), with verdicts.", {
        "claim_id": "Claim", "claim_in_article": "What the article says",
        "verdict": "Verdict", "certainty": "Certainty", "why": "Why", "chapter_title": "Discussed in"},
        long_text=("why",), html_columns=("why", "claim_in_article"), links={"chapter_title": "chapter_link"},
        search=True, filters=("verdict", "article", "chapter_title"), sort=True, noun="claims")
