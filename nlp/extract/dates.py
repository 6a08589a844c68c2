"""Dates in any written form, and the role each plays in a notice.

Forms (``data/dates.json``): ``2022年6月1日``, ``二〇二五年二月二十日``, ``2025-02-20``,
``2025.02.20``, full-width digits, ``June 1, 2022`` and ``1 June 2022``. Roles:
``written`` (成文日期, the date under the signature), ``published`` (发布日期, a news
dateline), ``effective`` (自…起施行, come into force on …) and ``expires`` (有效期至…, or
有效期N年 counted from the effective date).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache, lru_cache

from policywatch.nlp.extract.lexicon import fold_width, load_data, normalize_phrase, trie_pattern
from policywatch.nlp.extract.numbers import parse_number

ROLES = ("written", "published", "effective", "expires")
_NUMERAL_DIGITS = {"〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
                   "六": 6, "七": 7, "八": 8, "九": 9}


@dataclass(frozen=True)
class DateMention:
    """A date found at ``text[start:end]``."""

    start: int
    end: int
    date: dt.date


def parse_date(text: str) -> dt.date | None:
    """Parse one date written in any supported form; None when ``text`` holds none.

    >>> parse_date("二〇二五年二月二十日"), parse_date("1 June 2022")
    (datetime.date(2025, 2, 20), datetime.date(2022, 6, 1))
    """
    found = date_scanner().scan(text)
    return found[0].date if found else None


def _year(text: str) -> int | None:
    if text[0] in _NUMERAL_DIGITS:
        # Years in numerals are read digit by digit: 二〇二五 is 2025, not 二千零二十五.
        digits = [_NUMERAL_DIGITS.get(char) for char in text]
        if None in digits:
            return None
        return int("".join(str(d) for d in digits))
    return int(fold_width(text))


class DateScanner:
    """Finds dates with the formats of ``data/dates.json``."""

    def __init__(self) -> None:
        spec = load_data("dates")
        self.months = spec["months"]
        month_re = "|".join(sorted(self.months, key=len, reverse=True))
        self.formats = [re.compile(pattern.replace("MONTH", month_re), re.IGNORECASE)
                        for pattern in spec["formats"].values()]

    def scan(self, text: str) -> list[DateMention]:
        """Return every well-formed date in ``text``, in order, without overlaps."""
        found: list[DateMention] = []
        for regex in self.formats:
            for match in regex.finditer(text):
                date = self._date(match)
                if date is not None:
                    found.append(DateMention(match.start(), match.end(), date))
        found.sort(key=lambda d: (d.start, -d.end))
        result: list[DateMention] = []
        for mention in found:
            if not result or mention.start >= result[-1].end:
                result.append(mention)
        return result

    def _date(self, match: re.Match[str]) -> dt.date | None:
        groups = match.groupdict()
        year = _year(groups["y"])
        if groups.get("mon"):
            month = self.months.get(groups["mon"].lower().rstrip("."))
        else:
            month_value = parse_number(groups["m"])
            month = int(month_value) if month_value is not None else None
        day_value = parse_number(groups["d"])
        if year is None or month is None or day_value is None:
            return None
        try:
            return dt.date(year, month, int(day_value))
        except ValueError:
            return None


@lru_cache(maxsize=1)
def date_scanner() -> DateScanner:
    """Return the (cached) date scanner."""
    return DateScanner()


class DateRoles:
    """Decides which found dates are the written, published, effective and expiry dates."""

    def __init__(self, language: str) -> None:
        spec = load_data("dates")
        self.language = language
        flags = re.IGNORECASE if language == "en" else 0
        self.labels: list[tuple[str, re.Pattern[str]]] = []
        for role, by_language in spec["labels"].items():
            phrases = by_language.get(language, [])
            if phrases:
                self.labels.append((role, _phrase_end_re(phrases, language, flags)))
        self.label_gap = re.compile(spec["label_gap"][language], flags)
        self.before = {role: _phrase_end_re(by_lang[language], language, flags)
                       for role, by_lang in spec["before_phrases"].items() if by_lang.get(language)}
        self.after = {
            role: re.compile(rf"^\s*(?:{trie_pattern(by_lang[language], flexible_space=True)})",
                             flags)
            for role, by_lang in spec["after_phrases"].items() if by_lang.get(language)}
        relative = spec["relative"]
        self.effective_is_written = _any_phrase_re(
            relative["effective_is_written"][language], flags)
        self.effective_is_published = _any_phrase_re(
            relative["effective_is_published"][language], flags)
        self.validity = re.compile(relative["validity_years"][language], flags)
        self.dateline = spec["dateline"][language]
        self.signature_max = spec["signature_max_line"]
        header = spec["header"]
        self.header_lines = header["lines"]
        self.time_after = re.compile(header["time_after"])
        self.header_label = re.compile(
            "(?:" + "|".join(re.escape(label) for label in header["labels"][language]) +
            r")\s*[:：]\s*$", flags)
        run_in = spec["run_in_signature"]
        self.issuer_end = re.compile(run_in["issuer_end"][language])
        self.not_signature = re.compile(run_in["not_followed_by"][language])
        self.signature_from = run_in["min_position"]
        self.attributive = re.compile(spec["attributive_after"][language])

    def assign(self, text: str, dates: list[DateMention]) -> dict[str, str | None]:
        """Return ``{"written", "published", "effective", "expires"}`` as ISO dates or None.

        Args:
            text: the notice text.
            dates: the dates found in it (:meth:`DateScanner.scan`).
        """
        roles: dict[str, dt.date | None] = dict.fromkeys(ROLES)
        for mention in dates:
            role = self._role_near(text, mention)
            if role and roles[role] is None:
                roles[role] = mention.date
        if roles["written"] is None:
            roles["written"] = self._signature_date(text, dates) or self._run_in_signature(
                text, dates)
        if roles["published"] is None:
            roles["published"] = self._header_date(text, dates) or self._dateline_date(
                text, dates)
        if roles["effective"] is None:
            if self.effective_is_written.search(text):
                roles["effective"] = roles["written"]
            elif self.effective_is_published.search(text):
                roles["effective"] = roles["published"]
        if roles["expires"] is None and roles["effective"] is not None:
            roles["expires"] = self._expiry_from_validity(text, roles["effective"])
        return {role: (value.isoformat() if value else None) for role, value in roles.items()}

    def _role_near(self, text: str, mention: DateMention) -> str | None:
        head = text[max(0, mention.start - 60):mention.start]
        for role, regex in self.labels:
            found = _last_match(regex, head)
            if found and self.label_gap.match(head[found.end():]):
                if role == "expires" and self.attributive.match(text, mention.end):
                    # 有效期至2023年12月31日的专精特新中小企业: the firms' titles expire then.
                    return None
                return role
        for role, regex in self.before.items():
            found = _last_match(regex, head)
            if found and not head[found.end():].strip():
                return role
        tail = text[mention.end:mention.end + 12]
        for role, regex in self.after.items():
            if regex.match(tail):
                return role
        return None

    def _signature_date(self, text: str, dates: list[DateMention]) -> dt.date | None:
        # The date under the signature stands alone on its line: that is the 成文日期.
        for mention in dates:
            line_start = text.rfind("\n", 0, mention.start) + 1
            line_end = text.find("\n", mention.end)
            line_end = len(text) if line_end == -1 else line_end
            line = text[line_start:line_end]
            if len(line.strip()) <= self.signature_max and \
                    line.strip() == text[mention.start:mention.end].strip():
                return mention.date
        return None

    def _run_in_signature(self, text: str, dates: list[DateMention]) -> dt.date | None:
        """福州市工业和信息化局2023年8月17日。: a signature whose line breaks were lost (a
        text stored as one run of sentences) still names the issuer right before the date,
        in the text's second half and not as part of a sentence (…局2022年6月1日印发)."""
        found = None
        for mention in dates:
            if mention.start < len(text) * self.signature_from:
                continue
            if self.issuer_end.search(text[max(0, mention.start - 32):mention.start]) and \
                    not self.not_signature.match(text, mention.end):
                found = mention.date
        return found

    def _header_date(self, text: str, dates: list[DateMention]) -> dt.date | None:
        """A page's own timestamp in its first lines: a date with a time of day
        (2024-07-23 17:57, 来源:厦门日报 2020-08-10 10:21) or after a bare 日期 label."""
        header_end = 0
        for _ in range(self.header_lines):
            while header_end < len(text) and text[header_end] == "\n":
                header_end += 1  # blank lines do not count
            following = text.find("\n", header_end)
            if following == -1:
                header_end = len(text)
                break
            header_end = following
        for mention in dates:
            if mention.start >= header_end:
                break
            line_start = text.rfind("\n", 0, mention.start) + 1
            if self.time_after.match(text, mention.end) or \
                    self.header_label.search(text, line_start, mention.start):
                return mention.date
        return None

    def _dateline_date(self, text: str, dates: list[DateMention]) -> dt.date | None:
        # News items open with a dateline: "参考消息网2026-01-19号报道".
        body_start = len(text) - len(text.lstrip())
        first_line_end = text.find("\n", body_start)
        first_line_end = len(text) if first_line_end == -1 else first_line_end
        for mention in dates:
            if mention.start >= first_line_end:
                break
            tail = text[mention.end:mention.end + 4]
            if any(word in tail for word in self.dateline):
                return mention.date
        return None

    def _expiry_from_validity(self, text: str, effective: dt.date) -> dt.date | None:
        found = self.validity.search(text)
        if not found:
            return None
        years = parse_number(found.group("n"), self.language)
        if not years:
            return None
        try:
            end = effective.replace(year=effective.year + int(years))
        except ValueError:  # 29 February plus N years
            end = effective.replace(year=effective.year + int(years), day=28)
        # "有效期5年" from 1 August 2022 runs through 31 July 2027: the last day counts.
        return end - dt.timedelta(days=1)


def _phrase_end_re(phrases: list[str], language: str, flags: int) -> re.Pattern[str]:
    """A regex for any of ``phrases`` (a Chinese label may carry spaces: 成 文 日 期)."""
    parts = []
    for phrase in sorted(phrases, key=len, reverse=True):
        key = normalize_phrase(phrase, language)
        if language == "zh":
            parts.append(r"\s*".join(re.escape(char) for char in key))
        else:
            parts.append(r"\b" + r"\s+".join(re.escape(word) for word in key.split()))
    return re.compile("|".join(parts), flags)


def _last_match(regex: re.Pattern[str], text: str) -> re.Match[str] | None:
    found = None
    for found in regex.finditer(text):  # noqa: B007 - the last one is wanted
        pass
    return found


def _any_phrase_re(phrases: list[str], flags: int) -> re.Pattern[str]:
    if not phrases:
        return re.compile(r"(?!x)x")
    return re.compile("|".join(re.escape(p) for p in phrases), flags)


@cache
def date_roles(language: str) -> DateRoles:
    """Return the (cached) role rules for ``zh`` or ``en``."""
    return DateRoles(language)
