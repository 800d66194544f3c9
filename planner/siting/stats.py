"""``MCLPStats``: what the MCLP engine did (sizes, values, bounds, seconds per phase), for benchmarks and tests.

The phases fill it in as they run, so it is not frozen; it has ``__slots__``, so writing a misspelt field
(``stats.lp_bonud = ...``) is an ``AttributeError`` where it is written. A field never set stays None and
counts as absent (``"mip_seconds" in stats`` is False when no MIP ran).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields


@dataclass(slots=True)
class MCLPStats:
    """Counts (demand points, sites), objective values and bounds (demand weight), seconds per phase and the
    MIP's solver status; None where the phase did not run."""

    demand_in: int | None = None
    sites_in: int | None = None
    demand_free: int | None = None
    demand_merged: int | None = None
    sites_kept: int | None = None
    demand_kept: int | None = None
    heuristic_seconds: float | None = None
    greedy_swap_value: float | None = None
    lagrangian_value: float | None = None
    lagrangian_bound: float | None = None
    lagrangian_steps: int | None = None
    lagrangian_seconds: float | None = None
    lp_seconds: float | None = None
    lp_bound: float | None = None
    branch_nodes: int | None = None
    branch_finished: bool | None = None
    branch_value: float | None = None
    branch_seconds: float | None = None
    neighbourhood_sites: int | None = None
    neighbourhood_seconds: float | None = None
    neighbourhood_value: float | None = None
    cover_all_value: float | None = None
    local_search_value: float | None = None
    region_search_value: float | None = None
    region_search_seconds: float | None = None
    fixed_closed: int | None = None
    fixed_open: int | None = None
    mip_sites: int | None = None
    mip_demand: int | None = None
    mip_seconds: float | None = None
    solver_status: str | None = None

    def update(self, **values: object) -> None:
        """Set several fields at once (an unknown name is an ``AttributeError``)."""
        for name, value in values.items():
            setattr(self, name, value)

    def merged(self, other: MCLPStats) -> MCLPStats:
        """A copy with ``other``'s set fields written over this one's."""
        both = MCLPStats(**self.to_dict())
        both.update(**other.to_dict())
        return both

    def to_dict(self) -> dict[str, object]:
        """The fields that were set, by name."""
        return {item.name: getattr(self, item.name) for item in fields(self) if getattr(self, item.name) is not None}

    def get(self, name: str, default: object = None) -> object:
        """A field's value, or ``default`` when it was not set."""
        value = getattr(self, name)
        return default if value is None else value

    def __getitem__(self, name: str) -> object:
        if name not in self:
            raise KeyError(name)
        return getattr(self, name)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and getattr(self, name, None) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.to_dict())
