"""Benchmark of the extraction stage on the labelled set in ``tests/fixtures/extraction/``.

Each document ``NAME.txt`` has its labels in ``NAME.json``: criteria (tier, metric, op,
value; period and condition where stated), dates, tiers, metadata, clause ids and the number
of scoring-table entries. Lines starting with ``#`` at the top of a text (its source or the
"reconstructed for testing" notice) are not part of the document and are removed first.

Criteria are matched on (tier, metric, op, value) as a multiset. Throughput is measured
warm, in the same run, next to plain ``jieba.lcut`` of the same texts (with the same user
dictionary loaded), in CPU seconds, and reported as characters per second and their ratio.

Run ``python -m nlp.evaluation`` to print the figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jieba

from policywatch.nlp.extract.notice import detect_language, extract_notice
from policywatch.nlp.extract.spacy_pipeline import get_pipeline, load_user_dictionary

DEFAULT_FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "extraction"
DATE_FIELDS = ("written", "published", "effective", "expires")


@dataclass
class LabelledDocument:
    """A fixture text with its labels."""

    name: str
    text: str
    labels: dict[str, Any]


def strip_header(raw: str) -> str:
    """Remove the leading ``#`` comment lines of a fixture text.

    >>> strip_header("# source: x\\n标题\\n正文")
    '标题\\n正文'
    """
    lines = raw.split("\n")
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return "\n".join(lines)


def load_labelled_set(fixtures: Path | None = None) -> list[LabelledDocument]:
    """Load every ``*.json`` label file and its text from the fixture folder.

    Raises:
        FileNotFoundError: the folder (or a labelled text) does not exist.
    """
    folder = fixtures or DEFAULT_FIXTURES
    if not folder.is_dir():
        raise FileNotFoundError(f"no labelled set at {folder}")
    documents = []
    for label_path in sorted(folder.glob("*.json")):
        labels = json.loads(label_path.read_text(encoding="utf-8"))
        text_path = folder / labels["file"]
        documents.append(LabelledDocument(label_path.stem, strip_header(
            text_path.read_text(encoding="utf-8")), labels))
    return documents


def criterion_key(criterion: dict[str, Any]) -> tuple[Any, ...]:
    """The identity a criterion is matched on: (tier, metric, op, value)."""
    return (criterion.get("tier"), criterion["metric"], criterion["op"],
            round(float(criterion["value"]), 6))


def _condition_key(condition: Any) -> Any:
    if condition is None:
        return None
    if "all" in condition:
        return ("all", tuple(sorted(_condition_key(c) for c in condition["all"])))
    if "alternative_to" in condition:
        return ("alternative_to", _condition_key(condition["alternative_to"]))
    if "metric" in condition:
        return (condition["metric"], condition["op"], round(float(condition["value"]), 6))
    return tuple(sorted(condition.items()))


def _ratio(correct: int, total: int) -> float:
    return correct / total if total else 1.0


def score_documents(documents: Iterable[LabelledDocument]) -> dict[str, Any]:
    """Extract every document and compare with its labels (no timing).

    Returns:
        Counts and rates: ``criteria`` (precision, recall, f1, tp, fp, fn, by language),
        ``periods`` and ``conditions`` (on matched criteria), ``dates``, ``tiers``,
        ``metadata``, ``clauses``, ``scoring`` and ``errors`` per document.
    """
    tp = fp = fn = 0
    by_language: dict[str, Counter[str]] = {}
    period_ok = period_total = condition_ok = condition_total = 0
    date_ok = date_total = docs_dates_exact = 0
    tier_ok = metadata_ok = metadata_total = clause_ok = clause_total = 0
    scoring_ok = language_ok = 0
    errors: dict[str, dict[str, Any]] = {}
    documents = list(documents)
    for document in documents:
        labels = document.labels
        result = extract_notice(document.text)
        language_ok += result["language"] == labels["language"]
        predicted = Counter(criterion_key(c) for c in result["criteria"])
        expected = Counter(criterion_key(c) for c in labels["criteria"])
        matched = predicted & expected
        doc_tp = sum(matched.values())
        doc_fp = sum((predicted - expected).values())
        doc_fn = sum((expected - predicted).values())
        tp, fp, fn = tp + doc_tp, fp + doc_fp, fn + doc_fn
        counts = by_language.setdefault(labels["language"], Counter())
        counts.update({"tp": doc_tp, "fp": doc_fp, "fn": doc_fn})
        doc_errors: dict[str, Any] = {}
        if doc_fp or doc_fn:
            doc_errors["criteria_extra"] = sorted(map(str, (predicted - expected).elements()))
            doc_errors["criteria_missing"] = sorted(map(str, (expected - predicted).elements()))
        by_key: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        for criterion in result["criteria"]:
            by_key.setdefault(criterion_key(criterion), []).append(criterion)
        for label in labels["criteria"]:
            candidates = by_key.get(criterion_key(label))
            if not candidates:
                continue
            got = candidates.pop(0)
            if "period" in label:
                period_total += 1
                if got["period"] == label["period"]:
                    period_ok += 1
                else:
                    doc_errors.setdefault("periods", []).append(
                        f"{label['metric']}: {got['period']} != {label['period']}")
            if "condition" in label:
                condition_total += 1
                if _condition_key(got["condition"]) == _condition_key(label["condition"]):
                    condition_ok += 1
                else:
                    doc_errors.setdefault("conditions", []).append(
                        f"{label['metric']} {label['op']} {label['value']}: {got['condition']}")
        if "dates" in labels:
            exact = True
            for field in DATE_FIELDS:
                date_total += 1
                if result["dates"][field] == labels["dates"][field]:
                    date_ok += 1
                else:
                    exact = False
                    doc_errors.setdefault("dates", []).append(
                        f"{field}: {result['dates'][field]} != {labels['dates'][field]}")
            docs_dates_exact += exact
        if sorted(result["tiers"]) == sorted(labels["tiers"]):
            tier_ok += 1
        else:
            doc_errors["tiers"] = f"{result['tiers']} != {labels['tiers']}"
        for field in ("title", "doc_number", "issuer"):
            if field in labels:
                metadata_total += 1
                if result[field] == labels[field]:
                    metadata_ok += 1
                else:
                    doc_errors.setdefault("metadata", []).append(
                        f"{field}: {result[field]!r} != {labels[field]!r}")
        ids = {clause["id"] for clause in result["clauses"]}
        for clause_id in labels.get("clause_ids", []):
            clause_total += 1
            if clause_id in ids:
                clause_ok += 1
            else:
                doc_errors.setdefault("clauses_missing", []).append(clause_id)
        if len(result["scoring"]) == labels.get("scoring_count", 0):
            scoring_ok += 1
        else:
            doc_errors["scoring"] = f"{len(result['scoring'])} != {labels.get('scoring_count', 0)}"
        if doc_errors:
            errors[document.name] = doc_errors
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "documents": len(documents),
        "labelled_criteria": tp + fn,
        "criteria": {
            "precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn,
            "by_language": {
                language: {"tp": c["tp"], "fp": c["fp"], "fn": c["fn"],
                           "f1": _f1(c["tp"], c["fp"], c["fn"])}
                for language, c in sorted(by_language.items())},
        },
        "periods": {"accuracy": _ratio(period_ok, period_total), "checked": period_total},
        "conditions": {"accuracy": _ratio(condition_ok, condition_total),
                       "checked": condition_total},
        "dates": {"accuracy": _ratio(date_ok, date_total), "checked": date_total,
                  "documents_exact": docs_dates_exact},
        "tiers": {"accuracy": _ratio(tier_ok, len(documents))},
        "metadata": {"accuracy": _ratio(metadata_ok, metadata_total), "checked": metadata_total},
        "clauses": {"accuracy": _ratio(clause_ok, clause_total), "checked": clause_total},
        "scoring": {"accuracy": _ratio(scoring_ok, len(documents))},
        "language": {"accuracy": _ratio(language_ok, len(documents))},
        "errors": errors,
    }


def _f1(tp: int, fp: int, fn: int) -> float:
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def measure_throughput(texts: list[str], repeats: int = 5) -> dict[str, float]:
    """Characters per second of ``extract_notice`` and of plain ``jieba.lcut``, warm.

    Both run in this process on the same texts, interleaved text by text, best of
    ``repeats``; the pipelines and jieba's dictionary (with the same user dictionary) are
    loaded first. Time is this process's CPU time, so other work on a shared machine
    does not tilt the ratio; on an idle machine it equals wall time (one thread).
    """
    load_user_dictionary()
    for language in ("zh", "en"):
        get_pipeline(language)
    languages = [detect_language(text) for text in texts]
    for text, language in zip(texts, languages, strict=True):  # warm both paths
        extract_notice(text, language=language)
        jieba.lcut(text)
    characters = sum(len(text) for text in texts)
    best_extract = best_jieba = float("inf")
    for _ in range(repeats):
        spent_extract = spent_jieba = 0.0
        for text, language in zip(texts, languages, strict=True):
            started = time.process_time()
            jieba.lcut(text)
            spent_jieba += time.process_time() - started
            started = time.process_time()
            extract_notice(text, language=language)
            spent_extract += time.process_time() - started
        best_extract = min(best_extract, spent_extract)
        best_jieba = min(best_jieba, spent_jieba)
    extract_cps = characters / best_extract
    jieba_cps = characters / best_jieba
    return {"characters": characters, "extract_chars_per_s": extract_cps,
            "jieba_chars_per_s": jieba_cps, "ratio": extract_cps / jieba_cps}


def run_benchmark(fixtures: Path | None = None, repeats: int = 5) -> dict[str, Any]:
    """Score the labelled set and measure throughput.

    Args:
        fixtures: the labelled set folder (default: ``tests/fixtures/extraction``).
        repeats: timing repeats (the best is kept).

    Returns:
        :func:`score_documents`'s figures plus ``throughput``.
    """
    documents = load_labelled_set(fixtures)
    figures = score_documents(documents)
    figures["throughput"] = measure_throughput([d.text for d in documents], repeats)
    return figures


def format_report(figures: dict[str, Any]) -> str:
    """The benchmark figures as a few printable lines."""
    criteria = figures["criteria"]
    speed = figures["throughput"]
    lines = [
        f"labelled set: {figures['documents']} documents, "
        f"{figures['labelled_criteria']} labelled criteria",
        f"criteria: precision {criteria['precision']:.3f}  recall {criteria['recall']:.3f}  "
        f"F1 {criteria['f1']:.3f}  (tp {criteria['tp']}, fp {criteria['fp']}, "
        f"fn {criteria['fn']})",
        "  by language: " + ", ".join(
            f"{lang} F1 {c['f1']:.3f} (tp {c['tp']}, fp {c['fp']}, fn {c['fn']})"
            for lang, c in criteria["by_language"].items()),
        f"periods on matched criteria: {figures['periods']['accuracy']:.3f} "
        f"({figures['periods']['checked']} checked); conditions: "
        f"{figures['conditions']['accuracy']:.3f} ({figures['conditions']['checked']} checked)",
        f"dates: accuracy {figures['dates']['accuracy']:.3f} ({figures['dates']['checked']} "
        f"fields, {figures['dates']['documents_exact']}/{figures['documents']} documents exact)",
        f"tiers: {figures['tiers']['accuracy']:.3f}  metadata (title, doc_number, issuer): "
        f"{figures['metadata']['accuracy']:.3f} ({figures['metadata']['checked']} checked)  "
        f"clause ids: {figures['clauses']['accuracy']:.3f} ({figures['clauses']['checked']})  "
        f"scoring tables: {figures['scoring']['accuracy']:.3f}",
        f"throughput: extraction {speed['extract_chars_per_s']:,.0f} chars/s, "
        f"jieba.lcut {speed['jieba_chars_per_s']:,.0f} chars/s, ratio {speed['ratio']:.2f} "
        f"({speed['characters']:,} characters, warm, CPU time, best of runs)",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the benchmark figures (``--errors`` adds the per-document differences)."""
    parser = argparse.ArgumentParser(prog="python -m nlp.evaluation", description=__doc__)
    parser.add_argument("--fixtures", type=Path, default=None, help="labelled set folder")
    parser.add_argument("--repeats", type=int, default=5, help="timing repeats (best kept)")
    parser.add_argument("--errors", action="store_true", help="print per-document errors")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures = run_benchmark(args.fixtures, args.repeats)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=1))
        return 0
    print(format_report(figures))
    if args.errors:
        for name, doc_errors in figures["errors"].items():
            print(f"- {name}: {json.dumps(doc_errors, ensure_ascii=False)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
