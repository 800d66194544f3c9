"""The national site-level model, and the data it is stated on.

The model
---------
Sets: demand points i (1 km cells, each in one regency r(i) and province p(i)); candidate sites s (villages,
each in one regency r(s), with the kinds it allows); kinds k in {gerai, kanal}; plan years t = t_0..T.

Data: the radius rho_k (km); N_k(s) = the demand points within rho_k of site s (great circle);
workers w_{i,t} = pop_i x (workers_informal_{r(i)} / sum_{j in r(i)} pop_j) x (1 + g_{p(i)})^(t - t_base)
(the regency's informal share of the point's people, grown at its province's yearly rate, exactly as the
allocation model's W[r,t] = sum_{i in r} w_{i,t}); existing outlets (open before t_0) at known sites.

Variables: y_{s,k,t} in {0,1}, 1 when an outlet of kind k is open at site s at the end of year t (only where
s allows k; y_{s,k,t} >= y_{s,k,t-1}, once open it stays open; existing outlets fixed at 1); z_{i,t} in [0,1],
1 when point i is reached in year t.

Objective: max sum_t sum_i w_{i,t} z_{i,t} (worker-years; ``final_reach``: the last year only), with
z_{i,t} <= sum_k sum_{s : i in N_k(s)} y_{s,k,t}: a point is reached when an open outlet of any kind, of any
regency, covers it; it counts once however many do.

Scenario rules, stated on the counts N[r,k,t] = sum_{s in r} y_{s,k,t} exactly as in the allocation model
(``planner.model.constraints``): x[r,k,t] = N[r,k,t] - N[r,k,t-1] >= 0 with N[r,k,t_0-1] = E[r,k]; yearly
budget sum_{r,k} c_r (capex_k x[r,k,t] + opex_k N[r,k,t]) <= B_t (with carry-over when the scenario allows);
national targets sum_r x[r,k,.] = target_k (exact) or <= (at most); rollout sum_r x[r,k,t] <= rollout_k;
caps E[r,k] <= N[r,k,t] <= max_total[r,k]; province floors on final gerai; locks x >= count, actuals
x = count; the kanal rule N[r,kanal,t] <= K_r N[r,gerai,t] (per regency or province). At most one outlet of
a kind per site. The optional service capacity is left out: dropping a constraint can only raise the
optimum, so every bound below stays valid for the model with it.

All of these tables come from :func:`planner.inputs.build_inputs` (``PlanInputs``), so the site-level model
and the allocation model can never disagree on a rule. A monolithic model of the official data (573,834
points x 5 years, 83,403 sites x 2 kinds x 5 years, ~200 M non-zeros) is not solved; see
:mod:`planner.national.bound` for the bound and :mod:`planner.national.improve` for the search.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.spatial import cKDTree

from planner.errors import InputError
from planner.inputs import PlanInputs
from planner.regions import RegionDataset
from planner.scenario import KINDS
from planner.siting.coverage import EARTH_RADIUS_KM


def unit_vectors(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Points on the unit sphere from degrees (chord distance is monotone in great-circle distance)."""
    lon, lat = np.radians(np.asarray(lon, float)), np.radians(np.asarray(lat, float))
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def chord(radius_km: float) -> float:
    """Chord length on the unit sphere of a great-circle distance in km."""
    return 2.0 * np.sin(min(radius_km / EARTH_RADIUS_KM, np.pi) / 2.0)


