"""The window search in a second process beside the bound: its plan comes back, its failure leaves the two-step
plan in place (small instance of test_national_bound)."""

from __future__ import annotations

import pandas as pd
import pytest

from planner.allocation.site_level import CountRulesCheck
from planner.national.bound import national_bound
from planner.national.run import site_level
from planner.national.value import plan_value
from tests.test_national_bound import varied_instance
from tests.test_national_improve import _moved_gerai, naive_plan


def refusing_check(placed: pd.DataFrame) -> list[str]:
    """A check that breaks (module level: it travels to the search's process by pickle)."""
    raise RuntimeError("this check always fails")


@pytest.fixture(scope="module")
def start():
    """A plan with a gerai moved to the wrong regency: only windows that move counts mend it."""
    data = varied_instance(1)
    counts, placed = naive_plan(data, national_bound(data, data.tree(), time_limit=20).counts)
    placed = _moved_gerai(data, placed)
    return data, counts, placed, plan_value(placed, data).objective


def test_the_search_beside_the_bound_hands_back_a_better_verified_plan(start):
    data, counts, placed, two_step = start
    timeline: list = []
    result, improved = site_level(data, counts, placed, time_limit=20, timeline=timeline, beside=True,
                                  check=CountRulesCheck(data.inputs))
    assert "in a second process beside the bound" in result.method and "failed" not in result.method
    assert result.objective > two_step
    assert plan_value(improved, data).objective == pytest.approx(result.objective)
    assert CountRulesCheck(data.inputs)(improved) == []
    assert result.bound >= result.objective and result.seconds < 20 + 5
    assert max(value for _, _, value in timeline) == pytest.approx(result.objective)  # the child's windows


def test_a_failing_search_process_leaves_the_two_step_plan(start):
    data, counts, placed, two_step = start
    lines: list[str] = []
    # 30 s: the child must reach a window that moves counts (and so calls the check); slow under load
    result, kept = site_level(data, counts, placed, time_limit=30, beside=True, check=refusing_check,
                              log=lines.append)
    assert "failed: the two-step plan stays" in result.method
    assert result.objective == pytest.approx(two_step) and kept is placed
    assert any("search failed, the two-step plan stays" in line and "this check always fails" in line
               for line in lines)


EXIT_SCRIPT = '''
import sys, time
import numpy as np
import pandas as pd
sys.path.insert(0, {root!r})
from planner.national.background import BackgroundSearch
from planner.national.bound import national_bound
from planner.national.value import plan_value
from tests.test_national_bound import varied_instance
from tests.test_national_improve import naive_plan

if __name__ == "__main__":
    data = varied_instance(1)
    counts, placed = naive_plan(data, national_bound(data, data.tree(), time_limit=10).counts)
    search = BackgroundSearch.start(data, counts, placed, plan_value(placed, data), time.time() + 8.0, False, None,
                                    None)
    big = pd.DataFrame({{"x": np.arange(200_000, dtype=float)}})  # far more than a pipe holds
    search.offer(big, -1.0)  # counts kept: the child never reads its inbox
    print("result", search.result() is not None, flush=True)
'''


def test_an_offer_the_child_never_read_does_not_hold_the_interpreter_at_exit(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    script = tmp_path / "offer_then_exit.py"
    script.write_text(EXIT_SCRIPT.format(root=str(Path(__file__).resolve().parents[1])))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "result True" in done.stdout
