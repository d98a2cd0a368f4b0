"""Checks across tables that keep the review's provenance honest.

The schemas check each table on its own; these rules need several tables (and the bibliography)
at once: a number graded `primary` must have been read in a report of that very trial; every
included trial must appear in the screening log and every included record must have a study
row; one paper is one study; a study's year is its reference's year; crossover rows say which
periods they cover; a claim about a pooled result has the certainty the book gives that
result. Each problem names the file, row, column and value, like every other check.
"""

from __future__ import annotations

from evidence_review.data.validation import ValidationIssue

# Reports whose numbers can be graded primary: the trial's own paper or registry results.
PRIMARY_REPORT_TYPES = {"journal_article", "registry_results", "secondary_analysis"}
NUMBER_TABLES = ("arm_outcomes", "contrasts", "adverse_events")
TRIAL_DESIGNS = {"parallel_rct", "crossover_rct", "randomized_withdrawal", "cluster_rct"}


def _bib_doi(bib: dict, key: str | None) -> str | None:
    doi = (bib.get(key) or {}).get("doi")
    return doi.strip().lower() if doi else None


def check_study_years(studies: list[dict], bib: dict) -> list[ValidationIssue]:
    issues = []
    for number, row in enumerate(studies, start=1):
        entry = bib.get(row["citekey"])
        if entry and str(entry.get("year", "")).strip() and str(entry["year"]).strip() != str(row["year"]):
            issues.append(ValidationIssue("data/studies.csv", number, "year", row["year"],
                                          f"disagrees with the year of its reference {row['citekey']!r} ({entry['year']})"))
    return issues


def check_one_paper_one_study(studies: list[dict], reports: list[dict] | None, bib: dict) -> list[ValidationIssue]:
    """Two study ids whose reports share a DOI would count one trial twice."""
    issues = []
    owner: dict[str, str] = {}
    for number, row in enumerate(studies, start=1):
        doi = _bib_doi(bib, row["citekey"])
        if doi and doi in owner and owner[doi] != row["study_id"]:
            issues.append(ValidationIssue("data/studies.csv", number, "study_id", row["study_id"],
                                          f"has the same DOI ({doi}) as study {owner[doi]!r}; one paper is one study"))
        elif doi:
            owner[doi] = row["study_id"]
    for number, row in enumerate(reports or [], start=1):
        if row.get("report_type") == "secondary_analysis":
            continue  # a pooled secondary analysis legitimately reports on several trials
        ident = (row.get("identifier") or "").lower() or _bib_doi(bib, row["citekey"])
        if ident and ident.startswith("10.") and ident in owner and owner[ident] != row["study_id"]:
            issues.append(ValidationIssue("data/reports.csv", number, "identifier", row.get("identifier") or row["citekey"],
                                          f"this DOI already belongs to study {owner[ident]!r}; one paper is one study"))
        elif ident and ident.startswith("10."):
            owner.setdefault(ident, row["study_id"])
    return issues


def check_reports(studies: list[dict], reports: list[dict]) -> list[ValidationIssue]:
    """Every study's main reference is one of its reports."""
    listed = {(r["study_id"], r["citekey"]) for r in reports}
    issues = []
    for number, row in enumerate(studies, start=1):
        if (row["study_id"], row["citekey"]) not in listed:
            issues.append(ValidationIssue("data/studies.csv", number, "citekey", row["citekey"],
                                          f"is not listed in data/reports.csv for study {row['study_id']!r}; add a report row"))
    return issues


def check_evidence_levels(tables: dict[str, list[dict]], reports: list[dict]) -> list[ValidationIssue]:
    """A primary number (or one derived from primary inputs) must have been read in a report of
    its own trial of a kind that can be primary; otherwise its level is overstated."""
    report_type = {(r["study_id"], r["citekey"]): r["report_type"] for r in reports}
    issues = []
    for name in NUMBER_TABLES:
        for number, row in enumerate(tables.get(name, []), start=1):
            level, source = row.get("evidence_level"), row.get("source_citekey")
            claims_primary = level == "primary" or (level == "derived" and row.get("derived_from") == "primary")
            if not claims_primary:
                continue
            kind = report_type.get((row["study_id"], source))
            if kind is None:
                issues.append(ValidationIssue(f"data/{name}.csv", number, "source_citekey", source,
                                              f"graded {level} but is not a report of study {row['study_id']!r} in data/reports.csv"))
            elif kind not in PRIMARY_REPORT_TYPES:
                issues.append(ValidationIssue(f"data/{name}.csv", number, "evidence_level", level,
                                              f"a {kind.replace('_', ' ')} is not the trial's own publication; grade it press or secondary"))
    return issues


