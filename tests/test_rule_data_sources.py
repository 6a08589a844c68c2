"""One data file per concept: every tier word is in tiers.json, every metric word in metrics.json.

Search (the glossary), diffs and alerts (display names) and linking (title words) derive
theirs from those two files; these tests fail when a copy creeps back into another file.
"""

from __future__ import annotations

from policywatch.nlp.extract.lexicon import (
    display_names,
    load_data,
    search_wordings,
    tier_title_words,
)
from policywatch.nlp.link.linking import title_concepts
from policywatch.nlp.retrieval.search import resolve_tiers
from policywatch.nlp.retrieval.search_text import glossary

TIERS = set(load_data("tiers")["tiers"])
METRICS = set(load_data("metrics")["metrics"])


def test_no_other_data_file_lists_tier_or_metric_words():
    entries = load_data("glossary")["entries"]
    assert not [e for e in entries if e.get("kind") in {"tier", "metric"}]
    assert {e["include"] for e in entries if "include" in e} == {"tiers", "metrics"}
    assert not {"tiers", "metrics"} & set(load_data("display"))
    assert not (TIERS | METRICS) & set(load_data("title_terms")["concepts"])


def test_the_glossary_search_reads_holds_the_tier_and_metric_words_in_place():
    entries = glossary()["entries"]
    kinds = [e["kind"] for e in entries]
    tiers = [e for e in entries if e["kind"] == "tier"]
    assert tiers == search_wordings("tiers") and kinds[:3] == ["tier"] * 3
    metrics = [e for e in entries if e["kind"] == "metric"]
    assert metrics == search_wordings("metrics")
    assert {e["id"] for e in metrics} <= METRICS
    assert resolve_tiers(["专精特新", "little giant"]) == ["srdi_sme", "little_giant"]


def test_every_tier_and_displayed_metric_is_named_in_both_languages():
    tiers = display_names("tiers")
    assert TIERS | {"null"} == set(tiers)
    assert set(display_names("metrics")) <= METRICS
    for names in (*tiers.values(), *display_names("metrics").values()):
        assert set(names) == {"zh", "en"} and all(names.values())


def test_tier_title_words_are_linking_concepts():
    assert set(tier_title_words()) <= TIERS
    assert {"srdi_sme", "little_giant"} <= title_concepts(
        "关于第七批专精特新“小巨人”企业名单的公示", "zh")
    assert {"srdi_sme", "little_giant"} <= title_concepts(
        "List of the seventh batch of specialized Little Giant firms", "en")
