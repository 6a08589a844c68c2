"""Every notebook runs in a real Jupyter kernel (nbclient) against a processed database of
realistic measures, draws its plots, and says clearly when the database is missing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
#: What each notebook must print (besides drawing at least one plot).
EXPECTED = {
    "criteria-history.ipynb": [
        "revenue threshold >= 10 million yuan (last year) -> >= 15 million yuan",
        "supersedes", "criteria_changed |", "srdi_sme: ", "thresholds plotted"],
    "lineage-graph.ipynb": ["edges", "supersedes", "graph: "],
    "alert-volume.ipynb": ["events from", "criteria_changed", "plotted"],
}


def execute(notebook: Path, cwd: Path):
    import nbformat
    from nbclient import NotebookClient

    document = nbformat.read(notebook, as_version=4)
    NotebookClient(document, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return document


def outputs(document) -> tuple[str, int]:
    text, images = [], 0
    for cell in document.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                text.append(output["text"])
            images += "image/png" in output.get("data", {})
    return "".join(text), images


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_and_plots_on_processed_database(notebook, measures_db, tmp_path,
                                                       monkeypatch):
    from policywatch.alerts.events import derive_events
    from policywatch.store import open_store

    with open_store(measures_db) as store:
        derive_events(store)
    monkeypatch.setenv("POLICYWATCH_DB", str(measures_db))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    text, images = outputs(execute(notebook, tmp_path))
    assert f"database: {measures_db}" in text
    for expected in EXPECTED.get(notebook.name, []):
        assert expected in text, expected
    assert images >= 1  # the plots were drawn


def test_notebook_says_when_the_database_is_missing(tmp_path, monkeypatch):
    from nbclient.exceptions import CellExecutionError

    missing = tmp_path / "nowhere.db"
    monkeypatch.setenv("POLICYWATCH_DB", str(missing))
    with pytest.raises(CellExecutionError) as failure:
        execute(NOTEBOOKS[0], tmp_path)
    assert f"no database at {missing}" in str(failure.value)
    assert not missing.exists()  # never created empty


def test_notebooks_exist_and_have_no_stored_outputs():
    assert {p.name for p in NOTEBOOKS} >= set(EXPECTED)
    for notebook in NOTEBOOKS:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        assert all(not cell.get("outputs") for cell in cells if cell["cell_type"] == "code")
