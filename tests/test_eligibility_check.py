"""The eligibility check on a processed database: the version in force on a date, and
the statuses of realistic companies against the 2022 Interim Measures (with Annex 3's
Little Giant standard), the 2026 Measures, a provincial standard in two versions and the
replay's Jiangsu standard in two versions.

The table below was worked out by hand from the texts, not from the code:

SRDI, national (2022: 2 years in the niche, R&D 100万 and 3% last year, revenue 1000万 or
below it 2000万 of financing, score 60 or one of four routes; 2026: 3 years, main business
80%, R&D 100万 and 3% in each of two years, revenue 1500万 or 2000万 of financing, debt at
most 80%, one Class I IP, score 50), provincial v1 (2 years, R&D 100万/3%, revenue 1000万)
and v2 (3 years, revenue 1500万), Jiangsu 2024 (as national 2022, the four routes in its
article 4) and 2026 (as national 2026); Little Giant (Annex 3; the 2026 Measures state no
Little Giant criteria, so Annex 3 stays the one read):

- 示例精密机械 (某某省; 2 years, revenue 1200万, R&D 120万 and 4%, score 65, no financing):
  eligible under 2022 and provincial v1; under 2026 not eligible (2 < 3 years; 1200万 <
  1500万 and no financing), nor under v2 (2 < 3 years, 1200万 < 1500万). Little Giant:
  not eligible (2 < 3 years).
- 示例新材料 (江苏省南京市; 5 years, revenue 8000万, R&D 7.5% and 6.5%, score 75, main
  business 90%, debt 45%, 6 Class I IPs, 1 invention patent, share 15%, growth 12%):
  eligible everywhere; Little Giant eligible through the 5000万-1亿 band (6% each year:
  7.5 and 6.5) and the Class I route (6 >= 5, though 1 < 2 invention patents).
- 示例软件 (江苏省苏州市; 3 years, revenue 800万, financing 2500万, R&D 150万 and 12%, score
  55, provincial award ranked 2nd, main business 95%, debt 30%, 2 Class I IPs): eligible
  under 2022 (below 1000万 but 2500万 of financing; score 55 < 60 but ranked 2nd) and
  Jiangsu 2024 (the same routes), eligible under 2026 and Jiangsu 2026 (financing instead
  of revenue, score 55 >= 50). Little Giant: not eligible (below 5000万: 2500万 < 8000万
  of financing).
- 资料不全 (no region; 5 years, revenue 2000万 only): unknown (R&D missing) under every
  national version; no provincial measure applies.
"""

from __future__ import annotations

import json

import pytest

from policywatch.cli import cli
from policywatch.eligibility.check import Catalog, check_many, check_profile
from policywatch.eligibility.profiles import load_profile, read_profiles_csv
from policywatch.store import open_store
from tests.eligibility_support import PROFILES, copy_of

E, N, U = "eligible", "not_eligible", "unknown"
NATIONAL, PROVINCE, JIANGSU = "national", "某某省", "江苏省"

# (profile, as of) -> {(region of the measure, tier): (status, document in force)}
TABLE = {
    ("precision-machinery.toml", "2025-06-01"): {
        (NATIONAL, "srdi_sme"): (E, "〔2022〕63号"), (NATIONAL, "little_giant"): (N, "〔2022〕63号"),
        (PROVINCE, "srdi_sme"): (E, "〔2023〕3号")},
    ("precision-machinery.toml", "2026-03-31"): {  # the 2026 texts are out, not in force
        (NATIONAL, "srdi_sme"): (E, "〔2022〕63号"), (NATIONAL, "little_giant"): (N, "〔2022〕63号"),
        (PROVINCE, "srdi_sme"): (E, "〔2023〕3号")},
    ("precision-machinery.toml", "2026-04-01"): {
        (NATIONAL, "srdi_sme"): (N, "〔2026〕2号"), (NATIONAL, "little_giant"): (N, "〔2022〕63号"),
        (PROVINCE, "srdi_sme"): (N, "〔2026〕1号")},
    ("new-materials.json", "2025-06-01"): {
        (NATIONAL, "srdi_sme"): (E, "〔2022〕63号"), (NATIONAL, "little_giant"): (E, "〔2022〕63号"),
        (JIANGSU, "srdi_sme"): (E, "苏工信中小〔2024〕108号")},
    ("new-materials.json", "2026-06-01"): {
        (NATIONAL, "srdi_sme"): (E, "〔2026〕2号"), (NATIONAL, "little_giant"): (E, "〔2022〕63号"),
        (JIANGSU, "srdi_sme"): (E, "苏工信中小〔2026〕21号")},
    ("small-software.toml", "2025-06-01"): {
        (NATIONAL, "srdi_sme"): (E, "〔2022〕63号"), (NATIONAL, "little_giant"): (N, "〔2022〕63号"),
        (JIANGSU, "srdi_sme"): (E, "苏工信中小〔2024〕108号")},
    ("small-software.toml", "2026-06-01"): {
        (NATIONAL, "srdi_sme"): (E, "〔2026〕2号"), (NATIONAL, "little_giant"): (N, "〔2022〕63号"),
        (JIANGSU, "srdi_sme"): (E, "苏工信中小〔2026〕21号")},
}


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    return copy_of(tmp_path_factory, "both", tmp_path_factory.mktemp("check") / "both.db")


