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
                   "score, snippet}, best first; matches in the snippet are in <mark>.")
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
@click.option("--mode", type=click.Choice(["hybrid", "lexical", "bm25"]), default="hybrid",
              show_default=True,
              help="hybrid: words, translation and vectors; lexical: no vectors; bm25: the "
                   "query's own words only.")
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
    from policywatch.nlp.retrieval.embeddings import embedder_info, optional_embedder
    from policywatch.nlp.retrieval.indexing import index_pending
    from policywatch.nlp.retrieval.search import FilterError, resolve_filters
    from policywatch.nlp.retrieval.search import search as run_search

    text = " ".join(query)
    try:
        filters = resolve_filters(
            date_from=date_from, date_to=date_to, sources=sources, issuers=issuers,
            regions=regions, tiers=tiers, doc_types=doc_types, languages=languages)
    except FilterError as exc:
        raise click.BadParameter(str(exc)) from None
    store = app.store()
    embedder = None
    if mode == "hybrid" or not no_update:
        embedder, unavailable = optional_embedder()
        if unavailable:
            click.echo(f"Warning: {unavailable}; searching words only.", err=True)
        elif embedder is not None:
            info = embedder_info(embedder)
            if info.is_fallback:
                reads = ("reads Chinese" if info.covers_chinese
                         else "Chinese is found through words and translation")
                _echo_err(f"Note: vectors by {info.name} ({info.configured} is not available "
                          f"here; {reads})")
    if not no_update:
        counts = index_pending(store, embedder)
        if counts["notices"] or counts["embedded"]:
            _echo_err(f"indexed {counts['notices']} notices ({counts['passages']} passages, "
                      f"{counts['embedded']} vectors) in {counts['seconds']:.1f}s")
    response = run_search(store, text, limit=limit, filters=filters, mode=mode,
                          embedder=embedder if mode == "hybrid" else None)
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
        snippet = highlight(result)
        if result.clause and not snippet.lstrip("…").startswith(result.clause[:2]):
            snippet = f"{result.clause} {snippet}"
        click.echo(f"    {snippet}")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@main_errors
def models(as_json: bool) -> None:
    """Show the embedding model in use and how well it reads Chinese.

    The configured model (POLICYWATCH_EMBEDDING_MODEL, default
    paraphrase-multilingual-MiniLM-L12-v2) loads from the local Hugging Face cache; when it
    is not there, the packaged all-MiniLM-L6-v2 is used instead. Chinese coverage is the
    share of the model's tokens that are unknown on a Chinese sample: above 5%, Chinese
    search relies on words and query translation rather than vectors.

    Example:

        policywatch models --json
    """
    from policywatch.nlp.retrieval.embeddings import (
        ModelUnavailable,
        configured_model_name,
        embedder_info,
        get_embedder,
    )

    try:
        info = embedder_info(get_embedder())
    except ModelUnavailable as exc:
        raise SearchFailed(str(exc)) from exc
    if as_json:
        echo_json(info.as_dict())
        return
    share = info.unknown_token_share
    click.echo(f"active model:      {info.name}")
    click.echo(f"dimensions:        {info.dim}")
    click.echo(f"configured model:  {configured_model_name()}"
               + ("  (in use)" if not info.is_fallback else "  (not available: fallback in use)"))
    if info.reason:
        click.echo(f"why not:           {info.reason}")
    click.echo(f"Chinese coverage:  {'-' if share is None else f'{share:.1%}'} unknown tokens on "
               f"a Chinese sample -> {'covers' if info.covers_chinese else 'does not cover'} "
               "Chinese")
    if not info.covers_chinese:
        click.echo("                   Chinese queries use words and query translation; "
                   "vectors serve English text only.")
