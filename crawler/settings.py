"""Scrapy settings for policywatch's crawler.

Polite by default: robots.txt obeyed, one request per second per domain with
AutoThrottle on top, a User-Agent that says who we are and where to complain.
"""

BOT_NAME = "policywatch"
SPIDER_MODULES = ["policywatch.crawler.spiders"]
NEWSPIDER_MODULE = "policywatch.crawler.spiders"

USER_AGENT = (
    "policywatch/0.1 (+https://github.com/policywatch/policywatch; "
    "policy research monitor; contact: see project page)"
)
ROBOTSTXT_OBEY = True
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # +-50% around DOWNLOAD_DELAY
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 60
RETRY_TIMES = 2
# Government servers answer 412/521 with JavaScript cookie challenges: never retry those
# blindly; the health middleware records them instead.
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
HTTPERROR_ALLOWED_CODES = [304, 403, 412, 521]
# Size caps: a notice page is small; attachments may be large, but never unbounded.
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024
COOKIES_ENABLED = True
DUPEFILTER_CLASS = "policywatch.crawler.dupefilter.RunOnlyDupeFilter"
TELNETCONSOLE_ENABLED = False
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

DOWNLOADER_MIDDLEWARES = {
    # Closest to the engine: skip or make conditional what the store already has.
    "policywatch.crawler.middlewares.IncrementalMiddleware": 50,
    # Sees real responses before anything else interprets them.
    "policywatch.crawler.middlewares.HealthMiddleware": 590,
    # Closest to the network: points requests at a local replay when one is configured.
    "policywatch.crawler.middlewares.ReplayRewriteMiddleware": 950,
}
SPIDER_MIDDLEWARES = {
    # Adds the known pages and attachments whose revisit is due to the start requests.
    "policywatch.crawler.revisit.RevisitStartMiddleware": 50,
}
ITEM_PIPELINES = {
    "policywatch.crawler.pipelines.ValidatePipeline": 100,
    "policywatch.crawler.pipelines.NormalizePipeline": 200,
    "policywatch.crawler.pipelines.StorePipeline": 900,
}
EXTENSIONS = {
    "policywatch.crawler.extensions.RunLog": 100,
    "policywatch.crawler.extensions.WarcArchive": 200,
    "policywatch.crawler.extensions.ProgressLog": 300,
}

# policywatch's own settings (overridden by `policywatch crawl` options).
POLICYWATCH_DB = "policywatch.db"
POLICYWATCH_REPLAY_BASE = None  # e.g. "http://127.0.0.1:8765": serve every host from a replay
POLICYWATCH_MAX_LIST_PAGES = 5  # list pages per column per run; new notices are on page 1
POLICYWATCH_REFRESH_KNOWN = False  # revisit every known page and attachment now, no ceilings
# The revisit schedule (policywatch.store.revisit; [crawl] in policywatch.toml): the
# shortest and longest wait between two looks at a known notice (0: every run), and at
# most how many looks at known pages and attachments one source's run makes, in all and
# per host.
POLICYWATCH_REVISIT_MIN_S = 6 * 3600
POLICYWATCH_REVISIT_MAX_S = 14 * 86400
POLICYWATCH_REVISIT_MAX_PER_RUN = 500
POLICYWATCH_REVISIT_MAX_PER_HOST = 200
POLICYWATCH_NOW = None  # ISO time the schedule takes as "now" (simulated runs), else the clock
POLICYWATCH_SOURCES: list = []  # configured sources ([sources.NAME]) as dicts
POLICYWATCH_WARC = True
POLICYWATCH_PROGRESS = False
