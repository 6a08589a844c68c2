"""Title, document number and issuer read from the text."""
# ruff: noqa: E501 - tables of Chinese cases: each CJK character counts double width

from __future__ import annotations

import pytest

from policywatch.nlp.extract.notice import extract_notice

# fmt: off
DOC_NUMBERS = [
    ("工信部企业〔2022〕63号",      "工信部企业〔2022〕63号"),
    ("粤工信规字〔2024〕5号",       "粤工信规字〔2024〕5号"),
    ("粤工信规字[2024]5号",         "粤工信规字〔2024〕5号"),
    ("粤工信规字［2024］5号",       "粤工信规字〔2024〕5号"),
    ("粤工信规字（2024）5号",       "粤工信规字〔2024〕5号"),
    ("粤工信规字(2024)5号",         "粤工信规字〔2024〕5号"),
    ("工信厅企业函〔2018〕381号",   "工信厅企业函〔2018〕381号"),
    ("国办发 〔2019〕 6 号",        "国办发〔2019〕6号"),
]
# fmt: on


@pytest.mark.parametrize(("line", "expected"), DOC_NUMBERS)
def test_nlp_metadata_doc_number_bracket_variants(line, expected):
    text = f"关于印发某办法的通知\n{line}\n各有关单位：\n现印发给你们。"
    assert extract_notice(text)["doc_number"] == expected


def test_nlp_metadata_doc_number_cited_in_the_body_is_not_the_notice_number():
    text = "关于印发办法的通知\n各有关单位：\n《暂行办法》（工信部企业〔2022〕63号）同时废止。"
    assert extract_notice(text)["doc_number"] is None


def test_nlp_metadata_labelled_fields_win():
    text = "标　　题：关于开展认定工作的通知\n发文字号：苏工信中小[2024]108号\n发文机关：江苏省工业和信息化厅\n正文。"
    found = extract_notice(text)
    assert (found["title"], found["doc_number"], found["issuer"]) == (
        "关于开展认定工作的通知", "苏工信中小〔2024〕108号", "江苏省工业和信息化厅")


def test_nlp_metadata_title_over_several_lines_and_signature_issuer():
    text = ("国务院办公厅、中央军委办公厅\n关于加强对侵华日军遗弃化学武器\n调查和管理工作的通知\n"
            "国办发〔1996〕25号\n各省人民政府：\n现通知如下。\n国务院办公厅　中央军委办公厅\n"
            "一九九六年六月二十九日")
    found = extract_notice(text)
    assert found["title"] == "国务院办公厅、中央军委办公厅关于加强对侵华日军遗弃化学武器调查和管理工作的通知"
    assert found["issuer"] == "国务院办公厅、中央军委办公厅"
    assert found["dates"]["written"] == "1996-06-29"


def test_nlp_metadata_issuer_from_the_title_when_unsigned():
    assert extract_notice("工业和信息化部关于印发《办法》的通知\n正文。")["issuer"] == "工业和信息化部"


def test_nlp_metadata_title_hint_wins():
    found = extract_notice("正文第一行。\n第二行。", title="专精特新中小企业认定标准")
    assert found["title"] == "专精特新中小企业认定标准"


def test_nlp_metadata_salutation_is_not_a_title():
    assert extract_notice("各省、自治区、直辖市中小企业主管部门：\n现将有关事项通知如下。")["title"] is None


def test_nlp_metadata_english_labels():
    found = extract_notice("Notice on the Measures\nIssued by: Ministry of Industry and "
                           "Information Technology\nDate of issue: January 17, 2026")
    assert found["issuer"] == "Ministry of Industry and Information Technology"
    assert found["title"] == "Notice on the Measures"


def test_nlp_metadata_english_document_number_compares_with_the_chinese_one():
    from policywatch.store.doc_numbers import number_key

    text = ("Notice of the Donghai Bureau of Industry and Information Technology on the "
            "Certification of SRDI SMEs\nDong Jing  Xin Qi [2025] No.07\nTo all district bureaus:\n"
            "Operating revenue of no less than RMB 15 million in the previous year.")
    result = extract_notice(text, language="en")
    assert result["doc_number"] == "Dong Jing Xin Qi [2025] No. 7"
    assert number_key(result["doc_number"]) == number_key("东经信企〔2025〕7号")
    assert result["title"].startswith("Notice of the Donghai Bureau")


def test_nlp_metadata_a_cited_english_number_is_not_the_texts_own():
    text = ("Implementation Measures\nThe Measures were created in accordance with the Interim "
            "Measures (MIIT Qiye [2022] No. 63) and other policies.")
    assert extract_notice(text, language="en")["doc_number"] is None


def test_nlp_metadata_a_disclosure_table_above_the_title():
    text = ("信息索引号 002489452/2024-00169 公开形式 主动公开\n"
            "文件编号 杭政办函〔2023〕81号 成文日期 2024-05-29\n发布机构 市经信局 信息分类 行政规范性文件\n"
            "有效性 有效\n点击率\n杭州市人民政府办公厅关于打造全国专精特新名城的实施意见\n"
            "各区、县(市)人民政府，市政府各部门：\n现就我市打造全国专精特新名城提出如下实施意见。")
    result = extract_notice(text)
    assert result["doc_number"] == "杭政办函〔2023〕81号"
    assert result["title"] == "杭州市人民政府办公厅关于打造全国专精特新名城的实施意见"
    assert result["dates"]["written"] == "2024-05-29"


def test_nlp_metadata_a_notice_that_opens_with_its_number_takes_the_title_it_issues():
    text = ("深工信规〔2025〕8号\n各区中小企业主管部门:\n现将《实施细则》印发给你们，请认真遵照执行。\n"
            "深圳市工业和信息化局\n2025年10月11日\n深圳市工业和信息化局优质中小企业梯度培育管理实施细则\n"
            "第一章 总则")
    result = extract_notice(text)
    assert result["doc_number"] == "深工信规〔2025〕8号"
    assert result["title"] == "深圳市工业和信息化局优质中小企业梯度培育管理实施细则"
