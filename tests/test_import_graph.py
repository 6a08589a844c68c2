"""The project's import graph: no circles between modules, and dependencies run one way.

Every ``import`` and ``from ... import`` of every module under the package folders (module
level and inside functions, ``TYPE_CHECKING`` blocks included, relative imports resolved) is
read with :mod:`ast`, without importing anything, and mapped to the project module it names
(``from policywatch.nlp.extract import tiers`` names ``policywatch.nlp.extract.tiers``). A
package's ``__init__`` that Python runs on the way to a submodule is not counted as an import:
it would make every package that re-exports its submodules a circle.

The layers, bottom up: ``store`` (imports none of the others), ``crawler`` and ``nlp`` (never
each other, never the app), the app (every module in the ``policywatch/`` folder: CLI,
commands, alerts, demo, benchmarks, stage runner, importer). Inside ``nlp``: ``extract`` is the
ground (none of ``link``, ``retrieval``, ``evaluation``); ``link`` and ``retrieval`` never
import ``evaluation``.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Cycles tolerated while another change removes them, e.g.
# frozenset({"policywatch.crawler.replay.server", "policywatch.crawler.replay.endpoints"}).
# Empty now. An entry that is no longer a cycle fails the test, so none outlives its fix.
ALLOWED_CYCLES: set[frozenset[str]] = set()


def package_folders() -> dict[str, Path]:
    """Package name -> folder, as the build installs them (``[tool.setuptools] package-dir``)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    mapping = config["tool"]["setuptools"]["package-dir"]
    # Only the roots: a package whose folder lies inside another root's folder is found by
    # walking that root.
    roots = {name: (ROOT / folder).resolve() for name, folder in mapping.items()}
    return {name: folder for name, folder in roots.items()
            if not any(other != name and name.startswith(other + ".")
                       and folder.is_relative_to(roots[other]) for other in roots)}


def project_modules() -> dict[str, Path]:
    """Every project module name -> its file (a package's name -> its ``__init__.py``)."""
    modules: dict[str, Path] = {}
    for package, folder in package_folders().items():
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(folder).with_suffix("").parts
            if not all(part.isidentifier() for part in parts):
                continue
            if not (path.parent / "__init__.py").exists():
                continue  # data or scripts beside the package, never imported as modules
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join((package, *parts))] = path
    return modules


def _owner(name: str, modules: Iterable[str]) -> str | None:
    """The longest known module that ``name`` is or lies in (``pkg.mod.attr`` -> ``pkg.mod``)."""
    known = set(modules)
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return None


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules that ``module`` imports anywhere in its file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = _owner(alias.name, modules)
                if target:
                    found.add(target)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[:len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                target = _owner(f"{source}.{alias.name}", modules) or _owner(source, modules)
                if target:
                    found.add(target)
    found.discard(module)
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports."""
    modules = project_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components (iterative), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def _describe(component: list[str], graph: dict[str, set[str]]) -> str:
    members = set(component)
    edges = [f"{a} -> {b}" for a in component for b in sorted(graph[a] & members)]
    return "; ".join(edges)


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


def test_the_graph_sees_the_project(graph):
    """The scan finds the packages and resolves absolute, relative and submodule imports."""
    assert {"policywatch.cli", "policywatch.store.db", "policywatch.crawler.documents.registry",
            "policywatch.nlp.extract.mentions"} <= set(graph)
    assert "policywatch.nlp.extract.lexicon" in graph["policywatch.nlp.extract.mentions"]


def test_no_import_cycles(graph):
    cycles = [c for c in strongly_connected(graph) if len(c) > 1]
    unexpected = [c for c in cycles if frozenset(c) not in ALLOWED_CYCLES]
    assert not unexpected, "import cycles:\n" + "\n".join(
        _describe(c, graph) for c in unexpected)
    stale = ALLOWED_CYCLES - {frozenset(c) for c in cycles}
    assert not stale, f"no longer cycles; remove them from ALLOWED_CYCLES: {stale}"


def _in(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def _app_modules(graph: dict[str, set[str]]) -> set[str]:
    """Every module of the ``policywatch/`` folder itself (CLI, commands, alerts, ...)."""
    layers = ("policywatch.store", "policywatch.crawler", "policywatch.nlp")
    return {m for m in graph if _in(m, "policywatch") and not _in(m, *layers)}


def _violations(graph: dict[str, set[str]], importer: tuple[str, ...],
                forbidden: Iterable[str]) -> list[str]:
    banned = tuple(forbidden)
    return sorted(f"{a} -> {b}" for a, targets in graph.items() if _in(a, *importer)
                  for b in targets if _in(b, *banned))


def test_layers(graph):
    app = sorted(_app_modules(graph) - {"policywatch"})
    rules = [
        (("policywatch.store",), ("policywatch.crawler", "policywatch.nlp", *app)),
        (("policywatch.crawler",), ("policywatch.nlp", *app)),
        (("policywatch.nlp",), ("policywatch.crawler", *app)),
        (("policywatch.nlp.extract",),
         ("policywatch.nlp.link", "policywatch.nlp.retrieval", "policywatch.nlp.evaluation")),
        (("policywatch.nlp.link", "policywatch.nlp.retrieval"),
         ("policywatch.nlp.evaluation",)),
    ]
    found = [v for importer, banned in rules for v in _violations(graph, importer, banned)]
    assert not found, "imports against the layers:\n" + "\n".join(found)


def test_app_modules_are_the_ones_named(graph):
    """The layer rule's app set covers the app modules this project documents."""
    named = {"policywatch.cli", "policywatch.commands", "policywatch.alerts", "policywatch.demo",
             "policywatch.bench", "policywatch.stages", "policywatch.importer",
             "policywatch.diffview"}
    assert named <= _app_modules(graph)
