"""``policywatch check`` (does a company qualify, under which version) and ``metrics``."""

from __future__ import annotations

from pathlib import Path

import click

from policywatch.commands.context import (
    AppContext,
    echo_json,
    main_errors,
    pass_app,
    tier_ids,
)


@click.command("check")
@click.argument("profile_path", metavar="PROFILE", required=False,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--as-of", "as_of", metavar="DATE",
              help="Check against the versions in force on DATE (default today), e.g. "
                   "--as-of 2026-04-01.")
@click.option("--tier", "tiers", multiple=True, metavar="TIER",
              help="Only this tier: srdi_sme, little_giant, innovative_sme (or 专精特新, 小巨人); "
                   "repeatable.")
@click.option("--region", metavar="REGION",
              help="The company's region instead of the profile's, e.g. --region 江苏省.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Many companies, one per row (columns name, region and metric ids), "
                   "counted per measure and tier, e.g. --csv companies.csv.")
@click.option("--compare-previous", is_flag=True,
              help="With --csv: also check each company against the version before the one "
                   "in force and count who flips.")
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON: a list of {notice_id, title, doc_number, tier, status, "
                   "criteria: [{metric, op, value, actual, result, text, ...}], version_id, "
                   "measure_id, effective, ...}; with --csv {companies, summary}.")
@pass_app
@main_errors
def check_command(app: AppContext, profile_path: Path | None, as_of: str | None,
                  tiers: tuple[str, ...], region: str | None, csv_path: Path | None,
                  compare_previous: bool, as_json: bool) -> None:
    """Check a company profile against every measure in force for it: eligible or not.

    For each measure that applies to the company's region (national ones everywhere,
    provincial and city ones where the region names them), the version in force on the
    date: effective on or before it, not expired, repealed or superseded by then. Each
    tier's status is eligible (every criterion met), not_eligible (one unmet) or unknown
    (a figure the profile lacks); each criterion shows its threshold, the company's
    figure, met/unmet/unknown and the clause it comes from. Bands pick the band the
    company falls in; of alternative routes one is enough. A missing figure is unknown,
    never met.

    PROFILE is TOML or JSON: name, region and [metrics] keyed by metric id (policywatch
    metrics lists them with units), a plain value or one per period (revenue.last_year,
    rd_ratio.each_of_last_2_years = [4.2, 3.6]); amounts like "1500万" or "15 million"
    work too. --csv checks many companies at once and counts them per measure and tier.

    Example:

        policywatch --db policywatch-demo.db check company.toml --as-of 2026-04-01
    """
    from policywatch.eligibility.check import (
        Catalog,
        check_many,
        check_profile,
        parse_day,
        render_summary,
        render_text,
    )
    from policywatch.eligibility.profiles import load_profile, merge_region, read_profiles_csv

    if (profile_path is None) == (csv_path is None):
        raise click.UsageError("give a PROFILE file or --csv FILE (one of them)")
    if compare_previous and csv_path is None:
        raise click.UsageError("--compare-previous goes with --csv")
    day = parse_day(as_of)
    wanted = tier_ids(tiers)
    store = app.store()
    catalog = Catalog.from_store(store)
    if csv_path is not None:
        profiles = read_profiles_csv(csv_path)
        results, summaries = check_many(None, profiles, as_of=day, tiers=wanted, region=region,
                                        compare_previous=compare_previous, catalog=catalog)
        if as_json:
            echo_json({"as_of": day, "companies": results,
                       "summary": [s.as_dict() for s in summaries]})
            return
        for line in render_summary(summaries, len(profiles), day, compare_previous):
            click.echo(line)
        return
    assert profile_path is not None
    profile = merge_region(load_profile(profile_path), region)
    rows = check_profile(None, profile, as_of=day, tiers=wanted, catalog=catalog)
    if as_json:
        echo_json(rows)
        return
    for line in render_text(rows, profile, day):
        click.echo(line)


@click.command("metrics")
@click.option("--json", "as_json", is_flag=True,
              help="Print a JSON list of {id, unit, zh, en}.")
@main_errors
def metrics_command(as_json: bool) -> None:
    """List the metric ids a company profile uses, with their units and names.

    Values in a profile are in the unit shown (yuan, percent, years, count, points,
    rank); the Chinese and English names work as keys too.

    Example:

        policywatch metrics --json
    """
    from policywatch.eligibility.profiles import describe_metrics

    rows = describe_metrics()
    if as_json:
        echo_json(rows)
        return
    width = max(len(r["id"]) for r in rows)
    for row in rows:
        names = " / ".join(n for n in (row["zh"], row["en"]) if n) or "(not shown in diffs)"
        click.echo(f"{row['id']:<{width}}  {row['unit']:<8} {names}")