@dataclass(frozen=True)
class NationalData:
    """Demand, weights by year and candidate sites of the site-level model.

    Attributes
    ----------
    demand : pandas.DataFrame
        ``point_id``, ``region_code``, ``lon``, ``lat``, ``weight`` (informal workers at the point in the base
        population year, persons), one row per demand point, in this order everywhere below.
    factor : numpy.ndarray
        Shape (n_points, n_years): growth factor of each point's weight in each plan year (w_{i,t} =
        weight_i x factor[i, t]).
    sites : pandas.DataFrame
        ``site_id``, ``region_code``, ``lon``, ``lat``, ``allows_gerai``, ``allows_kanal``.
    radius : dict
        Kind -> radius, km.
    year_weight : numpy.ndarray
        Shape (n_years,): weight of each year in the objective (1 for worker-years; final reach: 0 except
        the last year).
    inputs : PlanInputs
        The scenario's tables (budgets, costs, caps, locks, targets).
    """

    demand: pd.DataFrame
    factor: np.ndarray
    sites: pd.DataFrame
    radius: dict
    year_weight: np.ndarray
    inputs: PlanInputs

    @property
    def years(self) -> tuple[int, ...]:
        """Plan years."""
        return self.inputs.years

    def tree(self) -> cKDTree:
        """KD-tree over the demand points' unit vectors (built once per call; keep it)."""
        return cKDTree(unit_vectors(self.demand["lon"], self.demand["lat"]))

    def weights(self, year_index: int) -> np.ndarray:
        """w_{i,t} of every point in one plan year (persons)."""
        return self.demand["weight"].to_numpy() * self.factor[:, year_index]


def cover(tree: cKDTree, lon, lat, radius_km: float) -> sp.csr_matrix:
    """Which demand points (rows, positions in the tree) each site (columns) covers, sparse boolean.

    Parameters
    ----------
    tree : scipy.spatial.cKDTree
        From :meth:`NationalData.tree`.
    lon, lat : array-like
        Site coordinates, degrees.
    radius_km : float
        Coverage radius, km of great-circle distance.
    """
    found = tree.query_ball_point(unit_vectors(lon, lat), chord(radius_km), return_sorted=False)
    sizes = np.fromiter((len(f) for f in found), dtype=np.int64, count=len(found))
    rows = np.concatenate([np.asarray(f, dtype=np.int64) for f in found]) if len(found) else np.zeros(0, int)
    cols = np.repeat(np.arange(len(found)), sizes)
    return sp.csr_matrix((np.ones(len(rows), dtype=bool), (rows, cols)), shape=(tree.n, len(found)))


def _point_weights(demand: pd.DataFrame, inputs: PlanInputs) -> tuple[np.ndarray, np.ndarray]:
    regions = inputs.regions.set_index("region_code")
    population = demand.groupby("region_code")["population"].sum()
    share = (regions["workers_informal"] / population.reindex(regions.index)).fillna(0.0)
    weight = demand["population"].to_numpy(float) * demand["region_code"].map(share).to_numpy(float)
    scenario = inputs.scenario
    rate = demand["region_code"].map(regions["province_code"]).map(scenario.growth_rate).to_numpy(float)
    exponent = np.array(inputs.years, float) - scenario.base_population_year
    return weight, (1.0 + rate)[:, None] ** exponent[None, :]


def national_data(dataset: RegionDataset, inputs: PlanInputs) -> NationalData:
    """The site-level model's data from a dataset (demand and sites layers, or their fallbacks) and inputs.

    Raises
    ------
    InputError
        When the dataset has no demand points.
    """
    demand = dataset.demand_points()
    sites = dataset.candidate_sites()
    if demand is None or sites is None:
        raise InputError(f"{dataset.source}: the site-level model needs demand points and candidate sites; "
                         "import the data with --grid and --sites (or --points).")
    demand = demand[demand["region_code"].isin(set(inputs.regions["region_code"]))].reset_index(drop=True)
    weight, factor = _point_weights(demand, inputs)
    demand = demand[["point_id", "region_code", "lon", "lat"]].assign(weight=weight)
    years = inputs.years
    year_weight = np.ones(len(years)) if inputs.scenario.objective == "worker_years" else \
        (np.arange(len(years)) == len(years) - 1).astype(float)
    radius = {kind: float(inputs.scenario.kind(kind).radius_km) for kind in KINDS}
    columns = ["site_id", "region_code", "lon", "lat", "allows_gerai", "allows_kanal"]
    return NationalData(demand=demand, factor=factor, sites=sites[columns].reset_index(drop=True),
                        radius=radius, year_weight=year_weight, inputs=inputs)
