"""Nested greedy site sequences per regency, and the exact reach table they imply (no PuLP here).

For one regency (its demand points, its candidate sites, a coverage radius per kind):

- the **gerai sequence** G is greedy maximal covering of the regency's demand over the sites that allow a
  gerai (each step opens the site covering the most still-uncovered people; ties: the first site in id order);
- the **kanal sequence** K is the same greedy over the sites that allow a kanal, on the demand left uncovered
  by the first ``reference`` gerai of G.

Each site appears at most once in a sequence (at most one outlet of each kind per site). The table value at
``(g, k)`` is the exact population covered by ``G[:g]`` together with ``K[:k]``. Any path of counts that
never decreases opens nested prefixes, so the sites opened for counts ``(g, k)`` cover exactly the table's
value: the table and the placement reconcile by construction.

The greedy is vectorised with ``scipy.sparse``: the gains of every site are one product ``cover.T @ residual``
per step, and the residual is updated from the chosen site's column.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.spatial import cKDTree

from planner import reach
from planner.siting.coverage import coverage_from_points

KINDS = ("gerai", "kanal")


def greedy_order(cover: sp.csc_matrix, weights: np.ndarray, length: int,
                 fallback: np.ndarray | None = None) -> np.ndarray:
    """The first ``length`` sites of greedy maximal covering (each site at most once).

    Parameters
    ----------
    cover : scipy.sparse.csc_matrix
        Boolean coverage, shape (n_demand, n_sites): True where the site covers the demand point.
    weights : numpy.ndarray
        Demand weight of each point (persons), >= 0, shape (n_demand,).
    length : int
        Number of sites to order (at most n_sites).
    fallback : numpy.ndarray, optional
        Second weights, used once ``weights`` have nothing left to cover (the greedy then continues on the
        ``fallback`` weight not yet covered by the sites chosen).

    Returns
    -------
    numpy.ndarray
        Column indices of ``cover`` in greedy order. Once nothing more can be covered the rest follow in
        column order (they add nothing).

    Examples
    --------
    Site 0 covers points 0 and 1 (6 people), site 1 points 1 and 2 (5), site 2 point 0 (5): greedy opens
    site 0, then site 1 (4 more), then site 2 (nothing more).

    >>> cover = sp.csc_matrix(np.array([[1, 0, 1], [1, 1, 0], [0, 1, 0]], dtype=bool))
    >>> greedy_order(cover, np.array([5.0, 1.0, 4.0]), 3).tolist()
    [0, 1, 2]
    """
    n_sites = cover.shape[1]
    length = min(int(length), n_sites)
    transposed = sp.csr_matrix(cover.T, dtype=float)
    residuals = [np.asarray(weights, dtype=float).copy()]
    if fallback is not None:
        residuals.append(np.asarray(fallback, dtype=float).copy())
    chosen = np.zeros(n_sites, dtype=bool)
    order = np.empty(length, dtype=np.int64)
    for step in range(length):
        for residual in residuals:
            gains = transposed @ residual
            gains[chosen] = -1.0
            best = int(np.argmax(gains))
            if gains[best] > 0:
                break
        order[step] = best
        chosen[best] = True
        rows = cover.indices[cover.indptr[best]:cover.indptr[best + 1]]
        for residual in residuals:
            residual[rows] = 0.0
    return order


def first_cover(cover: sp.csc_matrix, order: np.ndarray) -> np.ndarray:
    """For each demand point, the position in ``order`` of the first site covering it (``len(order)`` if none).

    Examples
    --------
    >>> cover = sp.csc_matrix(np.array([[1, 0], [0, 1], [0, 0]], dtype=bool))
    >>> first_cover(cover, np.array([1, 0])).tolist()
    [1, 0, 2]
    """
    first = np.full(cover.shape[0], len(order), dtype=np.int64)
    if not len(order):
        return first
    picked = sp.csc_matrix(cover[:, order]).tocoo()
    np.minimum.at(first, picked.row, picked.col.astype(np.int64))
    return first


def covered_table(weights: np.ndarray, first_gerai: np.ndarray, first_kanal: np.ndarray, n_gerai: int,
                  n_kanal: int) -> np.ndarray:
    """Covered weight of ``G[:g]`` together with ``K[:k]`` for every g <= n_gerai, k <= n_kanal.

    A point is covered at ``(g, k)`` when ``first_gerai < g`` or ``first_kanal < k``, so the uncovered weight is
    a two-way suffix sum of the weights binned by (first_gerai, first_kanal).

    Returns
    -------
    numpy.ndarray
        Shape (n_gerai + 1, n_kanal + 1), persons.

    Examples
    --------
    >>> covered_table(np.array([5.0, 1.0, 4.0]), np.array([0, 0, 1]), np.array([2, 0, 2]), 1, 1).tolist()
    [[0.0, 1.0], [6.0, 6.0]]
    """
    weights = np.asarray(weights, dtype=float)
    binned = np.zeros((n_gerai + 1, n_kanal + 1))
    np.add.at(binned, (np.minimum(first_gerai, n_gerai), np.minimum(first_kanal, n_kanal)), weights)
    uncovered = binned[::-1, ::-1].cumsum(axis=0).cumsum(axis=1)[::-1, ::-1]
    return np.clip(weights.sum() - uncovered, 0.0, None)


@dataclass(frozen=True)
class RegencySequence:
    """The nested site sequences of one regency and what they cover.

    Attributes
    ----------
    region_code : str
    gerai, kanal : numpy.ndarray
        Row positions in the dataset's candidate-site table, in opening order.
    demand_rows : numpy.ndarray
        Row positions of the regency's demand points in the dataset's demand table.
    first_gerai, first_kanal : numpy.ndarray
        Per demand point of the regency (order of ``demand_rows``): position in ``gerai`` / ``kanal`` of the
        first site covering it (the sequence's length when none does).
    reference : int
        Gerai count whose uncovered demand the kanal sequence was built on.
    table : numpy.ndarray
        Covered population (persons) of ``gerai[:g]`` with ``kanal[:k]``, shape (len(gerai)+1, len(kanal)+1).
    people : numpy.ndarray
        Population of each demand point of the regency (persons, order of ``demand_rows``).
    kanal_cover : scipy.sparse.csc_matrix
        Coverage of the regency's demand by its sites allowing a kanal (to rebuild the kanal sequence).
    kanal_sites : numpy.ndarray
        Row positions (candidate-site table) of the columns of ``kanal_cover``.
    kanal_length : int
        Length wanted for the kanal sequence.
    """

    region_code: str
    gerai: np.ndarray
    kanal: np.ndarray
    demand_rows: np.ndarray
    first_gerai: np.ndarray
    first_kanal: np.ndarray
    reference: int
    table: np.ndarray
    people: np.ndarray
    kanal_cover: sp.csc_matrix = field(repr=False, default=None)
    kanal_sites: np.ndarray = field(repr=False, default=None)
    kanal_length: int = 0

    @property
    def population(self) -> float:
        """Population of the regency's demand points (persons)."""
        return float(self.people.sum())

    def with_reference(self, reference: int) -> RegencySequence:
        """The same gerai sequence with the kanal sequence rebuilt after ``reference`` gerai."""
        reference = min(max(int(reference), 0), len(self.gerai))
        residual = np.where(self.first_gerai >= reference, self.people, 0.0)
        kanal = greedy_order(self.kanal_cover, residual, self.kanal_length, fallback=self.people)
        first_kanal = first_cover(self.kanal_cover, kanal)
        table = covered_table(self.people, self.first_gerai, first_kanal, len(self.gerai), len(kanal))
        return replace(self, kanal=self.kanal_sites[kanal], first_kanal=first_kanal, reference=reference,
                       table=table)


def regency_sequence(code: str, weights: np.ndarray, covers: dict[str, sp.csc_matrix],
                     allowed: dict[str, np.ndarray], lengths: dict[str, int], reference: int,
                     demand_rows: np.ndarray) -> RegencySequence:
    """Greedy gerai sequence, then the kanal sequence on what the first ``reference`` gerai leave uncovered
    (continued, once that is all covered, on the people its own sites do not yet cover).

    Parameters
    ----------
    code : str
        Region code.
    weights : numpy.ndarray
        Population of each demand point of the regency (persons).
    covers : dict
        Kind -> boolean CSC coverage (regency demand x the regency's sites allowing that kind).
    allowed : dict
        Kind -> row positions (in the candidate-site table) of the columns of ``covers[kind]``.
    lengths : dict
        Kind -> sequence length wanted (capped at the number of allowed sites).
    reference : int
        Gerai count the kanal sequence is built after (capped at the gerai sequence's length).
    demand_rows : numpy.ndarray
        Row positions of the demand points in the demand table.

    Returns
    -------
    RegencySequence
    """
    weights = np.asarray(weights, dtype=float)
    gerai = greedy_order(covers["gerai"], weights, lengths["gerai"])
    first_gerai = first_cover(covers["gerai"], gerai)
    empty = np.zeros(0, dtype=np.int64)
    start = RegencySequence(code, allowed["gerai"][gerai], empty, demand_rows, first_gerai,
                            np.zeros(len(weights), dtype=np.int64), 0, np.zeros((len(gerai) + 1, 1)), weights,
                            covers["kanal"], allowed["kanal"], min(int(lengths["kanal"]), covers["kanal"].shape[1]))
    return start.with_reference(reference)


@dataclass(frozen=True)
class SiteSequences:
    """Nested greedy site sequences of every regency (``planner.siting.sequence``) and their inputs.

    Attributes
    ----------
    demand : pandas.DataFrame
        ``point_id``, ``region_code``, ``population`` (persons), ``lon``, ``lat`` (degrees).
    sites : pandas.DataFrame
        ``site_id``, ``region_code``, ``name``, ``lon``, ``lat``, ``allows_gerai``, ``allows_kanal``.
    radius_km : dict
        Coverage radius per kind, km (great-circle).
    regencies : dict
        Region code -> :class:`~planner.siting.sequence.RegencySequence` (every regency with demand or sites).
    """

    demand: pd.DataFrame
    sites: pd.DataFrame
    radius_km: dict[str, float]
    regencies: dict[str, RegencySequence]

    @cached_property
    def demand_tree(self) -> cKDTree:
        """KD-tree of the demand points' 3-D unit vectors (built once, for measuring reach)."""
        return reach.demand_tree(self.demand)

    def share_grid(self, extent: pd.DataFrame) -> pd.DataFrame:
        """Share reached for every (n_gerai, n_kanal) up to ``extent`` (``region_code, kind, max_total``).

        Counts beyond a sequence (more outlets than sites) add nothing: the table stays flat there. Regencies
        without people on their demand points are left out, for the caller to fill from the areal model.

        Returns
        -------
        pandas.DataFrame
            ``region_code``, ``n_gerai``, ``n_kanal``, ``share`` (fraction).
        """
        caps = extent.pivot_table(index="region_code", columns="kind", values="max_total", aggfunc="max")
        columns: dict[str, list[np.ndarray]] = {"region_code": [], "n_gerai": [], "n_kanal": [], "share": []}
        for code, sequence in sorted(self.regencies.items()):
            if sequence.population <= 0 or code not in caps.index:
                continue
            n_g, n_k = int(caps.loc[code, "gerai"]), int(caps.loc[code, "kanal"])
            table = sequence.table[: n_g + 1, : n_k + 1] / sequence.population
            table = np.pad(table, ((0, n_g + 1 - table.shape[0]), (0, n_k + 1 - table.shape[1])), mode="edge")
            columns["region_code"].append(np.full(table.size, code, dtype=object))
            columns["n_gerai"].append(np.repeat(np.arange(n_g + 1), n_k + 1))
            columns["n_kanal"].append(np.tile(np.arange(n_k + 1), n_g + 1))
            columns["share"].append(np.minimum(table.ravel(), 1.0))
        if not columns["share"]:
            return pd.DataFrame(columns=list(columns))
        frame = pd.DataFrame({key: np.concatenate(value) for key, value in columns.items()})
        frame["region_code"] = frame["region_code"].astype(str)
        return frame

    def site_counts(self) -> pd.DataFrame:
        """Candidate sites allowing each kind per regency: ``region_code``, ``kind``, ``sites``."""
        counts = {kind: self.sites.groupby("region_code")[f"allows_{kind}"].sum() for kind in KINDS}
        return (pd.DataFrame(counts).rename_axis("region_code").reset_index()
                .melt(id_vars="region_code", var_name="kind", value_name="sites").astype({"sites": int}))


def build_sequences(demand: pd.DataFrame, sites: pd.DataFrame, radius_km: dict[str, float],
                    lengths: pd.DataFrame, reference: dict[str, int]) -> SiteSequences:
    """Greedy nested site sequences of every regency, coverage built sparsely per regency (KD-tree).

    Parameters
    ----------
    demand : pandas.DataFrame
        ``point_id``, ``region_code``, ``population`` (persons), ``lon``, ``lat`` (degrees).
    sites : pandas.DataFrame
        ``site_id``, ``region_code``, ``name``, ``lon``, ``lat``, ``allows_gerai``, ``allows_kanal``.
    radius_km : dict
        Coverage radius per kind, km.
    lengths : pandas.DataFrame
        ``region_code``, ``kind``, ``max_total``: the longest count to order sites for (capped at the sites).
    reference : dict
        Region code -> gerai count the kanal sequence is built after (default 1).

    Returns
    -------
    SiteSequences
        Demand and sites sorted by region_code then id, and one sequence per regency with demand or sites.
    """
    demand = demand.sort_values(["region_code", "point_id"], kind="stable").reset_index(drop=True)
    sites = sites.sort_values(["region_code", "site_id"], kind="stable").reset_index(drop=True)
    caps = lengths.pivot_table(index="region_code", columns="kind", values="max_total", aggfunc="max")
    demand_of = demand.groupby("region_code").indices
    sites_of = sites.groupby("region_code").indices
    demand_xy, site_xy = demand[["lon", "lat"]].to_numpy(float), sites[["lon", "lat"]].to_numpy(float)
    people = demand["population"].to_numpy(float)
    allows = {kind: sites[f"allows_{kind}"].to_numpy(bool) for kind in KINDS}
    regencies = {}
    for code in sorted(set(demand_of) | set(sites_of)):
        rows = demand_of.get(code, np.zeros(0, dtype=np.int64))
        here = sites_of.get(code, np.zeros(0, dtype=np.int64))
        allowed = {kind: here[allows[kind][here]] for kind in KINDS}
        covers = {kind: coverage_from_points(demand_xy[rows], site_xy[allowed[kind]], float(radius_km[kind])
                                             ).tocsc() for kind in KINDS}
        wanted = {kind: int(caps.loc[code, kind]) if code in caps.index else 0 for kind in KINDS}
        regencies[code] = regency_sequence(code, people[rows], covers, allowed, wanted,
                                           reference.get(code, 1), rows)
    return SiteSequences(demand, sites, dict(radius_km), regencies)


def with_references(sequences: SiteSequences, reference: dict[str, int]) -> SiteSequences:
    """The sequences with each listed regency's kanal sequence rebuilt after ``reference[code]`` gerai."""
    regencies = dict(sequences.regencies)
    for code, count in reference.items():
        if code in regencies and regencies[code].reference != min(int(count), len(regencies[code].gerai)):
            regencies[code] = regencies[code].with_reference(count)
    return replace(sequences, regencies=regencies)