@pytest.fixture(scope="module")
def catalog(both):
    with open_store(both) as store:
        return Catalog.from_store(store)


def statuses(rows):
    return {("national" if r["region"] == "national" else r["region"], r["tier"]):
            (r["status"], r["doc_number"]) for r in rows}


@pytest.mark.parametrize(("profile", "as_of"), list(TABLE))
def test_eligibility_hand_worked_table(catalog, profile, as_of):
    rows = check_profile(None, load_profile(PROFILES / profile), as_of=as_of, catalog=catalog)
    found = statuses(rows)
    expected = TABLE[(profile, as_of)]
    assert set(found) == set(expected)
    for key, (status, number) in expected.items():
        assert found[key][0] == status, (key, found[key])
        assert number in (found[key][1] or ""), (key, found[key])


def test_eligibility_missing_figures_are_unknown(catalog):
    (row_csv,) = [p for p in read_profiles_csv(PROFILES / "companies.csv")
                  if p.region is None]
    for as_of in ("2025-06-01", "2026-06-01"):
        rows = check_profile(None, row_csv, as_of=as_of, catalog=catalog)
        assert {r["region"] for r in rows} == {"national"}  # no region: national only
        assert {r["status"] for r in rows} == {"unknown"}
        for row in rows:
            missing = [c for c in row["criteria"] if c["actual"] is None]
            assert missing and all(c["result"] != "met" for c in missing)


def test_eligibility_version_in_force_by_date(catalog):
    profile = load_profile(PROFILES / "precision-machinery.toml")

    def national(as_of):
        rows = check_profile(None, profile, as_of=as_of, tiers=["srdi_sme"], catalog=catalog,
                             region="national")
        return [(r["doc_number"], r["effective"]) for r in rows]

    assert national("2021-01-01") == []  # before the Interim Measures took effect
    assert national("2022-07-31") == []  # published 2022-06, in force from 2022-08-01
    assert national("2022-08-01") == [("工信部企业〔2022〕63号", "2022-08-01")]
    assert national("2026-03-31") == [("工信部企业〔2022〕63号", "2022-08-01")]
    assert national("2026-04-01") == [("工信部企业〔2026〕2号", "2026-04-01")]


def test_eligibility_repealed_and_expired_versions_leave_force(catalog):
    profile = load_profile(PROFILES / "small-software.toml")
    rows = check_profile(None, profile, as_of="2026-03-31", catalog=catalog, region="江苏省")
    (jiangsu,) = [r for r in rows if r["region"] == "江苏省"]
    # the 2024 page, recaptured in 2026 with its repeal note, is in force until 2026-04-01
    assert jiangsu["doc_number"] == "苏工信中小〔2024〕108号"
    assert jiangsu["repealed_on"] == "2026-04-01"
    versions = catalog.measures[jiangsu["measure_id"]]
    from policywatch.eligibility.versions import in_force

    assert in_force(versions, "srdi_sme", "2026-04-01").doc_number == "苏工信中小〔2026〕21号"
    # the provincial v1 expires 2028-02-29 (五年); v2 is in force after it
    province = next(v for m, v in catalog.measures.items() if v[-1].region == "某某省")
    assert province[0].expires == "2028-02-29"
    assert not province[0].in_force_on("2028-03-01")
    assert in_force(province, "srdi_sme", "2028-03-01").doc_number == "某工信规字〔2026〕1号"


def test_eligibility_carried_tier_says_where_its_criteria_come_from(catalog):
    profile = load_profile(PROFILES / "new-materials.json")
    rows = check_profile(None, profile, as_of="2026-06-01", tiers=["little_giant"],
                         catalog=catalog)
    (row,) = rows
    assert row["doc_number"] == "工信部企业〔2022〕63号"
    assert row["carried_from"] == row["version_id"]
    assert row["newest_version_id"] != row["version_id"]
    band = [c for c in row["criteria"] if c["role"] == "band" and c["result"] == "met"]
    assert [(c["metric"], c["value"]) for c in band] == [("rd_ratio", 6.0)]


