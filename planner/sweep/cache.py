"""The sweep's results cache: one JSON file per scenario under its input hash, written atomically.

``DIR/cache/<hash>.json`` holds one finished scenario (its ``sweep.csv`` row and the first year each regency
gets a new gerai). The hash covers everything that decides the result: the scenario's sha256, the region
data (file sha256, or a content hash for data built in memory), the informal-worker multipliers, the solver
settings and the planner version. A file appears only complete (temporary file + ``os.replace``), so an
interrupted sweep leaves finished scenarios readable and nothing half-written.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

import pandas as pd

from planner.hashing import file_sha256
from planner.regions import RegionDataset
from planner.scenario import Scenario

CACHE_FOLDER = "cache"
RECORD_VERSION = 2


@dataclass(frozen=True)
class SolverSettings:
    """Solver settings of every plan of a sweep (part of the input hash).

    Attributes
    ----------
    solver : str
        ``highs`` or ``cbc``.
    time_limit : float or None
        Seconds per plan.
    gap : float
        Relative gap to prove (fraction).
    threads : int or None
        Solver threads per plan (1: one plan per core).
    seed : int
        Solver random seed.
    """

    solver: str = "highs"
    time_limit: float | None = 120.0
    gap: float = 0.001
    threads: int | None = 1
    seed: int = 0


def _frame_sha256(frame: pd.DataFrame | None, digest: hashlib._Hash) -> None:
    if frame is None:
        digest.update(b"none")
        return
    plain = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    digest.update(",".join(map(str, plain.columns)).encode())
    digest.update(pd.util.hash_pandas_object(plain, index=False).to_numpy().tobytes())
    if "geometry" in frame:
        for geometry in frame.geometry.to_wkb():
            digest.update(geometry)


def dataset_sha256(dataset: RegionDataset) -> str:
    """The region data's hash: its file's sha256 when it came from a file, else a hash of its content."""
    source = Path(dataset.source)
    if source.is_file():
        return file_sha256(source)
    digest = hashlib.sha256(b"content:")
    fine = [frame for frame in (dataset.demand, dataset.sites) if frame is not None]
    for frame in (dataset.regions, dataset.provinces, dataset.points, *fine):
        _frame_sha256(frame, digest)
    return digest.hexdigest()


def _planner_version() -> str:
    try:
        return metadata.version("planner")
    except metadata.PackageNotFoundError:
        return "unknown"


def input_identity(scenario: Scenario, dataset_hash: str, factors: Sequence[tuple[str, float]],
                   settings: SolverSettings) -> dict:
    """Everything a scenario's result depends on, as plain data (stored in its cache record)."""
    return {"scenario_sha256": scenario.sha256(), "dataset_sha256": dataset_hash,
            "workers_informal_factors": {code: factor for code, factor in factors},
            "solver": asdict(settings), "planner": _planner_version(), "record_version": RECORD_VERSION}


def input_hash(identity: dict) -> str:
    """sha256 of an ``input_identity`` (canonical JSON)."""
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and ``os.replace``."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def cache_dir(out: Path) -> Path:
    """The cache folder of sweep folder ``out`` (created)."""
    folder = out / CACHE_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_record(folder: Path, key: str, record: dict) -> None:
    """Store one finished scenario as ``folder/<key>.json`` (atomically)."""
    text = json.dumps(record, indent=1, sort_keys=True, allow_nan=False) + "\n"
    atomic_write_bytes(folder / f"{key}.json", text.encode())


def read_record(folder: Path, key: str) -> dict | None:
    """A stored scenario, or None when absent or unreadable (then it is solved again)."""
    path = folder / f"{key}.json"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("input_hash") != key or "row" not in record:
        return None
    return record
