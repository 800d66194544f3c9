"""planner: where and when to open BPJS Ketenagakerjaan service outlets (gerai) and kiosks (kanal)."""

from planner.errors import InfeasibleError, InputError, PlannerError, SolverError
from planner.regions import RegionDataset, load_dataset, load_regions

__all__ = [
    "InfeasibleError",
    "InputError",
    "PlannerError",
    "RegionDataset",
    "SolverError",
    "load_dataset",
    "load_regions",
]
__version__ = "0.1.0"
