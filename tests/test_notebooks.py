"""The planner notebooks run top to bottom on a fresh install (nbclient, kernel python3) and are stored clean.

01 runs in the default suite; 02 (four plans) and 03 (official data import and a plan with sites) are slow.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NAMES = ("01_quickstart.ipynb", "02_scenarios.ipynb", "03_palembang_branch.ipynb")
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def run_notebook(name: str, timeout: int = 900) -> nbformat.NotebookNode:
    """Execute a notebook in a fresh python3 kernel with the notebooks folder as working directory."""
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()
    return notebook


def _outputs(notebook: nbformat.NotebookNode) -> tuple[str, int]:
    text, images = [], 0
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            text.append(output.get("text", ""))
            data = output.get("data", {})
            text.append(data.get("text/plain", ""))
            images += "image/png" in data
    return "\n".join(text), images


def _html_outputs(notebook: nbformat.NotebookNode) -> list[str]:
    return [output["data"]["text/html"] for cell in notebook.cells for output in cell.get("outputs", [])
            if "text/html" in output.get("data", {})]


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_stored_without_outputs(name):
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{name} has stored outputs"
            assert not re.search(r"import _|\._[a-z]", cell.source), f"{name} uses a private name"


def test_quickstart_plans_the_default_and_shows_the_maps():
    notebook = run_notebook("01_quickstart.ipynb")
    text, images = _outputs(notebook)
    assert "514 regencies/cities in 38 provinces" in text
    assert "status: optimal" in text and "informal workers within reach by 2018" in text
    assert "report.html" in text and "maps/focus_16.png" in text
    assert "map.html" in text and "report.pdf" in text
    assert images >= 7  # four maps and three charts
    maps = [html for html in _html_outputs(notebook) if "iframe" in html and "plannerMap" in html]
    assert len(maps) == 1 and "https://cdn" not in maps[0]  # the interactive map, inline and offline


@pytest.mark.slow
def test_scenarios_notebook_compares_the_variants_side_by_side():
    text, images = _outputs(run_notebook("02_scenarios.ipynb"))
    assert "InputError:" in text and "budget -20 %, targets at most" in text
    assert "custom rules applied: [{'rule': 'at_most_two_kanal_per_city'" in text
    assert "most kanal in one city: 2 with the rule" in text
    assert images >= 3


@pytest.mark.slow
def test_palembang_notebook_shows_the_branch_regencies():
    text, images = _outputs(run_notebook("03_palembang_branch.ipynb"))
    for name in ("Kota Palembang", "Ogan Komering Ilir", "Ogan Ilir", "Musi Banyuasin", "Banyuasin"):
        assert name in text
    assert ("official data: 514 regions" in text) == SHARED.is_dir()
    assert "laporan_palembang.html" in text and images >= 1
