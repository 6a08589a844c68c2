"""The CLI contract: help everywhere ending in an example, every command documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from policywatch.cli import cli

COMMANDS = sorted(cli.commands)


@pytest.mark.parametrize("name", COMMANDS)
def test_cli_every_command_has_help_ending_with_an_example(runner, name):
    command = cli.commands[name]
    help_lines = (command.help or "").strip().splitlines()
    assert help_lines, f"{name} has no help"
    assert help_lines[-2].strip() in {"Example:", ""}, f"{name} help has no example"
    assert help_lines[-1].strip().startswith("policywatch "), f"{name} help must end with one"
    for flag in ("--help", "-h"):
        result = runner.invoke(cli, [name, flag])
        assert result.exit_code == 0, result.output
        assert help_lines[-1].strip() in result.output


def test_cli_group_help_lists_the_contract_commands(runner):
    result = runner.invoke(cli, ["--help"])
    for name in ("demo", "crawl", "import", "parse", "extract", "diff", "lineage", "search",
                 "alerts", "subscribe", "notify", "serve", "watch"):
        assert name in cli.commands, name
        assert name in result.output


@pytest.mark.parametrize("name", COMMANDS)
def test_cli_every_command_is_in_the_readme(name):
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert f"policywatch {name}" in readme, f"README does not document `policywatch {name}`"


def test_cli_db_option_and_environment(runner, tmp_path, monkeypatch):
    page = tmp_path / "a.txt"
    page.write_text("关于开展专精特新中小企业认定工作的通知\n正文", encoding="utf-8")
    env_db = tmp_path / "env.db"
    monkeypatch.setenv("POLICYWATCH_DB", str(env_db))
    assert runner.invoke(cli, ["import", str(page)]).exit_code == 0
    assert env_db.exists()
    opt_db = tmp_path / "opt.db"
    assert runner.invoke(cli, ["--db", str(opt_db), "import", str(page)]).exit_code == 0
    assert opt_db.exists()


def test_cli_unusable_database_is_one_line_error(runner, tmp_path):
    bogus = tmp_path / "bogus.db"
    bogus.write_text("not sqlite " * 200)
    page = tmp_path / "a.txt"
    page.write_text("通知正文", encoding="utf-8")
    result = runner.invoke(cli, ["--db", str(bogus), "import", str(page)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot open")
    assert "Traceback" not in result.output


def test_cli_parse_unknown_source_is_usage_error(runner, tmp_path):
    page = tmp_path / "a.html"
    page.write_text("<html></html>")
    result = runner.invoke(cli, ["parse", "--source", "nowhere", str(page)])
    assert result.exit_code == 2
    assert "no parser for 'nowhere'" in result.output
