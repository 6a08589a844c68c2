"""The doctests of every library module run, each module imported under its real name.

Why not ``pytest --doctest-modules``: pytest collects doctests by file path. The design
card's folders ``crawler/``, ``nlp/`` and ``store/`` are installed as ``policywatch.crawler``,
``policywatch.nlp`` and ``policywatch.store`` (``package-dir`` in pyproject.toml), so
collecting ``crawler/run.py`` from the checkout imports it as the top-level module
``crawler.run`` (pytest 9, with the default import mode and with
``--import-mode=importlib`` alike): a second copy of the module, with its own globals,
beside the ``policywatch.crawler.run`` the rest of the code imports, and a name that exists
in no installed wheel. Instead this module walks the installed ``policywatch`` package
(``pkgutil.iter_modules`` over each package's ``__path__``, starting from the roots that
pyproject's ``package-dir`` names, because the editable install maps the sub-packages
from other folders), imports every module by its ``policywatch.`` name and runs
:class:`doctest.DocTestFinder` / :class:`doctest.DocTestRunner` on it, one test per module.

Nothing is skipped: a module that fails to import fails its test, and
:func:`test_every_source_file_is_walked` fails when a ``.py`` file of the source folders is
not reached by the walk (a folder without ``__init__.py``, a package missing from
pyproject's ``packages``).
"""

from __future__ import annotations

import doctest
import importlib
import io
import pkgutil
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR: dict[str, str] = tomllib.loads(
    (ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-dir"]


def _walk(package_name: str) -> list[str]:
    """The package and every module below it, by import name (packages are imported to
    read their ``__path__``; plain modules are imported by the tests)."""
    package = importlib.import_module(package_name)
    names = [package_name]
    for info in pkgutil.iter_modules(package.__path__, package_name + "."):
        names.extend(_walk(info.name) if info.ispkg else [info.name])
    return names


def library_modules() -> list[str]:
    """Every mapped root is walked: in an editable install ``policywatch.__path__`` is
    ``policywatch/`` alone, so pkgutil does not see ``policywatch.crawler`` from there."""
    return sorted({name for root in PACKAGE_DIR for name in _walk(root)})


MODULES = library_modules()


def source_modules() -> set[str]:
    """Every ``.py`` file of the source folders, named as the wheel installs it."""
    names: set[str] = set()
    for package, folder in PACKAGE_DIR.items():
        base = ROOT / folder
        for path in base.rglob("*.py"):
            parts = [p for p in path.relative_to(base).with_suffix("").parts
                     if p != "__init__"]
            names.add(".".join([package, *parts]))
    return names


def test_every_source_file_is_walked():
    missing = source_modules() - set(MODULES)
    assert not missing, f"not reached by the doctest walk (missing __init__.py?): {missing}"
    assert len(MODULES) > 50


@pytest.mark.parametrize("module_name", MODULES)
def test_doctests(module_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    module = importlib.import_module(module_name)  # an ImportError fails the test
    monkeypatch.chdir(tmp_path)  # a doctest that writes a file writes it here
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(verbose=False)
    report = io.StringIO()
    for test in finder.find(module, module_name):
        runner.run(test, out=report.write)
    assert runner.failures == 0, (
        f"{runner.failures} of {runner.tries} doctest examples failed in "
        f"{module_name}:\n{report.getvalue()}")
