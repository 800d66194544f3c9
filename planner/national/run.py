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
#: Share of the phase for the bound when the search cannot run beside it (one core): the bound first, then the
#: search with the rest.
BOUND_SHARE = 0.75
#: Seconds at the end of the phase for collecting the search's placement and the gap.
FINISH_SECONDS = 5.0
BOUND_METHODS = ("auto", "descent", "lp", "subgradient", "national", "regency")


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
               improve: bool = True, log=None, timeline: list | None = None, bound_method: str = "auto",
               move_counts: bool = True, check=None, beside: bool = True) -> tuple[SiteLevelResult, pd.DataFrame]:
    """Value the two-step plan at site level, bound every plan, improve the plan by the search.

    Parameters
    ----------
    data : NationalData
    counts : pandas.DataFrame
        The allocation's ``region_code``, ``kind``, ``year``, ``cumulative`` (first planes go there).
    placed : pandas.DataFrame
        ``region_code``, ``site_id``, ``lon``, ``lat``, ``kind``, ``year`` (existing: before the first year).
    time_limit : float
        Seconds for the phase: the bound and the search side by side (``beside``), else ``BOUND_SHARE`` of it
        for the bound and the rest for the search.
    improve : bool
        Run the large-neighbourhood search (else the plan is only valued).
    log : callable, optional
        Progress lines.
    timeline : list, optional
        Receives (seconds into the phase, best bound, best value) whenever either changes.
    bound_method : str
        ``auto`` (default) = ``descent``: steps on the Lagrangian dual of the cover rows, the counts and opening
        years chosen again by an exact count LP at every step (:func:`planner.national.descent.descent_bound`,
        :mod:`planner.national.nested`), until the phase ends or the step size is spent, then the whole
        model's LP with the time left when it is small enough (the embedded default in a phase of 120 s or
        more);
        ``subgradient``: cutting planes (:func:`planner.national.lpbound.lp_bound`) with prices from
        subgradient steps on each year's Lagrangian at each round's counts (:mod:`planner.national.subgradient`),
        then the whole LP likewise; ``lp``: the same with the national covering LP's
        prices (slower per round; its LP does not solve in time on the official 1 km data); ``national``:
        one price per merged demand point and year by subgradient steps between count-model MILP solves
        (:func:`planner.national.lagrange.lagrangian_bound`; superseded); ``regency``: the
        per-regency planes of :func:`planner.national.bound.national_bound` (looser: border people counted
        once per regency).
    move_counts : bool
        Let the search's windows change their regencies' counts within the scenario's rules
        (:class:`planner.national.exact.CountRules`), moving outlets across regency borders; else every
        regency keeps the plan's counts.
    check : callable, optional
        ``check(placed)`` -> the count rules a placement breaks, recounted independently; a window that moves
        counts is accepted only when it returns nothing (picklable: it travels to the search's process).
    beside : bool
        On a machine with two cores or more (:func:`planner.national.background.available`), run the search in
        a second process for the whole phase while the bound runs here (:mod:`planner.national.background`;
        the whole model's LP still uses every core); else the bound takes ``BOUND_SHARE`` of the phase and the
        search the rest, one after the other.

    Returns
    -------
    (SiteLevelResult, pandas.DataFrame)
        The result and the (possibly improved) placed sites.
    """
    if bound_method not in BOUND_METHODS:
        raise InputError(f"bound_method {bound_method!r} is not known; use 'auto', 'descent', 'lp', 'subgradient', "
                         "'national' or 'regency'.")
    began, wall = time.perf_counter(), time.time()
    tree = data.tree()
    value = plan_value(placed, data, tree)
    if log:
        log(f"two-step plan at site level: {value.objective:,.0f}")
    timeline = timeline if timeline is not None else []
    timeline.append((time.perf_counter() - began, float("inf"), value.objective))
    from planner.national.background import BackgroundSearch, available

    search, priced = None, None
    if improve and beside and available():
        search = BackgroundSearch.start(data, counts, placed, value, wall + time_limit - FINISH_SECONDS, move_counts,
                                        check, log)
        share = time_limit - FINISH_SECONDS
    else:
        share = BOUND_SHARE * time_limit
    offset = time.perf_counter() - began
    bound_method = "descent" if bound_method == "auto" else bound_method
    if bound_method == "descent":
        from planner.national.descent import METHOD as DESCENT_METHOD
        from planner.national.descent import descent_bound

        at_prices = _PricedPlan(data, tree, placed, check, search, log, began + time_limit - FINISH_SECONDS) \
            if improve and move_counts else None
        bound = descent_bound(data, tree, placed, time_limit=max(share - offset, 1.0), log=log, at_prices=at_prices)
        method = f"{DESCENT_METHOD} ({bound.note})"
        priced = at_prices.found if at_prices is not None else None
        if priced is not None:
            timeline.append((at_prices.when - began, float("inf"), priced[1]))
    elif bound_method in ("lp", "subgradient"):
        from planner.national.lagrange import plan_counts
        from planner.national.lpbound import METHOD as LP_METHOD
        from planner.national.lpbound import lp_bound
        from planner.national.subgradient import METHOD as SUBGRADIENT_METHOD

        bound = lp_bound(data, tree, placed, plan_counts(counts), time_limit=max(share - offset, 1.0), log=log,
                         prices=bound_method)
        method = f"{LP_METHOD if bound_method == 'lp' else SUBGRADIENT_METHOD} ({bound.note})"
        if bound.history and bound.bound >= bound.history[0][1]:
            method += " (no round finished in time: everyone some candidate site can reach)"
    elif bound_method == "national":
        from planner.national.lagrange import METHOD, lagrangian_bound, plan_counts

        bound = lagrangian_bound(data, tree, placed, plan_counts(counts), value.objective,
                                 time_limit=share - offset, log=log)
        method = METHOD
        if bound.history and bound.bound >= bound.history[0][1]:
            method += " (no round beat its lambda = 0 point: everyone some candidate site can reach)"
    else:
        bound = national_bound(data, tree, extra=placed, start=plan_pairs(counts), time_limit=share - offset,
                               log=log)
        method = "per-regency Lagrangian covering planes + count-model dual bound"
    timeline += [(offset + seconds, found, value.objective) for seconds, found in bound.history]
    objective = value.objective
    window = ("window LNS (exact site MIP per window of regencies, "
              + ("counts free under the scenario's rules)" if move_counts else "counts kept)"))
    if search is not None:
        outcome = search.result()
        timeline += [(when - wall, float("inf"), found) for when, found in search.records]
        if outcome is not None and outcome[1] > objective:
            placed, objective = outcome
        method += f"; {window}, in a second process beside the bound" + (
            "" if outcome is not None else " (failed: the two-step plan stays)")
    elif improve:
        from planner.national.exact import CountRules
        from planner.national.improve import improve_plan

        def record(found: float) -> None:
            timeline.append((time.perf_counter() - began, bound.bound, found))

        rules = CountRules(data) if move_counts else None
        left = time_limit - (time.perf_counter() - began)
        offers = [priced] if priced is not None else []
        placed, objective = improve_plan(data, tree, counts, placed, value, left, log=log, record=record,
                                         rules=rules, check=check, incoming=lambda: offers.pop() if offers else None)
        method += f"; {window}"
    if priced is not None and priced[1] > objective * (1 + 1e-9):  # the search never got to continue from it
        placed, objective = priced
    if priced is not None:
        method += f"; a plan from the bound's prices ({priced[1]:,.0f}; Lagrangian heuristic)"
    gap = relative_gap(objective, bound.bound)
    return SiteLevelResult(objective=float(objective), bound=float(bound.bound), gap=float(gap),
                           seconds=time.perf_counter() - began, method=method), placed


