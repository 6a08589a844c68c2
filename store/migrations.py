"""Schema of the policywatch database, evolved only through ordered migrations.

Each function is applied once per database and recorded in ``_sqlite_migrations``; add a
new ``mNNN_*`` function for every change, never edit an applied one.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("policywatch")


@migrations()
def m001_initial(db: Database) -> None:
    """Sources, notices, versions, blobs, attachments and the runs log."""
    db["sources"].create(
        {
            "id": str,
            "name": str,
            "platform": str,
            "region": str,
            "language": str,
            "home_url": str,
            "created_at": str,
        },
        pk="id",
    )
    db["runs"].create(
        {
            "id": int,
            "kind": str,  # crawl | import | extract | ...
            "started_at": str,
            "finished_at": str,
            "status": str,  # running | ok | failed | interrupted
            "args": str,  # JSON
            "stats": str,  # JSON: per-source counters
        },
        pk="id",
    )
    db["blobs"].create(
        {"sha256": str, "size": int, "content_type": str, "stored_at": str},
        pk="sha256",
    )
    db["notices"].create(
        {
            "id": int,
            # Stable identity: canonical URL, or "sha256:<content key>" for imported files.
            "identity": str,
            "source_id": str,
            "kind": str,  # page | attachment | file
            "url": str,
            "title": str,
            "first_seen_at": str,
            "last_seen_at": str,
            "latest_version_id": int,
        },
        pk="id",
        foreign_keys=[("source_id", "sources", "id")],
    )
    db["notices"].create_index(["identity"], unique=True)
    db["versions"].create(
        {
            "id": int,
            "notice_id": int,
            "content_hash": str,  # sha256 of normalized title + text: what "changed" means
            "raw_sha256": str,  # the captured bytes, in the blob store
            "fetched_at": str,
            "fetched_from": str,  # the address actually requested (a replay, a file path)
            "run_id": int,
            "content_type": str,
            "encoding": str,
            "format": str,  # html | txt | pdf | docx | ...
            "language": str,
            "title": str,
            "doc_number": str,
            "issuer": str,
            "index_number": str,
            "written_date": str,
            "published_date": str,
            "text": str,
            "metadata": str,  # JSON: everything else the parser read
            "parser": str,  # producer name and version, e.g. "crawler.govcn.v1"
        },
        pk="id",
        foreign_keys=[
            ("notice_id", "notices", "id"),
            ("raw_sha256", "blobs", "sha256"),
            ("run_id", "runs", "id"),
        ],
    )
    db["versions"].create_index(["notice_id", "id"])
    db["versions"].create_index(["content_hash"])
    db["attachments"].create(
        {
            "id": int,
            "version_id": int,  # the page version that links the file
            "notice_id": int,  # the attachment's own notice (versioned like a page)
            "url": str,
            "name": str,
            "position": int,
            "status": str,  # stored | unsupported | failed | too_large | unsafe
            "detail": str,
        },
        pk="id",
        foreign_keys=[("version_id", "versions", "id"), ("notice_id", "notices", "id")],
    )
    db["attachments"].create_index(["version_id", "url"], unique=True)


@migrations()
def m002_crawl_state(db: Database) -> None:
    """HTTP validators for conditional re-fetching, and source-health events."""
    db["notices"].add_column("http_etag", str)
    db["notices"].add_column("http_last_modified", str)
    db["notices"].add_column("last_checked_at", str)
    db["health_events"].create(
        {
            "id": int,
            "run_id": int,
            "source_id": str,
            "kind": str,  # blocked | challenge | captcha | layout_changed | http_error | ...
            "url": str,
            "http_status": int,
            "detail": str,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id"), ("source_id", "sources", "id")],
    )
    db["health_events"].create_index(["source_id", "created_at"])


@migrations()
def m003_extractions(db: Database) -> None:
    """What the extraction stage read from each version, one row per version and extractor.

    ``extractor`` is the producer's version tag (``policywatch.extract.v1``): bumping it makes
    every version pending again, and a new row replaces only those of older versions.
    """
    db["extractions"].create(
        {
            "id": int,
            "version_id": int,
            "extractor": str,
            "created_at": str,
            "language": str,
            "title": str,
            "doc_number": str,
            "issuer": str,
            "dates": str,  # JSON: written, published, effective, expires (ISO dates or null)
            "tiers": str,  # JSON list of tier ids
            "clauses": str,  # JSON list: id, label, number, level, heading, text, parent
            "scoring": str,  # JSON list of scoring-table rows, kept apart from criteria
        },
        pk="id",
        foreign_keys=[("version_id", "versions", "id")],
    )
    db["extractions"].create_index(["version_id", "extractor"], unique=True)
    db["criteria"].create(
        {
            "id": int,
            "extraction_id": int,
            "version_id": int,
            "tier": str,
            "metric": str,
            "op": str,  # >= | <= | > | < | ==
            "value": float,  # in the metric's base unit (yuan, percent, years, count, points)
            "unit": str,
            "period": str,  # last_year | last_2_years | each_of_last_2_years | ... | null
            "condition": str,  # JSON: a band, a route condition or {"alternative_to": ...}
            "text": str,  # the source sentence
            "clause_id": str,
            "extractor": str,
        },
        pk="id",
        foreign_keys=[("extraction_id", "extractions", "id"), ("version_id", "versions", "id")],
    )
    db["criteria"].create_index(["version_id"])
    db["criteria"].create_index(["tier", "metric"])
    db["criteria"].create_index(["extraction_id"])


@migrations()
def m004_search(db: Database) -> None:
    """Search index: passages, their FTS5 index, term statistics, embeddings, vector lists.

    ``passages`` holds the latest version of each notice cut into passages (a clause or a
    few paragraphs), with the segmented form that ``passages_fts`` indexes: normalized
    jieba/spaCy tokens joined by spaces, so FTS5's ``unicode61`` tokenizer only splits on
    those spaces (a CJK run is one token, not one per character; no trigram bloat).
    ``search_docs`` has one row per indexed version with the fields the filters read and
    the producer tag of the segmenter. ``search_terms`` keeps each term's document
    frequency so a query can see which words are rare before it touches the index.
    ``embeddings`` stores one float32 vector per (sha256 of the embedded text, model);
    ``vector_indexes`` the IVF centroids of a model, ``embeddings.ann_list`` each vector's list.
    """
    db["search_docs"].create(
        {
            "version_id": int,
            "notice_id": int,
            "source_id": str,
            "kind": str,
            "title": str,
            "url": str,
            "published": str,  # ISO date
            "issuer": str,
            "region": str,
            "language": str,  # zh | en
            "doc_type": str,  # notice | measures | interpretation | ... (glossary doc_types)
            "tiers": str,  # ",little_giant,srdi_sme," (commas around each id, for LIKE)
            "passages": int,
            "segmenter": str,  # producer tag, e.g. "policywatch.search-terms.v1+jieba-0.42.1"
            "indexed_at": str,
        },
        pk="version_id",
        foreign_keys=[("version_id", "versions", "id"), ("notice_id", "notices", "id")],
    )
    db["search_docs"].create_index(["notice_id"])
    db["search_docs"].create_index(["published"])
    db["passages"].create(
        {
            "id": int,
            "version_id": int,
            "notice_id": int,
            "ordinal": int,  # 0, 1, ... in reading order
            "clause": str,  # clause label when the passage starts a numbered clause (第五条（二）)
            "language": str,
            "text": str,  # the passage as written (for snippets)
            "heading_tokens": str,  # segmented notice title and clause label (FTS column 0)
            "body_tokens": str,  # segmented passage text (FTS column 1)
            "token_count": int,  # tokens in both columns: BM25 document length
            "embed_key": str,  # sha256 of the text given to the embedder
        },
        pk="id",
        foreign_keys=[("version_id", "search_docs", "version_id")],
    )
    db["passages"].create_index(["version_id", "ordinal"])
    db["passages"].create_index(["notice_id"])
    db["passages"].create_index(["embed_key"])
    db.execute(
        "CREATE VIRTUAL TABLE passages_fts USING fts5(heading_tokens, body_tokens, "
        "content='passages', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    db.execute("CREATE TABLE search_terms (term TEXT PRIMARY KEY, df INTEGER NOT NULL) "
               "WITHOUT ROWID")
    db["search_stats"].create({"name": str, "value": int}, pk="name")
    db["search_stats"].insert_all(
        [{"name": "passages", "value": 0}, {"name": "tokens", "value": 0},
         {"name": "generation", "value": 0}])
    # A rowid table: 1.5 KB vectors are too large for a WITHOUT ROWID b-tree.
    db["embeddings"].create(
        {"id": int, "key": str, "model": str, "dim": int, "vector": bytes, "created_at": str,
         "ann_list": int},
        pk="id",
        not_null={"key", "model", "dim", "vector"},
    )
    db["embeddings"].create_index(["key", "model"], unique=True)
    db["vector_indexes"].create(
        {
            "model": str,
            "kind": str,  # ivf
            "dim": int,
            "lists": int,
            "centroids": bytes,  # float32, lists x dim
            "trained_on": int,  # vectors when trained: retrain when the count doubles
            "created_at": str,
        },
        pk="model",
    )


@migrations()
def m005_lineage(db: Database) -> None:
    """Lineage: a candidate index of notices and their references, typed edges, measures
    (series of versions) and changes (pairs of versions with their diff)."""
    db["lineage_notices"].create(
        {
            "notice_id": int,
            "language": str,
            "region": str,
            "issuer": str,
            "doc_number": str,  # normalized: 〔〕 brackets, half-width digits
            "number_key": str,  # "2022-63": shared by a Chinese number and its English form
            "title": str,
            "title_core": str,  # the measure's name inside the notice title
            "series_key": str,  # title_core without 暂行/试行/years: versions share it
            "published": str,
            "linker": str,
            "linked_at": str,
        },
        pk="notice_id",
        foreign_keys=[("notice_id", "notices", "id")],
    )
    for column in ("doc_number", "number_key", "title_core", "series_key"):
        db["lineage_notices"].create_index([column])
    db["lineage_notices"].create_index(["language", "published"])  # translation windows
    db["lineage_references"].create(
        {"id": int, "notice_id": int, "title": str, "title_core": str, "doc_number": str,
         "number_key": str, "cue": str, "text": str},
        pk="id",
        foreign_keys=[("notice_id", "notices", "id")],
    )
    for column in ("notice_id", "doc_number", "title_core", "number_key"):
        db["lineage_references"].create_index([column])
    db["edges"].create(
        {"id": int, "source_notice_id": int, "target_notice_id": int, "type": str,
         "confidence": float, "evidence": str, "linker": str, "created_at": str},
        pk="id",
        foreign_keys=[("source_notice_id", "notices", "id"),
                      ("target_notice_id", "notices", "id")],
    )
    db["edges"].create_index(["source_notice_id", "target_notice_id", "type"], unique=True)
    db["edges"].create_index(["target_notice_id"])
    db["notice_measures"].create(
        {"notice_id": int, "measure_id": str, "linker": str},
        pk="notice_id",
        foreign_keys=[("notice_id", "notices", "id")],
    )
    db["notice_measures"].create_index(["measure_id"])
    db["changes"].create(
        {"id": int, "measure_id": str, "old_version_id": int, "new_version_id": int,
         "kind": str,  # new_version (same notice) | superseded | amended
         "criteria_changes": str, "clause_counts": str, "summary_zh": str, "summary_en": str,
         "producer": str, "created_at": str},
        pk="id",
        foreign_keys=[("old_version_id", "versions", "id"), ("new_version_id", "versions", "id")],
    )
    db["changes"].create_index(["old_version_id", "new_version_id"], unique=True)
    db["changes"].create_index(["measure_id"])


@migrations()
def m006_alerts(db: Database) -> None:
    """Alerts: events (annotations of changes, notices and sources), subscriptions and the
    deliveries that join them.

    ``events.dedup_key`` makes deriving idempotent: one event per change of a measure (a
    page mirrored on two sites is one key), per repealed notice, per date window and per
    broken-source streak. ``deliveries`` has one row per (subscription, event): a ``sent``
    row is never sent again, a ``failed`` one is retried from ``next_attempt_at``.
    """
    db["events"].create(
        {
            "id": int,
            "type": str,  # new_measure | new_version | repealed | criteria_changed | ...
            "dedup_key": str,
            "title": str,
            "notice_ids": str,  # JSON list
            "measure_id": str,
            "change_id": int,
            "source_id": str,
            "summary_zh": str,
            "summary_en": str,
            "diff_path": str,  # the full diff (HTML) next to the database, if any
            "payload": str,  # JSON: what filters and channels read (tiers, metrics, ...)
            "producer": str,
            "created_at": str,
        },
        pk="id",
        not_null={"type", "dedup_key"},
    )
    db["events"].create_index(["dedup_key"], unique=True)
    db["events"].create_index(["type", "id"])
    db["subscriptions"].create(
        {
            "id": int,
            "name": str,
            "filters": str,  # JSON: types, tiers, metrics, issuers, regions, sources, ...
            "channel": str,  # webhook | email | feed
            "target": str,  # URL, address or feed file
            "secret": str,  # webhook HMAC key, if any
            "digest": int,
            "active": int,
            "since_event_id": int,  # events after this one concern the subscription
            "last_event_id": int,  # events up to this one have been matched
            "created_at": str,
        },
        pk="id",
    )
    db["deliveries"].create(
        {
            "id": int,
            "subscription_id": int,
            "event_id": int,
            "status": str,  # pending | sent | failed
            "attempts": int,
            "next_attempt_at": str,
            "last_error": str,
            "sent_at": str,
            "lease_until": str,  # a notify run holds the row until then
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("subscription_id", "subscriptions", "id"), ("event_id", "events", "id")],
    )
    db["deliveries"].create_index(["subscription_id", "event_id"], unique=True)
    db["deliveries"].create_index(["status", "next_attempt_at"])


@migrations()
def m007_reading_form_hashes(db: Database) -> None:
    """Re-key content hashes on the reading form (:func:`policywatch.store.text.reading_form`).

    Hashes were taken over whitespace-folded text, so a line break inside a Chinese
    sentence counted as a change. Recomputing them here keeps a recrawl of an unchanged
    page ``unchanged``; an imported file's identity (``sha256:<content key>``) follows its
    version's new key unless another notice holds it already.
    """
    from policywatch.store.text import content_hash

    renamed: dict[str, str] = {}
    for version_id, title, text, raw_sha, old in db.execute(
            "select id, title, text, raw_sha256, content_hash from versions").fetchall():
        new = content_hash(title, text, raw_sha)
        if new != old:
            db.execute("update versions set content_hash = ? where id = ?",
                       [new, version_id])
            renamed["sha256:" + old.removeprefix("raw:")] = \
                "sha256:" + new.removeprefix("raw:")
    taken = {row[0] for row in db.execute("select identity from notices").fetchall()}
    for old_identity, new_identity in renamed.items():
        if old_identity in taken and new_identity not in taken:
            db.execute("update notices set identity = ? where identity = ?",
                       [new_identity, old_identity])
            taken.discard(old_identity)
            taken.add(new_identity)


@migrations()
def m008_alert_channels(db: Database) -> None:
    """Alert channels through Apprise, secrets from the environment, dead letters.

    ``subscriptions.channel`` gains ``apprise`` (the target is an Apprise URL, which may
    name environment variables as ``${NAME}``); ``secret_env`` names the variable that holds
    a webhook's HMAC key instead of storing it; ``updated_at`` is when ``subscribe --update``
    last changed where alerts go. ``deliveries.status`` gains ``dead`` (a delivery that failed
    ``[alerts] max_attempts`` times, no longer retried by itself) and ``dead_at`` records
    when. An index on (channel, target) serves the check that refuses two subscriptions
    writing one feed file.
    """
    db["subscriptions"].add_column("secret_env", str)
    db["subscriptions"].add_column("updated_at", str)
    db["deliveries"].add_column("dead_at", str)
    db["subscriptions"].create_index(["channel", "target"])


@migrations()
def m009_document_kinds(db: Database) -> None:
    """Document kinds (normative, notice, interpretation, news, list, form, other).

    ``extractions.kind`` and ``doc_type`` hold what the extraction stage read (only
    normative documents form version series); ``search_docs.doc_kind`` lets search rank
    governing documents ahead of news and ``notices --kind`` filter; ``lineage_notices.kind``
    is what linking decided on.
    """
    db["extractions"].add_column("kind", str)
    db["extractions"].add_column("doc_type", str)
    db["search_docs"].add_column("doc_kind", str)
    db["lineage_notices"].add_column("kind", str)
    db["lineage_notices"].add_column("articles", int)
    # The version linking read: a newer one makes the notice pending again, whatever the
    # clock says (two captures within one second compare equal by time).
    db["lineage_notices"].add_column("version_id", int)
    # A page that states its own repeal (该文件已于…废止): date, successor, the words.
    db["changes"].add_column("repeal", str)
    # Language-free facts of a notice (criteria as metric+op+value, stated dates): a
    # translation shares most of them with its original, whatever the words.
    db["lineage_values"].create({"notice_id": int, "value": str}, if_not_exists=True)
    db["lineage_values"].create_index(["value"], if_not_exists=True)
    db["lineage_values"].create_index(["notice_id"], if_not_exists=True)


@migrations()
def m010_revisit_schedule(db: Database) -> None:
    """The revisit schedule (:mod:`policywatch.store.revisit`): when each known page or
    attachment is looked at again, and how many looks in a row found it unchanged.

    A notice stored before this migration has no ``next_check_at`` and is due at once
    (within the crawl's ceilings), so pages that sent no validators and were never fetched
    again are looked at by the next crawl.
    """
    db["notices"].add_column("next_check_at", str)
    db["notices"].add_column("unchanged_streak", int)
    db["notices"].create_index(["source_id", "next_check_at"])


@migrations()
def m011_eligibility_profiles(db: Database) -> None:
    """Company profiles on subscriptions (``subscribe --profile``).

    ``subscriptions.profile`` holds the profile as JSON (name, region, metrics in base
    units); an ``eligibility_changed`` event is derived for it when a version with an id
    above ``profile_since_version_id`` flips its status for a tier (the versions stored
    when it subscribed are its starting point; ``--backfill`` sets 0).
    """
    db["subscriptions"].add_column("profile", str)
    db["subscriptions"].add_column("profile_since_version_id", int)


@migrations()
def m012_leases_and_watermarks(db: Database) -> None:
    """Concurrent runs: who holds a delivery's lease, and what event derivation has read.

    ``deliveries.lease_owner`` names the ``notify`` run that claimed a row (a random token),
    so a run renews and sends only rows it still holds: a run slowed past its lease never
    sends a row another run has claimed since.

    ``derivation_log`` lists, in commit order, every row event derivation reads: changes
    and edges as they are inserted, notices as linking (re)writes them, crawl runs as they
    start and finish (triggers write it, so no writer can forget). Its ids come from
    ``AUTOINCREMENT``, never reused, unlike ``max(rowid) + 1``, which hands a deleted
    edge's id to the next edge; ``stage_marks`` keeps the last log id derivation has read,
    so it reads only what is newer. Rows stored before this migration are logged once.
    """
    db["deliveries"].add_column("lease_owner", str)
    db["stage_marks"].create({"name": str, "value": int, "updated_at": str}, pk="name",
                             if_not_exists=True)
    db.execute("create table if not exists derivation_log (id integer primary key "
               "autoincrement, source text not null, row_id integer not null)")
    watched = {"changes": ("id", ["insert"], ""), "edges": ("id", ["insert"], ""),
               "lineage_notices": ("notice_id", ["insert", "update"], ""),
               "runs": ("id", ["insert", "update"], "when new.kind = 'crawl'")}
    for table, (key, actions, condition) in watched.items():
        for action in actions:
            db.execute(f"create trigger if not exists derivation_log_{table}_{action} after "
                       f"{action} on {table} {condition} begin insert into derivation_log "
                       f"(source, row_id) values ('{table}', new.{key}); end")
        where = "where kind = 'crawl'" if table == "runs" else ""
        db.execute(f"insert into derivation_log (source, row_id) select '{table}', {key} "
                   f"from {table} {where} order by {key}")


@migrations()
def m013_criteria_phrase(db: Database) -> None:
    """``criteria.phrase``: the text's own words for a threshold on a quantity no metric id
    names (metric ``other``), so two such criteria stay apart in diffs and tables."""
    db["criteria"].add_column("phrase", str)


@migrations()
def m014_criteria_tier_inferred(db: Database) -> None:
    """``criteria.tier_inferred``: 1 where the text names no tier and the tier comes from
    what its criteria measure (a bare list of conditions), so output can say so."""
    db["criteria"].add_column("tier_inferred", int, not_null_default=0)
