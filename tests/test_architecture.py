"""The architecture's rules, checked.

- Dependencies run one way: store imports neither Scrapy nor spaCy; nlp never Scrapy
  (tests/test_import_graph.py checks the whole graph).
- ``policywatch.cli`` and every ``policywatch.commands`` module import on their own.
- Library code reads nothing under ``tests/`` or outside its package unless told to
  (a static check of the sources and an audited run of the extraction benchmark).
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.audit_support import AUDITED_RUN

APP = ("policywatch.cli", "policywatch.commands", "policywatch.alerts", "policywatch.demo")
CASES = [
    ("policywatch.store",
     ("scrapy", "spacy", "sentence_transformers", "policywatch.crawler", "policywatch.nlp", *APP)),
    ("policywatch.crawler.documents",
     ("scrapy", "spacy", "sentence_transformers", "policywatch.nlp", *APP)),
    ("policywatch.crawler.parsers",
     ("scrapy", "spacy", "sentence_transformers", "policywatch.nlp", *APP)),
    ("policywatch.nlp.link.linking", ("scrapy", "policywatch.crawler", *APP)),
    ("policywatch.nlp.retrieval.search", ("scrapy", "policywatch.crawler", *APP)),
    ("policywatch.cli", ("scrapy", "spacy", "sentence_transformers", "torch")),
]


@pytest.mark.parametrize(("module", "forbidden"), CASES)
def test_architecture_import_direction(module, forbidden):
    code = (f"import sys, {module}; "
            f"print(','.join(m for m in {forbidden!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "", f"{module} pulled in {done.stdout.strip()}"


def _command_modules() -> list[str]:
    import pkgutil

    import policywatch.commands

    return ["policywatch.cli", "policywatch.commands", *(
        info.name for info in pkgutil.iter_modules(policywatch.commands.__path__,
                                                   "policywatch.commands."))]


@pytest.mark.parametrize("module", _command_modules())
def test_command_module_imports_on_its_own(module):
    """No cycle between the CLI and its commands: each imports first in a fresh process."""
    done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True,
                          text=True)
    assert done.returncode == 0, f"import {module} on its own failed:\n{done.stderr}"


# -- library code reads only its own package (and what it is told to read) -----------------
#
# Two checks. The static one reads the library's source (every .py file of the folders that
# pyproject's package-dir maps into `policywatch`) and fails on a string literal that names
# `tests`, `fixtures` or `shared` as a path (a literal equal to one of those words, or a
# path with one of them as a component; docstrings are prose and are not checked), and on a
# path computed from `__file__` that climbs above the folder package-dir maps the module's
# top-level package from: a module N folders below that root may go up to `parents[N]`
# (policywatch/bench.py: `parent` only; nlp/extract/lexicon.py: `parents[1]`, that is
# nlp/). There the checkout and the installed wheel agree; one level more is the checkout
# root in one and `site-packages/policywatch/` in the other. The runtime one runs the
# extraction benchmark in a fresh process with an audit hook and checks every file it
# opens or lists.

LIBRARY_ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN_PARTS = {"tests", "fixtures", "shared"}
# (file relative to the checkout, literal) -> why it is not a read outside the package.
# Add an entry only with its reason, never to make the test pass.
ALLOWED_LITERALS: dict[tuple[str, str], str] = {
    ("store/reference.py", "shared"): "the documented default of the reference-pack setting, "
    "../shared/reference seen from the current folder (a checkout beside shared/), after "
    "--reference and $POLICYWATCH_REFERENCE; never a path relative to the package",
}


def _package_dir() -> dict[str, str]:
    import tomllib

    project = tomllib.loads((LIBRARY_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return project["tool"]["setuptools"]["package-dir"]


def _library_sources() -> list[tuple[Path, int]]:
    """Every library source file with its depth: folders between it and its mapped root."""
    sources = []
    for folder in sorted(set(_package_dir().values())):
        base = LIBRARY_ROOT / folder
        for path in sorted(base.rglob("*.py")):
            sources.append((path, len(path.relative_to(base).parts) - 1))
    return sources


def _docstring_nodes(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _path_like_offence(value: str) -> str | None:
    parts = [p for p in re.split(r"[/\\]", value.strip()) if p]
    if value.strip() in FORBIDDEN_PARTS:
        return "is a path component outside the package"
    if ("/" in value or "\\" in value) and " " not in value.strip():
        bad = FORBIDDEN_PARTS.intersection(parts)
        if bad:
            return f"is a path through {sorted(bad)}"
    return None


def _call_name(node: ast.Call) -> str:
    func = node.func
    parts = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        parts.append(func.id)
    return ".".join(reversed(parts))


def _levels(node: ast.AST, names: dict[str, int]) -> int | None:
    """How far up from the module file a ``__file__``-based path expression points:
    0 is the file, 1 its folder, 2 the folder above; ``None``: not such an expression."""
    if isinstance(node, ast.Name):
        return 0 if node.id == "__file__" else names.get(node.id)
    if isinstance(node, ast.Attribute) and node.attr == "parent":
        inner = _levels(node.value, names)
        return None if inner is None else inner + 1
    if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute)
            and node.value.attr == "parents"):
        inner = _levels(node.value.value, names)
        if inner is None:
            return None
        index = node.slice
        if isinstance(index, ast.Constant) and isinstance(index.value, int):
            return inner + 1 + index.value
        return 10**6  # parents[<computed>]: cannot be bounded, so it is an offence
    if isinstance(node, ast.Call):
        name = _call_name(node)
        if isinstance(node.func, ast.Attribute) and node.func.attr in {"resolve", "absolute"}:
            return _levels(node.func.value, names)
        if node.args and name in {"Path", "pathlib.Path", "PurePath", "os.path.abspath",
                                  "os.path.realpath", "os.fspath", "str"}:
            return _levels(node.args[0], names)
        if node.args and name == "os.path.dirname":
            inner = _levels(node.args[0], names)
            return None if inner is None else inner + 1
    return None


def _offences(path: Path, depth: int) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    docstrings = _docstring_nodes(tree)
    where = path.relative_to(LIBRARY_ROOT)
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                and id(node) not in docstrings):
            offence = _path_like_offence(node.value)
            if offence and (where.as_posix(), node.value) not in ALLOWED_LITERALS:
                found.append(f"{where}:{node.lineno}: the literal {node.value!r} {offence}")
    # names bound to __file__-based paths (HERE = Path(__file__).parent), to a fixed point
    names: dict[str, int] = {}
    changed = True
    while changed:
        changed = False
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                level = _levels(node.value, names)
                for target in targets:
                    if (level is not None and isinstance(target, ast.Name)
                            and names.get(target.id) != level):
                        names[target.id] = level
                        changed = True
    allowed = depth + 1  # the folder of the mapped root (nlp/), seen from this module
    worst: dict[int, tuple[int, ast.AST]] = {}  # per line, the expression that climbs most
    for node in ast.walk(tree):
        level = _levels(node, names)
        if level is not None and level > allowed and level > worst.get(node.lineno, (0,))[0]:
            worst[node.lineno] = (level, node)
    for lineno, (level, node) in worst.items():
        found.append(f"{where}:{lineno}: {ast.unparse(node)} climbs {level - 1} folders up "
                     f"from the module's folder; at most {depth} stay in the package")
    return sorted(set(found))


def test_library_names_no_path_outside_its_package():
    sources = _library_sources()
    assert len(sources) > 50
    offences = [line for path, depth in sources for line in _offences(path, depth)]
    assert not offences, "library code names paths outside its package:\n" + "\n".join(
        offences)


def test_the_static_path_check_catches_what_it_should(tmp_path):
    """The checker itself: each of these lines is an offence in a module one folder below
    its root (like nlp/extract/x.py); the last two are fine."""
    bad = ['A = Path(__file__).resolve().parents[2] / "data"',
           'B = Path(__file__).parent.parent.parent',
           'HERE = Path(__file__).parent\nC = HERE.parent.parent',
           'D = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))',
           'E = ROOT / "tests" / "fixtures" / "x.json"',
           'F = "../shared/reference"']
    good = ['G = Path(__file__).resolve().parents[1] / "data"',
            'H = "tests passed: see the fixtures"']
    for line in bad:
        (tmp_path / "x.py").write_text(line + "\n", encoding="utf-8")
        assert _offences_at(tmp_path / "x.py", 1), line
    for line in good:
        (tmp_path / "x.py").write_text(line + "\n", encoding="utf-8")
        assert not _offences_at(tmp_path / "x.py", 1), line


def _offences_at(path: Path, depth: int) -> list[str]:
    global LIBRARY_ROOT
    saved, LIBRARY_ROOT = LIBRARY_ROOT, path.parent
    try:
        return _offences(path, depth)
    finally:
        LIBRARY_ROOT = saved




def _audited(tmp_path: Path, *args: str) -> tuple[set[str], set[str]]:
    """Run ``policywatch ARGS`` in a fresh process from a temporary folder with an audit
    hook on every ``open``, ``os.listdir`` and ``os.scandir``; return the paths read under
    the checkout's ``tests/`` and those read outside what a library run may read: the
    installed package, the Python installation or venv, the temporary folder, the
    reference folder given through ``$POLICYWATCH_REFERENCE``, and the system files any
    Python process may read (``/dev``, ``/proc``, ``/sys``, ``/etc``,
    ``/usr/share/zoneinfo``)."""
    import json
    import os
    import sysconfig
    import tempfile

    reference = LIBRARY_ROOT.parent / "shared" / "reference"
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    log = tmp_path / "opened.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYWATCH_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TMPDIR=str(tmp_path))
    if reference.is_dir():
        env["POLICYWATCH_REFERENCE"] = str(reference)
    done = subprocess.run([sys.executable, "-c", AUDITED_RUN, str(log), *args],
                          cwd=work, env=env, capture_output=True, text=True, timeout=600)
    assert log.exists(), done.stderr[-3000:]
    record = json.loads(log.read_text(encoding="utf-8"))
    assert record["code"] == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert any(Path(n).suffix == ".py" for _, n in record["opened"])  # the hook saw reads

    allowed = [Path(p).resolve() for p in record["packages"]]
    allowed += [Path(p).resolve() for p in {sys.prefix, sys.base_prefix, sys.exec_prefix,
                                            sys.base_exec_prefix, tempfile.gettempdir(),
                                            *sysconfig.get_paths().values()}]
    allowed += [tmp_path.resolve(), *(Path(p) for p in ("/dev", "/proc", "/sys", "/etc",
                                                        "/usr/share/zoneinfo"))]
    if reference.is_dir():
        allowed.append(reference.resolve())
    tests_dir = (LIBRARY_ROOT / "tests").resolve()
    under_tests, outside = set(), set()
    for event, name in record["opened"]:
        path = Path(name).resolve()
        if path.is_relative_to(tests_dir):
            under_tests.add(f"{event} {path}")
        elif not any(path.is_relative_to(root) for root in allowed):
            outside.add(f"{event} {path}")
    return under_tests, outside


def test_extraction_benchmark_reads_only_the_package_and_what_it_is_given(tmp_path):
    """``policywatch bench extract`` reads its labelled sets from the package and real
    texts only from the reference folder it is given."""
    under_tests, outside = _audited(tmp_path, "bench", "extract")
    assert not under_tests, "the library read tests/:\n" + "\n".join(sorted(under_tests))
    assert not outside, "the library read outside its package:\n" + "\n".join(sorted(outside))


def test_the_audit_sees_a_read_under_tests(tmp_path):
    """The checker itself: importing a file under tests/ is a read there."""
    under_tests, _ = _audited(tmp_path, "--db", str(tmp_path / "x.db"), "import",
                              str(LIBRARY_ROOT / "tests" / "conftest.py"))
    assert any(line.endswith("/tests/conftest.py") for line in under_tests), under_tests