class _PricedPlan:
    """``at_prices`` of :func:`planner.national.descent.descent_bound`: the plan from the bound's prices
    (:func:`planner.national.heuristic.lagrangian_plan`), its counts recounted by ``check``, valued from
    scratch, offered to the search running beside (which continues from it when it is worth more than its own
    plan); ``found`` = the best (placement, value) of its calls, or None when each failed or broke a rule;
    ``when`` its ``time.perf_counter()``. Its count MIP gets at most a third of the time left before
    ``deadline`` (``time.perf_counter()``), so that the phase ends on time."""

    def __init__(self, data: NationalData, tree, placed: pd.DataFrame, check, search, log, deadline: float):
        self.data, self.tree, self.placed, self.check, self.search, self.log = data, tree, placed, check, search, log
        self.deadline = deadline
        self.found, self.when = None, None

    def __call__(self, rc, free) -> None:
        from planner.national.heuristic import COUNT_SECONDS, lagrangian_plan

        began = time.perf_counter()
        try:
            seconds = min(COUNT_SECONDS, max((self.deadline - began) / 3, 1.0))  # the phase's end holds
            plan = lagrangian_plan(self.data, rc, free, self.placed, seconds)
            broken = self.check(plan) if plan is not None and self.check is not None else []
        except Exception as error:  # a heuristic: its failure leaves the bound and the search as they are
            if self.log:
                self.log(f"plan from the bound's prices failed ({type(error).__name__}: {error})")
            return
        if plan is None or broken:
            if self.log:
                self.log("plan from the bound's prices: " + ("no counts in time" if plan is None else
                                                             f"refused ({broken[0]})"))
            return
        worth = plan_value(plan, self.data, self.tree).objective
        if self.found is not None and worth <= self.found[1]:
            if self.log:
                self.log(f"plan from the bound's prices: {worth:,.0f}, not above the earlier one "
                         f"({time.perf_counter() - began:.0f} s)")
            return
        self.found, self.when = (plan, worth), time.perf_counter()
        if self.search is not None:
            self.search.offer(plan, worth)
        if self.log:
            self.log(f"plan from the bound's prices: {worth:,.0f} ({time.perf_counter() - began:.0f} s)")
