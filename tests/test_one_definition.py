"""One definition per concept, one meaning per name, across every project module.

- ``Echo`` and ``Progress`` (how a step reports) are defined once, in
  :mod:`policywatch.store.reporting`; other modules import them.
- The document-number grammar is written once, in :mod:`policywatch.store.doc_numbers`:
  no other module compiles a pattern over the 〔〕 brackets of a number.
"""

from __future__ import annotations

import ast

from tests.test_import_graph import project_modules

REPORTING = "policywatch.store.reporting"
DOC_NUMBERS = "policywatch.store.doc_numbers"


def _defined_names(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def test_echo_and_progress_are_defined_once():
    owners: dict[str, list[str]] = {"Echo": [], "Progress": []}
    for module, path in project_modules().items():
        defined = _defined_names(ast.parse(path.read_text(encoding="utf-8")))
        for name in owners:
            if name in defined:
                owners[name].append(module)
    assert owners == {"Echo": [REPORTING], "Progress": [REPORTING]}


def _pattern_strings(tree: ast.AST) -> list[str]:
    """String constants that read as regular expressions over document-number brackets."""
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and ("[〔" in node.value or "〔\\[" in node.value)]


def test_the_document_number_pattern_is_written_once():
    found = {module: strings for module, path in project_modules().items()
             if (strings := _pattern_strings(ast.parse(path.read_text(encoding="utf-8"))))}
    assert set(found) == {DOC_NUMBERS}, found
