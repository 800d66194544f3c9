"""planner: where and when to open BPJS Ketenagakerjaan service outlets (gerai) and kiosks (kanal)."""

from planner.allocation.plan import plan
from planner.allocation.results import PlanResult
from planner.errors import InfeasibleError, InputError, PlannerError, SolverError
from planner.regions import RegionDataset, as_dataset, load_dataset, load_regions
from planner.scenario import Scenario, default_scenario, load_scenario

__all__ = [
    "InfeasibleError",
    "InputError",
    "PlanResult",
    "PlannerError",
    "RegionDataset",
    "Scenario",
    "SolverError",
    "as_dataset",
    "default_scenario",
    "load_dataset",
    "load_regions",
    "load_scenario",
    "plan",
]
__version__ = "0.1.0"
