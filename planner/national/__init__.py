"""The whole plan at site level: the national model, its upper bound, a plan's value and its improvement.

- :mod:`~planner.national.model`: the site-level model (written down) and its data (demand weights by year,
  candidate sites, sparse coverage);
- :mod:`~planner.national.value`: a placed plan's worker-years, cross-border coverage counted once;
- :mod:`~planner.national.bound`: a proven upper bound (per-regency LP planes + the count-level MILP);
- :mod:`~planner.national.improve`: large-neighbourhood search over windows of regencies;
- :mod:`~planner.national.run`: the site-level phase end to end (``SiteLevelResult``).
"""