def test_eligibility_check_cli_text_and_json(both, runner):
    profile = str(PROFILES / "precision-machinery.toml")
    result = runner.invoke(cli, ["--db", str(both), "check", profile, "--as-of", "2026-06-01",
                                 "--tier", "专精特新"])
    assert result.exit_code == 0, result.output
    assert "示例精密机械有限公司 (某某省), as of 2026-06-01" in result.output
    assert "专精特新中小企业 SRDI SMEs: 不符合 not eligible" in result.output
    assert "营业收入 ≥ 1500万元（上年度） | 企业 1200万元" in result.output
    assert "little_giant" not in result.output and "小巨人" not in result.output
    result = runner.invoke(cli, ["--db", str(both), "check", profile, "--as-of", "2025-06-01",
                                 "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    for row in rows:
        assert {"notice_id", "title", "doc_number", "tier", "status", "criteria", "version_id",
                "measure_id", "effective"} <= set(row)
        for criterion in row["criteria"]:
            assert {"metric", "op", "value", "actual", "result", "text"} <= set(criterion)
    national = next(r for r in rows if r["tier"] == "srdi_sme" and r["region"] == "national")
    revenue = next(c for c in national["criteria"] if c["metric"] == "revenue")
    assert (revenue["value"], revenue["actual"], revenue["result"]) == (1e7, 12e6, "met")
    assert "1000万元以上" in revenue["text"]


def test_eligibility_check_cli_mistakes(both, runner, tmp_path):
    result = runner.invoke(cli, ["--db", str(both), "check"])
    assert result.exit_code == 2 and "give a PROFILE file or --csv FILE" in result.output
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[metrics]\nturnover = 5\n', encoding="utf-8")
    result = runner.invoke(cli, ["--db", str(both), "check", str(bad)])
    assert result.exit_code == 1
    assert "unknown metric 'turnover'" in result.output and "Traceback" not in result.output
    result = runner.invoke(cli, ["--db", str(both), "check", str(bad), "--as-of", "soon"])
    assert result.exit_code == 1 and "not a date" in result.output


def test_eligibility_csv_summary_counts_flips(both, catalog, runner):
    profiles = read_profiles_csv(PROFILES / "companies.csv")
    _, summaries = check_many(None, profiles, as_of="2026-06-01", tiers=["srdi_sme"],
                              compare_previous=True, catalog=catalog)
    national = next(s.as_dict() for s in summaries if s.version.region == "national")
    # 2026: machinery not eligible, materials and software eligible, the fourth unknown
    assert national["counts"] == {"eligible": 2, "not_eligible": 1, "unknown": 1}
    # against 2022: machinery eligible -> not eligible; the others keep their status
    assert national["flips"] == {"eligible->eligible": 2, "eligible->not_eligible": 1,
                                 "unknown->unknown": 1}
    assert national["flipped"] == 1
    province = next(s.as_dict() for s in summaries if s.version.region == "某某省")
    assert province["counts"]["not_eligible"] == 1 and province["flipped"] == 1
    result = runner.invoke(cli, ["--db", str(both), "check", "--csv",
                                 str(PROFILES / "companies.csv"), "--as-of", "2026-06-01",
                                 "--tier", "srdi_sme", "--compare-previous"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("4 companies, as of 2026-06-01")
    assert "SRDI SMEs: 2 eligible, 1 not eligible, 1 unknown" in result.output
    assert "1 changed status (1 eligible -> not_eligible)" in result.output
    result = runner.invoke(cli, ["--db", str(both), "check", "--csv",
                                 str(PROFILES / "companies.csv"), "--json"])
    document = json.loads(result.output)
    assert len(document["companies"]) == 4 and document["summary"]


def test_eligibility_metrics_command(runner):
    result = runner.invoke(cli, ["metrics"])
    assert result.exit_code == 0
    assert "revenue" in result.output and "营业收入 / revenue" in result.output
    rows = json.loads(runner.invoke(cli, ["metrics", "--json"]).output)
    units = {row["id"]: row["unit"] for row in rows}
    assert units["revenue"] == "yuan" and units["rd_ratio"] == "percent"
    assert units["years_in_niche"] == "years" and units["class1_ip_count"] == "count"


def test_eligibility_bench_check_runs_on_a_given_database(both, runner):
    result = runner.invoke(cli, ["--db", str(both), "bench", "check", "--profiles", "200",
                                 "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert figures["profiles"] == 200 and figures["version_tiers"] >= 6
    assert sum(figures["statuses"].values()) == figures["tier_checks"]
    assert "profiles/s" in result.output and "baseline" in result.output
