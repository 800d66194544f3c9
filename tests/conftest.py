"""Shared fixtures: tiny hand-checkable datasets and scenarios, and the location of ../shared."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from shapely.geometry import box

from planner.regions import RegionDataset, area_km2, validate_provinces, validate_regions
from planner.scenario import Scenario, default_scenario
from planner.siting import Levers, coverage_from_points

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
needs_shared = pytest.mark.skipif(not (SHARED / "data" / "indonesia").is_dir(),
                                  reason="../shared (real Indonesian data) is absent")
MCLP_BENCH = SHARED / "bench" / "mclp"
needs_mclp_bench = pytest.mark.skipif(not MCLP_BENCH.is_dir(), reason="../shared/bench/mclp is absent")

#: Every MCLP speed lever off: the MIP alone decides.
NO_LEVERS = Levers(**{name: False for name in Levers.__dataclass_fields__})


def mclp_instances():
    """The benchmark's instance readers (``benchmarks/mclp_instances.py``)."""
    sys.path.insert(0, str(REPO))
    from benchmarks import mclp_instances as module

    return module


def brute_force_mclp(weights: np.ndarray, cover: np.ndarray, p: int, existing=()) -> float:
    """Best covered weight over every choice of p sites containing ``existing`` (dense boolean ``cover``)."""
    others = [j for j in range(cover.shape[1]) if j not in existing]
    best = 0.0
    for extra in itertools.combinations(others, p - len(existing)):
        chosen = list(existing) + list(extra)
        best = max(best, float(weights[cover[:, chosen].any(axis=1)].sum()))
    return best


def random_points(seed: int, n: int, side: float) -> tuple[np.ndarray, sp.csr_matrix]:
    """``n`` points in a ``side`` x ``side`` square with weights 1-99, each a demand point and a site;
    coverage radius 1."""
    rng = np.random.default_rng(seed)
    xy = rng.random((n, 2)) * side
    weights = rng.integers(1, 100, n).astype(float)
    return weights, coverage_from_points(xy, xy, 1.0, metric="euclidean")


def tiny_dataset(workers: list[float], provinces: list[str] | None = None, side_deg: float = 0.5) -> RegionDataset:
    """Regions as squares of ``side_deg`` degrees on the equator, one per entry of ``workers``.

    Region i has code ``PP.0i`` (province ``PP`` from ``provinces``, default all "11"), population = 2 x
    workers, and ``workers[i]`` informal workers. A 0.5-degree square is about 3,090 km^2.
    """
    provinces = provinces or ["11"] * len(workers)
    rows = []
    for i, (w, province) in enumerate(zip(workers, provinces, strict=True)):
        rows.append({"region_code": f"{province}.{i + 1:02d}", "region_name": f"Kabupaten Uji {i + 1}",
                     "province_code": province, "province_name": f"Provinsi {province}",
                     "population": 2.0 * w, "workers_informal": float(w),
                     "geometry": box(100 + i * side_deg, 0, 100 + (i + 1) * side_deg, side_deg)})
    regions = gpd.GeoDataFrame(rows, crs="EPSG:4326")
    regions["area_km2"] = area_km2(regions.geometry)
    regions = validate_regions(regions, "tiny")
    dissolved = regions.dissolve(by=["province_code", "province_name"], aggfunc={"population": "sum"})
    return RegionDataset(regions, validate_provinces(dissolved.reset_index(), "tiny"), None, "tiny")


def tiny_scenario(**changes) -> Scenario:
    """Two years, 2 gerai and 0 kanal, no existing outlets, no locks, no floors, capex IDR 1 bn, no opex,
    a budget that fits everything; ``changes`` are ``--set`` style overrides (``{"gerai.target": 3}``)."""
    base = default_scenario().replace(
        name="tiny", years=[2014, 2015], budget_idr=[100e9, 100e9], locks=(), province_min_gerai=0,
        reach_model="areal", base_population_year=2014, population_growth_rate=0.0)
    overrides = ["gerai.target=2", "kanal.target=0", "gerai.existing_total=0", "kanal.existing_total=0",
                 "gerai.capex_idr=1e9", "gerai.opex_idr_per_year=0", "kanal.capex_idr=1e8",
                 "kanal.opex_idr_per_year=0", "gerai.max_new_per_region=3", "kanal.max_new_per_region=3",
                 "gerai.rollout_per_year=10", "kanal.rollout_per_year=10"]
    overrides += [f"{key}={_text(value)}" for key, value in changes.items()]
    return base.with_overrides(overrides)


def _text(value) -> str:
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value).lower() if isinstance(value, bool) else str(value)


def sites_at_points(result, dataset: RegionDataset, provinces: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stand-in site placement for report tests: each new outlet of ``provinces`` at its regency's largest
    points (in turn), and the provinces' other points beyond reach with a third of their people.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        ``sites`` (``PlanResult.sites`` schema) and ``unreached`` (``PlanResult.unreached`` schema).
    """
    points = dataset.points[dataset.points["region_code"].str[:2].isin(provinces)]
    allocation = result.allocation
    openings = allocation[allocation["province_code"].isin(provinces) & (allocation["new"] > 0)]
    rows = []
    for opening in openings.itertuples():
        candidates = points[points["region_code"] == opening.region_code].sort_values("population", ascending=False)
        for index in range(int(opening.new)):
            point = candidates.iloc[index % len(candidates)]
            rows.append({"region_code": opening.region_code, "site_id": f"{point['point_id']}-{opening.kind}",
                         "name": point["name"], "lon": point["lon"], "lat": point["lat"], "kind": opening.kind,
                         "year": opening.year, "workers_covered": 1000.0})
    sites = pd.DataFrame(rows)
    beyond = points[~points["point_id"].isin({site.split("-")[0] for site in sites["site_id"]})]
    unreached = pd.DataFrame({"point_id": beyond["point_id"], "region_code": beyond["region_code"],
                              "lon": beyond["lon"], "lat": beyond["lat"],
                              "workers_unreached": beyond["population"] / 3.0})
    return sites, unreached
