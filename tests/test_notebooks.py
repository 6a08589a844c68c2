"""Every notebook's code runs against a processed database of realistic measures."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def code_of(notebook: Path) -> str:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return "\n\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_on_processed_database(notebook, measures_db, monkeypatch):
    from policywatch.alerts.events import derive_events
    from policywatch.store import open_store

    with open_store(measures_db) as store:
        derive_events(store)
    monkeypatch.setenv("POLICYWATCH_DB", str(measures_db))
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code_of(notebook), str(notebook), "exec"), {"__name__": "__notebook__"})
    output = printed.getvalue()
    assert "revenue threshold >= 10 million yuan (last year) -> >= 15 million yuan" in output
    assert "supersedes" in output and "criteria_changed |" in output


def test_notebooks_exist():
    assert NOTEBOOKS
