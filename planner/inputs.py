"""Plain tables the allocation model is built from: workers per region and year, existing outlets, caps,
locks and reach curves, all keyed by ``region_code``/``kind``/``year``.

This is where region data and the scenario meet; everything below (``model/``, ``solve.py``) sees only
these tables. Checks that need both (a lock on an unknown regency, a target larger than the caps allow)
are made here, once, with a sentence naming the value and the fix.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from planner import reach
from planner.checks import invalid_numbers
from planner.errors import InputError, brief
from planner.regions import RegionDataset
from planner.scenario import KINDS, Scenario
from planner.siting.sequence import SiteSequences, build_sequences, with_references

#: 2012-era province of each current province code (65 Kalimantan Utara was part of 64 Kalimantan Timur;
#: 93-95 were part of 91 Papua and 96 of 92 Papua Barat before 2022).
PROVINCE_2012 = {"65": "64", "93": "91", "94": "91", "95": "91", "96": "92"}


@dataclass(frozen=True)
class PlanInputs:
    """Everything the allocation model needs, as tables keyed by ids.

    Attributes
    ----------
    regions : pandas.DataFrame
        ``region_code``, ``region_name``, ``province_code``, ``province_name``, ``workers_informal``
        (base year, persons), ``area_km2``, ``cost_index`` (multiplies capex and opex).
    workers : pandas.DataFrame
        ``region_code``, ``year``, ``workers_informal`` (persons, grown to the plan year).
    existing : pandas.DataFrame
        ``region_code``, ``kind``, ``count``: outlets open before the first plan year.
    max_total : pandas.DataFrame
        ``region_code``, ``kind``, ``max_total``: most outlets that may be open (existing + new cap).
    locks : pandas.DataFrame
        ``region_code``, ``kind``, ``year``, ``count``, ``exact``: at least (or, for actuals, exactly)
        ``count`` new outlets in that year. Actual years have an ``exact`` row for every region and kind.
    grid : pandas.DataFrame
        ``region_code``, ``n_gerai``, ``n_kanal``, ``share``: exact reach share for every count pair.
    planes : pandas.DataFrame
        ``region_code``, ``plane``, ``intercept``, ``slope_gerai``, ``slope_kanal``: upper envelope of grid.
    reach_model : str
        ``areal`` or ``points``.
    scenario : Scenario
    sequences : planner.siting.sequence.SiteSequences or None
        Nested greedy site sequences per regency (the points model's tables come from them, and the
        placement opens their prefixes); None when the dataset has no demand points.
    """

    regions: pd.DataFrame
    workers: pd.DataFrame
    existing: pd.DataFrame
    max_total: pd.DataFrame
    locks: pd.DataFrame
    grid: pd.DataFrame
    planes: pd.DataFrame
    envelope_overestimate: float
    reach_model: str
    scenario: Scenario
    sequences: SiteSequences | None = None

    @property
    def years(self) -> tuple[int, ...]:
        """Plan years."""
        return self.scenario.years

    @property
    def has_service_capacity(self) -> bool:
        """Whether the scenario sets a service capacity for some kind (the optional rule)."""
        return any(self.scenario.kind(kind).service_capacity_workers for kind in KINDS)

    def service_limit(self, n_gerai: np.ndarray, n_kanal: np.ndarray) -> np.ndarray:
        """Workers the open outlets can serve (persons): capacity x count per kind, infinite when a kind
        without a capacity (0 = unlimited) is open or when no capacity is set at all."""
        capacity = {kind: self.scenario.kind(kind).service_capacity_workers for kind in KINDS}
        n_gerai, n_kanal = np.asarray(n_gerai, float), np.asarray(n_kanal, float)
        if not self.has_service_capacity:
            return np.full(n_gerai.shape, np.inf)
        limit = capacity["gerai"] * n_gerai + capacity["kanal"] * n_kanal
        unlimited = ((capacity["gerai"] <= 0) & (n_gerai > 0)) | ((capacity["kanal"] <= 0) & (n_kanal > 0))
        return np.where(unlimited, np.inf, limit)


def default_existing_outlets(regions: pd.DataFrame, total: int) -> pd.DataFrame:
    """The default assumption for the gerai open before the plan (their locations are not public).

    The 127 gerai of 2012 stood in 33 provinces (ANTARA, Nov 2012). Assumption: every 2012-era province had
    at least one, the rest were spread in proportion to population (largest remainder), and within a
    province they stood in the regencies/cities with the most informal workers, one per regency (service
    points follow people, and branch offices sit in the largest towns).

    Parameters
    ----------
    regions : pandas.DataFrame
        ``region_code``, ``province_code``, ``population``, ``workers_informal``.
    total : int
        Number of existing gerai.

    Returns
    -------
    pandas.DataFrame
        ``region_code``, ``kind`` (= "gerai"), ``count``.
    """
    frame = regions[["region_code", "province_code", "population", "workers_informal"]].copy()
    frame["province_2012"] = frame["province_code"].map(lambda code: PROVINCE_2012.get(code, code))
    population = frame.groupby("province_2012")["population"].sum().sort_index()
    per_province = largest_remainder(population.to_numpy(float), total, floor=1 if total >= len(population) else 0)
    rows = []
    for province, count in zip(population.index, per_province, strict=True):
        members = frame[frame["province_2012"] == province].sort_values(
            ["workers_informal", "region_code"], ascending=[False, True])
        codes = members["region_code"].to_numpy()
        for i in range(int(count)):
            rows.append(codes[i % len(codes)])
    counts = pd.Series(rows, dtype=str).value_counts()
    return pd.DataFrame({"region_code": counts.index, "kind": "gerai", "count": counts.to_numpy(int)}
                        ).sort_values("region_code").reset_index(drop=True)


def largest_remainder(weights: np.ndarray, total: int, floor: int = 0) -> np.ndarray:
    """Integers proportional to ``weights`` summing to ``total`` (Hamilton's method), each >= ``floor``.

    Examples
    --------
    >>> largest_remainder(np.array([5.0, 3.0, 2.0]), 7).tolist()
    [4, 2, 1]
    """
    weights = np.asarray(weights, float)
    base = np.full(len(weights), floor, dtype=int)
    rest = total - base.sum()
    if rest <= 0 or weights.sum() <= 0:
        return base
    quota = weights / weights.sum() * rest
    counts = np.floor(quota).astype(int)
    remainder = quota - counts
    order = np.lexsort((np.arange(len(weights)), -remainder))
    counts[order[: rest - counts.sum()]] += 1
    return base + counts


def _read_csv(path: str, columns: tuple[str, ...], what: str) -> pd.DataFrame:
    file = Path(path)
    if file.is_dir():
        raise InputError(f"{file}: is a folder, not a {what} CSV file; give the path of the CSV.")
    if not file.is_file():
        raise InputError(f"{file}: {what} file not found; fix the path or leave the field empty.")
    try:
        table = pd.read_csv(file, dtype={"region_code": str, "kind": str})
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as error:
        raise InputError(f"{file}: cannot be read as CSV ({brief(error)}); give a CSV with columns "
                         f"{','.join(columns)}.") from None
    for column in columns:
        if column not in table.columns:
            raise InputError(f"{file}: missing column '{column}'; the {what} CSV needs columns {','.join(columns)}.")
    table = table[list(columns)].copy()
    for column in columns:
        if column in ("count", "year"):
            numbers, bad = invalid_numbers(table[column], whole=True, maximum=1e9)
            bad = pd.Series(bad, index=table.index)
            if bad.any():
                raise InputError(f"{file}: row {_row(table, bad)}: column '{column}' has "
                                 f"{_shown(table.loc[bad, column].iloc[0])}; it must be a whole number >= 0.")
            table[column] = numbers.astype(int)
    return table


def _shown(value: object) -> str:
    """A cell value as the user wrote it: 'an empty cell' when empty, numbers without their numpy type."""
    if pd.isna(value):
        return "an empty cell"
    return repr(value.item() if isinstance(value, np.generic) else value)


def _row(table: pd.DataFrame, bad: pd.Series) -> int:
    """Number of the first bad data row of a CSV (1 = the row after the header; blank lines not counted)."""
    return int(np.flatnonzero(bad.to_numpy())[0]) + 1


def _check_codes_and_kinds(table: pd.DataFrame, known: set[str], where: str, lines: bool = True) -> None:
    for column, ok, fix in (("region_code", table["region_code"].isin(known),
                             "is not in the region data; use a Kemendagri code such as '16.02'"),
                            ("kind", table["kind"].isin(KINDS), "is not known; use gerai or kanal")):
        if not ok.all():
            place = f"row {_row(table, ~ok)}: " if lines else ""
            raise InputError(f"{where}: {place}{column} {_shown(table.loc[~ok, column].iloc[0])} {fix}.")


def existing_outlets(regions: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Existing outlets per region and kind: the scenario's CSV, or the default assumption."""
    if scenario.existing_outlets_csv:
        table = _read_csv(scenario.existing_outlets_csv, ("region_code", "kind", "count"), "existing outlets")
        _check_codes_and_kinds(table, set(regions["region_code"]), scenario.existing_outlets_csv)
        return table.groupby(["region_code", "kind"], as_index=False)["count"].sum()
    frames = [default_existing_outlets(regions, scenario.gerai.existing_total)]
    if scenario.kanal.existing_total:
        kanal = default_existing_outlets(regions, scenario.kanal.existing_total).assign(kind="kanal")
        frames.append(kanal)
    return pd.concat(frames, ignore_index=True)


def lock_table(regions: pd.DataFrame, scenario: Scenario, actuals_csv: str | None = None) -> pd.DataFrame:
    """Locks from the scenario plus actual openings (exact, every region and kind of those years)."""
    known = set(regions["region_code"])
    locks = pd.DataFrame([(lk.region_code, lk.kind, lk.year, lk.count) for lk in scenario.locks],
                         columns=["region_code", "kind", "year", "count"])
    _check_codes_and_kinds(locks, known, f"scenario '{scenario.name}', [[locks]]", lines=False)
    locks = locks.groupby(["region_code", "kind", "year"], as_index=False)["count"].sum().assign(exact=False)
    path = actuals_csv or scenario.actuals_csv
    if not path:
        return locks
    actuals = _read_csv(path, ("region_code", "kind", "year", "count"), "actuals")
    _check_codes_and_kinds(actuals, known, path)
    outside = ~actuals["year"].isin(scenario.years)
    if outside.any():
        raise InputError(f"{path}: row {_row(actuals, outside)}: year {actuals.loc[outside, 'year'].iloc[0]} is "
                         "outside the plan years "
                         f"{scenario.years[0]}-{scenario.years[-1]}; drop the row or change the plan years.")
    years = sorted(actuals["year"].unique())
    full = pd.MultiIndex.from_product([sorted(known), KINDS, years], names=["region_code", "kind", "year"])
    exact = (actuals.groupby(["region_code", "kind", "year"])["count"].sum().reindex(full, fill_value=0)
             .reset_index().assign(exact=True))
    kept = locks[~locks["year"].isin(years)]
    return pd.concat([kept, exact], ignore_index=True)


def yearly_workers(regions: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Informal workers per region and plan year, grown from the base year at the scenario's rates."""
    rate = regions["province_code"].map(scenario.growth_rate).to_numpy(float)
    frames = []
    for year in scenario.years:
        factor = (1.0 + rate) ** (year - scenario.base_population_year)
        frames.append(pd.DataFrame({"region_code": regions["region_code"].to_numpy(), "year": year,
                                    "workers_informal": regions["workers_informal"].to_numpy(float) * factor}))
    return pd.concat(frames, ignore_index=True)


def _max_totals(regions: pd.DataFrame, existing: pd.DataFrame, locks: pd.DataFrame, scenario: Scenario,
                sites: pd.DataFrame | None = None) -> pd.DataFrame:
    """Most outlets of each kind that may be open per regency: existing + the larger of the scenario's cap
    and the locks, and (with candidate sites) at most one outlet of each kind per site allowing it."""
    index = pd.MultiIndex.from_product([regions["region_code"], KINDS], names=["region_code", "kind"])
    have = existing.groupby(["region_code", "kind"])["count"].sum().reindex(index, fill_value=0)
    locked = locks.groupby(["region_code", "kind"])["count"].sum().reindex(index, fill_value=0)
    cap = pd.Series([scenario.kind(k).max_new_per_region for _, k in index], index=index)
    total = have + np.maximum(cap, locked)
    if sites is not None:
        room = pd.Series({(code, kind): int(count) for kind in KINDS
                          for code, count in sites.groupby("region_code")[f"allows_{kind}"].sum().items()}
                         ).reindex(index, fill_value=0)
        short = (have + locked) > room
        if short.any():
            code, kind = short[short].index[0]
            raise InputError(f"regency {code}: {int(have[(code, kind)] + locked[(code, kind)])} {kind} existing "
                             f"or locked but only {int(room[(code, kind)])} candidate sites allow a {kind} (at "
                             "most one of each kind per site); add sites to the dataset, lower the lock or give "
                             "the existing outlets in existing_outlets_csv.")
        total = np.minimum(total, room)
    return total.rename("max_total").reset_index()


def _check_targets_fit(max_total: pd.DataFrame, existing: pd.DataFrame, scenario: Scenario) -> None:
    for kind in KINDS:
        rules = scenario.kind(kind)
        room = int(max_total.loc[max_total["kind"] == kind, "max_total"].sum()
                   - existing.loc[existing["kind"] == kind, "count"].sum())
        if rules.target_mode == "exact" and rules.target > room:
            raise InputError(f"scenario '{scenario.name}': {kind}.target {rules.target} exceeds what the "
                             f"regencies can take ({room} = {kind}.max_new_per_region per regency, at most one "
                             f"per candidate site); raise {kind}.max_new_per_region, add sites or lower the "
                             "target.")
        if rules.target_mode == "exact" and rules.target > rules.rollout_per_year * len(scenario.years):
            raise InputError(f"scenario '{scenario.name}': {kind}.target {rules.target} exceeds "
                             f"{kind}.rollout_per_year {rules.rollout_per_year} x {len(scenario.years)} years; "
                             "raise the rollout capacity or lower the target.")


def _grid_extent(regions: pd.DataFrame, max_total: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Counts to tabulate reach for: the caps, and at least what a proportional baseline gives a region
    (so baselines, which ignore the caps, are evaluated by the same reach model)."""
    share = (regions.set_index("region_code")["workers_informal"] / max(regions["workers_informal"].sum(), 1.0))
    extent = max_total.copy()
    target = extent["kind"].map({kind: scenario.kind(kind).target for kind in KINDS})
    proportional = np.ceil(extent["region_code"].map(share).to_numpy() * target.to_numpy()).astype(int) + 1
    extent["max_total"] = np.maximum(extent["max_total"].to_numpy(), proportional + extent["max_total"].to_numpy()
                                     - extent["kind"].map({k: scenario.kind(k).max_new_per_region for k in KINDS}))
    return extent


def _within_caps(grid: pd.DataFrame, max_total: pd.DataFrame, existing: pd.DataFrame | None = None) -> pd.DataFrame:
    """The part of the reach table the model can reach: counts within the caps and, given ``existing``, at
    least the outlets already open (the envelope is then taken over the counts a plan can have)."""
    caps = max_total.pivot_table(index="region_code", columns="kind", values="max_total", aggfunc="max")
    keep = ((grid["n_gerai"].to_numpy() <= grid["region_code"].map(caps["gerai"]).to_numpy())
            & (grid["n_kanal"].to_numpy() <= grid["region_code"].map(caps["kanal"]).to_numpy()))
    if existing is not None:
        have = existing.pivot_table(index="region_code", columns="kind", values="count", aggfunc="sum")
        have = have.reindex(columns=list(KINDS)).fillna(0)
        keep &= grid["n_gerai"].to_numpy() >= grid["region_code"].map(have["gerai"]).fillna(0).to_numpy()
        keep &= grid["n_kanal"].to_numpy() >= grid["region_code"].map(have["kanal"]).fillna(0).to_numpy()
    return grid[keep]


def resolve_reach_model(dataset: RegionDataset, scenario: Scenario) -> str:
    """``areal`` or ``points``: the scenario's choice, with ``auto`` = points when the dataset has them."""
    if scenario.reach_model == "points" and not dataset.has_points:
        raise InputError(f"{dataset.source}: reach_model = 'points' needs a 'points' layer, which this dataset "
                         "lacks; use reach_model = 'areal' or import data with --points.")
    if scenario.reach_model == "auto":
        return "points" if dataset.has_points else "areal"
    return scenario.reach_model


def kanal_reference(existing: pd.DataFrame, max_total: pd.DataFrame) -> dict[str, int]:
    """Gerai count each regency's kanal sequence is built after: max(1, existing gerai), within the cap."""
    caps = max_total[max_total["kind"] == "gerai"].set_index("region_code")["max_total"]
    have = existing[existing["kind"] == "gerai"].groupby("region_code")["count"].sum().reindex(caps.index,
                                                                                              fill_value=0)
    return {code: int(min(max(1, have[code]), caps[code])) for code in caps.index}


def site_sequences(dataset: RegionDataset, scenario: Scenario, extent: pd.DataFrame,
                   reference: dict[str, int]) -> SiteSequences | None:
    """Greedy nested site sequences per regency on the dataset's demand and candidate sites (None without)."""
    if not dataset.has_points:
        return None
    radius = {kind: scenario.kind(kind).radius_km for kind in KINDS}
    return build_sequences(dataset.demand_points(), dataset.candidate_sites(), radius, extent, reference)


def reach_grid(dataset: RegionDataset, scenario: Scenario, max_total: pd.DataFrame, model: str,
               sequences: SiteSequences | None = None) -> pd.DataFrame:
    """Exact reach share for every (n_gerai, n_kanal) pair of every region, by the chosen model: the areal
    formula, or (points) the covered share of the nested site sequences, areal where a regency has no people
    on demand points."""
    radius = {kind: scenario.kind(kind).radius_km for kind in KINDS}
    grid = reach.combine_kinds(reach.areal_share_curves(dataset.regions, radius, max_total))
    if model == "points" and sequences is not None:
        pointwise = sequences.share_grid(max_total)
        grid = pd.concat([grid[~grid["region_code"].isin(set(pointwise["region_code"]))], pointwise])
        grid = grid.sort_values(["region_code", "n_gerai", "n_kanal"]).reset_index(drop=True)
    return grid


def build_inputs(dataset: RegionDataset, scenario: Scenario, actuals_csv: str | None = None) -> PlanInputs:
    """Assemble and check the model's tables from a dataset and a scenario.

    Parameters
    ----------
    dataset : RegionDataset
        Validated region data.
    scenario : Scenario
        Validated scenario.
    actuals_csv : str, optional
        CSV ``region_code,kind,year,count`` of real openings (re-planning); overrides the scenario's.

    Returns
    -------
    PlanInputs
    """
    regions = pd.DataFrame(dataset.regions.drop(columns="geometry"))
    if "cost_index" not in regions:
        regions["cost_index"] = 1.0
    regions["cost_index"] = regions["cost_index"].fillna(1.0).astype(float)
    existing = existing_outlets(regions, scenario)
    locks = lock_table(regions, scenario, actuals_csv)
    max_total = _max_totals(regions, existing, locks, scenario, dataset.candidate_sites())
    _check_targets_fit(max_total, existing, scenario)
    model = resolve_reach_model(dataset, scenario)
    extent = _grid_extent(regions, _max_totals(regions, existing, locks, scenario), scenario)
    sequences = site_sequences(dataset, scenario, extent, kanal_reference(existing, max_total))
    grid = reach_grid(dataset, scenario, extent, model, sequences)
    planes, envelope = reach.envelope_planes(_within_caps(grid, max_total, existing))
    columns = ["region_code", "region_name", "province_code", "province_name", "population",
               "workers_informal", "area_km2", "cost_index"]
    return PlanInputs(
        regions=regions[columns].reset_index(drop=True), workers=yearly_workers(regions, scenario),
        existing=existing, max_total=max_total, locks=locks, grid=grid, planes=planes,
        envelope_overestimate=float((envelope["envelope"] - envelope["share"]).max()),
        reach_model=model, scenario=scenario, sequences=sequences,
    )


def with_kanal_reference(inputs: PlanInputs, reference: dict[str, int]) -> PlanInputs:
    """The inputs with the kanal sequences of the listed regencies rebuilt after ``reference[code]`` gerai
    (for example the gerai count a first solve chose), and their reach tables and envelope planes redone.

    Returns ``inputs`` itself when nothing changes (areal model, or every reference already in use).
    """
    if inputs.reach_model != "points" or inputs.sequences is None:
        return inputs
    current = inputs.sequences.regencies
    changed = {code: count for code, count in reference.items() if code in current
               and current[code].population > 0 and current[code].reference != min(count, len(current[code].gerai))}
    if not changed:
        return inputs
    sequences = with_references(inputs.sequences, changed)
    rows = inputs.grid["region_code"].isin(set(changed))
    extent = (inputs.grid[rows].groupby("region_code")[["n_gerai", "n_kanal"]].max()
              .rename(columns={"n_gerai": "gerai", "n_kanal": "kanal"}).reset_index()
              .melt(id_vars="region_code", var_name="kind", value_name="max_total"))
    grid = pd.concat([inputs.grid[~rows], sequences.share_grid(extent)])
    grid = grid.sort_values(["region_code", "n_gerai", "n_kanal"]).reset_index(drop=True)
    planes, envelope = reach.envelope_planes(_within_caps(grid, inputs.max_total, inputs.existing))
    return replace(inputs, grid=grid, planes=planes, sequences=sequences,
                   envelope_overestimate=float((envelope["envelope"] - envelope["share"]).max()))
