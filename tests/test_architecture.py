"""Dependencies run one way: store imports neither Scrapy nor spaCy; nlp never Scrapy."""

from __future__ import annotations

import subprocess
import sys

import pytest

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
