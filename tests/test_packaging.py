"""The wheel: one import name, every module and data file, and it runs where it is installed.

The wheel is built from a copy of the checkout's project files (``git ls-files``: tracked
and untracked-but-not-ignored) in a temporary folder, so the build leaves no ``build/`` or
``*.egg-info`` in the checkout and a stray ignored file (a database, a cache) cannot slip
in. It is then installed, not editable, into a fresh venv that reuses this venv's
dependencies through a ``.pth`` line: lines of a ``.pth`` file are only appended to
``sys.path``; the ``.pth`` files *inside* that folder are not executed, so this venv's
editable hook (``__editable__.policywatch-0.1.0.pth``, which would map ``policywatch``
back to the checkout) never runs there. The test proves it: ``policywatch.__file__`` and
its sub-packages resolve inside the fresh venv. Nothing is downloaded (``--no-index``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.audit_support import AUDITED_RUN

ROOT = Path(__file__).resolve().parents[1]
SHARED_REFERENCE = ROOT.parent / "shared" / "reference"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PACKAGE_DIR: dict[str, str] = PYPROJECT["tool"]["setuptools"]["package-dir"]

NOTICE_HTML = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>关于开展2026年专精特新中小企业认定工作的通知</title></head>
<body><div class="article">
<h1>关于开展2026年专精特新中小企业认定工作的通知</h1>
<p>各有关单位：</p>
<p>现就2026年专精特新中小企业认定工作通知如下。</p>
<p>一、申报条件</p>
<p>（一）从事特定细分市场时间达到2年以上。</p>
<p>（二）上年度研发费用总额不低于100万元。</p>
<p>（三）上年度营业收入总额在1000万元以上。</p>
<p>二、申报时间：2026年4月1日至2026年4月30日。</p>
<p>（测试用文件，由 policywatch 的测试写成，不是官方文本。）</p>
</div></body></html>
"""


def project_files() -> list[Path]:
    """The project's files as git sees them (tracked plus new, minus ignored), relative to
    the checkout, for pyproject.toml, README.md and the package-dir folders."""
    folders = sorted(set(PACKAGE_DIR.values()))
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", "--",
         "pyproject.toml", "README.md", *folders],
        cwd=ROOT, capture_output=True, check=True).stdout.decode("utf-8")
    return [Path(name) for name in listed.split("\0")
            if name and (ROOT / name).is_file()]  # a deleted, not yet staged file: gone


def wheel_name(source: Path) -> str:
    """Where a checkout file lands in the wheel: ``nlp/data/x.json`` ->
    ``policywatch/nlp/data/x.json`` (through pyproject's package-dir)."""
    for package, folder in sorted(PACKAGE_DIR.items(), key=lambda kv: -len(kv[1])):
        prefix = Path(folder)
        if source.parts[:len(prefix.parts)] == prefix.parts:
            rest = source.parts[len(prefix.parts):]
            return "/".join([*package.split("."), *rest])
    raise AssertionError(f"{source} is in no package-dir folder")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    source = tmp_path_factory.mktemp("source")
    files = project_files()
    for name in files:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--no-index", "-q", "-w", str(dist), str(source)], check=True)
    (built,) = dist.glob("policywatch-*.whl")
    return built, files


@pytest.mark.slow
def test_wheel_has_one_import_name_and_every_file(wheel):
    built, files = wheel
    names = set(zipfile.ZipFile(built).namelist())
    top_level = {name.split("/", 1)[0] for name in names} - {
        name.split("/", 1)[0] for name in names if name.split("/", 1)[0].endswith(".dist-info")}
    assert {Path(top).stem for top in top_level} == {"policywatch"}, top_level
    assert top_level == {"policywatch"}, top_level  # no top-level module file either

    package_files = [f for f in files if f.parts[0] in set(PACKAGE_DIR.values())]
    modules = {wheel_name(f) for f in package_files if f.suffix == ".py"}
    wheel_modules = {n for n in names if n.endswith(".py")}
    assert sorted(modules - wheel_modules) == [], "modules missing from the wheel"
    assert sorted(wheel_modules - modules) == [], "modules in the wheel the checkout lacks"

    data = {wheel_name(f) for f in package_files if f.suffix != ".py"}
    assert {n for n in data if n.startswith("policywatch/nlp/data/")}, "no nlp/data files"
    assert {n for n in data if n.startswith("policywatch/crawler/replay/site/")}, "no replay"
    missing = sorted(data - names)
    assert not missing, (f"{len(missing)} data files missing from the wheel (pyproject's "
                         f"package-data globs), e.g. {missing[:5]}")

    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "policywatch = policywatch.cli:cli" in zipfile.ZipFile(built).read(
        entry_points).decode()


