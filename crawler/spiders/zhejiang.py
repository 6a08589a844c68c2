"""浙江省经济和信息化厅 (jxt.zj.gov.cn) on Hanweb jcms, listed via the column page."""

from __future__ import annotations

from policywatch.crawler.spiders.platforms.trs import HanwebColumn, HanwebSpider


class ZhejiangSpider(HanwebSpider):
    """政策法规 (col1659217, list unit 5031616; ids as public crawler code has them)."""

    name = "zhejiang"
    source_name = "浙江省经济和信息化厅: 政策法规"
    region = "浙江省"
    issuer = "浙江省经济和信息化厅"
    home_url = "https://jxt.zj.gov.cn/"
    allowed_domains = ["jxt.zj.gov.cn"]
    site_root = "https://jxt.zj.gov.cn"
    web_id = 0  # not needed in column mode
    web_name = "浙江省经济和信息化厅"
    list_mode = "column"
    columns = (HanwebColumn(1659217, "5031616", "政策法规"),)
