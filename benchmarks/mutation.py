"""A small mutation check of the tests (run by hand, not in CI: it takes tens of minutes).

Each mutant changes one thing in one module (a comparison, an arithmetic or boolean operator, a small
integer, or drops one call statement such as ``m.add(...)``), in a copy of the repository, and runs the
tests that guard that module with ``-x``. A mutant the tests do not notice *survives*; the listing shows
its line and change, for a person to judge (some are equivalent: they cannot change any result).

    python -m benchmarks.mutation planner/allocation/verify.py tests/test_verify.py
    python -m benchmarks.mutation planner/model/constraints.py tests/test_plan_rules.py --jobs 2

See docs/mutation.md for the last run's survivors.
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SWAPS = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
         ast.NotEq: ast.Eq, ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
         ast.And: ast.Or, ast.Or: ast.And, ast.In: ast.NotIn, ast.NotIn: ast.In}


def _sites(tree: ast.Module) -> list[tuple[ast.AST, str]]:
    """Every place a mutant can be made, with a description; docstrings and imports are left alone."""
    sites = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and type(node.ops[0]) in SWAPS:
            sites.append((node, f"{type(node.ops[0]).__name__} -> {SWAPS[type(node.ops[0])].__name__}"))
        elif isinstance(node, ast.BinOp | ast.BoolOp) and type(node.op) in SWAPS:
            sites.append((node, f"{type(node.op).__name__} -> {SWAPS[type(node.op)].__name__}"))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            sites.append((node, "not dropped"))
        elif isinstance(node, ast.Constant) and type(node.value) is int and node.value in (0, 1, 2):
            sites.append((node, f"{node.value} -> {node.value + 1}"))
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            sites.append((node, "call dropped"))
    return sites


def _mutant(source: str, index: int) -> tuple[str, int, str]:
    """Source with the ``index``-th mutation applied, its line and description."""
    tree = ast.parse(source)
    node, what = _sites(tree)[index]
    if isinstance(node, ast.Compare):
        node.ops[0] = SWAPS[type(node.ops[0])]()
    elif isinstance(node, ast.BinOp | ast.BoolOp):
        node.op = SWAPS[type(node.op)]()
    elif isinstance(node, ast.UnaryOp):
        _replace(tree, node, node.operand)
    elif isinstance(node, ast.Constant):
        node.value += 1
    else:
        node.value = ast.Constant(None)
    return ast.unparse(tree), node.lineno, what


def _replace(tree: ast.Module, old: ast.AST, new: ast.AST) -> None:
    """Put ``new`` where ``old`` is in ``tree``."""
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, field, new)
            elif isinstance(value, list):
                value[:] = [new if item is old else item for item in value]


def _run(module: str, tests: list[str], index: int, timeout: float) -> tuple[int, int, str, str]:
    source = (REPO / module).read_text(encoding="utf-8")
    text, line, what = _mutant(source, index)
    with tempfile.TemporaryDirectory(prefix="mutant_") as folder:
        copy = Path(folder) / "repo"
        shutil.copytree(REPO, copy, ignore=shutil.ignore_patterns(".git", "__pycache__", "*.egg-info", "mutants"))
        (copy / module).write_text(text, encoding="utf-8")
        command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
        try:
            done = subprocess.run(command, cwd=copy, env={**os.environ, "PYTHONPATH": str(copy)},
                                  capture_output=True, timeout=timeout)
            verdict = "killed" if done.returncode else "SURVIVED"
        except subprocess.TimeoutExpired:
            verdict = "timeout"
    return index, line, what, verdict


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module", help="module to mutate, relative to the repository root")
    parser.add_argument("tests", nargs="+", help="test files that guard it")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds per mutant (180)")
    parser.add_argument("--only", help="comma-separated mutant numbers (e.g. the last run's survivors)")
    args = parser.parse_args(argv)
    count = len(_sites(ast.parse((REPO / args.module).read_text(encoding="utf-8"))))
    chosen = [int(i) for i in args.only.split(",")] if args.only else list(range(count))
    began = time.perf_counter()
    print(f"{args.module}: {count} mutants, {len(chosen)} run, tests {' '.join(args.tests)}", flush=True)
    with ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda i: _run(args.module, args.tests, i, args.timeout), chosen))
    for index, line, what, verdict in results:
        if verdict != "killed":
            print(f"{verdict:8} #{index:3} line {line:4}: {what}")
    killed = sum(verdict == "killed" for *_, verdict in results)
    print(f"{killed} of {len(chosen)} killed in {time.perf_counter() - began:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
