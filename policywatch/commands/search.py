"""``policywatch search`` and ``policywatch models``."""

from __future__ import annotations

import sys

import click

from policywatch.commands.context import AppContext, echo_json, main_errors, pass_app
from policywatch.errors import PolicywatchError


class SearchFailed(PolicywatchError):
    """A search that cannot run as asked (a bad filter, no model at all)."""


def _echo_err(line: str) -> None:
    """Print a note for the person at the terminal on stderr, apart from the results."""
    click.echo(line, err=True)


def _highlighter(color: bool):
    if color:
        return lambda result: result.snippet_text(
            "\x1b[1;33m", "\x1b[0m")
    return lambda result: result.snippet_text("【", "】")


@click.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", "-n", type=click.IntRange(1, 100), default=10, show_default=True,
              help="Notices to show.")
@click.option("--json", "as_json", is_flag=True,
              help="Print a JSON list of {notice_id, version_id, title, url, published, "
                   "score, snippet, kind, source_id, also}, best first; matches in the snippet "
                   "are in <mark>; 'also' lists the same document on other sites.")
@click.option("--from", "date_from", metavar="DATE",
              help="Published on or after DATE (YYYY, YYYY-MM or YYYY-MM-DD).")
@click.option("--to", "date_to", metavar="DATE", help="Published on or before DATE.")
@click.option("--source", "sources", multiple=True, metavar="ID",
              help="Only this source (govcn, miit, beijing, ...); repeat for several.")
@click.option("--issuer", "issuers", multiple=True, metavar="NAME",
              help="Issuer, in Chinese or English (MIIT, 国务院办公厅); repeatable.")
@click.option("--region", "regions", multiple=True, metavar="NAME",
              help="Region of the source (national, Beijing, 江苏省); repeatable.")
@click.option("--tier", "tiers", multiple=True, metavar="TIER",
              help="Notices about a tier: innovative_sme, srdi_sme, little_giant (or its "
                   "name, 小巨人); repeatable.")
@click.option("--type", "--kind", "doc_types", multiple=True, metavar="TYPE",
              help="Document kind (normative, notice, interpretation, news, list, form) or "
                   "type (measures, standard, implementation_rules, publicity, ...); repeatable.")
@click.option("--language", "languages", multiple=True, type=click.Choice(["zh", "en"]),
              help="Language of the notice.")
@click.option("--mode", type=click.Choice(["hybrid", "lexical", "bm25", "vectors"]),
              default="hybrid", show_default=True,
              help="hybrid: words, translation and vectors; lexical: no vectors; bm25: the "
                   "query's own words only; vectors: sentence vectors only.")
@click.option("--no-update", is_flag=True,
              help="Search the index as it is, without indexing new notices first.")
