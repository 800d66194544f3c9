"""The window search in a second process, beside the bound (the site-level phase has two jobs and the machine
two cores: the bound is one process's work, the search another's).

The child is started with ``spawn`` (a fresh interpreter: no solver threads inherited from the parent, which
may have run HiGHS already), gets the data by pickle and reports through a queue: progress lines, each
accepted window's value with its time, then the placement it ends with. The parent passes them on as soon as
it hears from the child (a listening thread) and, at the end, waits for the placement; a child that fails or
dies leaves the two-step plan in place (and says so), never a half-searched one.
"""

from __future__ import annotations

import multiprocessing
import os
import queue as queues
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from planner.national.model import NationalData
from planner.national.value import PlanValue

#: Seconds the child keeps free at the end of its share for handing its placement back.
HANDOVER_SECONDS = 3.0
#: Seconds the parent waits beyond the deadline before it gives up on the child.
GRACE_SECONDS = 60.0


def _search(data: NationalData, counts: pd.DataFrame, placed: pd.DataFrame, value: PlanValue, deadline: float,
            move_counts: bool, check: Callable | None, channel, inbox=None) -> None:
    """The child: the window search until ``deadline`` (``time.time()``), its messages on ``channel``; plans
    the parent offers arrive on ``inbox``."""
    try:
        from planner.national.exact import CountRules
        from planner.national.improve import improve_plan

        tree = data.tree()
        rules = CountRules(data) if move_counts else None
        seconds = deadline - HANDOVER_SECONDS - time.time()

        def incoming():
            try:
                return inbox.get_nowait() if inbox is not None else None
            except queues.Empty:
                return None

        found, objective = improve_plan(data, tree, counts, placed, value, seconds,
                                        log=lambda line: channel.put(("log", time.time(), line)),
                                        record=lambda v: channel.put(("record", time.time(), v)),
                                        rules=rules, check=check, incoming=incoming)
        channel.put(("done", time.time(), (found, objective)))
    except Exception:  # reported to the parent, which keeps the two-step plan
        channel.put(("error", time.time(), traceback.format_exc(limit=5)))


def available() -> bool:
    """Whether a second process can help: two cores or more, and a main module a spawned interpreter can
    import again (a script read from stdin cannot be; a notebook, ``python -c``, a file or the CLI can)."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    spec = getattr(main, "__spec__", None)
    return (os.cpu_count() or 1) >= 2 and (spec is not None or path is None or os.path.isfile(path))


@dataclass
class BackgroundSearch:
    """A running search. A thread of the parent passes the child's progress lines on as they come (the bound
    keeps the parent's main thread) and collects its records; :meth:`result` waits for its placement.

    Attributes
    ----------
    records : list
        (``time.time()``, value) of each accepted window.
    """

    process: object
    channel: object
    deadline: float
    log: Callable | None
    records: list = field(default_factory=list)
    outcome: tuple | None = None
    error: str | None = None
    listener: threading.Thread | None = None
    inbox: object = None

    @classmethod
    def start(cls, data: NationalData, counts: pd.DataFrame, placed: pd.DataFrame, value: PlanValue,
              deadline: float, move_counts: bool, check: Callable | None, log: Callable | None
              ) -> BackgroundSearch:
        """Spawn the child (``deadline`` in ``time.time()`` seconds) and the thread that listens to it."""
        context = multiprocessing.get_context("spawn")
        channel, inbox = context.Queue(), context.Queue()
        process = context.Process(target=_search, args=(data, counts, placed, value, deadline, move_counts, check,
                                                        channel, inbox), daemon=True)
        process.start()
        search = cls(process, channel, deadline, log, inbox=inbox)
        search.listener = threading.Thread(target=search._listen, daemon=True)
        search.listener.start()
        return search

    def _listen(self) -> None:
        """Until the child's last message (or its death, or the deadline's grace): pass each message on."""
        give_up = self.deadline + GRACE_SECONDS
        while time.time() < give_up:
            try:
                kind, when, payload = self.channel.get(timeout=1.0)
            except queues.Empty:
                if self.process.is_alive():
                    continue
                try:  # its last words may still be in the pipe
                    kind, when, payload = self.channel.get(timeout=1.0)
                except queues.Empty:
                    self.error = f"the search process ended without a result (exit code {self.process.exitcode})"
                    return
            if kind == "log" and self.log:
                self.log(payload if payload.startswith("search") else f"search: {payload}")
            elif kind == "record":
                self.records.append((when, payload))
            elif kind == "done":
                self.outcome = payload
                return
            elif kind == "error":
                self.error = payload
                return
        self.error = "the search process did not hand its plan back in time"

    def offer(self, placed: pd.DataFrame, value: float) -> None:
        """Hand the child a verified plan worth ``value``; it continues from it if that beats its own (when it
        is still searching)."""
        if self.process.is_alive():
            self.inbox.put((placed, value))

    def result(self) -> tuple[pd.DataFrame, float] | None:
        """Wait for the child's placement and value; None when it failed or did not answer in time."""
        self.listener.join(timeout=max(self.deadline + GRACE_SECONDS - time.time(), 0.0) + 5.0)
        if self.outcome is None and self.error is None:
            self.error = "the search process did not hand its plan back in time"
        self.process.join(timeout=5.0)
        if self.process.is_alive():
            self.process.terminate()
        # an offer the child never read would keep its feeder thread, and so this interpreter's exit, waiting
        self.inbox.cancel_join_thread()
        self.inbox.close()
        if self.error and self.log:
            self.log(f"search failed, the two-step plan stays: {self.error.strip().splitlines()[-1]}")
        return self.outcome
