"""The optional site-level phase of a plan (``plan(..., site_level=True)``, planner.allocation.site_level): the
summary's ``site_level`` block, the report's sentence, and the checks an improved placement must pass.

Uses the two hand-checkable regencies of ``test_plan_sites`` (people and sites on the equator, a gerai at
a3 reaching across the border).
"""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

import pandas as pd
import pytest
from test_plan_sites import fine_dataset, scenario

from planner.allocation.plan import plan
from planner.allocation.site_level import count_problems, verified_placement
from planner.errors import InputError
from planner.inputs import build_inputs
from planner.report.html import report_html


@pytest.fixture(scope="module")
def national():
    return plan(fine_dataset(), scenario(), sites=True, site_level=True, site_level_seconds=20)


def test_site_level_block_has_a_bound_above_the_plan_and_its_gap(national):
    block = national.summary["site_level"]
    assert set(block) >= {"objective", "bound", "gap", "seconds", "method"}
    assert block["bound"] >= block["objective"] > 0
    assert block["gap"] == pytest.approx((block["bound"] - block["objective"]) / block["objective"])
    assert "descent steps" in block["method"] and 0 < block["seconds"] < 20  # the "auto" method
    # the site-level value counts each person once: never above all worker-years of the plan
    workers = national.reach.groupby("year")["workers_informal"].sum().sum()
    assert block["objective"] <= workers * (1 + 1e-9)


def test_report_states_the_bound_and_the_plans_site_level_value(national):
    html = report_html(national, fine_dataset(), {}, focus="11")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    block = national.summary["site_level"]
    assert (f"no plan under these rules reaches more than {block['bound']:,.0f} worker-years; this plan reaches "
            f"{block['objective']:,.0f} (site-level gap {100 * block['gap']:.2f} %)") in text


def test_without_the_flag_nothing_of_the_phase_is_imported_or_written(monkeypatch):
    for name in [m for m in sys.modules if m.startswith("planner.national") or m == "planner.allocation.site_level"]:
        monkeypatch.delitem(sys.modules, name)  # put back afterwards: later tests pickle these modules' classes
    result = plan(fine_dataset(), scenario(), sites=True)
    assert "site_level" not in result.summary
    assert not any(m.startswith("planner.national") for m in sys.modules)
    assert 'id="site-level"' not in report_html(result, fine_dataset(), {}, focus="11")


def test_site_level_without_sites_is_a_user_error():
    with pytest.raises(InputError, match="site_level=True needs the sites placed"):
        plan(fine_dataset(), scenario(), sites=False, site_level=True)




def test_a_moved_outlet_on_a_candidate_site_verifies_and_a_forbidden_one_does_not(national):
    inputs = build_inputs(fine_dataset(), scenario())
    placed = national.sites
    counts = _plan_counts(placed, inputs.years)
    gerai = placed[(placed["region_code"] == "11.01") & (placed["kind"] == "gerai")].index[0]
    moved = placed.copy()
    moved.loc[gerai, ["site_id", "lon"]] = ["ignored-by-coordinates", 100.45]
    table, problems = verified_placement(inputs, counts, placed, moved)
    assert problems == [] and table.loc[table["kind"] == "gerai", "site_id"].tolist() == ["a3", "b1"]
    # a gerai at a3 (100.45) newly covers, in its own regency, only d3 (400 of 2,000 people; d2 is 22 km away)
    assert table.loc[table["site_id"] == "a3", "workers_covered"].iloc[0] == pytest.approx(
        national.reach.query("region_code == '11.01'")["workers_informal"].iloc[-1] * 400 / 2000)
    forbidden = placed.copy()
    kanal = placed[placed["kind"] == "kanal"].index[0]
    forbidden.loc[kanal, ["kind", "lon"]] = ["gerai", 100.90]  # b2 allows no gerai, and the counts change
    table, problems = verified_placement(inputs, counts, placed, forbidden)
    assert table is None and any("does not allow" in line for line in problems)
    assert any("the plan counts" in line for line in problems)


def test_count_problems_names_the_regency_kind_and_year():
    counts = pd.DataFrame({"region_code": ["r"], "kind": ["gerai"], "year": [2014], "cumulative": [2]})
    placed = pd.DataFrame({"region_code": ["r"], "kind": ["gerai"], "year": [2014]})
    assert count_problems(counts, placed, [2014]) == ["sites r gerai 2014: 1 open, the plan counts 2"]


