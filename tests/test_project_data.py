"""The data the book ships is valid, and its provenance is machine-checkable."""

from evidence_review.data.tables import load_tables, validate_data


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


def test_no_chapter_output_holds_a_warning_or_an_error():
    """A warning printed by a chapter names a path on the machine that ran it, so nbval would fail
    elsewhere; and a warning in the book is a bug either way."""
    import json

    from evidence_review import CHAPTERS_DIR

    found = []
    for notebook in sorted(CHAPTERS_DIR.glob("*.ipynb")):
        for number, cell in enumerate(json.loads(notebook.read_text(encoding="utf-8"))["cells"]):
            for output in cell.get("outputs", []):
                if output.get("name") == "stderr" or output.get("output_type") == "error":
                    found.append(f"{notebook.name} cell {number}: {''.join(output.get('text', ''))[:120]}")
    assert found == []


def test_every_code_cell_hides_its_code_from_readers():
    """Readers see results, not code: a code cell without the remove-input tag printed its source
    in the middle of the ketamine page (found in a screenshot)."""
    import json

    from evidence_review import CHAPTERS_DIR

    shown = []
    for notebook in sorted(CHAPTERS_DIR.glob("*.ipynb")):
        for number, cell in enumerate(json.loads(notebook.read_text(encoding="utf-8"))["cells"]):
            if cell["cell_type"] == "code" and "remove-input" not in cell.get("metadata", {}).get("tags", []):
                shown.append(f"{notebook.name}, cell {number}")
    assert shown == [], "code shown to readers (add the tag remove-input): " + "; ".join(shown)
