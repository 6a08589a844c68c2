"""Dates in every written form, and the role each plays in a notice."""
# ruff: noqa: E501 - tables of Chinese cases: each CJK character counts double width

from __future__ import annotations

import datetime as dt

import pytest

from policywatch.nlp.extract.dates import parse_date
from policywatch.nlp.extract.notice import extract_notice

# fmt: off
FORMS = [
    ("2022年6月1日",          dt.date(2022, 6, 1)),
    ("2022年06月01日",        dt.date(2022, 6, 1)),
    ("２０２２年６月１日",    dt.date(2022, 6, 1)),
    ("二〇二五年二月二十日",  dt.date(2025, 2, 20)),
    ("一九九六年六月二十九日", dt.date(1996, 6, 29)),
    ("2025-02-20",            dt.date(2025, 2, 20)),
    ("2025.02.20",            dt.date(2025, 2, 20)),
    ("2025/2/20",             dt.date(2025, 2, 20)),
    ("June 1, 2022",          dt.date(2022, 6, 1)),
    ("1 June 2022",           dt.date(2022, 6, 1)),
    ("Jan. 17, 2026",         dt.date(2026, 1, 17)),
    ("17th January 2026",     dt.date(2026, 1, 17)),
]
ROLES = [
    # text, expected roles (unlisted roles are None)
    ("关于印发办法的通知\n工业和信息化部\n2022年6月1日",
     {"written": "2022-06-01"}),
    ("成文日期：2024年3月8日\n发布日期：2024年3月12日",
     {"written": "2024-03-08", "published": "2024-03-12"}),
    ("第三十条 本办法自2022年8月1日起施行。",
     {"effective": "2022-08-01"}),
    ("第二十条 本细则自2024年4月1日起施行，有效期5年。",
     {"effective": "2024-04-01", "expires": "2029-03-31"}),
    ("本办法自2025年3月1日起施行，有效期至2028年2月29日。",
     {"effective": "2025-03-01", "expires": "2028-02-29"}),
    ("国务院\n2019年1月24日\n本方案自印发之日起施行。",
     {"written": "2019-01-24", "effective": "2019-01-24"}),
    ("参考消息网2026-01-19号报道\n工业和信息化部今天修订发布了办法。",
     {"published": "2026-01-19"}),
    ("第七条 创新型中小企业有效期为三年。\n第八条 本办法自2022年8月1日起施行。",
     {"effective": "2022-08-01"}),
    ("Date of issue: January 17, 2026\nThese Measures shall come into force on 1 April 2026.",
     {"written": "2026-01-17", "effective": "2026-04-01"}),
    ("Published: 2026-01-19\nThese Measures shall be valid until 31 March 2031.",
     {"published": "2026-01-19", "expires": "2031-03-31"}),
    # issue 11, real layouts: a signature run on after the issuer (a text stored as one run
    # of sentences), a page's timestamp or 日期 label in its first lines, a title's validity
    ("现将有关事项通知如下：一、申报条件……请于9月15日前报送。附件：1.推荐汇总表福州市工业和信息化局2023年8月17日。",
     {"written": "2023-08-17"}),
    ("根据工业和信息化部2022年6月1日印发的《办法》，现将有关事项通知如下：一、申报范围……二、工作要求……",
     {}),
    ("广东省工业和信息化厅关于印发实施细则的通知\n2024-07-23 17:57\n各地级以上市工业和信息化主管部门：",
     {"published": "2024-07-23"}),
    ("2025年小巨人企业认定工作启动\n\n   日期:2025-05-25     浏览:1042\n核心提示：认定工作启动",
     {"published": "2025-05-25"}),
    ("2020年度厦门市专精特新中小企业名单出炉\n\n来源:厦门日报 2020-08-10 10:21 http://www.mnw.cn/\n日前，名单出炉。",
     {"published": "2020-08-10"}),
    ("本次复核对象为我省有效期至2023年12月31日的专精特新中小企业。",
     {}),
    ("Implementation Measures of Liwan District\nRelease time: 2023-09-11 15:49 Source: Liwan Government",
     {"published": "2023-09-11"}),
    ("These Measures shall come into force on 1 August 2022 and remain valid for five years.",
     {"effective": "2022-08-01", "expires": "2027-07-31"}),
]
# fmt: on


@pytest.mark.parametrize(("text", "expected"), FORMS)
def test_nlp_dates_every_form_parses(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(("text", "expected"), ROLES)
def test_nlp_dates_roles(text, expected):
    dates = extract_notice(text)["dates"]
    assert dates == {role: expected.get(role)
                     for role in ("written", "published", "effective", "expires")}


@pytest.mark.parametrize("text", ["2022年2月30日", "2022-13-01", "二〇二二年十三月一日"])
def test_nlp_dates_impossible_dates_are_ignored(text):
    assert parse_date(text) is None


def test_nlp_dates_labels_and_dates_of_a_flattened_metadata_table():
    # A page's metadata table copied as a list: each label and its value on its own line.
    text = ("- [ 索引号 ]\n- 11500000000000000A/2024-00012\n- [ 成文日期 ]\n- 2024-03-04\n"
            "- [ 发布日期 ]\n- 2024-03-06\n某某区经济和信息化委员会关于做好2024年申报工作的通知\n"
            "各有关企业：申报截止时间为2024年4月10日。")
    dates = extract_notice(text)["dates"]
    assert (dates["written"], dates["published"]) == ("2024-03-04", "2024-03-06")