def _plan_counts(placed: pd.DataFrame, years) -> pd.DataFrame:
    rows = [placed[placed["year"] <= year].groupby(["region_code", "kind"]).size().reset_index(name="cumulative")
            .assign(year=year) for year in years]
    return pd.concat(rows, ignore_index=True)


def test_site_level_seconds_must_be_positive():
    with pytest.raises(InputError, match="site_level_seconds 0"):
        plan(dataclasses.replace(fine_dataset()), scenario(), sites=True, site_level=True, site_level_seconds=0)


def border_dataset():
    """11.01's big cluster d3 sits at its border (100.45), where it has no gerai site; 11.02's gerai site b1
    (100.55, 11 km away) reaches d3 and 11.02's own d4. By the regency tables a gerai reaches more in 11.01
    (a1: 1,100 of its people) than in 11.02 (b1: 800); counted once across the border, b1 reaches 1,700."""
    people = [("d1", "11.01", 100.05, 1100.0), ("d3", "11.01", 100.45, 900.0), ("d4", "11.02", 100.55, 800.0),
              ("d5", "11.02", 100.95, 1200.0)]
    sites = [("a1", "11.01", 100.05, True), ("a3", "11.01", 100.45, False), ("b1", "11.02", 100.55, True),
             ("b2", "11.02", 100.95, False)]
    return fine_dataset(people, sites)


def test_the_site_level_moves_a_gerai_across_the_border_and_the_tables_follow(capsys):
    dataset, rules = border_dataset(), scenario(**{"gerai.target": 1})
    two_step = plan(dataset, rules, sites=True)
    assert two_step.sites.loc[two_step.sites["kind"] == "gerai", "site_id"].tolist() == ["a1"]
    result = plan(dataset, rules, sites=True, site_level=True, site_level_seconds=20)
    block, summary = result.summary["site_level"], result.summary
    assert block["accepted"] and block["outlets_moved"] == 1 and summary.status == "site_level"
    assert block["objective"] > block["objective_two_step"]
    assert result.sites.loc[result.sites["kind"] == "gerai", "site_id"].tolist() == ["b1"]
    gerai = result.allocation[result.allocation["kind"] == "gerai"].groupby("region_code")["new"].sum()
    assert gerai.to_dict() == {"11.01": 0, "11.02": 1}  # allocation.csv describes the moved plan
    assert summary.totals == two_step.summary.totals and not summary.stopped_early
    # the tables' own measure (own people only) now ranks the plan lower than the count model's optimum
    assert summary.objective < two_step.summary.objective and summary.gap > 0
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", report_html(result, dataset, {}, focus="11")))
    from planner.report.html_sections import gap_text

    assert ("improved at site level: the site-level phase moved 1 outlet to a neighbouring regency or another "
            f"year, within every rule; proven site-level gap {gap_text(block['gap'], 'en')} (by the regency reach "
            "tables") in text  # the site-level gap first: the tables' rating of a moved plan reads worse
    from planner.report.interactive import map_html

    panel = map_html(result, dataset)  # the map's status names the site-level gap, not the tables' one
    assert f"improved at site level, proven site-level gap {gap_text(block['gap'], 'en')}" in panel
    from planner.cli import _print_headline

    _print_headline(summary, Path("unused"))  # the CLI's status line likewise, the tables' gap after it
    status = capsys.readouterr().out.splitlines()[0]
    assert status.startswith(f"status: improved at site level (site-level gap {block['gap']:.2%}; by the regency "
                             "reach tables")


def test_with_a_planners_own_rule_the_site_level_keeps_the_counts():
    def no_gerai_in_11_02(m, inputs):
        for row in m.counts.query("region_code == '11.02' and kind == 'gerai'").itertuples():
            m.problem += row.var <= 0, f"custom_no_gerai_11_02_{row.year}"

    result = plan(border_dataset(), scenario(**{"gerai.target": 1}), sites=True, site_level=True,
                  site_level_seconds=15, extra_constraints=no_gerai_in_11_02)
    assert result.summary["site_level"]["outlets_moved"] == 0 and result.summary.status == "optimal"
    assert "counts kept" in result.summary["site_level"]["method"]


def test_check_manifest_refuses_a_plan_the_site_level_changed(tmp_path):
    from planner.allocation.manifest import check_manifest
    from planner.allocation.results import write_results

    result = plan(border_dataset(), scenario(**{"gerai.target": 1}), sites=True, site_level=True,
                  site_level_seconds=15)
    assert result.summary["site_level"]["accepted"]
    write_results(result, tmp_path / "out")
    with pytest.raises(InputError, match=r"improved by the site-level phase.*cannot re-create"):
        check_manifest(tmp_path / "out")