def check_screening(studies: list[dict], log: list[dict]) -> list[ValidationIssue]:
    """The screening log and the study table describe the same set of included trials."""
    known = {s["study_id"] for s in studies}
    issues = []
    included_ids = set()
    for number, row in enumerate(log, start=1):
        sid = row.get("study_id")
        if row["decision"] == "included" and sid is not None:
            included_ids.add(sid)
        if sid is not None and sid not in known and (row["decision"] == "included" or row.get("exclusion_reason") == "secondary_report"):
            issues.append(ValidationIssue("data/screening_log.csv", number, "study_id", sid,
                                          "included record has no row in data/studies.csv" if row["decision"] == "included"
                                          else "secondary report of a study that is not in data/studies.csv"))
    for number, row in enumerate(studies, start=1):
        if row["design"] in TRIAL_DESIGNS and row["study_id"] not in included_ids:
            issues.append(ValidationIssue("data/studies.csv", number, "study_id", row["study_id"],
                                          "has no included record in data/screening_log.csv"))
    return issues


def check_crossover_periods(studies: list[dict], arm_outcomes: list[dict]) -> list[ValidationIssue]:
    design = {s["study_id"]: s["design"] for s in studies}
    issues = []
    for number, row in enumerate(arm_outcomes, start=1):
        crossover = design.get(row["study_id"]) == "crossover_rct"
        if crossover and row.get("period") is None:
            issues.append(ValidationIssue("data/arm_outcomes.csv", number, "period", None,
                                          "crossover trial: say first_period or both_periods"))
        elif not crossover and row.get("period") is not None:
            issues.append(ValidationIssue("data/arm_outcomes.csv", number, "period", row["period"],
                                          "only crossover trials have periods"))
    return issues


def check_provenance(tables: dict[str, list[dict]], bib: dict) -> list[ValidationIssue]:
    """Every cross-table provenance rule that the loaded tables allow."""
    issues: list[ValidationIssue] = []
    if "seed_claims" in tables:
        issues += check_claims(tables["seed_claims"], tables.get("certainty_ratings"))
    studies = tables.get("studies")
    if studies is None:
        return issues
    issues += check_study_years(studies, bib)
    issues += check_one_paper_one_study(studies, tables.get("reports"), bib)
    if "reports" in tables:
        issues += check_reports(studies, tables["reports"])
        issues += check_evidence_levels(tables, tables["reports"])
    if "screening_log" in tables:
        issues += check_screening(studies, tables["screening_log"])
    if "arm_outcomes" in tables:
        issues += check_crossover_periods(studies, tables["arm_outcomes"])
    return issues



SUPPORTING_VERDICTS = {"supported", "supported_with_caveats"}
# A rationale that opens by saying nothing was found cannot carry a verdict of support.
NO_EVIDENCE_OPENINGS = ("we found no", "no study", "no trial", "no human study", "no source", "nothing tests")


def check_claims(claims: list[dict], ratings: list[dict] | None) -> list[ValidationIssue]:
    """A claim about a pooled result carries the GRADE certainty the book gives that result, and a
    verdict of support never rests on a rationale that says no evidence was found."""
    certainty = {r["question_key"]: r["certainty"] for r in ratings or []}
    issues = []
    for number, row in enumerate(claims, start=1):
        key = row.get("question_key")
        if key in certainty and row["certainty"] != certainty[key]:
            issues.append(ValidationIssue("data/seed_claims.csv", number, "certainty", row["certainty"],
                                          f"disagrees with the GRADE certainty of {key!r} ({certainty[key]}) in data/certainty_ratings.csv"))
        rationale = (row.get("rationale") or "").strip().lower()
        if row["verdict"] in SUPPORTING_VERDICTS and rationale.startswith(NO_EVIDENCE_OPENINGS):
            issues.append(ValidationIssue("data/seed_claims.csv", number, "verdict", row["verdict"],
                                          "the rationale says no evidence was found; the verdict cannot be a form of 'supported'"))
    return issues
