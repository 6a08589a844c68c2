"""``policywatch lineage`` and ``policywatch diff``."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import click

from policywatch.commands.context import AppContext, echo_json, main_errors, pass_app
from policywatch.diffview import describe_evidence
from policywatch.errors import PolicywatchError
from policywatch.store import Store
from policywatch.store.text import shorten

_VERSION_REF = re.compile(r"^v(\d+)$", re.IGNORECASE)
_ATTACHMENT_PREFIX = re.compile(r"^(附件\s*\d*\s*[:：]?\s*)|(\.\w{2,5})$")


class NotFound(PolicywatchError):
    """A notice or version id that the store does not have."""


def pending_note(store: Store) -> str | None:
    """Say how many notices wait for ``process`` instead of linking them here.

    Reading commands never link: ``process`` links with the embedding model it loads, so a
    lineage or diff shown before it would differ from the one shown after (one linker, one
    result, whichever command ran first).
    """
    from policywatch.nlp.link.lineage import LINKER_VERSION
    from policywatch.store.lineage import notices_pending_linking

    pending = len(notices_pending_linking(store, LINKER_VERSION))
    if not pending:
        return None
    return (f"note: {pending} notices are not linked yet (run `policywatch process`); "
            "lineage shown as of the last run")


def resolve_version(store: Store, ref: str) -> int:
    """``12`` is notice 12 (its latest version); ``v34`` is version 34."""
    match = _VERSION_REF.match(ref.strip())
    if match:
        version_id = int(match.group(1))
        if store.db.execute("select 1 from versions where id = ?", [version_id]).fetchone():
            return version_id
        raise NotFound(f"no version {version_id}")
    if not ref.strip().isdigit():
        raise click.BadParameter(f"{ref!r} is neither a notice id (12) nor a version id (v34)")
    row = store.db.execute("select latest_version_id from notices where id = ?",
                           [int(ref)]).fetchone()
    if row is None or row[0] is None:
        raise NotFound(f"no notice {ref}")
    return int(row[0])


def _attachment_key(name: str | None) -> str:
    return _ATTACHMENT_PREFIX.sub("", (name or "").strip()).strip()


def attachment_diffs(store: Store, old_version: int, new_version: int) -> list[dict[str, Any]]:
    """Diff the attachments of two page versions, matched by name (附件 numbers ignored).

    Each side gets the attachment as it was when that page version was captured (its
    newest version fetched by then), not the attachment's latest version on both sides,
    so a PDF replaced between the two captures shows as changed.
    """
    from policywatch.nlp.link.diff import diff_versions
    from policywatch.nlp.link.linking import version_for_diff

    def attached(version_id: int) -> dict[str, dict[str, Any]]:
        rows = store.db.query(
            "select a.name, a.url, a.notice_id, (select av.id from versions av where "
            "av.notice_id = a.notice_id and av.fetched_at <= "
            "(select pv.fetched_at from versions pv where pv.id = a.version_id) "
            "order by av.fetched_at desc, av.id desc limit 1) as version_at, "
            "(select min(av.id) from versions av where av.notice_id = a.notice_id) as first "
            "from attachments a where a.version_id = ? order by a.position", [version_id])
        found = {}
        for row in rows:
            row["version"] = row["version_at"] or row["first"]
            found[_attachment_key(row["name"])] = row
        return found

    before, after = attached(old_version), attached(new_version)
    diffs = []
    for key in list(after) + [k for k in before if k not in after]:
        old, new = before.get(key), after.get(key)
        if old and new and old["version"] == new["version"]:
            continue
        entry: dict[str, Any] = {"name": (new or old)["name"],
                                 "change": "changed" if old and new else
                                 ("added" if new else "removed")}
        if old and new and old["version"] and new["version"]:
            entry["diff"] = diff_versions(version_for_diff(store, old["version"]),
                                          version_for_diff(store, new["version"]))
        diffs.append(entry)
    return diffs


def shared_measure_warning(store: Store, old_id: int, new_id: int) -> str | None:
    """A warning when two versions belong to notices that share no measure."""
    from policywatch.store.lineage import measure_of

    notices = [store.db["versions"].get(v)["notice_id"] for v in (old_id, new_id)]
    if notices[0] == notices[1]:
        return None
    measures = [measure_of(store, n) for n in notices]
    if measures[0] and measures[0] == measures[1]:
        return None
    return (f"warning: notices {notices[0]} and {notices[1]} share no measure (no version, "
            "translation or same-document link between them); this compares two documents")


@click.command()
@click.argument("notice_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the neighbourhood as JSON.")
@pass_app
@main_errors
def lineage(app: AppContext, notice_id: int, as_json: bool) -> None:
    """Show a notice's measure, its versions and its typed links to other notices.

    Edges: supersedes, amends, translation_of, same_as (one document on two sites),
    interprets, implements, cites; each with a confidence and its evidence. Pending
    notices are extracted and linked first.

    Example:

        policywatch lineage 12 --json
    """
    from policywatch.nlp.link.linking import notice_lineage

    store = app.store()
    if store.db.execute("select 1 from notices where id = ?", [notice_id]).fetchone() is None:
        raise NotFound(f"no notice {notice_id}")
    note = pending_note(store)
    if note:
        click.echo(note, err=True)
    view = notice_lineage(store, notice_id)
    if as_json:
        echo_json(view)
        return
    titles = {v["notice_id"]: v["title"] for v in view["versions"]}
    click.echo(f"notice {notice_id}, measure {view['measure_id']}")
    click.echo("versions (oldest first):")
    for version in view["versions"]:
        marker = "*" if version["notice_id"] == notice_id else " "
        click.echo(f" {marker} notice {version['notice_id']:<5} {version['published'] or '':<10} "
                   f"[{version['language']}] {version['title']}")
    click.echo("edges:")
    for edge in view["edges"]:
        target = titles.get(edge["to"]) or f"notice {edge['to']}"
        click.echo(f"  notice {edge['from']} {edge['type']} notice {edge['to']} "
                   f"(confidence {edge['confidence']:.2f}): {shorten(target, 50)}")
        click.echo(f"      evidence: {describe_evidence(edge['evidence'])}")


@click.command()
@click.argument("old")
@click.argument("new")
@click.option("--format", "fmt", type=click.Choice(["json", "md", "html"]), default="md",
              show_default=True, help="json for programs, md for terminals and e-mail, html "
              "for a redline page.")
@click.option("--all-clauses", is_flag=True, help="Include unchanged clauses.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
@pass_app
@main_errors
def diff(app: AppContext, old: str, new: str, fmt: str, all_clauses: bool,
         output: Path | None) -> None:
    """Show what changed between two notices (ids) or versions (v + id).

    Criteria changes come typed ("revenue threshold >= 10 million yuan -> >= 15 million
    yuan"), in English and Chinese; clauses are aligned across renumbering with a
    word-level redline; attachments are diffed like pages.

    Example:

        policywatch diff 3 7 --format html -o diff.html
    """
    from policywatch.diffview import RENDERERS
    from policywatch.nlp.link.diff import diff_versions
    from policywatch.nlp.link.linking import version_for_diff

    store = app.store()
    old_id, new_id = resolve_version(store, old), resolve_version(store, new)
    for note in (pending_note(store), shared_measure_warning(store, old_id, new_id)):
        if note:
            click.echo(note, err=True)
    result = diff_versions(version_for_diff(store, old_id), version_for_diff(store, new_id))
    result["attachments"] = attachment_diffs(store, old_id, new_id)
    if fmt == "json":
        import json

        text = json.dumps(result, ensure_ascii=False, indent=1) + "\n"
    else:
        text = RENDERERS[fmt](result, include_unchanged=all_clauses)
        for attachment in result["attachments"]:
            if "diff" in attachment:
                text += "\n" + RENDERERS[fmt](attachment["diff"], include_unchanged=all_clauses)
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        sys.stdout.write(text)