@pass_app
@main_errors
def search(app: AppContext, query: tuple[str, ...], limit: int, as_json: bool,
           date_from: str | None, date_to: str | None, sources: tuple[str, ...],
           issuers: tuple[str, ...], regions: tuple[str, ...], tiers: tuple[str, ...],
           doc_types: tuple[str, ...], languages: tuple[str, ...], mode: str,
           no_update: bool) -> None:
    """Search notices in Chinese or English; results grouped per notice, best first.

    Matches words (BM25 over jieba-segmented passages), translations of the query through
    the policy glossary and CC-CEDICT, and sentence vectors, fused by reciprocal rank. Each
    result shows the passage that matched best with the matches marked. New notices are
    indexed first (use --no-update to skip). Any text is a valid query: operators and
    quotes are searched as words, and a very long query is cut.

    Example:

        policywatch search "Little Giant R&D threshold" --limit 5 --from 2022
    """
    from policywatch.nlp.retrieval.embeddings import embedder_if_vectors, embedder_info
    from policywatch.nlp.retrieval.indexing import index_pending
    from policywatch.nlp.retrieval.search import FilterError, resolve_filters
    from policywatch.nlp.retrieval.search import search as run_search
    from policywatch.store.search_index import has_embeddings

    text = " ".join(query)
    try:
        filters = resolve_filters(
            date_from=date_from, date_to=date_to, sources=sources, issuers=issuers,
            regions=regions, tiers=tiers, doc_types=doc_types, languages=languages)
    except FilterError as exc:
        raise click.BadParameter(str(exc)) from None
    store = app.store()
    embedder = None
    if mode in ("hybrid", "vectors"):
        # A model is loaded only when the corpus has vectors of it: a query vector is of
        # no use otherwise, and loading one costs seconds (see embedder_if_vectors).
        embedder, unavailable = embedder_if_vectors(lambda name: has_embeddings(store, name))
        if unavailable:
            _echo_err(f"Note: no vectors ({unavailable}); searching words and "
                      "translation only")
        elif embedder is not None:
            info = embedder_info(embedder)
            if info.is_fallback:
                reads = ("Chinese and English" if info.covers_chinese
                         else "English only; Chinese through words and translation")
                _echo_err(f"Note: vectors by {info.name} ({reads}); the configured "
                          f"{info.configured} is not available here (policywatch models)")
    if not no_update:
        counts = index_pending(store, embedder)
        if counts["notices"] or counts["embedded"]:
            rate = (f", {counts['passages_per_s']:.0f} passages/s embedded"
                    if counts.get("passages_per_s") else "")
            _echo_err(f"indexed {counts['notices']} notices ({counts['passages']} passages, "
                      f"{counts['embedded']} vectors) in {counts['seconds']:.1f}s{rate}")
    response = run_search(store, text, limit=limit, filters=filters, mode=mode,
                          embedder=embedder if mode in ("hybrid", "vectors") else None)
    for note in response.notes:
        _echo_err(f"Note: {note}")
    if as_json:
        echo_json([result.as_dict() for result in response.results])
        return
    if response.translation is not None and response.translation.describe():
        click.echo(f"translated: {response.translation.describe()}")
    if not response.results:
        click.echo("No matching notice.")
        return
    highlight = _highlighter(sys.stdout.isatty())
    for rank, result in enumerate(response.results, start=1):
        click.echo(f"{rank:>2}. {result.title}")
        click.echo(f"    notice {result.notice_id}, version {result.version_id}  "
                   f"{result.published or '-'}  "
                   f"[{result.source_id}]  score {result.score:.4f}")
        if result.url:
            click.echo(f"    {result.url}")
        for other in result.also:
            click.echo(f"    also notice {other['notice_id']} [{other['source_id']}] "
                       f"{other['url']}")
        snippet = highlight(result)
        if result.clause and not snippet.lstrip("…").startswith(result.clause[:2]):
            snippet = f"{result.clause} {snippet}"
        click.echo(f"    {snippet}")


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _model_lines(rank: int, info) -> list[str]:  # noqa: ANN001 - a ModelInfo
    head = f"{rank}. {info.name}  [{info.status}]"
    if info.status == "not available":
        return [head, f"   {info.reason}"]
    lines = [f"{head}  {info.backend}, {info.dim}-d"]
    coverage = info.coverage or {}
    for code, language in (("zh", "Chinese"), ("en", "English")):
        figures = coverage.get(code, {})
        used = ("vectors used" if figures.get("vectors_used") else
                "vectors not used: searched through words and translation")
        lines.append(f"   {language + ':':<9}{_share(figures.get('unknown_token_share')):>6} "
                     f"unknown tokens on a sample -> {used}")
    check = coverage.get("translation_check")
    if check:
        lines.append(f"   our {check['pairs']} Chinese policy sentences and their English "
                     f"translations: {check['zh_to_en']}/{check['pairs']} matched zh->en, "
                     f"{check['en_to_zh']}/{check['pairs']} en->zh (mean cosine "
                     f"{check['mean_cosine']:.2f})")
    return lines


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@main_errors
def models(as_json: bool) -> None:
    """Show which embedding model runs, why, and how well each model reads each language.

    Models are tried in order: the configured one ($POLICYWATCH_EMBEDDING_MODEL: a Hugging
    Face name loaded from the local cache through sentence-transformers, default
    paraphrase-multilingual-MiniLM-L12-v2; use-multilingual-v3 for the packaged USE; none
    for no vectors), then the packaged multilingual USE v3 (Chinese and English, 512-d),
    then the packaged all-MiniLM-L6-v2 (English only). For each: the share of its tokens
    that are unknown on a Chinese and an English sample (above 5% on Chinese, Chinese is
    searched through words and query translation, not vectors), and how many of our 12
    Chinese policy sentences it matches to their English translations, and back.

    Example:

        policywatch models --json
    """
    from policywatch.nlp.retrieval.embeddings import (
        NO_MODEL_NAMES,
        configured_model_name,
        describe_models,
        embedder_info,
        optional_embedder,
    )

    configured = configured_model_name()
    active, unavailable = optional_embedder()
    infos = describe_models(configured, active)
    if as_json:
        head = (embedder_info(active, with_coverage=True).as_dict() if active is not None
                else {"model": None, "configured": configured, "reason": unavailable})
        echo_json({**head, "models": [info.as_dict() for info in infos]})
        return
    if active is None:
        click.echo(f"in use:      none ({unavailable})")
        click.echo("             search and linking use words and query translation only")
    else:
        current = next(info for info in infos if info.status == "in use")
        click.echo(f"in use:      {current.name} ({current.backend}, {current.dim}-d)")
        if current.is_fallback:
            why = next((info.reason for info in infos if info.name == configured), None)
            click.echo(f"configured:  {configured}, not used: {why or current.reason}")
        else:
            click.echo(f"configured:  {configured}")
        languages = "Chinese and English" if current.covers_chinese else (
            "English only (Chinese through words and translation)")
        click.echo(f"vectors for: {languages}")
    click.echo("")
    switched_off = configured.lower() in NO_MODEL_NAMES
    click.echo("packaged models (not used: vectors are switched off):" if switched_off
               else "models, in the order they are tried:")
    for rank, info in enumerate(infos, start=1):
        for line in _model_lines(rank, info):
            click.echo(line)
