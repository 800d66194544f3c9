"""The site-level phase end to end: a placed plan's national value, the proven bound, the search, the gap."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import pandas as pd

from planner.errors import InputError
from planner.national.bound import national_bound, plan_pairs
from planner.national.model import NationalData
from planner.national.value import plan_value
from planner.solve import relative_gap

#: Default seconds for the whole site-level phase.
DEFAULT_SECONDS = 600.0
#: Share of the phase for the bound (the whole LP of the embedded default needs 380-420 s of a 600 s phase;
#: the search's gains come mostly in its first minute).
BOUND_SHARE = 0.75


@dataclass(frozen=True)
class SiteLevelResult:
    """What summary.json's ``site_level`` holds.

    Attributes
    ----------
    objective : float
        Worker-years (or final-year workers) the plan's placed sites reach, each demand point once.
    bound : float
        Proven upper bound on any plan under the scenario's rules (same unit).
    gap : float
        (bound - objective) / objective, a fraction like the allocation's ``gap``.
    seconds : float
        Wall-clock seconds of the phase.
    method : str
        How the bound and the plan were obtained.
    """

    objective: float
    bound: float
    gap: float
    seconds: float
    method: str

    def to_dict(self) -> dict:
        """Plain dictionary for summary.json."""
        return asdict(self)


def site_level(data: NationalData, counts: pd.DataFrame, placed: pd.DataFrame, time_limit: float = DEFAULT_SECONDS,
               improve: bool = True, log=None, timeline: list | None = None, bound_method: str = "auto"
               ) -> tuple[SiteLevelResult, pd.DataFrame]:
    """Value the two-step plan at site level, bound every plan, improve the plan by the search.

    Parameters
    ----------
    data : NationalData
    counts : pandas.DataFrame
        The allocation's ``region_code``, ``kind``, ``year``, ``cumulative`` (first planes go there).
    placed : pandas.DataFrame
        ``region_code``, ``site_id``, ``lon``, ``lat``, ``kind``, ``year`` (existing: before the first year).
    time_limit : float
        Seconds for the phase: ``BOUND_SHARE`` of it for the bound, the rest for the search.
    improve : bool
        Run the large-neighbourhood search (else the plan is only valued).
    log : callable, optional
        Progress lines.
    timeline : list, optional
        Receives (seconds into the phase, best bound, best value) whenever either changes.
    bound_method : str
        ``auto`` (default) = ``subgradient``: cutting planes (:func:`planner.national.lpbound.lp_bound`)
        with prices from subgradient steps on each year's Lagrangian at the round's counts
        (:mod:`planner.national.subgradient`), then the whole model's LP when it is small enough (the
        embedded default in a phase of 120 s or more); ``lp``: the same with the national covering LP's
        prices (slower per round; its LP does not solve in time on the official 1 km data); ``national``:
        one price per merged demand point and year by subgradient steps between count-model MILP solves
        (:func:`planner.national.lagrange.lagrangian_bound`; superseded); ``regency``: the
        per-regency planes of :func:`planner.national.bound.national_bound` (looser: border people counted
        once per regency).

    Returns
    -------
    (SiteLevelResult, pandas.DataFrame)
        The result and the (possibly improved) placed sites.
    """
    began = time.perf_counter()
    tree = data.tree()
    value = plan_value(placed, data, tree)
    if log:
        log(f"two-step plan at site level: {value.objective:,.0f}")
    timeline = timeline if timeline is not None else []
    timeline.append((time.perf_counter() - began, float("inf"), value.objective))
    offset = time.perf_counter() - began
    bound_method = "subgradient" if bound_method == "auto" else bound_method
    if bound_method in ("lp", "subgradient"):
        from planner.national.lagrange import plan_counts
        from planner.national.lpbound import METHOD as LP_METHOD
        from planner.national.lpbound import lp_bound
        from planner.national.subgradient import METHOD as SUBGRADIENT_METHOD

        bound = lp_bound(data, tree, placed, plan_counts(counts),
                         time_limit=max(BOUND_SHARE * time_limit - offset, 1.0), log=log, prices=bound_method)
        method = f"{LP_METHOD if bound_method == 'lp' else SUBGRADIENT_METHOD} ({bound.note})"
        if bound.history and bound.bound >= bound.history[0][1]:
            method += " (no round finished in time: everyone some candidate site can reach)"
    elif bound_method == "national":
        from planner.national.lagrange import METHOD, lagrangian_bound, plan_counts

        bound = lagrangian_bound(data, tree, placed, plan_counts(counts), value.objective,
                                 time_limit=BOUND_SHARE * time_limit, log=log)
        method = METHOD
        if bound.history and bound.bound >= bound.history[0][1]:
            method += " (no round beat its lambda = 0 point: everyone some candidate site can reach)"
    elif bound_method == "regency":
        bound = national_bound(data, tree, extra=placed, start=plan_pairs(counts), time_limit=BOUND_SHARE * time_limit,
                               log=log)
        method = "per-regency Lagrangian covering planes + count-model dual bound"
    else:
        raise InputError(f"bound_method {bound_method!r} is not known; use 'auto', 'lp', 'subgradient', 'national' "
                         "or 'regency'.")
    timeline += [(offset + seconds, found, value.objective) for seconds, found in bound.history]
    objective = value.objective
    if improve:
        from planner.national.improve import improve_plan

        def record(found: float) -> None:
            timeline.append((time.perf_counter() - began, bound.bound, found))

        left = time_limit - (time.perf_counter() - began)
        placed, objective = improve_plan(data, tree, counts, placed, value, left, log=log, record=record)
        method += "; window LNS (exact site MIP per window of regencies)"
    gap = relative_gap(objective, bound.bound)
    return SiteLevelResult(objective=float(objective), bound=float(bound.bound), gap=float(gap),
                           seconds=time.perf_counter() - began, method=method), placed
