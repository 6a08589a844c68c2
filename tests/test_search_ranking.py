"""Search ranks governing documents first for questions about criteria, widens synonyms
within a language, and shows a document on two sites once."""

from __future__ import annotations

from pathlib import Path

import pytest

from policywatch.nlp.retrieval.indexing import index_pending
from policywatch.nlp.retrieval.search import search
from policywatch.nlp.retrieval.search_text import expanded_query, is_criteria_query
from policywatch.store import open_store
from tests.conftest import REFERENCE, needs_reference


def test_synonyms_widen_a_query_within_its_language():
    terms, concepts = expanded_query("小巨人 研发投入 门槛")
    assert {"研发费用", "条件", "标准"} <= set(terms)
    alternatives = {alt for concept in concepts for alt in concept}
    assert ("研发费用",) in alternatives and ("研发投入",) in alternatives
    terms, _ = expanded_query("R&D spending requirement for little giants", "en")
    assert {"rd", "expens"} <= set(terms)


@pytest.mark.parametrize(("query", "language", "expected"), [
    ("专精特新中小企业营收门槛是多少", "zh", True),
    ("小巨人 研发费用 不低于", "zh", True),
    ("2025年第一批专精特新中小企业名单", "zh", False),
    ("revenue threshold for specialized SMEs", "en", True),
    ("MIIT list of little giants 2024", "en", False),
])
def test_criteria_questions_are_recognised(query, language, expected):
    assert is_criteria_query(query, language) is expected


def test_a_document_on_two_sites_is_one_result(measures_db: Path):
    with open_store(measures_db) as store:
        index_pending(store, None)
        response = search(store, "优质中小企业梯度培育管理办法 营业收入", limit=10, mode="lexical")
        urls = [r.url for r in response.results]
        titles = [r.title for r in response.results]
        assert len(urls) == len(set(urls))
        measures_2026 = [r for r in response.results if "《优质中小企业梯度培育管理办法》" in r.title]
        assert len(measures_2026) == 1  # MIIT and gov.cn copies folded into one result
        (shown,) = measures_2026
        assert len(shown.also) == 1 and shown.also[0]["url"] != shown.url
        assert {shown.source_id, shown.also[0]["source_id"]} == {"miit", "govcn"}
        assert shown.as_dict()["also"] == shown.also and titles


def test_a_criteria_question_puts_the_standard_ahead_of_its_interpretation(measures_db: Path):
    with open_store(measures_db) as store:
        index_pending(store, None)
        response = search(store, "专精特新中小企业 营业收入 门槛", limit=5, mode="lexical")
        kinds = [r.kind for r in response.results]
        assert kinds[0] == "normative", [(r.title, r.kind) for r in response.results]
        if "interpretation" in kinds:
            assert kinds.index("normative") < kinds.index("interpretation")


@pytest.fixture(scope="module")
def natural_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from policywatch.bench import build_search_corpus
    from policywatch.stages import process_pending

    db_path = tmp_path_factory.mktemp("natural") / "corpus.db"
    build_search_corpus(db_path, lambda line: None, REFERENCE)
    with open_store(db_path) as store:
        process_pending(store)
    return db_path


@pytest.mark.slow
@needs_reference
def test_natural_queries_find_the_governing_document_in_the_top_3(natural_corpus: Path):
    """The 84 queries written blind to the glossary: the development part (tuned on) must
    stay perfect; the held-out and fresh parts are guarded against regressions at today's
    figures (words and translation: fresh 17 of 18 governing answers in the top 3, fresh2
    14 of 15)."""
    from policywatch.nlp.evaluation.natural_queries import evaluate

    with open_store(natural_corpus) as store:
        lexical = evaluate(store, None, "lexical")
        baseline = evaluate(store, None, "bm25")
    assert lexical["dev/all"]["governing@3"] == 1.0
    assert lexical["dev/all"]["hit@3"] == 1.0
    assert lexical["heldout/all"]["governing@3"] >= 0.9
    assert lexical["fresh/all"]["governing@3"] >= 0.9
    assert lexical["fresh2/all"]["governing@3"] >= 0.9
    for split in ("dev/all", "heldout/all", "fresh/all", "fresh2/all"):
        assert lexical[split]["duplicates@10"] == 0
        assert lexical[split]["mrr"] > baseline[split]["mrr"]
