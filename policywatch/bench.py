"""Benchmarks that print figures (never timed tests): ``policywatch bench NAME``.

Each compares against a baseline measured in the same run, because machines are noisy:
ratios travel between machines, absolute figures do not.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from policywatch.errors import PolicywatchError
from policywatch.revisit_bench import bench_revisit
from policywatch.store.reference import absent_note
from policywatch.store.reporting import Echo


def govcn_templates(reference: Path | None) -> tuple[list[str], str]:
    """The gov.cn detail pages a synthetic replay is made from, and what they are.

    With the reference pack: the ten real State Council pages the replay serves from it.
    Without: the replay's two reconstructed gov.cn policy-library pages.
    """
    from policywatch.crawler.replay.reference import ReferenceContent
    from policywatch.crawler.replay.server import REPLAY_ROOT

    content = ReferenceContent(reference)
    if content:
        pages = content.pages()
        return ([content.page_bytes(pages[path]).decode("utf-8")
                 for path in sorted(pages, key=Path)], "real gov.cn pages of the reference pack")
    files = sorted(REPLAY_ROOT.glob("*/www.gov.cn/zhengce/zhengceku/*/content_*.htm"))
    return ([f.read_text(encoding="utf-8") for f in files],
            f"the replay's {len(files)} reconstructed gov.cn pages ({absent_note()})")


def _synthetic_govcn_layer(root: Path, count: int, templates: list[str]) -> list[str]:
    """Write ``count`` gov.cn detail pages (``templates`` renumbered) and their listing."""
    listing, urls = [], []
    for index in range(count):
        template = templates[index % len(templates)]
        content_id = 9_000_000 + index
        path = f"zhengce/content/2030-01/01/content_{content_id}.htm"
        page = template.replace("</td></tr>", f"</td></tr><!-- copy {index} -->", 1).replace(
            "<p", f"<p data-copy='{index}'", 1)
        target = root / "www.gov.cn" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page, encoding="utf-8")
        url = f"https://www.gov.cn/{path}"
        urls.append(url)
        listing.append({"library": "zhengcelibrary_gw", "title": f"合成测试页面 {index}",
                        "url": url, "pcode": f"国发〔2030〕{index}号",
                        "pubtimeStr": f"2030.01.{1 + index % 28:02d}", "puborg": "国务院",
                        "summary": ""})
    (root / "sousuo.www.gov.cn").mkdir(parents=True, exist_ok=True)
    (root / "sousuo.www.gov.cn" / "listing.json").write_text(
        json.dumps(listing, ensure_ascii=False), encoding="utf-8")
    return urls


def bench_crawl(echo: Echo, pages: int = 300, reference: Path | None = None) -> dict[str, Any]:
    """Crawl a replay of ``pages`` gov.cn pages twice; print pages/s and requests/notice.

    The pages are copies of the real gov.cn pages of the ``reference`` pack, renumbered
    (without the pack, of the replay's reconstructed gov.cn pages). Baseline: the same
    detail pages fetched by a bare HTTP client (8 threads, urllib) from the same replay, in
    the same run: the floor no crawler can beat.
    """
    from policywatch.crawler.replay import ReplayServer
    from policywatch.crawler.run import run_crawl_subprocess

    templates, made_from = govcn_templates(reference)
    work = Path(tempfile.mkdtemp(prefix="policywatch-bench-"))
    try:
        layer = work / "layer"
        urls = _synthetic_govcn_layer(layer, pages, templates)
        with ReplayServer(layers=[str(layer)], reference=None) as replay:
            replay_urls = [f"{replay.base_url}/{u.split('://', 1)[1]}" for u in urls]
            started = time.perf_counter()
            with ThreadPoolExecutor(8) as pool:
                fetched = sum(len(b) for b in pool.map(
                    lambda u: urllib.request.urlopen(u).read(), replay_urls))
            baseline_s = time.perf_counter() - started
            max_pages = pages // 20 + 2
            db = work / "bench.db"
            started = time.perf_counter()
            (first,) = run_crawl_subprocess(db, ["govcn"], replay_base=replay.base_url,
                                            max_pages=max_pages)
            first_s = time.perf_counter() - started
            started = time.perf_counter()
            (second,) = run_crawl_subprocess(db, ["govcn"], replay_base=replay.base_url,
                                             max_pages=max_pages)
            second_s = time.perf_counter() - started
    finally:
        shutil.rmtree(work, ignore_errors=True)
    stats1, stats2 = first["stats"], second["stats"]
    new = stats1.get("policywatch/govcn/notices/new", 0)
    requests1 = stats1.get("downloader/request_count", 0)
    requests2 = stats2.get("downloader/request_count", 0)
    crawl_elapsed = stats1.get("elapsed_time_seconds", first_s)
    figures = {
        "pages": pages,
        "new_notices": new,
        "baseline_pages_per_s": pages / baseline_s,
        "crawl_pages_per_s": new / crawl_elapsed,
        "crawl_wall_s_including_startup": first_s,
        "ratio_to_baseline": (new / crawl_elapsed) / (pages / baseline_s),
        "requests_per_new_notice": requests1 / max(new, 1),
        "second_run_requests": requests2,
        "second_run_new_versions": stats2.get("policywatch/versions/new", 0),
        "second_run_pages_fetched_again": requests2 - stats2.get(
            "policywatch/requests/not_modified", 0),
        "second_run_wall_s": second_s,
        "baseline_bytes": fetched,
    }
    echo(f"crawl benchmark: {pages} gov.cn pages served by the local replay")
    if reference is None:
        echo(f"  pages made from {made_from}")
    echo(f"  baseline (urllib, 8 threads, no parsing or storing): "
         f"{figures['baseline_pages_per_s']:.0f} pages/s")
    echo(f"  first crawl: {new} new notices in {crawl_elapsed:.2f}s of crawling = "
         f"{figures['crawl_pages_per_s']:.0f} pages/s "
         f"({figures['ratio_to_baseline']:.2f}x baseline; {first_s:.1f}s with start-up)")
    echo(f"  requests per new notice: {figures['requests_per_new_notice']:.2f} "
         "(listing API pages + robots.txt included)")
    echo(f"  second crawl (nothing changed): {requests2} requests, "
         f"{figures['second_run_new_versions']} new versions, "
         f"{stats2.get('policywatch/requests/not_modified', 0)} answered 304 Not Modified")
    return figures


BENCHMARKS: dict[str, Callable[..., dict[str, Any]]] = {"crawl": bench_crawl}


# -- linking ---------------------------------------------------------------------------
PROVINCES = ("北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省",
             "黑龙江省", "上海市", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省",
             "河南省", "湖北省", "湖南省", "广东省", "广西壮族自治区", "海南省", "重庆市",
             "四川省", "贵州省", "云南省", "西藏自治区", "陕西省", "甘肃省", "青海省",
             "宁夏回族自治区", "新疆维吾尔自治区")
_NATIONAL = ("《优质中小企业梯度培育管理暂行办法》（工信部企业〔2022〕63号）",
             "《优质中小企业梯度培育管理办法》（工信部企业〔2026〕2号）")


def synthetic_notice(index: int) -> dict[str, Any]:
    """One provincial notice made from the real policy line, varied by index.

    Standards form title series per province and topic (a new edition every year cites
    its predecessor), list notices and interpretations cite a standard or a national
    measure, so every notice has a handful of true relations and most pairs none.
    """
    # Twelve consecutive notices share a province and a topic: three editions of a standard
    # (each superseding the last) and the list notices, calls and interpretations around
    # them. Relations per notice stay the same at any corpus size.
    group, within = divmod(index, 12)
    province = PROVINCES[group % len(PROVINCES)]
    topic = group
    year = 2017 + within // 4 * 3
    kind = ("standard", "list", "interpretation", "call")[within % 4]
    series = f"{province}第{topic + 1}类专精特新中小企业认定标准"
    number = f"{province[:2]}工信规〔{year}〕{group % 997 + 1}号"
    national = _NATIONAL[year >= 2026]
    revenue = 1000 + (index % 7) * 100
    if kind == "standard":
        title = f"关于印发《{series}》的通知"
        body = (f"根据{national}，结合本省实际，现将《{series}》印发给你们。"
                f"原《{series}》同时废止。\n第一条 申请认定的企业应当同时满足以下条件：\n"
                f"（一）从事特定细分市场时间达到{2 + index % 2}年以上。\n"
                f"（二）上年度营业收入总额在{revenue}万元以上。")
    elif kind == "list":
        title = f"关于{year}年度{province}第{topic + 1}批专精特新中小企业名单的公示"
        number = f"{province[:2]}工信函〔{year}〕{index % 997 + 1}号"
        body = f"按照{national}和《{series}》有关要求，现将拟认定企业名单予以公示。"
    elif kind == "interpretation":
        title = f"《{series}》政策解读"
        number = None
        body = f"近日，省工业和信息化厅印发了《{series}》。现解读如下：营业收入{revenue}万元以上。"
    else:
        title = f"关于开展{year}年{province}专精特新中小企业申报工作的通知"
        number = f"{province[:2]}工信办函〔{year}〕{index % 997 + 1}号"
        body = f"根据{national}，现组织开展申报工作，具体条件见《{series}》。"
    return {"title": title, "text": f"{title}\n{number or ''}\n{body}", "doc_number": number,
            "issuer": f"{province}工业和信息化厅", "region": province,
            "published": f"{year}-{1 + index % 12:02d}-{1 + index % 28:02d}"}


def _fill_store(store: Any, start: int, stop: int) -> None:
    from policywatch.store import Capture, record_capture

    for index in range(start, stop):
        notice = synthetic_notice(index)
        record_capture(store, Capture(
            raw=notice["text"].encode(), text=notice["text"],
            url=f"https://gxt.example.gov.cn/art/{index}.html", source_id="synthetic",
            fields={"title": notice["title"], "doc_number": notice["doc_number"],
                    "issuer": notice["issuer"], "published_date": notice["published"],
                    "language": "zh"}))


def bench_link(echo: Echo, sizes: tuple[int, ...] = (1000, 10000), new: int = 100
               ) -> dict[str, Any]:
    """Time linking ``new`` notices into corpora of each size; print ms per notice.

    The corpus is linked first (untimed); then ``new`` more notices arrive and are linked
    one by one. Candidate retrieval is index lookups, so the time per notice should stay
    nearly flat as the corpus grows tenfold (linear growth would be 10x).
    """
    from policywatch.nlp.link.lineage import LINKER_VERSION
    from policywatch.nlp.link.linking import link_notice
    from policywatch.store import open_store
    from policywatch.store.lineage import notices_pending_linking
    from policywatch.store.notices import upsert_source

    figures: dict[str, Any] = {"sizes": {}}
    work = Path(tempfile.mkdtemp(prefix="policywatch-bench-link-"))
    try:
        for size in sizes:
            with open_store(work / f"link-{size}.db") as store:
                upsert_source(store, {"id": "synthetic", "name": "synthetic", "region": None})
                _fill_store(store, 0, size)
                for notice_id in notices_pending_linking(store, LINKER_VERSION):
                    link_notice(store, notice_id)
                _fill_store(store, size, size + new)
                pending = notices_pending_linking(store, LINKER_VERSION)
                edges = 0
                started = time.perf_counter()
                for notice_id in pending:
                    edges += len(link_notice(store, notice_id))
                elapsed = time.perf_counter() - started
                per_notice_ms = 1000 * elapsed / max(len(pending), 1)
                figures["sizes"][size] = {"per_notice_ms": per_notice_ms,
                                          "edges_per_notice": edges / max(len(pending), 1)}
                echo(f"  corpus {size:>6} notices: {per_notice_ms:6.2f} ms per new notice "
                     f"({edges / max(len(pending), 1):.1f} edges each, {len(pending)} linked)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    small, large = (figures["sizes"][s]["per_notice_ms"] for s in (sizes[0], sizes[-1]))
    figures["growth"] = large / small
    echo(f"  growth from {sizes[0]} to {sizes[-1]} notices: {figures['growth']:.2f}x "
         f"(linear would be {sizes[-1] / sizes[0]:.0f}x)")
    figures["clause_alignment"] = bench_clause_alignment(echo)
    return figures


def _clause_versions(count: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Two versions of a ``count``-clause standard in which every clause was edited (a
    threshold or a word changed): the worst case, where nothing matches by identical text."""
    metrics = ["营业收入总额", "研发费用总额", "主营业务收入", "资产负债率", "研发人员占比"]
    old, new = [], []
    for i in range(count):
        metric = metrics[i % len(metrics)]
        text = (f"第{i + 1}项 申请企业上年度{metric}应当达到{100 + i}万元以上，且近{2 + i % 3}年"
                f"在第{i % 17 + 1}类细分市场持续经营，编号{i * 7919 % 10007}。")
        old.append({"id": f"c{i}", "label": f"（{i + 1}）", "text": text})
        new.append({"id": f"c{i}", "label": f"（{i + 1}）",
                    "text": text.replace(f"{100 + i}万元", f"{150 + i}万元")})
    return old, new


def _all_pairs_alignment(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> int:
    """The previous alignment's cost, as the baseline: a similarity for every pair of free
    clauses, sorted. Returns the pairs matched."""
    from policywatch.nlp.link.diff import SAME_CLAUSE_SIMILARITY, clause_similarity

    scored = sorted(((clause_similarity(a["text"], b["text"]), i, j)
                     for i, a in enumerate(old) for j, b in enumerate(new)), reverse=True)
    used_old: set[int] = set()
    used_new: set[int] = set()
    for score, i, j in scored:
        if score < SAME_CLAUSE_SIMILARITY:
            break
        if i not in used_old and j not in used_new:
            used_old.add(i)
            used_new.add(j)
    return len(used_new)


def bench_clause_alignment(echo: Echo, sizes: tuple[int, ...] = (400, 1000)) -> dict[str, Any]:
    """Time the clause diff of two versions whose clauses all changed, against scoring
    every pair of clauses (the previous method) in the same run."""
    from policywatch.nlp.link.diff import clause_changes, words

    words("营业收入总额在1000万元以上")  # load the segmenter before timing
    figures: dict[str, Any] = {}
    for size in sizes:
        old, new = _clause_versions(size)
        started = time.perf_counter()
        entries = clause_changes(old, new)
        aligned = time.perf_counter() - started
        started = time.perf_counter()
        matched = _all_pairs_alignment(old, new)
        baseline = time.perf_counter() - started
        changed = sum(entry["status"] == "changed" for entry in entries)
        figures[size] = {"seconds": aligned, "all_pairs_seconds": baseline,
                         "changed": changed, "all_pairs_matched": matched}
        echo(f"  clause diff, {size} clauses all edited: {aligned:.2f}s ({changed} paired as "
             f"changed, redlines included); all pairs scored: {baseline:.2f}s "
             f"({matched} paired, no redlines): {baseline / max(aligned, 1e-9):.1f}x slower")
    return figures


BENCHMARKS["link"] = bench_link


# -- search ----------------------------------------------------------------------------


def build_search_corpus(db_path: Path, echo: Echo, reference: Path | None = None) -> None:
    """Store the search benchmarks' real corpus in ``db_path``: the demo's two crawls of the
    replay (the sites before and after the 2026 Measures) plus the 60 gov.cn pages of the
    ``reference`` pack (``govcn-pages/``) parsed as the gov.cn spider parses them. Without
    the pack: the two crawls of the replay's reconstructed pages alone."""
    from policywatch.crawler.parsers.govcn import parse_govcn_page
    from policywatch.crawler.replay import ReplayServer
    from policywatch.crawler.run import run_crawl_subprocess
    from policywatch.demo import LATER_LAYER
    from policywatch.store import Capture, open_store, record_capture

    with ReplayServer(reference=reference) as replay:
        run_crawl_subprocess(db_path, replay_base=replay.base_url)
        replay.site.set_layers([*[layer.name for layer in replay.site.layers], LATER_LAYER])
        run_crawl_subprocess(db_path, replay_base=replay.base_url)
    if reference is None:
        with open_store(db_path) as store:
            notices = store.db.execute("select count(*) from notices").fetchone()[0]
        echo(f"corpus: replay crawled twice (reconstructed pages alone) = {notices} notices; "
             f"{absent_note()}")
        return
    pages = reference / "govcn-pages"
    expected = json.loads((pages / "expected.json").read_text(encoding="utf-8"))
    with open_store(db_path) as store:
        for item in expected:
            raw = (pages / item["file"]).read_bytes()
            page = parse_govcn_page(raw, item["url"])
            record_capture(store, Capture(
                raw=raw, text=page.body_text, url=item["url"], source_id="govcn",
                fetched_from=str(pages / item["file"]),
                fields={"title": page.title, "doc_number": page.doc_number,
                        "issuer": page.issuer, "index_number": page.index_number,
                        "written_date": page.written_date,
                        "published_date": page.published_date, "format": "html",
                        "language": page.language, "parser": page.parser}))
        notices = store.db.execute("select count(*) from notices").fetchone()[0]
    echo(f"corpus: replay crawled twice + {len(expected)} gov.cn reference pages = "
         f"{notices} notices")


def _search_corpus(work: Path, echo: Echo, reference: Path | None) -> Path:
    db_path = work / "search-corpus.db"
    build_search_corpus(db_path, echo, reference)
    return db_path


def _short_model_name(name: str) -> str:
    from policywatch.nlp.retrieval.embeddings import MINILM_MODEL, USE_MODEL

    return {USE_MODEL: "USE v3", MINILM_MODEL: "MiniLM-L6"}.get(name, name.rsplit("/", 1)[-1])


def _bench_models(echo: Echo) -> list[tuple[Any, float]]:
    """The model in use, then each packaged one (USE, MiniLM) not already listed, with
    their load times; a model that does not load is named with its reason and left out."""
    from policywatch.nlp.retrieval.embeddings import (
        OFFLINE_MODELS,
        ModelUnavailable,
        load_model,
        optional_embedder,
    )

    started = time.perf_counter()
    active, unavailable = optional_embedder()
    models: list[tuple[Any, float]] = []
    if active is None:
        echo(f"no embedding model in use ({unavailable})")
    else:
        models.append((active, time.perf_counter() - started))
    for name in OFFLINE_MODELS:
        if any(model.name == name for model, _ in models):
            continue
        started = time.perf_counter()
        try:
            models.append((load_model(name), time.perf_counter() - started))
        except ModelUnavailable as exc:
            echo(f"not measured: {exc}")
    return models


def bench_search_quality(echo: Echo, reference: Path | None = None) -> dict[str, Any]:
    """Recall@10 and MRR of the judged queries, zh and en, in one run: BM25 only, BM25 +
    translation, and per model (the one in use, the packaged USE and MiniLM) hybrid,
    words + vectors without the glossary, and vectors alone.

    Without the ``reference`` pack the corpus lacks the real pages, and queries answered
    only by them are left out (the output says how many)."""
    from policywatch.nlp.evaluation.search_bench import (
        default_rows,
        load_judged_queries,
        model_rows,
        search_quality,
    )
    from policywatch.store import open_store

    work = Path(tempfile.mkdtemp(prefix="policywatch-search-"))
    try:
        db_path = _search_corpus(work, echo, reference)
        rows = default_rows(None, ("bm25", "lexical"))
        for model, _ in _bench_models(echo):
            rows += model_rows(model, _short_model_name(model.name))
        with open_store(db_path) as store:
            figures = search_quality(store, echo, rows=rows,
                                     queries=load_judged_queries(reference=reference),
                                     only_present=reference is None)
            figures["natural"] = bench_natural_queries(store, echo)
            return figures
    finally:
        shutil.rmtree(work, ignore_errors=True)


def bench_natural_queries(store: Any, echo: Echo) -> dict[str, Any]:
    """The natural queries, written blind to the glossary and the search code: is the
    governing document in the top 3, is any document shown twice in the top 10."""
    from policywatch.nlp.evaluation.natural_queries import (
        evaluate,
        natural_queries,
        print_figures,
    )
    from policywatch.nlp.retrieval.embeddings import optional_embedder

    echo("")
    echo(f"natural queries ({len(natural_queries())}, zh/en, written blind to the glossary and "
         "the search code by sessions that read the demo's notices; judged by URL; dev tuned "
         "on, held-out misses read, fresh scored once and never tuned on):")
    embedder, _ = optional_embedder()
    figures: dict[str, Any] = {}
    runs = [("bm25", None, "BM25 only (baseline)"), ("lexical", None, "words + translation")]
    if embedder is not None:
        runs.append(("hybrid", embedder, f"hybrid with {embedder.name} vectors"))
    for mode, model, label in runs:
        result = evaluate(store, model, mode)
        result.pop("outcomes")
        figures[mode] = result
        print_figures(result, echo, label)
    return figures


def embed_bench_documents(reference: Path | None) -> tuple[list[tuple[str, str]], str]:
    """``(title, text)`` of real documents for the embedding benchmark, and where from:
    the reference pack's real texts (``real-texts/``, then the ``ncp-2020`` corpus), else
    the replay's texts."""
    documents: list[tuple[str, str]] = []
    if reference is not None and (reference / "real-texts").is_dir():
        for path in sorted((reference / "real-texts").glob("*.txt")):
            documents.append((path.stem, path.read_text(encoding="utf-8")))
        corpus = reference / "ncp-2020" / "corpus.json"
        if corpus.exists():
            for item in json.loads(corpus.read_text(encoding="utf-8")):
                text = reference / "ncp-2020" / "corpus" / item["file"]
                if text.exists():
                    documents.append((item.get("title") or "",
                                      text.read_text(encoding="utf-8")))
        return documents, f"{reference / 'real-texts'} and {reference / 'ncp-2020'}"
    from policywatch.crawler import replay

    texts = Path(replay.__file__).resolve().parent / "texts"
    for path in sorted(texts.glob("*.txt")):
        documents.append((path.stem, path.read_text(encoding="utf-8")))
    return documents, f"the replay's texts ({texts}); {absent_note()}"


def bench_embed(echo: Echo, reference: Path | None = None, passages: int = 300
                ) -> dict[str, Any]:
    """Passages/s of each embedding backend (the model in use, USE, MiniLM) over the same
    real passages, next to sha256 keys and jieba indexing of them in the same run."""
    from policywatch.nlp.evaluation.embed_bench import embed_throughput, passages_from_texts

    documents, origin = embed_bench_documents(reference)
    chosen = passages_from_texts(documents, passages)
    echo(f"passages from {origin}")
    models = _bench_models(echo)
    return embed_throughput(chosen, echo, models)


def bench_search_speed(echo: Echo, notices: int = 100_000,
                       reference: Path | None = None) -> dict[str, Any]:
    """Build time, size, memory and p50/p95 latency at ``notices`` synthetic notices."""
    from policywatch.nlp.evaluation.search_bench import search_speed
    from policywatch.nlp.retrieval.embeddings import optional_embedder
    from policywatch.store import open_store

    embedder, unavailable = optional_embedder()  # before minutes of corpus building
    if embedder is None:
        raise PolicywatchError(f"search-speed times the vector index and needs an embedding "
                               f"model: {unavailable}")
    work = Path(tempfile.mkdtemp(prefix="policywatch-search-"))
    try:
        db_path = _search_corpus(work, echo, reference)
        with open_store(db_path) as store:
            return search_speed(store, echo, embedder, notices=notices, work_dir=work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


BENCHMARKS["search-quality"] = bench_search_quality
BENCHMARKS["search-speed"] = bench_search_speed
BENCHMARKS["embed"] = bench_embed


def read_reference_page(path: Path) -> str:
    """A page of the reference pack as a crawl stores its text (the labelled gov.cn pages)."""
    from policywatch.crawler.documents import read_document

    return read_document(path.read_bytes(), path.name).text


def bench_extract(echo: Echo, reference: Path | None = None) -> dict[str, Any]:
    """Score extraction on every labelled set and time it next to bare jieba segmentation.

    In order: the real texts of the ``reference`` pack (the development part the rules were
    tuned on, the held-out part by issuers never tuned on, and per issuer), the older
    development set (mostly texts written alongside the rules), the older held-out set
    (with the PDF case, read as a crawl reads a PDF), and the throughput ratio to bare
    ``jieba.lcut`` on every text, in the same run. Without the pack the real texts are
    skipped and the output says so (:func:`policywatch.nlp.evaluation.extraction.run_all`).
    """
    from policywatch.nlp.evaluation.extraction import format_all, run_all

    figures = run_all(reference, read_reference_page)
    for line in format_all(figures):
        echo(line)
    return figures


BENCHMARKS["extract"] = bench_extract


def bench_check(echo: Echo, profiles: int = 10_000, db: Path | None = None,
                reference: Path | None = None) -> dict[str, Any]:
    """Company profiles per second against every version in the demo database
    (:mod:`policywatch.eligibility.bench`)."""
    from policywatch.eligibility.bench import bench_check as run

    return run(echo, profiles=profiles, db=db, reference=reference)


BENCHMARKS["check"] = bench_check


# -- web --------------------------------------------------------------------------------


def bench_web(echo: Echo, notices: int = 100_000, reference: Path | None = None
              ) -> dict[str, Any]:
    """Serve the search-speed corpus of ``notices`` synthetic notices with the web app and
    time ``/api/search`` over HTTP (p50/p95, warm) against in-process ``search()`` in the
    same run, with the same model."""
    from policywatch.nlp.evaluation.search_bench import load_judged_queries, search_speed
    from policywatch.nlp.retrieval.embeddings import optional_embedder
    from policywatch.store import open_store
    from policywatch.web.bench import time_http_search

    embedder, unavailable = optional_embedder()  # before minutes of corpus building
    if embedder is None:
        raise PolicywatchError(f"bench web builds the search-speed corpus, which needs an "
                               f"embedding model: {unavailable}")
    work = Path(tempfile.mkdtemp(prefix="policywatch-web-"))
    try:
        db_path = _search_corpus(work, echo, reference)
        with open_store(db_path) as store:
            built = search_speed(store, echo, embedder, notices=notices, work_dir=work,
                                 keep=True)
        echo(f"web: /api/search over HTTP on the {notices:,}-notice corpus")
        queries = [q["query"] for q in load_judged_queries()]
        figures = time_http_search(Path(built["db_path"]), queries, embedder, echo)
        return {"notices": notices, "passages": built["passages"], "web": figures,
                "search_speed": {k: v for k, v in built.items() if k != "db_path"}}
    finally:
        shutil.rmtree(work, ignore_errors=True)


BENCHMARKS["web"] = bench_web
BENCHMARKS["revisit"] = bench_revisit  # policywatch/revisit_bench.py


# -- scale: start-up time, the vector index ---------------------------------------------


def bench_startup(echo: Echo, repeats: int = 5) -> dict[str, Any]:
    """A cold ``policywatch search`` on a small database without vectors against
    ``policywatch --version``, best of ``repeats`` fresh processes each
    (:mod:`policywatch.startup_bench`)."""
    from policywatch.startup_bench import bench_startup as run

    return run(echo, repeats=repeats)


BENCHMARKS["startup"] = bench_startup


def bench_ann(echo: Echo, size: int = 1_000_000, reference: Path | None = None
              ) -> dict[str, Any]:
    """The usearch HNSW index against the exact scan on ``size`` USE vectors of real
    passages, and BM25's approximate path against exact ranking on ``size`` passages
    (:mod:`policywatch.nlp.evaluation.ann_bench`)."""
    from policywatch.nlp.evaluation.ann_bench import AnnBenchUnavailable
    from policywatch.nlp.evaluation.ann_bench import bench_ann as run

    try:
        return run(echo, reference, size=size, bm25_passages=size)
    except AnnBenchUnavailable as exc:
        raise PolicywatchError(str(exc)) from None


BENCHMARKS["ann"] = bench_ann