def _fresh_venv(tmp: Path, built: Path) -> Path:
    """A venv with the wheel installed (not editable) and this venv's dependencies."""
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    # Installed before the .pth exists: pip then sees no other policywatch distribution.
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-deps", "--no-index", str(built)], check=True,
                   env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['purelib'])"], capture_output=True, text=True,
                          check=True).stdout.strip()
    (Path(site) / "zz-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def _env(venv: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in {"PYTHONPATH", "VIRTUAL_ENV", "POLICYWATCH_DB", "POLICYWATCH_CONFIG"}}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
               VIRTUAL_ENV=str(venv))
    if SHARED_REFERENCE.is_dir():
        env["POLICYWATCH_REFERENCE"] = str(SHARED_REFERENCE)
    return env


@pytest.mark.slow
def test_wheel_installs_and_runs_from_an_unrelated_folder(wheel, tmp_path: Path):
    """``demo``, ``import``, ``extract --json`` and ``bench extract`` from the installed
    wheel, in a folder that is neither the checkout nor beside ``shared/``."""
    started = time.monotonic()
    built, _ = wheel
    venv = _fresh_venv(tmp_path, built)
    env = _env(venv)
    work = tmp_path / "elsewhere"
    work.mkdir()

    def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(args), cwd=work, env=env, capture_output=True, text=True,
                              timeout=timeout)

    # The installed copy is the one that runs, not the checkout's (no editable hook).
    where = run(str(venv / "bin" / "python"), "-c",
                "import json, sys, policywatch, policywatch.crawler, policywatch.nlp, "
                "policywatch.store; print(json.dumps({'files': [m.__file__ for m in ("
                "policywatch, policywatch.crawler, policywatch.nlp, policywatch.store)], "
                "'editable': [m for m in sys.modules if 'editable' in m]}))")
    assert where.returncode == 0, where.stderr
    located = json.loads(where.stdout)
    site = venv.resolve()
    for module_file in located["files"]:
        assert Path(module_file).resolve().is_relative_to(site), located
        assert not Path(module_file).resolve().is_relative_to(ROOT), located
    assert located["editable"] == [], located

    policywatch = str(venv / "bin" / "policywatch")
    demo_args = [policywatch, "demo"]
    if "--reference" in run(policywatch, "demo", "-h").stdout and SHARED_REFERENCE.is_dir():
        demo_args += ["--reference", str(SHARED_REFERENCE)]
    demo = run(*demo_args)
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    for step in ("Step 1", "Step 3", "Stages run: crawl, store, extraction"):
        assert step in demo.stdout, demo.stdout[-3000:]
    assert (work / "policywatch-demo.db").is_file()

    notice = work / "notice.html"
    notice.write_text(NOTICE_HTML, encoding="utf-8")
    imported = run(policywatch, "--db", "demo.db", "import", str(notice))
    assert imported.returncode == 0, imported.stderr
    (line,) = imported.stdout.strip().splitlines()
    record = json.loads(line)
    assert record["status"] == "new", record

    extracted = run(policywatch, "--db", "demo.db", "extract", str(record["notice_id"]),
                    "--json")
    assert extracted.returncode == 0, extracted.stderr
    result = json.loads(extracted.stdout)
    assert result["title"] == "关于开展2026年专精特新中小企业认定工作的通知"
    assert "srdi_sme" in result["tiers"]
    found = {(c["metric"], c["op"], c["value"]) for c in result["criteria"]}
    assert ("years_in_niche", ">=", 2) in found, found

    # The benchmark's labelled sets ship in the wheel: run under an audit hook, it opens
    # nothing in the checkout (tests/ included).
    log = tmp_path / "opened.json"
    bench = run(str(venv / "bin" / "python"), "-c", AUDITED_RUN, str(log), "bench", "extract")
    assert bench.returncode == 0 and log.exists(), bench.stdout[-2000:] + bench.stderr[-3000:]
    audit = json.loads(log.read_text(encoding="utf-8"))
    assert audit["code"] == 0, bench.stdout[-2000:] + bench.stderr[-3000:]
    assert "older development set" in bench.stdout and "criteria: precision" in bench.stdout, (
        bench.stdout[-2000:])
    dependencies = Path(sys.prefix).resolve()  # this venv (.venv/ may sit in the checkout)
    in_checkout = sorted({p for _, p in audit["opened"]
                          if Path(p).resolve().is_relative_to(ROOT)
                          and not Path(p).resolve().is_relative_to(dependencies)})
    assert not in_checkout, f"the installed package read the checkout: {in_checkout[:10]}"
    elapsed = time.monotonic() - started
    print(f"wheel install + demo + import + extract + bench extract: {elapsed:.1f}s")
    assert elapsed < 240, f"the packaging test took {elapsed:.0f}s"
