"""Repository functions of the search index: passages, FTS5, term statistics, embeddings.

Segmentation and embedding happen in ``nlp`` and arrive here as strings and bytes: this
module never imports jieba, spaCy, torch or numpy. Only the latest version of each notice is
indexed; indexing a newer version replaces the notice's passages in one transaction.

The FTS5 table ``passages_fts`` is an external-content index over ``passages``: its two
columns are ``heading_tokens`` (title and clause label) and ``body_tokens``, both already
segmented and normalized by ``policywatch.nlp.retrieval.search_text`` and joined by spaces.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from policywatch.store.db import Store
from policywatch.store.timeutil import utc_now

#: BM25 weights of the FTS5 columns (heading, body). A word of the title counts a little
#: more than a word of the passage: the title says what the whole notice is about.
COLUMN_WEIGHTS = (1.5, 1.0)
_BM25 = f"bm25(passages_fts, {COLUMN_WEIGHTS[0]}, {COLUMN_WEIGHTS[1]})"


@dataclass(frozen=True)
class SearchFilters:
    """Restrictions on which notices a search returns; an empty field does not restrict.

    Each tuple lists alternatives (any may match). ``issuers`` match as substrings, so
    ``工业和信息化部`` also finds ``工业和信息化部办公厅``; the others match exactly.
    ``tiers`` are canonical ids (``little_giant``); dates are ISO ``YYYY-MM-DD``.
    """

    date_from: str | None = None
    date_to: str | None = None
    sources: tuple[str, ...] = ()
    issuers: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    doc_types: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    doc_kinds: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return not (self.date_from or self.date_to or self.sources or self.issuers
                    or self.regions or self.tiers or self.doc_types or self.languages
                    or self.doc_kinds)


def filter_sql(filters: SearchFilters | None, alias: str = "d") -> tuple[str, list[Any]]:
    """Return a SQL condition on ``search_docs`` (as ``alias``) and its parameters.

    >>> filter_sql(SearchFilters(date_from="2024-01-01", tiers=("little_giant",)))
    ('d.published >= ? AND (d.tiers LIKE ?)', ['2024-01-01', '%,little_giant,%'])
    """
    if filters is None or filters.is_empty():
        return "1", []
    parts: list[str] = []
    params: list[Any] = []
    if filters.date_from:
        parts.append(f"{alias}.published >= ?")
        params.append(filters.date_from)
    if filters.date_to:
        parts.append(f"{alias}.published <= ?")
        params.append(filters.date_to)
    for column, values in (("source_id", filters.sources), ("region", filters.regions),
                           ("doc_type", filters.doc_types), ("language", filters.languages),
                           ("doc_kind", filters.doc_kinds)):
        if values:
            parts.append(f"{alias}.{column} IN ({', '.join('?' * len(values))})")
            params.extend(values)
    if filters.issuers:
        parts.append("(" + " OR ".join(f"{alias}.issuer LIKE ?" for _ in filters.issuers) + ")")
        params.extend(f"%{issuer}%" for issuer in filters.issuers)
    if filters.tiers:
        parts.append("(" + " OR ".join(f"{alias}.tiers LIKE ?" for _ in filters.tiers) + ")")
        params.extend(f"%,{tier},%" for tier in filters.tiers)
    return " AND ".join(parts), params


@dataclass
class IndexedDoc:
    """One version as the index stores it: the ``search_docs`` row and its passages.

    ``passages`` are dicts with ``ordinal``, ``clause``, ``language``, ``text``,
    ``heading_tokens``, ``body_tokens`` and ``embed_key``.
    """

    row: dict[str, Any]
    passages: list[dict[str, Any]] = field(default_factory=list)


# --- what to index ---------------------------------------------------------------------


def versions_pending_index(store: Store, segmenter: str,
                           limit: int | None = None) -> list[dict[str, Any]]:
    """Return the latest versions that have no index rows made by ``segmenter``.

    A notice whose latest version is indexed by an older segmenter, or whose newer version
    has not been indexed yet, is pending. Each row carries the version's text and metadata,
    the notice's url, kind and source, the source's region, and for attachments the date
    and issuer of the page that links them (``parent_published``, ``parent_issuer``).
    """
    sql = """
        select v.id as version_id, v.notice_id, v.title, v.text, v.language, v.format,
               v.issuer, v.published_date, v.doc_number, n.url, n.kind, n.source_id,
               n.title as notice_title, s.region,
               (select e.kind from extractions e where e.version_id = v.id
                  order by e.id desc limit 1) as extracted_kind,
               (select e.doc_type from extractions e where e.version_id = v.id
                  order by e.id desc limit 1) as extracted_doc_type,
               (select pv.published_date from attachments a join versions pv
                  on pv.id = a.version_id where a.notice_id = n.id
                  order by a.id desc limit 1) as parent_published,
               (select pv.issuer from attachments a join versions pv
                  on pv.id = a.version_id where a.notice_id = n.id
                  order by a.id desc limit 1) as parent_issuer
        from notices n
        join versions v on v.id = n.latest_version_id
        left join sources s on s.id = n.source_id
        left join search_docs d on d.version_id = v.id and d.segmenter = ?
        where d.version_id is null
        order by v.id
    """
    params: list[Any] = [segmenter]
    if limit is not None:
        sql += " limit ?"
        params.append(limit)
    return list(store.db.query(sql, params))


# --- writing ---------------------------------------------------------------------------


def _terms_of(passage: dict[str, Any]) -> set[str]:
    return set(passage["heading_tokens"].split()) | set(passage["body_tokens"].split())


def _token_count(passage: dict[str, Any]) -> int:
    return len(passage["heading_tokens"].split()) + len(passage["body_tokens"].split())


def _remove_notices(store: Store, notice_ids: Sequence[int], df: Counter[str]) -> tuple[int, int]:
    """Delete the index rows of these notices; count removed terms into ``df`` (negative)."""
    db = store.db
    removed_passages = removed_tokens = 0
    for start in range(0, len(notice_ids), 500):
        chunk = list(notice_ids[start:start + 500])
        marks = ", ".join("?" * len(chunk))
        rows = db.execute(
            f"select id, heading_tokens, body_tokens, token_count from passages "
            f"where notice_id in ({marks})", chunk).fetchall()
        for pid, heading, body, count in rows:
            db.execute("insert into passages_fts(passages_fts, rowid, heading_tokens, "
                       "body_tokens) values ('delete', ?, ?, ?)", [pid, heading, body])
            for term in set(heading.split()) | set(body.split()):
                df[term] -= 1
            removed_passages += 1
            removed_tokens += count or 0
        db.execute(f"delete from passages where notice_id in ({marks})", chunk)
        db.execute(f"delete from search_docs where notice_id in ({marks})", chunk)
    return removed_passages, removed_tokens


def _apply_df(store: Store, df: Counter[str]) -> None:
    changes = [(term, count) for term, count in df.items() if count]
    store.db.conn.executemany(
        "insert into search_terms(term, df) values (?, ?) "
        "on conflict(term) do update set df = df + excluded.df", changes)
    if any(count < 0 for _, count in changes):
        store.db.execute("delete from search_terms where df <= 0")


def _bump_stats(store: Store, passages: int, tokens: int) -> None:
    db = store.db
    db.execute("update search_stats set value = value + ? where name = 'passages'", [passages])
    db.execute("update search_stats set value = value + ? where name = 'tokens'", [tokens])
    db.execute("update search_stats set value = value + 1 where name = 'generation'")


def write_index_batch(store: Store, docs: Sequence[IndexedDoc]) -> int:
    """Index these versions, replacing whatever the index held for their notices.

    One transaction per call: a reader sees a notice's old passages or its new ones, never
    a mix. Keeps ``search_terms`` (document frequencies) and ``search_stats`` (passage and
    token totals, the generation counter that search caches watch) in step.

    Returns:
        The number of passages written.
    """
    db = store.db
    now = utc_now()
    df: Counter[str] = Counter()
    written = tokens = 0
    with db.atomic():
        notice_ids = sorted({doc.row["notice_id"] for doc in docs})
        existing = [row[0] for row in db.execute(
            "select distinct notice_id from search_docs where notice_id in "
            f"({', '.join('?' * len(notice_ids))})", notice_ids)] if notice_ids else []
        removed_passages, removed_tokens = _remove_notices(store, existing, df)
        doc_rows = []
        for doc in docs:
            row = dict(doc.row)
            row["passages"] = len(doc.passages)
            row.setdefault("indexed_at", now)
            doc_rows.append(row)
        db["search_docs"].insert_all(doc_rows, replace=True)
        fts_rows = []
        # Each passage takes the id SQLite gives it (no max(id) + 1 read beforehand, which
        # two writers could both read).
        insert = ("insert into passages(version_id, notice_id, ordinal, clause, language, "
                  "text, heading_tokens, body_tokens, token_count, embed_key) "
                  "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        for doc, row in zip(docs, doc_rows, strict=True):
            for passage in doc.passages:
                count = _token_count(passage)
                passage_id = db.conn.execute(insert, (
                    row["version_id"], row["notice_id"], passage["ordinal"],
                    passage.get("clause"), passage["language"], passage["text"],
                    passage["heading_tokens"], passage["body_tokens"], count,
                    passage.get("embed_key"))).lastrowid
                fts_rows.append((passage_id, passage["heading_tokens"], passage["body_tokens"]))
                df.update(_terms_of(passage))
                tokens += count
                written += 1
        db.conn.executemany(
            "insert into passages_fts(rowid, heading_tokens, body_tokens) values (?, ?, ?)",
            fts_rows)
        _apply_df(store, df)
        _bump_stats(store, written - removed_passages, tokens - removed_tokens)
    return written


def remove_from_index(store: Store, notice_ids: Sequence[int]) -> int:
    """Delete these notices' passages, FTS rows and search documents; return passages removed.

    Term frequencies and totals stay in step, and the generation counter moves so cached
    dense indexes reload without the removed passages. Call inside the caller's transaction.
    """
    df: Counter[str] = Counter()
    removed_passages, removed_tokens = _remove_notices(store, list(notice_ids), df)
    _apply_df(store, df)
    _bump_stats(store, -removed_passages, -removed_tokens)
    return removed_passages


def optimize_index(store: Store) -> None:
    """Merge the FTS5 segments into one b-tree (after a bulk build: faster queries)."""
    with store.db.atomic():
        store.db.execute("insert into passages_fts(passages_fts) values ('optimize')")


# --- reading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexTotals:
    """Sizes the BM25 formula and the caches need."""

    passages: int
    tokens: int
    generation: int

    @property
    def average_length(self) -> float:
        return self.tokens / self.passages if self.passages else 0.0


def index_totals(store: Store) -> IndexTotals:
    """Return the passage and token totals and the index generation."""
    values = dict(store.db.execute("select name, value from search_stats").fetchall())
    return IndexTotals(values.get("passages", 0), values.get("tokens", 0),
                       values.get("generation", 0))


def document_frequencies(store: Store, terms: Iterable[str]) -> dict[str, int]:
    """Return the number of passages containing each term (0 for unknown terms)."""
    wanted = list(dict.fromkeys(terms))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        found.update(store.db.execute(
            f"select term, df from search_terms where term in ({', '.join('?' * len(chunk))})",
            chunk).fetchall())
    return {term: found.get(term, 0) for term in wanted}


def fts_ranked(store: Store, match: str, limit: int,
               filters: SearchFilters | None = None) -> list[tuple[int, float]]:
    """Run an FTS5 query and return ``(passage_id, score)``, best first.

    ``match`` must be built from quoted terms (``policywatch.nlp.retrieval.search`` does that);
    ``score`` is
    FTS5's BM25 with :data:`COLUMN_WEIGHTS`, sign flipped so that higher is better.
    """
    where, params = filter_sql(filters)
    if where == "1":
        sql = (f"select rowid, -{_BM25} from passages_fts where passages_fts match ? "
               f"order by {_BM25} limit ?")
        return [(int(r), float(s)) for r, s in store.db.execute(sql, [match, limit])]
    sql = (f"select f.rowid, -{_BM25} from passages_fts f cross join passages p "
           f"on p.id = f.rowid cross join search_docs d on d.version_id = p.version_id "
           f"where passages_fts match ? and {where} order by {_BM25} limit ?")
    return [(int(r), float(s)) for r, s in store.db.execute(sql, [match, *params, limit])]


def fts_recent(store: Store, match: str, limit: int,
               filters: SearchFilters | None = None) -> list[int]:
    """Return the ids of the newest passages matching ``match`` (no ranking: cheap)."""
    where, params = filter_sql(filters)
    if where == "1":
        sql = ("select rowid from passages_fts where passages_fts match ? "
               "order by rowid desc limit ?")
        return [int(r) for (r,) in store.db.execute(sql, [match, limit])]
    sql = ("select f.rowid from passages_fts f cross join passages p on p.id = f.rowid "
           "cross join search_docs d on d.version_id = p.version_id "
           f"where passages_fts match ? and {where} order by f.rowid desc limit ?")
    return [int(r) for (r,) in store.db.execute(sql, [match, *params, limit])]


def _rows_by_id(store: Store, select_from: str, id_column: str, passage_ids: Iterable[int],
                where: str = "1", params: Sequence[Any] = ()) -> dict[int, dict[str, Any]]:
    """Run ``select_from`` for the given ids, 500 at a time (SQLite's parameter limit),
    and key the rows by their ``id``."""
    ids = list(dict.fromkeys(passage_ids))
    rows: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        sql = f"{select_from} where {id_column} in ({', '.join('?' * len(chunk))}) and {where}"
        for row in store.db.query(sql, [*chunk, *params]):
            rows[row["id"]] = row
    return rows


def passage_rows(store: Store, passage_ids: Iterable[int],
                 filters: SearchFilters | None = None) -> dict[int, dict[str, Any]]:
    """Return passages with their notice fields, keyed by id; ``filters`` drop the rest."""
    where, params = filter_sql(filters)
    return _rows_by_id(
        store,
        "select p.id, p.version_id, p.notice_id, p.ordinal, p.clause, p.language, p.text, "
        "p.heading_tokens, p.body_tokens, p.token_count, d.title, d.url, d.published, "
        "d.source_id, d.issuer, d.region, d.doc_type, d.tiers, d.kind "
        "from passages p join search_docs d on d.version_id = p.version_id",
        "p.id", passage_ids, where, params)


def passage_tokens(store: Store, passage_ids: Iterable[int]
                   ) -> dict[int, dict[str, Any]]:
    """Return only what BM25 scoring reads of passages (segmented heading and body, token
    count), keyed by id: a few bytes a row instead of the passage text."""
    return _rows_by_id(store, "select id, heading_tokens, body_tokens, token_count "
                       "from passages", "id", passage_ids)


def notice_passages(store: Store, notice_id: int) -> list[dict[str, Any]]:
    """Return the indexed passages of a notice in reading order."""
    return list(store.db.query(
        "select id, ordinal, clause, language, text, heading_tokens, body_tokens "
        "from passages where notice_id = ? order by ordinal", [notice_id]))


def indexed_counts(store: Store) -> dict[str, int]:
    """Return how many notices and passages the index holds."""
    totals = index_totals(store)
    notices = store.db.execute("select count(*) from search_docs").fetchone()[0]
    return {"notices": notices, "passages": totals.passages, "tokens": totals.tokens}


# --- embeddings ------------------------------------------------------------------------


def passages_missing_embeddings(store: Store, model: str,
                                languages: Sequence[str] | None = None,
                                limit: int | None = None) -> list[dict[str, Any]]:
    """Return one passage per ``embed_key`` that has no vector for ``model`` yet.

    Rows carry ``embed_key``, ``title`` and ``text``: what ``nlp`` hashed into the key.
    ``languages`` restricts to passages in those languages (a model that does not cover
    Chinese is not run over Chinese passages).
    """
    where = ""
    params: list[Any] = [model]
    if languages:
        where = f"and p.language in ({', '.join('?' * len(languages))})"
        params.extend(languages)
    sql = (
        "select p.embed_key, min(d.title) as title, min(p.text) as text from passages p "
        "join search_docs d on d.version_id = p.version_id "
        "left join embeddings e on e.key = p.embed_key and e.model = ? "
        f"where e.id is null and p.embed_key is not null {where} group by p.embed_key")
    if limit is not None:
        sql += " limit ?"
        params.append(limit)
    return list(store.db.query(sql, params))


def put_embeddings(store: Store, model: str, dim: int,
                   vectors: Iterable[tuple[str, bytes]]) -> int:
    """Store float32 vectors (raw bytes) under (key, model); existing keys are kept.

    Returns:
        The number of rows written.
    """
    now = utc_now()
    rows = [(key, model, dim, blob, now) for key, blob in vectors]
    with store.db.atomic():
        before = store.db.conn.total_changes
        store.db.conn.executemany(
            "insert or ignore into embeddings(key, model, dim, vector, created_at) "
            "values (?, ?, ?, ?, ?)", rows)
        written = store.db.conn.total_changes - before
        store.db.execute("update search_stats set value = value + 1 where name = 'generation'")
    return written


def get_embeddings(store: Store, model: str, keys: Iterable[str]) -> dict[str, bytes]:
    """Return the stored vectors (raw float32 bytes) of these keys for ``model``."""
    wanted = list(dict.fromkeys(keys))
    found: dict[str, bytes] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        found.update(store.db.execute(
            f"select key, vector from embeddings where model = ? and key in "
            f"({', '.join('?' * len(chunk))})", [model, *chunk]).fetchall())
    return found


def has_embeddings(store: Store, model: str) -> bool:
    """True when the store holds at least one vector of ``model`` (stops at the first)."""
    return store.db.execute("select 1 from embeddings where model = ? limit 1",
                            [model]).fetchone() is not None


def embedding_count(store: Store, model: str) -> int:
    """Return how many vectors ``model`` has stored."""
    return store.db.execute("select count(*) from embeddings where model = ?",
                            [model]).fetchone()[0]


VectorRow = tuple[int, int, str, bytes, "int | None"]


def iter_passage_vectors(store: Store, model: str,
                         batch: int = 50_000) -> Iterator[list[VectorRow]]:
    """Yield batches of ``(passage_id, notice_id, language, vector, ann_list)``.

    Every indexed passage whose embedded text has a vector for ``model``, in passage order.
    """
    cursor = store.db.execute(
        "select p.id, p.notice_id, p.language, e.vector, e.ann_list from passages p "
        "join embeddings e on e.key = p.embed_key and e.model = ? order by p.id", [model])
    while True:
        rows = cursor.fetchmany(batch)
        if not rows:
            return
        yield rows


def iter_embeddings(store: Store, model: str, only_unlisted: bool = False,
                    batch: int = 50_000) -> Iterator[list[tuple[int, bytes]]]:
    """Yield batches of ``(embedding_row_id, vector)`` of ``model``."""
    where = "and ann_list is null" if only_unlisted else ""
    cursor = store.db.execute(
        f"select id, vector from embeddings where model = ? {where} order by id", [model])
    while True:
        rows = cursor.fetchmany(batch)
        if not rows:
            return
        yield rows


def iter_embeddings_after(store: Store, model: str, after_id: int,
                          batch: int = 50_000) -> Iterator[list[tuple[int, bytes]]]:
    """Yield batches of ``(embedding_row_id, vector)`` of ``model`` with an id above
    ``after_id``, in id order (what the vector index has not taken yet)."""
    cursor = store.db.execute(
        "select id, vector from embeddings where model = ? and id > ? order by id",
        [model, after_id])
    while True:
        rows = cursor.fetchmany(batch)
        if not rows:
            return
        yield rows


def passages_of_embeddings(store: Store, embedding_ids: Sequence[int], model: str
                           ) -> list[tuple[int, int, str]]:
    """``(embedding_row_id, passage_id, language)`` of every indexed passage whose embedded
    text has one of these vectors of ``model`` (a text shared by several passages maps to
    each of them)."""
    found: list[tuple[int, int, str]] = []
    for start in range(0, len(embedding_ids), 500):
        chunk = list(embedding_ids[start:start + 500])
        found += store.db.execute(
            "select e.id, p.id, p.language from embeddings e join passages p on "
            f"p.embed_key = e.key where e.model = ? and e.id in ({', '.join('?' * len(chunk))})",
            [model, *chunk]).fetchall()
    return found


def set_ann_lists(store: Store, assignments: Iterable[tuple[int, int]]) -> None:
    """Record each embedding's IVF list: ``(embedding_row_id, list)`` pairs."""
    with store.db.atomic():
        store.db.conn.executemany("update embeddings set ann_list = ? where id = ?",
                                  [(lst, row_id) for row_id, lst in assignments])
        store.db.execute("update search_stats set value = value + 1 where name = 'generation'")


def vector_index_row(store: Store, model: str) -> dict[str, Any] | None:
    """Return the stored IVF centroids row of ``model``, or None."""
    rows = list(store.db.query("select * from vector_indexes where model = ?", [model]))
    return rows[0] if rows else None


def save_vector_index(store: Store, model: str, *, kind: str, dim: int, lists: int,
                      centroids: bytes, trained_on: int) -> None:
    """Replace the IVF centroids of ``model`` and forget every list assignment."""
    with store.db.atomic():
        store.db["vector_indexes"].insert(
            {"model": model, "kind": kind, "dim": dim, "lists": lists, "centroids": centroids,
             "trained_on": trained_on, "created_at": utc_now()}, replace=True)
        store.db.execute("update embeddings set ann_list = null where model = ?", [model])
        store.db.execute("update search_stats set value = value + 1 where name = 'generation'")


def index_size_bytes(store: Store) -> dict[str, int]:
    """Return the bytes each search table and its indexes take (SQLite ``dbstat``).

    Falls back to page counts of the whole file where ``dbstat`` is not compiled in.
    """
    groups = {  # first match wins: passages_fts_* before passages
        "fts": ("passages_fts",),
        "passages": ("passages", "idx_passages_"),
        "terms": ("search_terms",),
        "docs": ("search_docs", "idx_search_docs_"),
        "embeddings": ("embeddings", "idx_embeddings_"),
    }
    try:
        rows = store.db.execute("select name, sum(pgsize) from dbstat group by name").fetchall()
    except Exception:  # noqa: BLE001 - dbstat is an optional compile-time module
        page = store.db.execute("pragma page_size").fetchone()[0]
        count = store.db.execute("pragma page_count").fetchone()[0]
        return {"file": page * count}
    sizes = dict.fromkeys(groups, 0)
    for name, size in rows:
        for group, prefixes in groups.items():
            if any(name.startswith(prefix) for prefix in prefixes):
                sizes[group] += size
                break
    return sizes
