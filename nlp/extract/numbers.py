"""Numbers and amounts: Arabic, full-width and Chinese numerals, units, scales and ranges.

Every amount is converted to its base unit (yuan, percent, years, count, points, rank):
``100万元`` is 1,000,000 yuan, ``一千万元`` 10,000,000 yuan, ``１５０万元`` 1,500,000 yuan,
``15 million yuan`` 15,000,000 yuan, ``3%`` is 3. Units, scales and range connectors come
from ``data/units.json``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache

import cn2an

from policywatch.nlp.extract.lexicon import fold_width, load_data, trie_pattern

ARABIC = r"[0-9０-９]+(?:,[0-9]{3}(?![0-9]))*(?:[.．][0-9０-９]+)?"
CHINESE = (r"[零〇一二两三四五六七八九十壹贰叁肆伍陆柒捌玖拾]"
           r"[零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟]*")
_CHINESE_CHARS = frozenset("零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟")
_YEAR = "(?P<num>(?:19|20)[0-9０-９]{2})"


@dataclass(frozen=True)
class _Worded:
    """A worded threshold of ``units.json``: its pattern, unit, comparator and value."""

    regex: re.Pattern[str]
    unit: str
    op: str
    value: float | None
    op_if: dict[str, str]
    growth: bool


@dataclass
class Quantity:
    """A number with its unit, found at ``text[start:end]``.

    Attributes:
        value: the amount in the base unit; the lower bound for a range.
        unit: base unit (``yuan``, ``percent``, ``years``, ``count``, ``firms``, ``points``,
            ``rank``, ``times``, ``year`` for a calendar year) or None when the text gives
            none; ``*`` for a sign (为正数, > 0), which fits any metric.
        upper: the upper bound when the quantity is a range (``5000万元—1亿元``).
        op: a comparator carried by the wording itself (``排名前三`` is ``<=``, ``正增长``
            is ``>``).
        number, scale, factor: the written number, its scale word (万 = 10000) and the
            unit's own multiplier (万元 = 10000), kept so a range can share them.
        growth: the words are a growth rate of the metric before them (正增长).
    """

    start: int
    end: int
    value: float
    unit: str | None
    upper: float | None = None
    op: str | None = None
    number: float = 0.0
    scale: float = 1.0
    factor: float = 1.0
    growth: bool = False

    @property
    def scaled(self) -> bool:
        """Whether a scale word (万, million) was written next to the number."""
        return self.scale != 1.0

    @property
    def is_range(self) -> bool:
        return self.upper is not None


def parse_number(text: str, language: str = "zh") -> float | None:
    """Parse an Arabic, full-width, Chinese or (English) word number.

    >>> parse_number("１５０"), parse_number("一千万"), parse_number("两"), parse_number("17,600")
    (150.0, 10000000.0, 2.0, 17600.0)
    >>> parse_number("five", "en")
    5.0
    """
    raw = fold_width(text).strip().replace(",", "")
    if not raw:
        return None
    if raw[0].isdigit():
        try:
            return float(Decimal(raw))
        except InvalidOperation:
            return None
    words = load_data("units")["en"]["number_words"]
    if raw.lower() in words:
        return float(words[raw.lower()])
    if all(char in _CHINESE_CHARS for char in raw):
        try:
            return float(cn2an.cn2an(raw, "smart"))
        except (ValueError, KeyError, TypeError):
            return None
    return None


def scale_value(number: float, *factors: float) -> float:
    """Multiply exactly (Decimal), so 1.76 x 10000 is 17600 and not 17600.000000000004."""
    result = Decimal(repr(number))
    for factor in factors:
        result *= Decimal(repr(factor))
    value = float(result)
    return float(int(value)) if value.is_integer() else value


class QuantityScanner:
    """Finds quantities (and ranges of two) in a text of one language."""

    def __init__(self, language: str) -> None:
        self.language = language
        units = load_data("units")
        spec = units[language]
        self.units = {key if language == "zh" else key.lower(): tuple(val)
                      for key, val in spec["units"].items()}
        self.scales = {key.lower(): float(val) for key, val in spec["scales"].items()}
        unit_re = trie_pattern(self.units, flexible_space=True)
        scale_re = trie_pattern(self.scales, flexible_space=True)
        currency_re = "|".join(re.escape(c) for c in spec["currency_prefixes"])
        if language == "zh":
            pattern = (
                rf"(?P<cur>{currency_re})?\s*(?:"
                rf"{spec['percent_prefix']}(?P<pct>{ARABIC}|{CHINESE})"
                rf"|(?P<num>{ARABIC})\s*(?P<scale>{scale_re})?\s*(?P<unit>{unit_re})?"
                rf"|(?P<cnum>{CHINESE})(?P<cunit>{unit_re}))"
            )
            self.regex = re.compile(pattern)
        else:
            words = "|".join(sorted(spec["number_words"], key=len, reverse=True))
            pattern = (
                rf"(?<![A-Za-z0-9.])(?:(?P<cur>{currency_re})\s*)?"
                rf"(?P<num>[0-9]+(?:,[0-9]{{3}}(?![0-9]))*(?:\.[0-9]+)?|(?:{words})(?![A-Za-z]))"
                rf"(?:\s*(?P<scale>{scale_re})(?![A-Za-z]))?"
                rf"(?:\s*(?P<unit>%|{unit_re})(?![A-Za-z]))?"
            )
            self.regex = re.compile(pattern, re.IGNORECASE)
        self.range_re = re.compile(units["range"][language])
        self.between_re = re.compile(units["range"].get("en_opening", r"$^"), re.IGNORECASE)
        number = (f"(?:{ARABIC}|{CHINESE})" if language == "zh"
                  else "(?:[0-9]+|" + "|".join(spec["number_words"]) + ")")
        self.ordinals = {key.lower(): float(val) for key, val in spec.get("ordinals", {}).items()}
        self.worded = [
            _Worded(re.compile(item["pattern"].replace("NUM", number).replace("YEAR", _YEAR),
                               re.IGNORECASE), item["unit"], item["op"], item.get("value"),
                    item.get("op_if", {}), item.get("growth", False))
            for item in units["worded"][language]]

    def scan(self, text: str) -> list[Quantity]:
        """Return the quantities in ``text`` in order, two joined by a range connector merged.

        >>> [(q.value, q.unit, q.upper) for q in QuantityScanner("zh").scan("5000万元—1亿元")]
        [(50000000.0, 'yuan', 100000000.0)]
        """
        found: list[Quantity] = []
        for match in self.regex.finditer(text):
            quantity = self._quantity(match)
            if quantity is not None:
                found.append(quantity)
        found.extend(self._worded(text))
        found.sort(key=lambda q: (q.start, -q.end))
        return self._merge_ranges(text, found)

    def _quantity(self, match: re.Match[str]) -> Quantity | None:
        groups = match.groupdict()
        currency = groups.get("cur")
        unit_text = groups.get("unit") or groups.get("cunit")
        number_text = groups.get("num") or groups.get("cnum") or groups.get("pct")
        if number_text is None:
            return None
        number = parse_number(number_text, self.language)
        if number is None:
            return None
        unit, factor = None, 1.0
        if groups.get("pct"):
            unit = "percent"
        elif unit_text:
            key = " ".join(unit_text.split()) if self.language == "zh" else (
                " ".join(unit_text.lower().split()))
            unit, factor = self.units.get(key, (None, 1.0))
        if currency and unit is None:
            unit = "yuan"
        scale_text = groups.get("scale")
        scale = self.scales.get(" ".join(scale_text.lower().split()), 1.0) if scale_text else 1.0
        start = match.start("cur") if currency else match.start(
            "num" if groups.get("num") else ("cnum" if groups.get("cnum") else 0))
        if groups.get("pct"):
            start = match.start()
        return Quantity(start=start, end=match.end(), value=scale_value(number, scale, factor),
                        unit=unit, number=number, scale=scale, factor=factor)

    def _worded(self, text: str) -> list[Quantity]:
        """Thresholds whose words carry the comparator: 排名前三 (rank <= 3), 正增长 (> 0),
        2015年以后成立 (year >= 2015)."""
        found = []
        for worded in self.worded:
            for match in worded.regex.finditer(text):
                if worded.value is not None:
                    number: float | None = float(worded.value)
                else:
                    raw = match.group("num")
                    number = self.ordinals.get(raw.lower()) or parse_number(raw, self.language)
                if number is None or (worded.unit == "rank" and number < 1):
                    continue
                op = next((op for group, op in worded.op_if.items() if match.group(group)),
                          worded.op)
                found.append(Quantity(match.start(), match.end(), number, worded.unit, op=op,
                                      number=number, growth=worded.growth))
        return found

    def _merge_ranges(self, text: str, found: list[Quantity]) -> list[Quantity]:
        merged: list[Quantity] = []
        index = 0
        while index < len(found):
            low = found[index]
            high = found[index + 1] if index + 1 < len(found) else None
            if (high is not None and low.op is None and high.op is None
                    and low.end <= high.start and high.unit is not None
                    and self._is_range_gap(text, low, high)):
                merged.append(self._range(low, high))
                index += 2
                continue
            merged.append(low)
            index += 1
        return merged

    def _is_range_gap(self, text: str, low: Quantity, high: Quantity) -> bool:
        gap = text[low.end:high.start]
        if not self.range_re.fullmatch(gap):
            return False
        if low.unit not in (None, high.unit):
            return False
        if self.language == "en" and gap.strip().lower() == "and":
            # "and" joins a range only after "between" (between 50 and 100 million yuan).
            return bool(self.between_re.search(text[max(0, low.start - 12):low.start]))
        return True

    def _range(self, low: Quantity, high: Quantity) -> Quantity:
        value = low.value
        if low.unit is None:
            # "5000万-1亿元": the first number takes the unit written once at the end;
            # "50-100 million yuan": with no scale of its own it takes the scale too.
            scale = low.scale if low.scaled else high.scale
            value = scale_value(low.number, scale, high.factor)
        return Quantity(start=low.start, end=high.end, value=value, unit=high.unit,
                        upper=high.value)


@cache
def quantity_scanner(language: str) -> QuantityScanner:
    """Return the (cached) scanner for ``zh`` or ``en``."""
    return QuantityScanner(language)
