"""``policywatch demo`` end to end: every stage it claims, in its output."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import REFERENCE

pytestmark = pytest.mark.slow


def test_demo_runs_every_stage_and_is_rerunnable(tmp_path):
    command = [sys.executable, "-c", "from policywatch.cli import cli; cli()", "demo"]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    first = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, env=env,
                           timeout=300)
    assert first.returncode == 0, first.stderr[-3000:]
    out = first.stdout
    if REFERENCE is not None:  # named to the demo through $POLICYWATCH_REFERENCE
        assert "(real gov.cn pages plus reconstructed ones, marked as such; not official texts)" in out
    else:
        assert "(reconstructed pages alone, marked as such; not official texts)" in out
    for source in ("beijing", "govcn", "govcn_en", "guangdong", "jiangsu", "miit", "zhejiang"):
        assert f"  {source} " in out
    assert "Step 2" in out and "Step 3" in out
    assert "SRDI SMEs: revenue threshold >= 10 million yuan (last year) -> >= 15 million yuan" in out
    assert "supersedes" in out and "translation_of" in out
    assert "$ policywatch search 'Little Giant R&D threshold'" in out
    assert "专精特新“小巨人”企业认定标准" in out.split("Little Giant R&D threshold")[1]
    alerts = out.split("Step 5: the alerts these crawls produced")[1]
    assert "认定条件变化 / criteria changed:" in alerts and "废止 / repealed:" in alerts
    assert "SRDI SMEs: years in the niche market threshold >= 2 years -> >= 3 years" in alerts
    diff_paths = [line.split("full diff: ")[1] for line in alerts.splitlines()
                  if "full diff: " in line]
    assert diff_paths and all((tmp_path / p).is_file() for p in diff_paths)
    assert "-> 0 delivered the second time (exactly once)" in alerts
    assert (tmp_path / "policywatch-demo.feed.xml").is_file()
    assert out.rstrip().endswith(
        "Stages run: crawl, store, extraction, lineage and diffs, search, alerts.")
    assert (tmp_path / "policywatch-demo.db").exists()
    again = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, env=env,
                           timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]


def test_demo_refuses_to_wipe_a_real_database(tmp_path, runner):
    from policywatch.cli import cli

    page = tmp_path / "a.txt"
    page.write_text("关于开展专精特新中小企业认定工作的通知\n正文", encoding="utf-8")
    real = tmp_path / "real.db"
    assert runner.invoke(cli, ["--db", str(real), "import", str(page)]).exit_code == 0
    result = runner.invoke(cli, ["--db", str(real), "demo"])
    assert result.exit_code == 1
    assert "will not delete it" in result.output
    assert real.exists()


def test_demo_force_asks_before_deleting_a_real_database(tmp_path, runner, monkeypatch):
    from policywatch import demo as demo_module
    from policywatch.cli import cli
    from policywatch.store import open_store

    page = tmp_path / "a.txt"
    page.write_text("关于开展专精特新中小企业认定工作的通知\n正文", encoding="utf-8")
    real = tmp_path / "real.db"
    assert runner.invoke(cli, ["--db", str(real), "import", str(page)]).exit_code == 0
    refused = runner.invoke(cli, ["--db", str(real), "demo", "--force"], input="n\n")
    assert refused.exit_code == 1 and "Delete" in refused.output
    with open_store(real) as store:
        assert store.db.execute("select count(*) from notices").fetchone()[0] == 1
    # --force --yes resets without asking; the crawl itself is not what this test is about
    reset = []
    monkeypatch.setattr(demo_module, "run_demo", lambda db_path, **kw: reset.append(
        (db_path, kw["force"])) or demo_module.reset_database(db_path, force=kw["force"]))
    result = runner.invoke(cli, ["--db", str(real), "demo", "--force", "--yes"])
    assert result.exit_code == 0, result.output
    assert reset == [(real, True)] and not real.exists()
