"""Benchmark of the extraction stage on the labelled set shipped in ``data/extraction/``.

Each document ``NAME`` has its labels in ``NAME.json``: criteria (tier, metric, op, value;
period and condition where stated), dates, tiers, metadata, clause ids and the number of
scoring-table entries. A label names its text one of two ways:

- ``"file": "NAME.txt"``: a text the project wrote itself (reconstructed for testing), beside
  the label. Lines starting with ``#`` at the top (its source or the "reconstructed for
  testing" notice) are not part of the document and are removed first.
- ``"reference": "texts/x.zh.txt"``: a real text, read from the reference pack (never copied
  into the project), named relative to the pack folder. A ``.txt`` file is its text; a page
  (``govcn-pages/content_N.html``) is what the crawler's document reader makes of it, which
  the caller passes as ``read_page`` (the NLP stage does not import the crawler). Without the
  pack (or without a page reader) these documents are skipped, and the report says so.

Criteria are matched on (tier, metric, op, value) as a multiset. Throughput is measured
warm, in the same run, next to plain ``jieba.lcut`` of the same texts (with the same user
dictionary loaded), in CPU seconds, and reported as characters per second and their ratio.

Run ``policywatch bench extract`` to print the figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import EllipsisType
from typing import Any

import jieba

from policywatch.nlp.extract.notice import detect_language, extract_notice
from policywatch.nlp.extract.spacy_pipeline import get_pipeline, load_user_dictionary
from policywatch.store.reference import absent_note, reference_file, resolve_reference

DATA = Path(__file__).resolve().parent / "data"
DEFAULT_FIXTURES = DATA / "extraction"
HELD_OUT = DATA / "extraction-heldout"
DATE_FIELDS = ("written", "published", "effective", "expires")
PageReader = Callable[[Path], str]


@dataclass
class LabelledDocument:
    """A labelled text with its labels."""

    name: str
    text: str
    labels: dict[str, Any]


class LabelledSet(list[LabelledDocument]):
    """The documents of a labelled set, plus those that could not be read and why."""

    def __init__(self, documents: Iterable[LabelledDocument] = (),
                 skipped: list[str] | None = None, reason: str = "") -> None:
        super().__init__(documents)
        self.skipped: list[str] = skipped or []
        self.reason = reason

    def note(self) -> str | None:
        """One line naming the skipped documents, or ``None`` when none was skipped."""
        if not self.skipped:
            return None
        return (f"note: {len(self.skipped)} labelled real texts skipped ({self.reason}): "
                + ", ".join(self.skipped))


def strip_header(raw: str) -> str:
    """Remove the leading ``#`` comment lines of a fixture text.

    >>> strip_header("# source: x\\n标题\\n正文")
    '标题\\n正文'
    """
    lines = raw.split("\n")
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return "\n".join(lines)


def read_labelled_text(folder: Path, labels: dict[str, Any], reference: Path | None,
                       read_page: PageReader | None = None) -> str | None:
    """The text a label names, or ``None`` when it is a reference text that cannot be read
    here (no pack, or a page and no page reader).

    Raises:
        FileNotFoundError: a project text is missing, or the pack lacks the named file.
    """
    if "reference" not in labels:
        return strip_header((folder / labels["file"]).read_text(encoding="utf-8"))
    if reference is None:
        return None
    path = reference_file(reference, labels["reference"])
    if path.suffix == ".txt":
        return path.read_text(encoding="utf-8")
    if read_page is None:
        return None
    if not path.is_file():
        raise FileNotFoundError(f"{labels['reference']}: not in the reference pack {reference}")
    return read_page(path)


def load_labelled_set(fixtures: Path | None = None,
                      reference: Path | None | EllipsisType = ...,
                      read_page: PageReader | None = None) -> LabelledSet:
    """Load every ``*.json`` label file of the folder and the text it names.

    Args:
        fixtures: the labelled set folder (default: the development set, ``data/extraction``).
        reference: the reference pack folder; ``...`` (the default) resolves it as
            :func:`policywatch.store.reference.resolve_reference` does, ``None`` means none.
        read_page: reads a page of the pack to text (the crawler's document reader);
            labels whose text is a page are skipped without one.

    Raises:
        FileNotFoundError: the folder, a project text or a named file of the pack is missing.
    """
    folder = fixtures or DEFAULT_FIXTURES
    if not folder.is_dir():
        raise FileNotFoundError(f"no labelled set at {folder}")
    if reference is ...:
        reference = resolve_reference()
    documents, skipped = [], []
    reasons = set()
    for label_path in sorted(folder.glob("*.json")):
        labels = json.loads(label_path.read_text(encoding="utf-8"))
        text = read_labelled_text(folder, labels, reference, read_page)
        if text is None:
            skipped.append(label_path.stem)
            reasons.add(absent_note() if reference is None else
                        "pages of the pack need a page reader (read_page)")
            continue
        documents.append(LabelledDocument(label_path.stem, text, labels))
    return LabelledSet(documents, skipped, "; ".join(sorted(reasons)))


def labelled_text(name: str, fixtures: Path | None = None,
                  reference: Path | None | EllipsisType = ...,
                  read_page: PageReader | None = None) -> str | None:
    """The text of one labelled document, by name (``srdi-standard-2026.zh``, ``.txt`` may
    follow), as :func:`load_labelled_set` reads it; ``None`` for a real text that cannot be
    read here (no reference pack, or a page without ``read_page``).

    Raises:
        FileNotFoundError: the set has no such label.
    """
    folder = fixtures or DEFAULT_FIXTURES
    label_path = folder / f"{name.removesuffix('.txt')}.json"
    if not label_path.is_file():
        raise FileNotFoundError(f"no label {label_path.name} in {folder}")
    if reference is ...:
        reference = resolve_reference()
    labels = json.loads(label_path.read_text(encoding="utf-8"))
    return read_labelled_text(folder, labels, reference, read_page)


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


def run_benchmark(fixtures: Path | None = None, repeats: int = 5,
                  reference: Path | None | EllipsisType = ...,
                  read_page: PageReader | None = None) -> dict[str, Any]:
    """Score the labelled set and measure throughput.

    Args:
        fixtures: the labelled set folder (default: the development set, ``data/extraction``).
        repeats: timing repeats (the best is kept).
        reference, read_page: where real texts are read from (see :func:`load_labelled_set`).

    Returns:
        :func:`score_documents`'s figures plus ``throughput`` and ``skipped`` (labelled real
        texts that could not be read here) with ``skipped_note``.
    """
    documents = load_labelled_set(fixtures, reference, read_page)
    figures = score_documents(documents)
    figures["throughput"] = measure_throughput([d.text for d in documents], repeats)
    figures["skipped"] = documents.skipped
    figures["skipped_note"] = documents.note()
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
    if figures.get("skipped_note"):
        lines.append(figures["skipped_note"])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the benchmark figures (``--errors`` adds the per-document differences)."""
    parser = argparse.ArgumentParser(
        prog="python -m policywatch.nlp.evaluation.extraction", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fixtures", type=Path, default=None, help="labelled set folder")
    parser.add_argument("--reference", type=Path, default=None,
                        help="reference pack folder (default: $POLICYWATCH_REFERENCE or "
                             "../shared/reference)")
    parser.add_argument("--repeats", type=int, default=5, help="timing repeats (best kept)")
    parser.add_argument("--errors", action="store_true", help="print per-document errors")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures = run_benchmark(args.fixtures, args.repeats, resolve_reference(args.reference))
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
