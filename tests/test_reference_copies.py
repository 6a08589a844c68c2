"""No copy of a real text of the reference pack in the project (it reads them, never copies).

Every file git knows (HTML and JSON as text and markup, PDF and Office files as their text)
is compared with every file of ``../shared/reference`` in 40-character windows, whitespace
removed. A reconstructed page may quote a line or two (and the README says it is
reconstructed); a copy is a shared run of 300 characters or more, or half of a real text.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REFERENCE, needs_reference

ROOT = Path(__file__).resolve().parents[1]
WINDOW = 40
LONGEST_QUOTE = 300
SHARE_OF_A_TEXT = 0.5
_SPACE = re.compile(r"\s+")
BINARY = {".pdf", ".docx", ".doc", ".wps", ".xls", ".xlsx", ".ofd", ".zip", ".rar"}
TEXT = {".txt", ".md", ".html", ".htm", ".shtml", ".json", ".py", ".toml", ".cfg", ".ipynb",
        ".csv", ".xml", ""}


def _flat(text: str) -> str:
    return _SPACE.sub("", text)


def _text_of(path: Path) -> str:
    from policywatch.crawler.documents import DocumentError, read_document

    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix in BINARY:
        try:
            return read_document(data, path.name).text
        except DocumentError:
            return ""
    raw = data.decode("utf-8", "replace") if b"\x00" not in data[:4096] else ""
    if suffix in {".html", ".htm", ".shtml"} or raw.lstrip().startswith("<"):
        try:
            raw += "\n" + read_document(data, path.name).text
        except DocumentError:
            pass
    if suffix == ".json":
        try:
            raw += "\n" + json.dumps(json.loads(raw), ensure_ascii=False)
        except ValueError:
            pass
    return raw


def _project_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=ROOT, capture_output=True)
    if listed.returncode == 0:
        files = [ROOT / name for name in listed.stdout.decode().split("\0") if name]
    else:  # not a git checkout (an unpacked sdist): every file but caches and venvs
        skip = {".git", ".venv", "venv", "__pycache__", ".pytest_cache", ".ruff_cache"}
        files = [f for f in ROOT.rglob("*")
                 if not skip.intersection(f.relative_to(ROOT).parts)
                 and not f.name.endswith((".db", ".db-wal", ".db-shm"))]
    return [f for f in files if f.is_file() and f.suffix.lower() in TEXT | BINARY]


@pytest.fixture(scope="module")
def reference_windows() -> tuple[dict[int, str], dict[str, int]]:
    assert REFERENCE is not None
    windows: dict[int, str] = {}
    lengths: dict[str, int] = {}
    for path in sorted(REFERENCE.rglob("*")):
        if not path.is_file() or path.suffix not in {".txt", ".html", ".json"}:
            continue
        name = path.relative_to(REFERENCE).as_posix()
        text = _flat(path.read_text(encoding="utf-8", errors="replace"))
        lengths[name] = len(text)
        for start in range(len(text) - WINDOW + 1):
            windows.setdefault(hash(text[start:start + WINDOW]), name)
    return windows, lengths


def shared_runs(text: str, windows: dict[int, str]) -> list[tuple[int, str]]:
    """(length, reference file) of every run of ``text`` made of shared windows."""
    runs, start = [], 0
    while start <= len(text) - WINDOW:
        name = windows.get(hash(text[start:start + WINDOW]))
        if name is None:
            start += 1
            continue
        end = start
        while end <= len(text) - WINDOW and hash(text[end:end + WINDOW]) in windows:
            end += 1
        runs.append((end + WINDOW - 1 - start, name))
        start = end + WINDOW - 1
    return runs


@needs_reference
def test_no_file_of_the_project_copies_a_real_text(reference_windows):
    windows, lengths = reference_windows
    copies = []
    for path in _project_files():
        runs = shared_runs(_flat(_text_of(path)), windows)
        if not runs:
            continue
        longest, name = max(runs)
        # Distinct windows of each real text found in this file: a title quoted forty times
        # (a file of judged queries naming the same document) is still one title.
        flat = _flat(_text_of(path))
        per_text: dict[str, set[int]] = {}
        for start in range(len(flat) - WINDOW + 1):
            key = hash(flat[start:start + WINDOW])
            source = windows.get(key)
            if source is not None:
                per_text.setdefault(source, set()).add(key)
        whole = [s for s, found in per_text.items() if lengths[s] >= 200
                 and len(found) >= SHARE_OF_A_TEXT * (lengths[s] - WINDOW + 1)]
        if longest >= LONGEST_QUOTE or whole:
            copies.append(f"{path.relative_to(ROOT)}: {longest} characters of {name} in a row"
                          + (f"; half or more of {', '.join(whole)}" if whole else ""))
    assert not copies, "copies of real texts of the reference pack:\n" + "\n".join(copies)


def test_shared_runs_finds_a_quote():
    text = "x" * 10 + "abcdefghij" * 5 + "y" * 10
    windows = {hash(("abcdefghij" * 5)[i:i + WINDOW]): "t.txt" for i in range(11)}
    assert shared_runs(text, windows) == [(50, "t.txt")]
