"""Rendering a diff (from :func:`policywatch.nlp.link.diff.diff_versions`) as Markdown or HTML.

HTML escapes every piece of document content: markup inside a notice is shown as text,
never executed. The page has no scripts and no external resources.
"""

from __future__ import annotations

from html import escape
from typing import Any

from policywatch.store.text import shorten

_STATUS_ZH = {"changed": "修改", "added": "新增", "removed": "删除", "moved": "移动",
              "unchanged": "未变"}


def _side(meta: dict[str, Any]) -> str:
    parts = [str(meta.get("title") or "")]
    if meta.get("doc_number"):
        parts.append(str(meta["doc_number"]))
    if meta.get("published"):
        parts.append(str(meta["published"]))
    parts.append(f"version {meta.get('version_id')}")
    return " · ".join(p for p in parts if p)


def _label(clause: dict[str, Any] | None) -> str:
    return (clause or {}).get("label") or (clause or {}).get("id") or ""


def _md_redline(ops: list[dict[str, str]]) -> str:
    out = []
    for op in ops:
        text = op["text"].replace("~", r"\~").replace("*", r"\*")
        out.append(text if op["op"] == "equal" else
                   f"~~{text}~~" if op["op"] == "delete" else f"**{text}**")
    return "".join(out)


def render_markdown(diff: dict[str, Any], *, include_unchanged: bool = False) -> str:
    """A diff for a terminal or an e-mail: criteria changes, then changed clauses."""
    lines = [f"# {diff['new'].get('title') or 'Diff'}", "",
             f"- old: {_side(diff['old'])}", f"- new: {_side(diff['new'])}", ""]
    lines.append("## Criteria changes / 认定条件变化")
    lines.append("")
    if not diff["criteria_changes"]:
        lines.append("No criteria changed. 认定条件无变化。")
    for change in diff["criteria_changes"]:
        lines.append(f"- {change['summary_en']}")
        lines.append(f"  {change['summary_zh']}")
    lines += ["", "## Clauses / 条款", ""]
    counts = ", ".join(f"{k} {v}" for k, v in sorted(diff["counts"].items()))
    lines.append(f"({counts})")
    lines.append("")
    for entry in diff["clauses"]:
        status = entry["status"]
        if status == "unchanged" and not include_unchanged:
            continue
        old, new = entry["old"], entry["new"]
        heading = f"### {status} / {_STATUS_ZH[status]}: "
        if status in {"moved", "changed"} and _label(old) != _label(new):
            heading += f"{_label(old)} → {_label(new)}"
        else:
            heading += _label(new or old)
        lines.append(heading)
        if status == "changed":
            lines.append(_md_redline(entry["redline"]))
        elif status == "removed":
            lines.append(f"~~{old['text']}~~")
        elif status == "added":
            lines.append(f"**{new['text']}**")
        else:
            lines.append((new or old)["text"])
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


_CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC",sans-serif;max-width:60rem;
margin:2rem auto;line-height:1.6;color:#222;padding:0 1rem}
del{background:#fdd;color:#900;text-decoration:line-through}ins{background:#dfd;color:#060;
text-decoration:none}.clause{border-left:4px solid #ccc;padding:.25rem .75rem;margin:.75rem 0}
.changed{border-color:#d90}.added{border-color:#3a3}.removed{border-color:#c33}.moved{border-color:#36c}
.status{font-size:.8rem;text-transform:uppercase;color:#666}table{border-collapse:collapse}
td,th{border:1px solid #ddd;padding:.25rem .5rem;vertical-align:top}
"""


def _html_redline(ops: list[dict[str, str]]) -> str:
    out = []
    for op in ops:
        text = escape(op["text"])
        out.append(text if op["op"] == "equal" else
                   f"<del>{text}</del>" if op["op"] == "delete" else f"<ins>{text}</ins>")
    return "".join(out)


def render_html(diff: dict[str, Any], *, include_unchanged: bool = False) -> str:
    """A standalone inline-redline page; every document string is HTML-escaped."""
    title = escape(str(diff["new"].get("title") or "Diff"))
    parts = [
        "<!DOCTYPE html><html lang='zh'><head><meta charset='utf-8'>",
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">",
        f"<title>{title}</title><style>{_CSS}</style></head><body>",
        f"<h1>{title}</h1>",
        f"<p>old: {escape(_side(diff['old']))}<br>new: {escape(_side(diff['new']))}</p>",
        "<h2>Criteria changes / 认定条件变化</h2>",
    ]
    if diff["criteria_changes"]:
        parts.append("<table><tr><th>change</th><th>English</th><th>中文</th></tr>")
        for change in diff["criteria_changes"]:
            parts.append(f"<tr><td>{escape(change['change'])}</td>"
                         f"<td>{escape(change['summary_en'])}</td>"
                         f"<td>{escape(change['summary_zh'])}</td></tr>")
        parts.append("</table>")
    else:
        parts.append("<p>No criteria changed. 认定条件无变化。</p>")
    parts.append("<h2>Clauses / 条款</h2>")
    for entry in diff["clauses"]:
        status = entry["status"]
        if status == "unchanged" and not include_unchanged:
            continue
        old, new = entry["old"], entry["new"]
        label = _label(new or old)
        if status in {"moved", "changed"} and _label(old) != _label(new):
            label = f"{_label(old)} → {_label(new)}"
        if status == "changed":
            body = _html_redline(entry["redline"])
        elif status == "removed":
            body = f"<del>{escape(old['text'])}</del>"
        elif status == "added":
            body = f"<ins>{escape(new['text'])}</ins>"
        else:
            body = escape((new or old)["text"])
        parts.append(f"<div class='clause {status}'><div class='status'>{escape(status)} · "
                     f"{escape(label)}</div>{body}</div>")
    parts.append("</body></html>")
    return "\n".join(parts)


RENDERERS = {"md": render_markdown, "html": render_html}


def describe_evidence(evidence: Any) -> str:
    """One readable line for an edge's evidence (a dict of signals) instead of a repr.

    >>> describe_evidence({"doc_number": "工信部企业〔2022〕63号", "title_overlap": 0.8125,
    ...                    "cues": ["废止", "修订"]})
    'doc_number 工信部企业〔2022〕63号; title_overlap 0.81; cues 废止, 修订'
    >>> describe_evidence(None)
    '-'
    """
    if not evidence:
        return "-"
    if not isinstance(evidence, dict):
        return str(evidence)
    parts = []
    for key, value in evidence.items():
        if isinstance(value, float):
            value = f"{value:.2f}"
        elif isinstance(value, (list, tuple)):
            value = ", ".join(str(item) for item in value)
        elif isinstance(value, dict):
            value = describe_evidence(value)
        parts.append(f"{key} {shorten(str(value), 80)}")
    return "; ".join(parts)
