"""The spaCy pipelines: one configured pipeline per language, jieba with the user dictionary."""
# ruff: noqa: E501 - tables of Chinese cases: each CJK character counts double width

from __future__ import annotations

import json
import subprocess
import sys

import jieba
import pytest

from policywatch.nlp.extract.lexicon import RuleDataError, load_data
from policywatch.nlp.extract.mentions import build_phrase_table
from policywatch.nlp.extract.notice import EXTRACTOR_VERSION, detect_language, extract_notice
from policywatch.nlp.extract.spacy_pipeline import (
    COMPONENTS,
    USER_DICTIONARY,
    get_pipeline,
    load_user_dictionary,
    process,
)


def test_nlp_pipeline_is_built_once_and_cached():
    assert get_pipeline("zh") is get_pipeline("zh")
    assert get_pipeline("en") is get_pipeline("en")


@pytest.mark.parametrize("language", ["zh", "en"])
def test_nlp_pipeline_components_have_versioned_names(language):
    names = get_pipeline(language).pipe_names
    assert names == list(COMPONENTS)
    assert all(name.startswith("policywatch_") and name.rsplit("_", 1)[1].startswith("v")
               for name in names)


def test_nlp_pipeline_chinese_uses_jieba():
    nlp = get_pipeline("zh")
    assert nlp.lang == "zh"
    assert nlp.tokenizer.segmenter == "jieba"


@pytest.mark.parametrize("term", ["营业收入总额", "研发费用", "研发费用总额", "专精特新",
                                  "资产负债率", "新增股权融资总额"])
def test_nlp_pipeline_user_dictionary_keeps_policy_terms_whole(term):
    doc = get_pipeline("zh").make_doc(f"上年度{term}不低于100万元")
    assert term in [token.text for token in doc]


def test_nlp_pipeline_plain_jieba_shares_the_dictionary():
    load_user_dictionary()
    assert "营业收入总额" in jieba.lcut("上年度营业收入总额在1000万元以上")


def test_nlp_pipeline_doc_carries_the_results():
    doc = process("专精特新中小企业认定\n（一）从事特定细分市场时间达到2年以上。", "zh")
    assert [span.label_ for span in doc.spans["policywatch_tiers"]] == ["srdi_sme"]
    assert doc._.pw_criteria[0]["metric"] == "years_in_niche"
    assert doc._.pw_structure.clauses[0].id == "i1"


def test_nlp_pipeline_calling_nlp_directly_runs_the_components():
    doc = get_pipeline("zh")("上年度营业收入总额在1000万元以上。")
    assert doc._.pw_criteria[0]["value"] == 10_000_000


def test_nlp_pipeline_result_shape():
    result = extract_notice("专精特新中小企业认定\n（一）从事特定细分市场时间达到2年以上。")
    assert list(result) == ["extractor", "language", "title", "doc_number", "issuer", "dates",
                            "tiers", "criteria", "scoring", "clauses"]
    assert result["extractor"] == EXTRACTOR_VERSION
    json.dumps(result, ensure_ascii=False)  # JSON-ready throughout


def test_nlp_pipeline_extraction_is_a_pure_function():
    text = "上年度营业收入总额不低于1500万元，或近2年新增股权融资总额达到2000万元以上。"
    assert extract_notice(text) == extract_notice(text)


@pytest.mark.parametrize(("text", "language"), [
    ("专精特新中小企业认定标准", "zh"), ("Tier 2: SRDI SMEs (Zhuan Jing Te Xin Zhongxiao Qiye 专精特新中小企业) with deeper "
     "capabilities", "en"),
    ("Article 1 These Measures are formulated.", "en")])
def test_nlp_pipeline_language_detection(text, language):
    assert detect_language(text) == language


def test_nlp_pipeline_rule_data_has_no_conflicting_phrases():
    for language in ("zh", "en"):
        build_phrase_table(language)  # raises RuleDataError on a conflict


def test_nlp_pipeline_conflicting_phrase_is_refused():
    from policywatch.nlp.extract.lexicon import PhraseTable

    table = PhraseTable("zh")
    table.add("以上", "CMP_SUFFIX", ">=")
    with pytest.raises(RuleDataError):
        table.add("以上", "CMP_SUFFIX", "<=")


def test_nlp_pipeline_userdict_holds_the_metric_vocabulary():
    lines = USER_DICTIONARY.read_text(encoding="utf-8").splitlines()
    words = {line.split()[0] for line in lines if line.strip() and not line.startswith("#")}
    for spec in load_data("metrics")["metrics"].values():
        for phrase in spec["zh"]:
            if " " not in phrase:
                assert phrase in words, phrase


def test_nlp_pipeline_nlp_never_imports_scrapy_and_store_never_spacy():
    code = ("import sys, policywatch.nlp.extract.stage, policywatch.nlp.evaluation.extraction; "
            "from policywatch.nlp.extract.notice import extract_notice; "
            "extract_notice('营业收入1000万元以上'); "
            "print(','.join(m for m in ('scrapy', 'policywatch.crawler') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
    code = ("import sys, policywatch.store.extractions; "
            "print(','.join(m for m in ('spacy', 'jieba', 'policywatch.nlp') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_nlp_pipeline_language_tags_and_unsupported_languages():
    assert extract_notice("营业收入不低于1000万元", language="zh-CN")["language"] == "zh"
    with pytest.raises(ValueError, match="unsupported language"):
        extract_notice("Revenue of at least 15 million yuan", language="fr")
