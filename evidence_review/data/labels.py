"""Words for the codes in the data: the one place a reader-facing label comes from.

Every value a schema allows (its ``enum``) has a label here, keyed by the column it belongs to;
``tests/test_labels.py`` fails, naming the table, column and code, when a schema gains a value
without a label. Tables and charts call :func:`label` or :func:`labelled`; no chapter spells a
code out, so no reader meets ``bdnf_trkb`` or ``depression_score``.
"""

from __future__ import annotations

import pandas as pd

EVIDENCE_LEVEL_LABELS = {"primary": "primary (trial's own report)", "secondary": "secondary (read in a review or copy)",
                         "derived": "derived (computed)", "press": "press or meeting abstract",
                         "unverified": "unverified"}
CERTAINTY_LABELS = {"high": "high", "moderate": "moderate", "low": "low", "very_low": "very low",
                    "not_applicable": "not applicable"}
SERIOUSNESS_LABELS = {"not_serious": "not serious", "serious": "serious", "very_serious": "very serious"}
VERDICT_LABELS = {"supported": "supported", "supported_with_caveats": "supported with caveats",
                  "preclinical_only": "preclinical only", "theory": "theory",
                  "not_supported": "not supported", "contradicted": "contradicted",
                  "insufficient_evidence": "insufficient evidence"}
SCALE_LABELS = {"MADRS": "MADRS", "HAMD17": "HAM-D 17", "HAMD21": "HAM-D 21", "HAMD24": "HAM-D 24", "HAMD6": "HAM-D 6",
                "HAMD25": "HAM-D 25", "GRID_HAMD17": "GRID-HAM-D 17", "BDI": "BDI", "QIDS_SR16": "QIDS-SR 16",
                "QIDS_C16": "QIDS-C 16", "SSI": "Scale for Suicide Ideation", "BSS": "Beck Scale for Suicide Ideation",
                "CSSRS": "C-SSRS", "MADRS_SI": "MADRS suicidal-thoughts item", "CGI_S": "CGI severity",
                "PHQ9": "PHQ-9", "POMS_D": "POMS depression", "other": "other scale"}
OUTCOME_LABELS = {"response": "response", "remission": "remission", "relapse": "relapse",
                  "mean_change": "change in depression score", "mean_score": "depression score",
                  "composite": "composite outcome", "cognition": "cognition", "suicidal_ideation": "suicidal thoughts",
                  "depression_score": "depression score", "dropouts": "dropping out", "adverse_event": "adverse event"}
TIME_UNIT_LABELS = {"minutes": "minutes", "hours": "hours", "days": "days", "weeks": "weeks",
                    "end_of_treatment": "end of treatment", "end_of_follow_up": "end of follow-up"}
MEASURE_CODE_LABELS = {"MD": "mean difference", "SMD": "standardised mean difference", "OR": "odds ratio",
                       "RR": "risk ratio", "HR": "hazard ratio", "RD": "risk difference", "d": "Cohen's d",
                       "g": "Hedges' g", "NNT": "number needed to treat", "p_only": "P value only",
                       "proportion": "proportion"}
DRUG_CLASS_LABELS = {"ketamine_iv": "IV ketamine", "ketamine_intranasal": "intranasal ketamine",
                     "ketamine_oral": "oral ketamine", "ketamine_subcutaneous": "subcutaneous ketamine",
                     "ketamine_intramuscular": "intramuscular ketamine", "ketamine_sublingual": "sublingual ketamine",
                     "ketamine_anaesthesia": "ketamine under anaesthesia",
                     "ketamine_er_tablet": "extended-release ketamine tablets", "esketamine_intranasal": "esketamine (nasal)",
                     "esketamine_iv": "esketamine (IV)", "psilocybin": "psilocybin", "ayahuasca": "ayahuasca",
                     "dmt": "DMT", "5meo_dmt": "5-MeO-DMT", "lsd": "LSD", "other_psychedelic": "other psychedelic"}
EVENT_LABELS = {"dissociation": "dissociation", "blood_pressure_increase": "raised blood pressure",
                "sedation": "sedation", "somnolence": "sleepiness", "dizziness": "dizziness", "nausea": "nausea",
                "vomiting": "vomiting", "headache": "headache", "dysgeusia": "altered taste", "vertigo": "vertigo",
                "anxiety": "anxiety", "psychotomimetic": "psychosis-like effects", "perceptual_change": "perceptual changes",
                "suicidal_ideation": "suicidal thoughts on treatment", "suicide_attempt": "suicide attempt",
                "suicide": "suicide", "mania_switch": "switch to mania",
                "discontinuation_ae": "stopping because of adverse events", "serious_ae": "serious adverse events",
                "death": "death", "urinary": "urinary-tract harm", "liver": "liver harm", "other": "other event"}
