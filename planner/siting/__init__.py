"""Site-level maximal covering location (MCLP) engine, and placement of a plan's outlets on candidate sites.

One module per phase of the MCLP pipeline, driven by :mod:`planner.siting.mclp`:

- :mod:`~planner.siting.coverage`: sparse coverage (KD-tree on unit-sphere points) from coordinates;
- :mod:`~planner.siting.reduce`: exact reductions (merged demand rows, dominated sites) and the levers;
- :mod:`~planner.siting.formulation`: the MCLP written once as arrays (the PuLP MIP and the HiGHS LP);
- :mod:`~planner.siting.heuristic`: greedy, swap and full-cover searches;
- :mod:`~planner.siting.bound`: subgradient Lagrangian bound and reduced-cost fixing;
- :mod:`~planner.siting.lp`: the LP relaxation by interior point (bound, duals, basis);
- :mod:`~planner.siting.branch`: LP branch-and-bound from the root basis;
- :mod:`~planner.siting.lns`: large-neighbourhood search over regions of sites;
- :mod:`~planner.siting.sequence`: nested greedy site sequences per regency and their exact reach table;
- :mod:`~planner.siting.place`: a plan's outlets placed regency by regency and year by year.
"""

from planner.siting.coverage import coverage_from_points, coverage_matrix
from planner.siting.mclp import HIGHS_OPTIONS, MCLPResult, solve_mclp, solve_mclp_matrix
from planner.siting.place import place_sequences, place_sites
from planner.siting.reduce import ALL_LEVERS, Levers
from planner.siting.stats import MCLPStats

__all__ = [
    "ALL_LEVERS",
    "HIGHS_OPTIONS",
    "Levers",
    "MCLPResult",
    "MCLPStats",
    "coverage_from_points",
    "coverage_matrix",
    "place_sequences",
    "place_sites",
    "solve_mclp",
    "solve_mclp_matrix",
]
