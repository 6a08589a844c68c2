"""Alert messages for chat and push channels: Markdown where the channel renders it
(DingTalk, Feishu, Slack, Telegram, e-mail through Apprise), plain text where it does not
(WeCom robots); Chinese first, English second.

Every message ends with the ids of the deliveries it carries (``投递 / delivery #12``): a
message sent again after a crash between the channel's acceptance and the ``sent`` mark
carries the same ids, so a reader (or a bot) can tell it is the same alert. Messages fit
the channel's size limit (WeCom takes 2,048 bytes): summaries are cut first, then a
digest lists as many events as fit and counts the rest; the footer is never cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from policywatch.alerts import clip
from policywatch.alerts.channels import diff_link, type_label
from policywatch.alerts.subscriptions import describe_reason

Item = tuple[dict[str, Any], dict[str, list[str]] | None]
MARKDOWN = "markdown"
TEXT = "text"
#: Summary widths tried in turn until a message fits its channel (None: all of it).
WIDTHS: tuple[int | None, ...] = (None, 600, 300, 150, 80)
#: Bytes kept free for what a channel adds around title and body (separators, a heading).
MARGIN = 32


def _web_link(event: dict[str, Any], public_url: str | None) -> str | None:
    """The diff's link when it is a web address; a ``file://`` path means nothing in a chat
    on another machine (and would show a server path), so it is left out."""
    link = diff_link(event, public_url)
    return link if link and link.startswith(("http://", "https://")) else None


def _link_text(text: str) -> str:
    return text.replace("[", "［").replace("]", "］")


def _link_target(url: str) -> str:
    return url.replace(" ", "%20").replace(")", "%29").replace("(", "%28")


def message_title(items: Sequence[Item]) -> str:
    """The title: the event's type and notice, or the size of a digest.

    >>> message_title([({"type": "repealed", "title": "办法"}, None)])
    '[废止 / repealed] 办法'
    >>> message_title([({"type": "repealed"}, None)] * 3)
    'policywatch：3 条提醒 / 3 alerts'
    """
    if len(items) == 1:
        event = items[0][0]
        return f"[{type_label(event['type'])}] {event.get('title') or ''}".strip()
    return f"policywatch：{len(items)} 条提醒 / {len(items)} alerts"


def footer(delivery_ids: Sequence[int | str], subscription_id: int | None) -> str:
    """The line that names the deliveries a message carries.

    >>> footer([12, 13], 3)
    '投递 / delivery #12, #13 · 订阅 / subscription #3'
    """
    ids = ", ".join(f"#{i}" for i in delivery_ids) or "test"
    tail = f" · 订阅 / subscription #{subscription_id}" if subscription_id is not None else ""
    return f"投递 / delivery {ids}{tail}"


def _event_lines(event: dict[str, Any], reason: dict[str, list[str]] | None, fmt: str,
                 public_url: str | None, width: int | None) -> list[str]:
    zh = event.get("summary_zh") or ""
    en = event.get("summary_en") or ""
    if width is not None:
        zh, en = clip(zh, width), clip(en, width)
    notices = (event.get("payload") or {}).get("notices", [])
    link = _web_link(event, public_url)
    lines = [zh, ""]
    if fmt == MARKDOWN:
        lines += [f"> {line}" if line else ">" for line in en.splitlines() or [""]]
        lines.append("")
        for notice in notices:
            title = _link_text(notice.get("title") or "")
            number = f" {notice['doc_number']}" if notice.get("doc_number") else ""
            shown = f"[{title}]({_link_target(notice['url'])})" if notice.get("url") else title
            lines.append(f"- {shown}{number}")
        if link:
            lines.append(f"- [完整对比 / Full diff]({_link_target(link)})")
        if reason is not None:
            lines.append(f"- 订阅条件 / Why: {describe_reason(reason)}")
    else:
        lines += [en, ""]
        for notice in notices:
            bits = [notice.get("title") or "", notice.get("doc_number") or "",
                    notice.get("url") or ""]
            lines.append(" ".join(b for b in bits if b))
        if link:
            lines.append(f"完整对比 / Full diff: {link}")
        if reason is not None:
            lines.append(f"订阅条件 / Why: {describe_reason(reason)}")
    return lines


def render(items: Sequence[Item], *, fmt: str = MARKDOWN, public_url: str | None = None,
           delivery_ids: Sequence[int | str] = (), subscription_id: int | None = None,
           width: int | None = None, more: int = 0) -> tuple[str, str]:
    """(title, body) of one event or a digest, in Markdown or plain text.

    Args:
        items: (event, reason) pairs; one is an alert, several a digest.
        fmt: ``markdown`` or ``text``.
        public_url: where ``policywatch serve`` is reachable (diff links).
        delivery_ids: the deliveries the message carries (named in the footer).
        subscription_id: the subscription (named in the footer).
        width: cut each summary to this many characters.
        more: events of the digest left out for size (counted at the end).
    """
    blocks: list[list[str]] = []
    for number, (event, reason) in enumerate(items, start=1):
        lines = _event_lines(event, reason, fmt, public_url, width)
        if len(items) > 1:
            heading = f"{number}. [{type_label(event['type'])}] {event.get('title') or ''}"
            lines = [f"#### {heading}" if fmt == MARKDOWN else heading, *lines]
        blocks.append(lines)
    body_lines: list[str] = []
    for block in blocks:
        while block and not block[-1]:
            block.pop()
        body_lines += [*block, ""]
    if more:
        body_lines += [f"……另有 {more} 条 / {more} more: policywatch alerts", ""]
    body_lines.append(footer(delivery_ids, subscription_id))
    return message_title(items), "\n".join(body_lines)


def _size(title: str, body: str) -> int:
    return len(title.encode("utf-8")) + len(body.encode("utf-8")) + MARGIN


def _cut_bytes(text: str, limit: int) -> str:
    return text.encode("utf-8")[:max(limit, 0)].decode("utf-8", errors="ignore")


def compose(items: Sequence[Item], *, fmt: str = MARKDOWN, limit: int | None = None,
            public_url: str | None = None, delivery_ids: Sequence[int | str] = (),
            subscription_id: int | None = None) -> tuple[str, str]:
    """(title, body) that fit ``limit`` bytes (title and body together, as DingTalk and WeCom
    count them): summaries are cut first, then a digest drops its last events (counted in
    a line of its own); the footer with the delivery ids always stays.

    >>> event = {"type": "repealed", "title": "办法", "summary_zh": "废止" * 400,
    ...          "summary_en": "repealed " * 200, "payload": {}}
    >>> title, body = compose([(event, None)], fmt="text", limit=2048, delivery_ids=[7])
    >>> len((title + body).encode("utf-8")) <= 2048, body.endswith("delivery #7")
    (True, True)
    """
    options = dict(fmt=fmt, public_url=public_url, delivery_ids=delivery_ids,
                   subscription_id=subscription_id)
    title, body = render(items, **options)
    if limit is None or _size(title, body) <= limit:
        return title, body
    for width in WIDTHS[1:]:
        title, body = render(items, width=width, **options)
        if _size(title, body) <= limit:
            return title, body
    for keep in range(len(items) - 1, 0, -1):
        title, body = render(items[:keep], width=WIDTHS[-1], more=len(items) - keep,
                             **options)
        if _size(title, body) <= limit:
            return title, body
    # One event whose notices alone overflow: cut the text, keep the footer.
    end = "\n…\n" + footer(delivery_ids, subscription_id)
    title = _cut_bytes(title, 200)
    room = limit - _size(title, end)
    return title, _cut_bytes(body, room) + end


def sample_event(subscription_id: int | None = None) -> dict[str, Any]:
    """The alert that ``subscribe --test`` and ``test-channel`` send: plainly a test, in
    both languages, with no notice behind it."""
    name = f"订阅 #{subscription_id}" if subscription_id is not None else "新订阅"
    name_en = (f"subscription #{subscription_id}" if subscription_id is not None
               else "the new subscription")
    return {
        "id": 0, "type": "test", "dedup_key": "test", "title": "policywatch 测试消息 / test",
        "summary_zh": f"这是一条测试提醒：{name}的通道可以收到 policywatch 的提醒。",
        "summary_en": f"This is a test alert: {name_en} can receive policywatch alerts.",
        "notice_ids": [], "payload": {"notices": []}, "diff_path": None,
        "created_at": None,
    }
