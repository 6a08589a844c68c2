"""Search index and search: hostile queries, filters, grouping, snippets, incremental runs.

Runs on a small store of hand-made notices with the deterministic fake embedder, so it
needs no model and no crawl.
"""

from __future__ import annotations

import json

import pytest

from policywatch.cli import cli
from policywatch.nlp.extract.kinds import document_type
from policywatch.nlp.retrieval.embeddings import HashingEmbedder
from policywatch.nlp.retrieval.indexing import index_pending, tiers_of
from policywatch.nlp.retrieval.search import (
    MARK_CLOSE,
    MARK_OPEN,
    make_snippet,
    resolve_filters,
    search,
)
from policywatch.nlp.retrieval.search_text import SEARCH_TERMS_VERSION, split_passages
from policywatch.store import Capture, record_capture
from policywatch.store import search_index as idx
from policywatch.store.notices import upsert_source

# fmt: off
NOTICES = [
    ("https://www.miit.gov.cn/a/lg.html", "miit", "工业和信息化部办公厅关于组织开展第七批专精特新“小巨人”企业培育工作的通知",
     "第一条 申报企业应当为专精特新中小企业。\n第二条 上年度营业收入总额在1亿元以上的企业，近2年研发费用总额占营业收入总额比重不低于3%。\n第三条 资产负债率不高于70%。",
     "2025-05-08", "工业和信息化部办公厅", "zh"),
    ("https://www.gov.cn/zhengce/guarantee.htm", "govcn", "国务院办公厅关于有效发挥政府性融资担保基金作用切实支持小微企业和“三农”发展的指导意见",
     "一、聚焦支小支农融资担保业务。\n各级政府性融资担保机构要聚焦小微企业、个体工商户、农户。\n二、降低融资担保费率。",
     "2019-02-14", "国务院办公厅", "zh"),
    ("https://jxj.beijing.gov.cn/b/rules.html", "beijing", "北京市经济和信息化局关于印发《北京市优质中小企业梯度培育管理实施细则》的通知",
     "第一条 为做好专精特新中小企业认定工作，制定本细则。\n第二条 专精特新中小企业认定每年组织不少于两批。",
     "2022-11-25", "北京市经济和信息化局", "zh"),
    ("https://english.www.gov.cn/c/measures.html", "govcn_en", "China unveils measures for graded cultivation of high-quality SMEs",
     "The Ministry of Industry and Information Technology released revised measures for the graded cultivation of high-quality SMEs.\nSRDI little giant enterprises face stricter certification standards.",
     "2026-01-19", "Xinhua", "en"),
]
# fmt: on
SOURCES = {"miit": "national", "govcn": "national", "beijing": "北京市", "govcn_en": "national"}


def _add(store, url, source, title, text, published, issuer, language):
    upsert_source(store, {"id": source, "name": source, "platform": "test",
                          "region": SOURCES[source], "language": language})
    return record_capture(store, Capture(
        raw=text.encode(), text=text, url=url, source_id=source,
        fields={"title": title, "published_date": published, "issuer": issuer,
                "language": language, "format": "html"}))


@pytest.fixture
def fake():
    return HashingEmbedder(dim=32, covers_chinese=True)


@pytest.fixture
def indexed(store, fake):
    for row in NOTICES:
        _add(store, *row)
    index_pending(store, fake)
    return store


def _titles(response):
    return [r.title for r in response.results]