TOPIC_LABELS = {
    # mechanistic findings
    "glutamate_burst": "glutamate surge", "nmda_blockade": "NMDA-receptor blockade", "ampa": "AMPA-receptor activation",
    "bdnf_trkb": "BDNF–TrkB signalling", "mtor": "mTOR signalling", "eef2": "eEF2 signalling",
    "spines": "dendritic spines", "structural_plasticity": "structural plasticity", "synaptic_density": "synaptic density",
    "glutamate_mrs": "glutamate on MR spectroscopy", "bdnf_human": "BDNF in people",
    "dmn_connectivity": "default-mode network connectivity", "between_network_connectivity": "connectivity between networks",
    "amygdala_reactivity": "amygdala reactivity", "global_integration": "global brain integration",
    "entropy": "brain entropy", "theory": "theory",
    # risk findings
    "dissociation": "dissociation", "blood_pressure": "blood pressure", "misuse_dependence": "misuse and dependence", "urological": "bladder and urinary tract",
    "cognitive": "cognition", "psychosis": "psychosis", "withdrawal_after_stopping": "after stopping",
    "label_monitoring": "label and monitoring", "contraindication": "contraindications",
    "psychological_destabilisation": "psychological destabilisation",
    "long_term_use": "long-term use (extension studies)",
    # regulatory facts
    "esketamine_approval": "esketamine: approvals", "esketamine_rems": "esketamine: US monitoring programme (REMS)",
    "esketamine_label_warnings": "esketamine: label warnings", "esketamine_hta": "esketamine: health-technology appraisal",
    "compounded_ketamine_warning": "compounded and at-home ketamine", "psilocybin_access": "psilocybin: access schemes",
    "psilocybin_regulatory_status": "psilocybin: regulatory status",
    # seed claims
    "mechanism": "mechanism", "trial_result": "trial result", "duration": "how long it lasts", "approval": "approval",
    "supplement": "supplements", "timing": "timing", "risk": "risk", "analogy": "analogy", "practice": "practice",
    "imaging": "brain imaging",
}
CHAPTER_LABELS = {"neuroplasticity": "Neuroplasticity", "dmn_rebus": "DMN and REBUS", "clinical_trials": "Clinical trials",
                  "integration": "Integration practices", "risks": "Risks"}
POPULATION_LABELS = {
    "trd": "treatment-resistant depression", "mdd": "major depression", "bipolar_depression": "bipolar depression",
    "mdd_suicidal_ideation": "depression with suicidal thoughts", "mixed": "unipolar and bipolar depression",
    "adolescent": "adolescents", "perioperative": "depressed surgical patients", "postpartum": "around childbirth",
    "older_adults": "older adults", "medically_ill": "serious medical illness",
    "depressive_symptoms": "depressive symptoms (no diagnosis required)",
    # mechanistic findings
    "healthy": "healthy", "depressed": "depressed", "stress_model": "stress model", "naive": "untreated animals",
    "cell_culture": "cell culture", "na": "not applicable",
}

