"""The data the book ships is valid, and its provenance is machine-checkable."""

from evidence_review.tables import load_tables, validate_data


def test_project_data_validates():
    _, issues = validate_data()
    assert not issues, "\n".join(map(str, issues))


def test_every_row_with_numbers_has_a_source_and_locator():
    for name, frame in load_tables().items():
        if "locator" in frame:
            assert frame["locator"].notna().all(), f"{name}: a row has no locator"
        if "citekey" in frame:
            # Our own judgements (certainty ratings) are the only rows allowed to have no source.
            sourced = frame[frame["judged_by"] != "this_review"] if "judged_by" in frame else frame
            assert sourced["citekey"].notna().all(), f"{name}: a row has no citekey"