HOSTILE = [
    '"unterminated',
    "NEAR(小巨人 研发费用, 2)",
    "小巨人* OR -研发费用 AND NOT ^title:x",
    "'; DROP TABLE notices; --",
    "1) UNION SELECT * FROM versions --",
    "{heading_tokens}: 小巨人",
    "***",
    "",
    "   ",
    "\x00\x01小巨人",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_search_index_hostile_query_answers_without_error(indexed, fake, query):
    response = search(indexed, query, embedder=fake)
    assert isinstance(response.results, list)
    assert indexed.db.execute("select count(*) from notices").fetchone()[0] == len(NOTICES)


def test_search_index_fts_syntax_is_searched_as_words(indexed, fake):
    response = search(indexed, 'NEAR("小巨人" 研发费用) AND *', embedder=fake)
    assert "小巨人" in _titles(response)[0]


def test_search_index_ten_thousand_character_query_is_cut_and_answered(indexed, fake):
    response = search(indexed, "小巨人研发费用" * 1500, embedder=fake)
    assert any("cut" in note for note in response.notes)
    assert response.results and "小巨人" in response.results[0].title


def test_search_index_query_without_words_says_so(indexed, fake):
    response = search(indexed, "*** --- ()", embedder=fake)
    assert response.results == []
    assert any("no searchable words" in note for note in response.notes)


def test_search_index_english_query_finds_chinese_notice_through_glossary(indexed):
    response = search(indexed, "financing guarantees for small firms", mode="lexical")
    assert "融资担保" in response.results[0].title
    assert "融资担保" in response.translation.describe()


def test_search_index_chinese_query_finds_english_notice(indexed):
    response = search(indexed, "梯度培育 优质中小企业 管理办法", mode="lexical")
    assert "China unveils measures" in " ".join(_titles(response))


def test_search_index_results_grouped_per_notice(indexed, fake):
    response = search(indexed, "专精特新中小企业 认定", embedder=fake)
    notice_ids = [r.notice_id for r in response.results]
    assert len(notice_ids) == len(set(notice_ids))


def test_search_index_snippet_marks_the_matching_passage(indexed, fake):
    response = search(indexed, "小巨人 研发费用 不低于", embedder=fake)
    top = response.results[0]
    assert f"{MARK_OPEN}研发费用{MARK_CLOSE}" in top.snippet
    assert top.clause and top.clause.startswith("第")
    assert "<mark>研发费用</mark>" in top.as_dict()["snippet"]


def test_search_index_json_has_the_documented_keys(indexed, fake):
    result = search(indexed, "小巨人", embedder=fake).results[0].as_dict()
    assert list(result) == ["notice_id", "version_id", "title", "url", "published", "score",
                            "snippet", "kind", "source_id", "also"]


FILTERS = [
    ({"date_from": "2022", "date_to": "2025"}, {"北京市", "工业和信息化部办公厅"}),
    ({"sources": ("beijing",)}, {"北京市"}),
    ({"issuers": ("MIIT",)}, {"工业和信息化部办公厅"}),
    ({"regions": ("Beijing",)}, {"北京市"}),
    ({"tiers": ("little giant",)}, {"工业和信息化部办公厅", "China unveils"}),
    ({"doc_types": ("implementation_rules",)}, {"北京市"}),
    ({"languages": ("en",)}, {"China unveils"}),
]


@pytest.mark.parametrize(("given", "expected"), FILTERS)
def test_search_index_filters_restrict_results(indexed, fake, given, expected):
    filters = resolve_filters(**given)
    response = search(indexed, "专精特新 中小企业 小巨人 融资担保 SMEs measures", limit=10,
                      filters=filters, embedder=fake)
    assert response.results
    for result in response.results:
        assert any(word in result.title for word in expected), result.title


def test_search_index_incremental_replaces_a_notice_on_new_version(indexed, fake):
    url, source, title, text, published, issuer, language = NOTICES[2]
    _add(indexed, url, source, title, text + "\n第三条 新增条款：数字化转型专项。", published,
         issuer, language)
    first = index_pending(indexed, fake)
    assert first["notices"] == 1
    assert index_pending(indexed, fake)["notices"] == 0
    response = search(indexed, "数字化转型专项", embedder=fake)
    assert "北京市" in response.results[0].title
    notice_id = response.results[0].notice_id
    versions = {row[0] for row in indexed.db.execute(
        "select distinct version_id from passages where notice_id = ?", [notice_id])}
    assert len(versions) == 1


def test_search_index_document_frequencies_follow_replacements(indexed, fake):
    before = idx.document_frequencies(indexed, ["农户"])["农户"]
    url, source, title, _, published, issuer, language = NOTICES[1]
    _add(indexed, url, source, title, "一、其他内容。", published, issuer, language)
    index_pending(indexed, fake)
    after = idx.document_frequencies(indexed, ["农户"])["农户"]
    assert before > after
    totals = idx.index_totals(indexed)
    assert totals.passages == indexed.db.execute("select count(*) from passages").fetchone()[0]


def test_search_index_embeddings_stored_once_per_text_and_model(indexed, fake):
    count = idx.embedding_count(indexed, fake.name)
    keys = indexed.db.execute("select count(distinct embed_key) from passages").fetchone()[0]
    assert count == keys
    index_pending(indexed, fake)
    assert idx.embedding_count(indexed, fake.name) == count


def test_search_index_records_the_segmenter(indexed):
    tags = {row[0] for row in indexed.db.execute("select distinct segmenter from search_docs")}
    assert len(tags) == 1 and next(iter(tags)).startswith(SEARCH_TERMS_VERSION)


@pytest.mark.parametrize(("title", "expected"), [
    ("工业和信息化部关于印发《优质中小企业梯度培育管理办法》的通知", "measures"),
    ("关于第六批专精特新“小巨人”企业名单的公示", "publicity"),
    ("《广东省优质中小企业梯度培育管理实施细则》政策解读", "interpretation"),
    ("国务院关于河北雄安新区总体规划（2018—2035年）的批复", "reply"),
])
def test_search_index_doc_type_from_title(title, expected):
    assert document_type(title, "zh") == expected


def test_search_index_tiers_from_text():
    assert tiers_of("SRDI little giant enterprises", "") == ["little_giant", "srdi_sme"]


def test_search_index_passages_cut_at_clauses_and_length():
    text = "\n".join(f"第{n}条 " + "营业收入总额不低于1000万元。" * 8 for n in range(1, 6))
    passages = split_passages(text, "zh")
    assert len(passages) >= 3
    assert all(len(p.text) <= 330 for p in passages)
    assert passages[0].clause == "第1条"


def test_search_index_snippet_window_has_the_matches():
    text = "无关内容。" * 60 + "上年度研发费用总额不低于100万元。" + "其他内容。" * 60
    snippet = make_snippet(text, ["研发费用"], width=60)
    assert snippet.startswith("…") and snippet.endswith("…")
    assert f"{MARK_OPEN}研发费用{MARK_CLOSE}" in snippet


def test_search_index_cli_json_and_filters(runner, db_path, indexed, monkeypatch, fake):
    from policywatch.nlp.retrieval import embeddings

    monkeypatch.setattr(embeddings, "_embedder", fake)
    result = runner.invoke(cli, ["--db", str(db_path), "search", "小巨人 研发费用", "--json",
                                 "--limit", "2", "--from", "2020"])
    assert result.exit_code == 0, result.output
    items = json.loads(result.output)
    assert items and items[0]["snippet"].count("<mark>") >= 1
    result = runner.invoke(cli, ["--db", str(db_path), "search", "x" * 10_000, "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == [] or isinstance(json.loads(result.stdout), list)
    result = runner.invoke(cli, ["--db", str(db_path), "search", "小巨人", "--tier", "nope"])
    assert result.exit_code == 2 and "unknown tier" in result.output


def test_search_index_cli_text_output_marks_matches(runner, db_path, indexed, monkeypatch,
                                                    fake):
    from policywatch.nlp.retrieval import embeddings

    monkeypatch.setattr(embeddings, "_embedder", fake)
    result = runner.invoke(cli, ["--db", str(db_path), "search", "融资担保"])
    assert result.exit_code == 0, result.output
    assert "【融资担保】" in result.output


def test_search_index_demo_searches_print_both_languages(indexed, monkeypatch, fake):
    from policywatch.nlp.retrieval import embeddings
    from policywatch.nlp.retrieval.search import run_demo_searches

    monkeypatch.setattr(embeddings, "_embedder", fake)
    lines: list[str] = []
    figures = run_demo_searches(indexed, lines.append)
    assert len(figures["searches"]) == 2
    assert any("小巨人" in line for line in lines)
    assert any("Little Giant" in line for line in lines)
    assert any("【" in line for line in lines)


def test_search_index_demo_searches_without_any_model_say_so_and_still_find(indexed,
                                                                            monkeypatch):
    from policywatch.nlp.retrieval import embeddings
    from policywatch.nlp.retrieval.search import run_demo_searches

    def unavailable():
        raise embeddings.ModelUnavailable("no model here (test)")

    monkeypatch.setattr(embeddings, "get_embedder", unavailable)
    lines: list[str] = []
    figures = run_demo_searches(indexed, lines.append)
    assert figures["model"]["model"] is None
    assert "no embedding model (no model here (test)): searching words and translation only" \
        in lines[0]
    assert all(figures["searches"][query] for query in figures["searches"])