# Column name -> {code: label}. A column of the same name means the same thing in every table.
FIELD_LABELS: dict[str, dict[str, str]] = {
    "evidence_level": EVIDENCE_LEVEL_LABELS,
    "derived_from": EVIDENCE_LEVEL_LABELS,
    "event": EVENT_LABELS,
    "outcome": OUTCOME_LABELS,
    "scale": SCALE_LABELS,
    "timepoint_unit": TIME_UNIT_LABELS,
    "period": {"first_period": "first period only", "both_periods": "both periods"},
    "certainty": CERTAINTY_LABELS,
    "risk_of_bias": SERIOUSNESS_LABELS, "inconsistency": SERIOUSNESS_LABELS, "indirectness": SERIOUSNESS_LABELS,
    "imprecision": SERIOUSNESS_LABELS,
    "publication_bias": {"undetected": "undetected", "suspected": "suspected", "strongly_suspected": "strongly suspected"},
    "judged_by": {"this_review": "this review", "published": "a published review"},
    "measure": MEASURE_CODE_LABELS,
    "adjusted": {"yes": "adjusted", "no": "unadjusted"},
    "chapter": CHAPTER_LABELS,
    "topic": TOPIC_LABELS,
    "drug": {"ketamine": "ketamine", "esketamine": "esketamine", "hydroxynorketamine": "hydroxynorketamine",
             "psilocybin": "psilocybin", "lsd": "LSD", "dmt": "DMT", "mdma": "MDMA", "ayahuasca": "ayahuasca",
             "5meo_dmt": "5-MeO-DMT", "saline": "saline", "midazolam": "midazolam", "placebo": "placebo", "ect": "ECT",
             "escitalopram": "escitalopram", "quetiapine_xr": "quetiapine (extended release)", "niacin": "niacin",
             "diphenhydramine": "diphenhydramine", "propofol": "propofol", "none": "none", "other": "other",
             "racemic ketamine": "racemic ketamine", "other_psychedelic": "another psychedelic"},
    "species": {"human": "human", "mouse": "mouse", "rat": "rat", "in_vitro": "cells in a dish", "drosophila": "fruit fly",
                "zebrafish": "zebrafish", "other": "other"},
    "population": POPULATION_LABELS,
    "direction": {"increase": "increase", "decrease": "decrease", "no_change": "no change", "required": "required",
                  "not_required": "not required", "mixed": "mixed"},
    "verdict": VERDICT_LABELS,
    "report_type": {"journal_article": "journal article", "registry_results": "registry results",
                    "secondary_analysis": "secondary analysis", "meeting_abstract": "meeting abstract",
                    "press_release": "press release", "preprint": "preprint", "protocol": "protocol",
                    "regulator_review": "regulator's review"},
    "domain": {"randomization": "randomisation", "deviations": "deviations from intended interventions",
               "missing_data": "missing outcome data", "measurement": "measurement of the outcome",
               "selective_reporting": "selective reporting", "overall": "overall"},
    "judgement": {"low": "low risk", "some_concerns": "some concerns", "high": "high risk"},
    "found_via": {"database_search": "searches of stored databases and registries",
                  "meta_analysis_list": "included-study lists of published meta-analyses",
                  "reference_list": "reference lists", "registry": "trial registries",
                  "results_report": "reports of results", "earlier_version": "the first version of the review"},
    "stage": {"identified": "identified", "screened": "screened", "assessed": "assessed in full", "included": "included"},
    "decision": {"included": "included", "excluded": "excluded", "awaiting_assessment": "awaiting assessment"},
    "exclusion_reason": {"not_randomised": "not randomised", "wrong_population": "wrong population",
                         "wrong_intervention": "wrong intervention", "wrong_comparator": "wrong comparator",
                         "no_usable_outcome": "no usable outcome", "duplicate": "duplicate",
                         "secondary_report": "another report of an included trial",
                         "ongoing_no_results": "ongoing, no results yet", "not_retrievable": "report not retrievable",
                         "review_or_commentary": "review or commentary",
                         "animal_or_healthy": "animal study or healthy volunteers"},
    "source": {"stored_pages": "stored web pages", "stored_registry": "stored registry records",
               "meta_analysis_lists": "meta-analyses' included-study lists",
               "earlier_version": "the first version of the review"},
    "question": {"ketamine_iv": "IV ketamine", "ketamine_special_populations": "ketamine in special populations",
                 "ketamine_other_routes": "ketamine by other routes", "ketamine_vs_ect": "ketamine against ECT",
                 "esketamine": "esketamine", "psychedelics": "psychedelics", "meta_analyses": "published meta-analyses",
                 "all": "all questions"},
    "design": {"parallel_rct": "parallel", "crossover_rct": "crossover", "randomized_withdrawal": "randomised withdrawal",
               "cluster_rct": "cluster-randomised", "open_label": "open-label", "ipd_meta_analysis": "pooled patient data"},
    "blinding": {"double_blind": "double-blind", "single_blind": "single-blind (raters)", "open_label": "open-label",
                 "not_applicable": "not applicable", "not_reported": "not reported"},
    "setting": {"outpatient": "outpatients", "inpatient": "inpatients", "emergency": "emergency department",
                "perioperative": "around surgery", "mixed": "inpatients and outpatients", "not_reported": "not reported"},
    "intervention_class": DRUG_CLASS_LABELS,
    "add_on": {"add_on": "added to an antidepressant", "monotherapy": "on its own", "not_reported": "not reported"},
    "phase": {"1": "phase 1", "1/2": "phase 1/2", "2": "phase 2", "2a": "phase 2a", "2b": "phase 2b", "2/3": "phase 2/3",
              "3": "phase 3", "4": "phase 4", "not_stated": "phase not stated"},
    "role": {"intervention": "drug arm", "control": "control arm"},
    "rater": {"participant": "participants", "rater": "outcome raters", "clinician": "treating clinicians"},
    "index_type": {"bang": "Bang index", "james": "James index"},
    "dose_unit": {"mg/kg": "mg/kg", "mg": "mg", "mg/70kg": "mg/70 kg", "ug/kg": "µg/kg", "none": ""},
    "route": {"iv": "intravenous", "intranasal": "nasal spray", "oral": "by mouth", "im": "intramuscular",
              "sc": "subcutaneous", "sublingual": "under the tongue", "none": ""},
    "comparator_type": {"none": "", "saline": "saline", "active_placebo": "active placebo (e.g. midazolam)",
                        "active_drug": "another drug", "placebo": "inert placebo", "waiting_list": "waiting list",
                        "low_dose": "very low dose", "ect": "ECT", "usual_care": "usual care", "other_dose": "another dose"},
}


def label(value, field: str | None = None):
    """The reader's word for a code: by its column when given, else from any column that knows it.
    Values that are not codes (free text, numbers, missing) come back unchanged."""
    if not isinstance(value, str):
        return value
    if field is not None and field in FIELD_LABELS:
        return FIELD_LABELS[field].get(value, value)
    for labels in FIELD_LABELS.values():
        if value in labels:
            return labels[value]
    return value


def labelled(series: pd.Series, field: str | None = None) -> pd.Series:
    """A column of codes as words (by the series' own name when no field is given)."""
    field = field if field is not None else series.name
    return series.map(lambda v: label(v, field))


def coded_columns(frame: pd.DataFrame) -> list[str]:
    """Columns of a frame whose names are coded fields, so a table can label them itself."""
    return [c for c in frame.columns if c in FIELD_LABELS]
