"""Scenario sweeps: grids and Monte Carlo samples of a scenario, each case planned on Dask.

- :mod:`~planner.sweep.specs`: ``--vary`` specs, distributions and the cases they make;
- :mod:`~planner.sweep.cache`: per-case cache keyed by input, scenario and solver settings;
- :mod:`~planner.sweep.executor`: running the cases (in process or on a Dask LocalCluster), progress;
- :mod:`~planner.sweep.run`: :func:`run_sweep`, the tables and the files it writes;
- :mod:`~planner.sweep.charts`: frontier and robustness charts;
- :mod:`~planner.sweep.cli`: ``planner sweep`` argument parsing.
"""

from planner.sweep.executor import SweepProgress, text_progress_bar
from planner.sweep.run import SweepResult, run_sweep
from planner.sweep.specs import DEFAULT_DISTRIBUTIONS, Distribution

__all__ = ["DEFAULT_DISTRIBUTIONS", "Distribution", "SweepProgress", "SweepResult", "run_sweep",
           "text_progress_bar"]
