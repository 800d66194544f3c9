"""One plan: inputs -> model -> solve -> sites -> verified tidy tables, with baselines and manifest.

- :mod:`~planner.allocation.plan`: :func:`plan`, the public entry point;
- :mod:`~planner.allocation.evaluate`: reach, spend and worker-years of any allocation;
- :mod:`~planner.allocation.verify`: every rule recomputed from the output tables;
- :mod:`~planner.allocation.baselines`: rule-of-thumb plans to compare with;
- :mod:`~planner.allocation.results`: :class:`PlanResult`, the tidy tables and the atomic writer;
- :mod:`~planner.allocation.manifest`: input hashes, versions and ``--check-manifest``.
"""

from planner.allocation.plan import plan
from planner.allocation.results import PlanResult

__all__ = ["PlanResult", "plan"]
