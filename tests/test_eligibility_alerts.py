"""``subscribe --profile``: a new version that flips a company's status is one
``eligibility_changed`` alert, in Chinese and English, to that subscription alone, and
never again on later runs.

The company (示例精密机械, 某某省) is eligible under the 2022 Interim Measures and the
provincial standard's first version; the 2026 round brings the 2026 Measures and the
standard's second version, under both of which it is not (3 years in the niche and
1500万 of revenue now needed).
"""

from __future__ import annotations

import json

import pytest

from policywatch.alerts.delivery import notify
from policywatch.alerts.events import derive_events
from policywatch.cli import cli
from policywatch.store import open_store
from policywatch.store.alerts import get_subscription, recent_events
from tests.alerts_support import SETTINGS, TODAY, Receiver
from tests.eligibility_support import PROFILES, copy_of, round_two


@pytest.fixture(scope="module")
def flow(tmp_path_factory):
    """Subscribe after the 2022 round, then store the 2026 round and notify twice."""
    from click.testing import CliRunner

    path = copy_of(tmp_path_factory, "one", tmp_path_factory.mktemp("alerts") / "one.db")
    runner = CliRunner()
    receivers = {name: Receiver() for name in ("machinery", "software", "everything")}
    try:
        ids = {}
        for name, profile in (("machinery", "precision-machinery.toml"),
                              ("software", "small-software.toml")):
            result = runner.invoke(cli, ["--db", str(path), "subscribe", "--profile",
                                         str(PROFILES / profile), "--webhook",
                                         receivers[name].url, "--json"])
            assert result.exit_code == 0, result.output
            ids[name] = json.loads(result.output)["id"]
        result = runner.invoke(cli, ["--db", str(path), "subscribe", "--webhook",
                                     receivers["everything"].url, "--json"])
        assert result.exit_code == 0, result.output
        with open_store(path) as store:
            notify(store, settings=SETTINGS, today=TODAY)
            before = [e for e in recent_events(store, limit=1000)
                      if e["type"] == "eligibility_changed"]
        round_two(path)
        with open_store(path) as store:
            first = notify(store, settings=SETTINGS, today=TODAY)
            second = notify(store, settings=SETTINGS, today=TODAY)
            again = derive_events(store, settings=SETTINGS, today=TODAY)
            events = [e for e in recent_events(store, limit=1000)
                      if e["type"] == "eligibility_changed"]
            subscriptions = {name: get_subscription(store, i) for name, i in ids.items()}
        yield {"before": before, "first": first, "second": second, "again": again,
               "events": events, "receivers": receivers, "ids": ids,
               "subscriptions": subscriptions}
    finally:
        for receiver in receivers.values():
            receiver.stop()


def test_eligibility_profile_subscription_keeps_the_profile(flow):
    machinery = flow["subscriptions"]["machinery"]
    assert machinery["filters"] == {"types": ["eligibility_changed"],
                                    "profiles": [f"subscription-{machinery['id']}"]}
    profile = json.loads(machinery["profile"])
    assert profile["name"] == "示例精密机械有限公司" and profile["region"] == "某某省"
    assert profile["metrics"]["revenue"] == 12_000_000.0
    assert machinery["profile_since_version_id"] > 0


def test_eligibility_changed_once_per_measure_version_and_tier(flow):
    events = flow["events"]
    mine = [e for e in events
            if e["payload"]["subscription_id"] == flow["ids"]["machinery"]]
    # the 2026 Measures and the provincial v2 each flip SRDI: eligible -> not eligible
    assert sorted(e["payload"]["regions"][0] for e in mine) == ["national", "某某省"]
    assert {(e["payload"]["tier"], e["payload"]["old_status"], e["payload"]["new_status"])
            for e in mine} == {("srdi_sme", "eligible", "not_eligible")}
    assert len({e["dedup_key"] for e in mine}) == 2
    # the software firm (Jiangsu) keeps its status under every new version: no event
    assert not [e for e in events if e["payload"]["subscription_id"] == flow["ids"]["software"]]
    # nothing before the 2026 round, nothing again after it
    assert flow["before"] == []
    assert flow["first"].sent >= 2
    assert flow["second"].sent == 0 and flow["second"].new_events == 0
    assert not [e for e in flow["again"] if e["type"] == "eligibility_changed"]


