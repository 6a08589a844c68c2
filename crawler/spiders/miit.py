"""MIIT (工业和信息化部), www.miit.gov.cn: SME bureau releases and ministry notices."""

from __future__ import annotations

from policywatch.crawler.spiders.platforms.jpaas import JpaasSpider


class MiitSpider(JpaasSpider):
    """中小企业局文件发布, 政策文件 (通知) and the SME bureau's work news / 解读."""

    name = "miit"
    source_name = "工业和信息化部 (MIIT): 中小企业局文件发布, 政策文件, 中小企业局工作动态"
    region = "national"
    issuer = "工业和信息化部"
    home_url = "https://www.miit.gov.cn/"
    allowed_domains = ["www.miit.gov.cn", "wap.miit.gov.cn"]
    columns = (
        "https://www.miit.gov.cn/jgsj/qyj/wjfb/index.html",  # 中小企业局 文件发布
        "https://www.miit.gov.cn/zwgk/zcwj/wjfb/tz/index.html",  # 政策文件 文件发布 通知
        "https://www.miit.gov.cn/jgsj/qyj/gzdt/index.html",  # 中小企业局 工作动态 (解读)
    )