def test_eligibility_changed_names_the_criteria_that_flipped(flow):
    province = next(e for e in flow["events"] if e["payload"]["regions"] == ["某某省"])
    zh, en = province["summary_zh"], province["summary_en"]
    assert zh.startswith("示例精密机械有限公司：专精特新中小企业资格由“符合”变为“不符合”")
    assert "某工信规字〔2026〕1号，2026-04-01起施行" in zh
    assert "营业收入 ≥ 1000万元（上年度） → ≥ 1500万元（上年度），企业1200万元：满足→不满足" in zh
    assert "从事细分市场年限 ≥ 2年 → ≥ 3年，企业2年：满足→不满足" in zh
    assert en.startswith("示例精密机械有限公司: SRDI SMEs status eligible -> not eligible")
    assert ("revenue >= 10 million yuan (last year) -> >= 15 million yuan (last year), "
            "company 12 million yuan: met -> unmet") in en
    assert sorted(province["payload"]["metrics"]) == ["revenue", "years_in_niche"]
    national = next(e for e in flow["events"] if e["payload"]["regions"] == ["national"])
    flipped = {c["metric"]: c["change"] for c in national["payload"]["criteria"]}
    assert flipped["revenue"] == "changed" and flipped["years_in_niche"] == "changed"
    assert flipped["debt_ratio"] == "added"  # new in 2026, and the profile has no figure


def test_eligibility_changed_reaches_its_subscription_alone(flow):
    receivers = flow["receivers"]
    delivered = [e["type"] for e in receivers["machinery"].events()]
    assert delivered == ["eligibility_changed", "eligibility_changed"]
    assert receivers["software"].events() == []
    assert "eligibility_changed" not in [e["type"] for e in receivers["everything"].events()]
    assert "criteria_changed" in [e["type"] for e in receivers["everything"].events()]
    document = receivers["machinery"].requests[0]["json"]["event"]
    assert document["reason"]["filters"]["profiles"] == [
        f"subscription-{flow['ids']['machinery']}"]
    eligibility = document["eligibility"]
    assert eligibility["profile_name"] == "示例精密机械有限公司"
    assert (eligibility["old_status"], eligibility["new_status"]) == ("eligible", "not_eligible")
    assert eligibility["effective"] == "2026-04-01"


def test_eligibility_subscribe_profile_mistakes(tmp_path, runner):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[metrics]\nrevenue = "lots"\n', encoding="utf-8")
    db = tmp_path / "x.db"
    result = runner.invoke(cli, ["--db", str(db), "subscribe", "--profile", str(bad), "--feed"])
    assert result.exit_code == 1 and "cannot read 'lots'" in result.output
    result = runner.invoke(cli, ["--db", str(db), "subscribe", "--update", "1", "--feed",
                                 "--profile", str(PROFILES / "small-software.toml")])
    assert result.exit_code == 2 and "--profile" in result.output


def test_eligibility_unreadable_stored_profile_does_not_stop_derivation(tmp_path_factory,
                                                                        caplog):
    from policywatch.store.alerts import add_subscription
    from policywatch.store.eligibility import set_subscription_profile

    path = copy_of(tmp_path_factory, "both", tmp_path_factory.mktemp("bad") / "both.db")
    with open_store(path) as store:
        broken = add_subscription(store, channel="feed", target=str(path) + ".feed.xml",
                                  filters={})
        set_subscription_profile(store, broken, {"name": "x", "metrics": {"gone": 1}}, 0,
                                 {"profiles": [f"subscription-{broken}"]})
        events = derive_events(store, settings=SETTINGS, today=TODAY, write_diffs=False)
    assert events and not [e for e in events if e["type"] == "eligibility_changed"]
    assert f"subscription #{broken}: its profile cannot be read" in caplog.text
